"""The report opened in headless chromium (Debian's package, Playwright) with no network."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from study.cli import report as report_cli
from study.report import build_payload

OBJECTIVES = (("eval/alignment/loss", "min"), ("eval/sj/accuracy", "max"))
XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_PLOTLY = '<b>sj</b><br><a href="javascript:window.__xss=1">go</a>'  # tags plotly renders


def write_report(study: Any, out: Path) -> Path:
    parser = argparse.ArgumentParser()
    report_cli.register(parser.add_subparsers())
    args = parser.parse_args(["report", study.name, "--storage", str(study.storage),
                              "-o", str(out)])
    assert args.func(args) == 0
    return out


def with_values(study: Any, x: str, y: str) -> dict[str, tuple[float, float]]:
    """Trial id -> (x, y) at the chosen epoch, for trials that have both."""
    points = {t: (study.best(t, x), study.best(t, y)) for t in study.records}
    return {t: p for t, p in points.items() if None not in p}


def brute_force_front_size(study: Any) -> int:
    points = with_values(study, OBJECTIVES[0][0], OBJECTIVES[1][0])

    def dominates(a: tuple[float, float], b: tuple[float, float]) -> bool:
        return a[0] <= b[0] and a[1] >= b[1] and (a[0] < b[0] or a[1] > b[1])

    return sum(not any(dominates(q, p) for s, q in points.items() if s != t)
               for t, p in points.items())


def point_at(page: Any, xy: tuple[float, float], selector: str = "#front-plot") -> None:
    """Move the mouse over the drawn point with data coordinates `xy`."""
    handle = page.evaluate_handle(f"""() => [...document.querySelectorAll(
        '{selector} .scatterlayer path.point')].find(e => e.__data__.x === {xy[0]}
        && e.__data__.y === {xy[1]})""")
    element = handle.as_element()
    assert element is not None, f"no point drawn at {xy}"
    element.scroll_into_view_if_needed()
    box = element.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


class OfflinePage:
    """A page in a context without network; records every request and script error."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context = browser.new_context(offline=True, viewport={"width": 1400, "height": 1000})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        self.url = url

    def point_data(self, selector: str = "#front-plot") -> list[dict[str, float]]:
        return self.page.eval_on_selector_all(
            f"{selector} .scatterlayer path.point",
            "els => els.map(e => ({x: e.__data__.x, y: e.__data__.y}))")

    def close(self) -> None:
        assert self.errors == [], f"script errors in the page: {self.errors}"
        assert self.requests == [self.url], f"the page fetched something: {self.requests}"
        self.context.close()


@pytest.fixture(scope="module")
def report_study(tmp_path_factory: pytest.TempPathFactory, explorer_study_factory: Any) -> Any:
    root = tmp_path_factory.mktemp("report")
    study = explorer_study_factory(root / "studies", name="tiny-report")
    study.report = write_report(study, root / "report.html")
    return study


@pytest.fixture(scope="module")
def loaded_report(explorer_browser: Any, report_study: Any) -> Any:
    page = OfflinePage(explorer_browser, report_study.report.as_uri())
    yield page
    page.close()


@pytest.fixture
def report_page(loaded_report: OfflinePage) -> OfflinePage:
    """The report, loaded once per module and reset to its first view for each test."""
    loaded_report.page.evaluate("() => { window.moOrpoExplorer.reset(); window.scrollTo(0, 0); }")
    return loaded_report


def test_report_is_one_offline_file(report_study: Any) -> None:
    html = report_study.report.read_text()
    assert "plotly.js v" in html  # embedded, not linked
    assert "<script src" not in html and "<link" not in html
    assert "connect-src 'none'" in html


def test_payload_axes_and_paper_tables(report_study: Any) -> None:
    payload = build_payload(report_study.store)
    axes = {g["label"]: g["columns"] for g in payload["axes"]}
    assert axes["Objectives"] == [m for m, _ in OBJECTIVES]
    offered = [c for cols in axes.values() for c in cols]
    assert "train/alignment/loss" in offered and "last/eval/sj/accuracy" in offered
    assert not {"step", "epoch", "epoch_end", "total_steps", "last/step"} & set(offered)
    assert payload["directions"]["train/sj/log_odds_ratio"] == "max"
    # Table 2: one row per approach, its trial the best-ranked of that approach
    table = payload["state_table"]
    keys = [c["key"] for c in table["columns"]]
    rows = [dict(zip(keys, r, strict=True)) for r in table["rows"]]
    t2 = payload["paper"]["table2"]
    t2_keys = [c["key"] for c in t2["columns"]]
    for row in (dict(zip(t2_keys, r, strict=True)) for r in t2["rows"]):
        summary = report_study.records[row["trial_id"]]["summary"]
        same = [r for r in rows if r["strategy"] == summary["strategy"]
                and r["schedule"] == summary["schedule"]]
        assert row["trials"] == len(same)
        ranks = [r["pareto_rank"] for r in same if r["pareto_rank"] is not None]
        assert row["pareto_rank"] == (min(ranks) if ranks else None)


def test_front_counts_tables_and_parcoords(report_page: OfflinePage, report_study: Any,
                                           explorer_artifacts: Path) -> None:
    page = report_page.page
    page.screenshot(path=str(explorer_artifacts / "report-overview.png"), full_page=True)
    points = with_values(report_study, OBJECTIVES[0][0], OBJECTIVES[1][0])
    drawn = report_page.point_data()
    assert len(drawn) == len(points) == 12
    assert sorted((d["x"], d["y"]) for d in drawn) == sorted(points.values())
    assert page.text_content("#nd-count") == str(brute_force_front_size(report_study))
    assert page.text_content("#highlighted-count") == str(brute_force_front_size(report_study))
    assert page.text_content("#left-out-count") == "2"
    # the front's staircase line joins the non-dominated points
    line = page.evaluate("""() => document.getElementById('front-plot').data
        .filter(t => t.mode === 'lines').map(t => t.x.length)""")
    assert line == [brute_force_front_size(report_study)]
    # parallel coordinates: one line per trial with values, objectives and Pareto rank axes
    pc = page.evaluate("""() => { const t = document.getElementById('parcoords-plot').data[0];
        return {n: t.dimensions[0].values.length, labels: t.dimensions.map(d => d.label)}; }""")
    assert pc["n"] == 12
    assert pc["labels"][-3:] == ["eval/alignment/loss \u2193", "eval/sj/accuracy \u2191", "Pareto rank"]
    assert page.locator("#parcoords-plot .parcoords").count() == 1
    # paper views: Figure 3 (right) and Tables 1-2
    loss_points = with_values(report_study, "train/alignment/loss", "train/sj/loss")
    assert len(report_page.point_data("#loss-front-plot")) == len(loss_points)
    table1_trials = [t for t, r in report_study.records.items()
                     if r["summary"]["strategy"] in ("baseline", "scalarization")
                     and r["summary"]["schedule"] == "simultaneous"]
    assert page.locator("#table1 tbody tr").count() == len(table1_trials)
    approaches = {(r["summary"]["strategy"], r["summary"]["schedule"])
                  for r in report_study.records.values()}
    assert page.locator("#table2 tbody tr").count() == len(approaches)
    assert page.locator("#state-table tbody tr").count() == len(report_study.records)
    assert "CUDA out of memory" in page.text_content("#state-table")
    # tables sort: click the accuracy header twice -> descending
    page.click("#table2 th:has-text('eval/sj/accuracy')")
    page.click("#table2 th:has-text('eval/sj/accuracy')")
    column = page.eval_on_selector_all("#table2 tbody tr td:nth-child(6)",
                                       "tds => tds.map(td => parseFloat(td.textContent))")
    assert column == sorted(column, reverse=True) and len(column) == len(approaches)


def test_switching_an_axis_redraws(report_page: OfflinePage, report_study: Any) -> None:
    page = report_page.page
    page.select_option("#x-axis", "train/alignment/loss")
    page.wait_for_function("() => document.getElementById('front-plot').layout.xaxis.title.text"
                           ".startsWith('train/alignment/loss')")
    points = with_values(report_study, "train/alignment/loss", OBJECTIVES[1][0])
    drawn = report_page.point_data()
    assert sorted((d["x"], d["y"]) for d in drawn) == sorted(points.values())
    assert page.input_value("#x-dir") == "min"
    # front of the plotted axes, computed in the page, equals a brute-force one
    page.select_option("#x-axis", OBJECTIVES[0][0])
    page.select_option("#front-mode", "axes")
    assert page.text_content("#highlighted-count") == str(brute_force_front_size(report_study))
    page.select_option("#y-axis", "w1")
    assert len(report_page.point_data()) == len(with_values(report_study, OBJECTIVES[0][0],
                                                            "train/loss"))


def test_clicking_a_point_shows_its_curves(report_page: OfflinePage, report_study: Any,
                                           explorer_artifacts: Path) -> None:
    page = report_page.page
    points = with_values(report_study, OBJECTIVES[0][0], OBJECTIVES[1][0])
    target = "trial_00004"
    point_at(page, points[target])
    page.mouse.down()
    page.mouse.up()
    page.wait_for_selector("#curve-log_odds .scatterlayer path")
    assert page.text_content("#selected-label").startswith(f"trial {target} ")
    assert target in page.text_content("#trial-details")
    assert "train.strategyscalarization" in page.text_content("#trial-config")  # full config
    traces = page.evaluate("""() => Object.fromEntries(document.getElementById('curve-log_odds')
        .data.map(t => [t.meta, {x: t.x, y: t.y}]))""")
    curve = report_study.curves[target]
    for metric in ("train/alignment/log_odds_ratio", "train/sj/log_odds_ratio"):
        assert traces[metric]["x"] == [r["step"] for r in curve]
        assert traces[metric]["y"] == pytest.approx([r[metric] for r in curve])
    evals = [r for r in curve if "eval/alignment/log_odds_ratio" in r]
    assert traces["eval/alignment/log_odds_ratio"]["x"] == [r["step"] for r in evals]
    losses = page.evaluate("() => document.getElementById('curve-losses').data.map(t => t.meta)")
    assert {"train/alignment/loss", "train/sj/loss", "eval/alignment/loss"} <= set(losses)
    page.screenshot(path=str(explorer_artifacts / "report-clicked-trial.png"), full_page=False)


def test_brushing_parallel_coordinates_filters_the_front(report_page: OfflinePage,
                                                        report_study: Any) -> None:
    page = report_page.page
    index = page.evaluate("""() => document.getElementById('parcoords-plot').data[0]
        .dimensions.findIndex(d => d.label === 'w1')""")
    assert index >= 0
    page.evaluate(f"""() => Plotly.restyle('parcoords-plot',
        {{'dimensions[{index}].constraintrange': [[0.55, 0.75]]}})""")
    expected = [t for t in with_values(report_study, OBJECTIVES[0][0], OBJECTIVES[1][0])
                if 0.55 <= report_study.records[t]["summary"]["w1"] <= 0.75]
    assert len(report_page.point_data()) == len(expected) > 0
    # the CSV download holds exactly the trials the plot shows
    with page.expect_download() as download:
        page.click("#download-csv")
    shown = pd.read_csv(download.value.path())
    assert sorted(shown["trial_id"]) == sorted(expected)
    assert shown.set_index("trial_id").loc[expected[0], "w1"] == \
        report_study.records[expected[0]]["summary"]["w1"]
    page.click("#reset-brush")
    assert len(report_page.point_data()) == 12


def test_user_text_is_shown_as_text_and_never_runs(explorer_browser: Any, tmp_path: Path,
                                                   explorer_study_factory: Any,
                                                   explorer_artifacts: Path) -> None:
    name = f"{XSS_SCRIPT} & {XSS_IMG}"
    study = explorer_study_factory(tmp_path / "studies", name="xss-study", display_name=name,
                                   labels={"conjoined": XSS_IMG, "conditional": XSS_SCRIPT,
                                           "sj_sft": XSS_PLOTLY})
    record = study.store.read_trial("trial_err")
    record["error"] = f"ValueError: bad label {XSS_IMG} {XSS_SCRIPT}"
    study.store.write_trial(record)
    html = write_report(study, tmp_path / "xss.html").read_text()
    assert XSS_SCRIPT not in html and XSS_IMG not in html  # escaped in the embedded JSON
    page = OfflinePage(explorer_browser, (tmp_path / "xss.html").as_uri())
    p = page.page
    assert p.evaluate("() => typeof window.__xss") == "undefined"
    assert p.text_content("#study-name") == name
    assert p.title() == f"mo-orpo study: {name}"
    legend = " ".join(p.locator("#front-plot .legendtext").all_text_contents())
    assert XSS_IMG in legend and XSS_SCRIPT in legend and XSS_PLOTLY in legend
    assert p.locator("#front-plot .legend a").count() == 0
    assert f"bad label {XSS_IMG} {XSS_SCRIPT}" in p.text_content("#state-table")
    assert XSS_IMG in p.text_content("#table2")
    ticks = " ".join(p.locator("#parcoords-plot .tick text").all_text_contents())
    assert XSS_IMG in ticks
    assert p.evaluate("() => document.querySelectorAll('img').length") == 0
    point_at(p, with_values(study, OBJECTIVES[0][0], OBJECTIVES[1][0])["trial_00006"])
    p.wait_for_selector("#front-plot .hoverlayer .hovertext")
    assert f"strategy: {XSS_IMG}" in p.text_content("#front-plot .hoverlayer .hovertext")
    p.screenshot(path=str(explorer_artifacts / "report-xss.png"), full_page=False)
    assert p.evaluate("() => typeof window.__xss") == "undefined"
    page.close()


def test_many_trials_use_webgl(explorer_browser: Any, tmp_path: Path,
                               explorer_study_factory: Any) -> None:
    study = explorer_study_factory(tmp_path / "studies", name="big-study")
    rng = np.random.default_rng(7)
    n = 1_200
    values = np.round(rng.uniform(0, 1, size=(n, 2)), 3)  # rounded: ties and duplicates
    template = study.records["trial_00001"]
    for i, (loss, acc) in enumerate(values):
        record = dict(template, trial_id=f"bulk_{i:05d}")
        record["best"] = {"epoch": 2, "step": 16, "metrics": {OBJECTIVES[0][0]: float(loss),
                                                              OBJECTIVES[1][0]: float(acc)}}
        study.store.write_trial(record)
    page = OfflinePage(explorer_browser, write_report(study, tmp_path / "big.html").as_uri())
    traces = page.page.evaluate("""() => document.getElementById('front-plot').data
        .filter(t => t.customdata).map(t => ({type: t.type, n: t.x.length}))""")
    assert {t["type"] for t in traces} == {"scattergl"}
    assert sum(t["n"] for t in traces) == n + 12
    assert page.page.locator("#front-plot canvas").count() > 0
    points = np.vstack([values, np.array(list(with_values(study, *(m for m, _ in OBJECTIVES))
                                              .values()))])
    loss, acc = points[:, :1], points[:, 1:]
    # i is dominated when some j is <= in loss, >= in acc, and differs in one (numpy, O(n^2))
    dominated = ((loss.T <= loss) & (acc.T >= acc) & ((loss.T < loss) | (acc.T > acc))).any(axis=1)
    assert page.page.text_content("#nd-count") == str(int((~dominated).sum()))
    page.close()
