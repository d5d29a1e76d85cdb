"""The run report as one self-contained HTML page (no scripts, nothing loaded from afar).

Source text (file names, cell values, messages quoting them) is crowdsourced: the page is
rendered by Jinja2 with autoescaping on, so a cell holding ``<script>`` shows as text.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from sdmx_tools.fsutil import atomic_write
from sdmx_tools.report import Report

__all__ = ["render_report_html", "write_report_html"]

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
# Compiled once, at import: from_string compiles afresh on every call.
_TEMPLATE = _ENV.from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sdmx-tools run report</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}
th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.error{color:#a40000}.warning{color:#8a5a00}.info{color:#555}
.status{padding:.6rem 1rem;border-radius:4px;background:#e7f4e7}
.status.fail{background:#fbe9e9}
code{font-size:90%}
</style></head><body>
<h1>Run report</h1>
<p class="status{% if not report.ok %} fail{% endif %}">
{% if report.ok %}No errors: the outputs were published.{% else %}
{{ report.errors|length }} error(s): nothing was published.{% endif %}</p>
<h2>Row accounting</h2>
<table><thead><tr><th>Source</th><th>Read</th><th>Used</th><th>Quarantined</th>
<th>Excluded</th><th>Balanced</th><th>Why excluded / quarantined</th></tr></thead><tbody>
{% for a in report.accounts %}<tr><td>{{ a.source }}</td><td class="n">{{ a.read }}</td>
<td class="n">{{ a.used }}</td><td class="n">{{ a.quarantined }}</td>
<td class="n">{{ a.excluded }}</td><td>{{ "yes" if a.balanced else "NO" }}</td>
<td>{{ pairs(a.excluded_by_rule) }}{% if a.quarantined_by_reason %}<br>quarantine:
{{ pairs(a.quarantined_by_reason) }}{% endif %}</td></tr>
{% endfor %}</tbody></table>
<h2>Findings per code</h2>
<table><thead><tr><th>Code</th><th>Count</th></tr></thead><tbody>
{% for code, n in counts %}<tr><td><code>{{ code }}</code></td><td class="n">{{ n }}</td></tr>
{% endfor %}</tbody></table>
<h2>First examples of each code</h2>
<table><thead><tr><th>Severity</th><th>Code</th><th>Where</th><th>Message</th><th>Value</th>
<th>Hint</th></tr></thead><tbody>
{% for f in examples %}<tr class="{{ f.severity.value }}"><td>{{ f.severity.value }}</td>
<td><code>{{ f.code }}</code></td><td>{{ f.location() }}</td><td>{{ f.message }}</td>
<td>{{ f.value if f.value is not none else "" }}</td><td>{{ f.hint or "" }}</td></tr>
{% endfor %}</tbody></table>
<p>Every quarantined row, with its raw cells, is in <code>quarantine.csv</code> beside this
page; the same report as data is <code>report.json</code>.</p>
</body></html>
""")


def render_report_html(report: Report, examples: int = 20) -> str:
    """The report as an HTML page: accounts, counts per code, the first examples."""
    return _TEMPLATE.render(
        report=report, counts=sorted(report.counts().items()),
        pairs=lambda d: ", ".join(f"{k}: {v}" for k, v in d.items()),
        examples=report.to_findings(examples))


def write_report_html(report: Report, path: Path, examples: int = 20) -> None:
    """Write :func:`render_report_html` to ``path`` atomically."""
    with atomic_write(path) as fh:
        fh.write(render_report_html(report, examples))
