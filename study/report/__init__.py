"""The study explorer: an interactive Pareto explorer as one offline HTML page, or served live.

`build_payload(store)` reads the results into one JSON document; `render_html(payload)` turns
it into the page; `write_report(store, path)` does both; `serve.serve_study` serves it live.
"""

from study.report.html import render_html, write_report
from study.report.payload import build_payload

__all__ = ["build_payload", "render_html", "write_report"]
