"""The explorer page: one self-contained HTML file (plotly.js, CSS, JS and data inlined).

Nothing is fetched: plotly.js is the copy shipped inside the `plotly` Python package, and a
Content-Security-Policy forbids loading anything (a served page may only poll its own
`api/data`). Scripts run only with the page's nonce, so markup smuggled into the study's text
could not run even if it reached the DOM (it does not: the page uses `textContent`).

The study data travels as JSON inside `<script type="application/json">` with `<`, `>` and
`&` written as `\\u003c`, `\\u003e`, `\\u0026`, so no value can close the script element.
"""

from __future__ import annotations

import re
import secrets
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from study.report.payload import build_payload, to_json
from study.results.store import StudyStore

ASSETS = ("page.html", "page.css", "explorer.js")
_PLACEHOLDER = re.compile(r"\{\{([A-Z_]+)\}\}")
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026",
                 "\u2028": "\\u2028", "\u2029": "\\u2029"}


@cache
def _asset(name: str) -> str:
    return resources.files("study.report").joinpath("assets", name).read_text(encoding="utf-8")


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script")


def embed_json(value: dict[str, Any]) -> str:
    """JSON that is safe inside a `<script>` element (no `<`, `>` or `&` characters)."""
    text = to_json(value)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def content_security_policy(nonce: str, live: bool) -> str:
    """What the page may do: its own nonce'd scripts, inline styles, and (live) poll itself."""
    connect = "'self'" if live else "'none'"
    # plotly's WebGL traces (parcoords, scattergl) compile shaders with `new Function`.
    return ("default-src 'none'; "
            f"script-src 'nonce-{nonce}' 'unsafe-eval'; style-src 'unsafe-inline'; "
            f"img-src data: blob:; font-src data:; connect-src {connect}; "
            "base-uri 'none'; form-action 'none'")


def render_html(payload: dict[str, Any], live: bool = False, poll_ms: int = 2000) -> str:
    """The page for `payload` (see `study.report.payload`); `live` makes it poll `api/data`."""
    nonce = secrets.token_urlsafe(16)
    values = {
        "CSP": content_security_policy(nonce, live),
        "NONCE": nonce,
        "CSS": _asset("page.css"),
        "DATA": embed_json(payload),
        "CONFIG": embed_json({"live": live, "poll_ms": int(poll_ms)}),
        "PLOTLY_JS": _plotly_js(),
        "APP_JS": _asset("explorer.js"),
    }
    # One pass: text inserted for one placeholder is never scanned for another.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _asset("page.html"))


def write_report(store: StudyStore, output: str | Path) -> Path:
    """Write the study's explorer page to `output`; returns the path written."""
    path = Path(output).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(build_payload(store)), encoding="utf-8")
    return path
