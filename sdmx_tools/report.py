"""Data problems as data: typed findings and the run report.

A :class:`Finding` is one problem (or note) with a stable ``code`` slug, a severity and a
location, like frictionless' error records. A :class:`Report` collects findings and the
row accounting of each source, and renders as text, JSON or one self-contained HTML page
(:func:`write_report_html`). A report with errors means exit status 1.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import jinja2

from sdmx_tools.errors import clip, format_location
from sdmx_tools.fsutil import atomic_write

__all__ = [
    "Finding",
    "Report",
    "RowAccount",
    "Severity",
    "render_report_html",
    "write_report_html",
]


class Severity(StrEnum):
    """How much a finding matters: errors block publication, warnings and notes do not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Finding:
    """One data problem, located.

    Attributes
    ----------
    code
        Stable slug, e.g. ``unknown-area``, ``zero-denominator``.
    severity
        :class:`Severity`.
    message
        What is wrong, in one sentence.
    source, file, row, column, key
        Where: source id, file, 1-based input row, column name, SDMX series/obs key.
    value
        The offending value as text.
    hint
        What to do next.
    """

    code: str
    severity: Severity
    message: str
    source: str | None = None
    file: str | None = None
    row: int | None = None
    column: str | None = None
    key: str | None = None
    value: str | None = None
    hint: str | None = None

    def location(self) -> str:
        """Human-readable location, ``file:row, column 'c', key k``."""
        return format_location(self.file, self.row, self.column or None, self.key or None)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the fields that are set."""
        # Not dataclasses.asdict: its deep copy is most of a large report's writing time.
        return {k: v for k in self.__slots__ if (v := getattr(self, k)) is not None}

    def to_text(self) -> str:
        """One line: ``severity code location: message (value) hint``."""
        text = f"{self.severity.value}: [{self.code}]"
        loc = self.location()
        if loc:
            text += f" {loc}:"
        text += f" {self.message}"
        if self.value is not None:
            text += f" (value {clip(self.value)!r})"
        if self.hint:
            text += f". Hint: {self.hint}"
        return text


@dataclass(slots=True)
class RowAccount:
    """Row accounting of one source: read = used + quarantined + excluded."""

    source: str
    read: int = 0
    used: int = 0
    quarantined: int = 0
    excluded: int = 0
    excluded_by_rule: dict[str, int] = field(default_factory=dict)
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        """True when every input row is accounted for."""
        return self.read == self.used + self.quarantined + self.excluded


@dataclass(slots=True)
class Report:
    """Findings and row accounts of one run."""

    findings: list[Finding] = field(default_factory=list)
    accounts: list[RowAccount] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        """Append one finding."""
        self.findings.append(finding)

    @property
    def errors(self) -> list[Finding]:
        """Findings of severity error."""
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def ok(self) -> bool:
        """No errors and every source balanced."""
        return not self.errors and all(a.balanced for a in self.accounts)

    def counts(self) -> dict[str, int]:
        """Number of findings per code; quarantine reasons count every quarantined row.

        A source keeps findings for the first rows of each quarantine reason only (the
        quarantine file has them all), so those codes are counted from the row accounts.
        """
        quarantine = {(a.source, r): n for a in self.accounts
                      for r, n in a.quarantined_by_reason.items()}
        counts = Counter(f.code for f in self.findings if (f.source, f.code) not in quarantine)
        for (_, reason), n in quarantine.items():
            counts[reason] += n
        return dict(counts)

    def to_dict(self, examples: int | None = 5, rest: str | None = None) -> dict[str, Any]:
        """JSON-ready dict: accounts, counts per code, and the first examples of each.

        ``findings_complete`` says whether ``findings`` holds every finding kept (the
        quarantine file has every quarantined row); when not, ``more_in`` names ``rest``.
        """
        kept = self.to_findings(examples)
        data = {
            "ok": self.ok,
            "accounts": [asdict(a) | {"balanced": a.balanced} for a in self.accounts],
            "counts": self.counts(),
            "findings": [f.to_dict() for f in kept],
            "findings_complete": len(kept) == len(self.findings),
        }
        if not data["findings_complete"] and rest:
            data["more_in"] = rest
        return data

    def to_json(self, examples: int | None = 5, rest: str | None = None) -> str:
        """The report as a JSON document (:meth:`to_dict`)."""
        return json.dumps(self.to_dict(examples, rest), ensure_ascii=False, indent=2,
                          default=str)

    def to_text(self, examples: int = 5, rest: Mapping[str, str] | None = None) -> str:
        """The report as lines of text: accounts, then per code its count and examples.

        A code with more findings than ``examples`` says how many are left out and where
        they are: ``rest["quarantine"]`` for quarantined rows, ``rest["findings"]`` for
        the others (the CLI passes the report and quarantine files).
        """
        lines = []
        for a in self.accounts:
            mark = "" if a.balanced else "  UNBALANCED"
            lines.append(
                f"{a.source}: {a.read} rows read = {a.used} used + {a.quarantined} "
                f"quarantined + {a.excluded} excluded{mark}"
            )
        reasons = {r for a in self.accounts for r in a.quarantined_by_reason}
        shown: dict[str, list[Finding]] = {}
        for f in self.to_findings(examples):
            shown.setdefault(f.code, []).append(f)
        for code, n in sorted(self.counts().items()):
            lines.append(f"{code}: {n}")
            lines.extend("  " + f.to_text() for f in shown.get(code, []))
            left = n - len(shown.get(code, []))
            if left > 0:
                where = (rest or {}).get("quarantine" if code in reasons else "findings")
                lines.append(f"  ... {left} more {code}" + (f": see {where}" if where else ""))
        return "\n".join(lines)

    def to_findings(self, examples: int | None) -> list[Finding]:
        """The first ``examples`` findings of each code, in order (None: all of them)."""
        if examples is None:
            return list(self.findings)
        shown: Counter[str] = Counter()
        kept = []
        for f in self.findings:
            if shown[f.code] < examples:
                shown[f.code] += 1
                kept.append(f)
        return kept


# -- the report as one self-contained HTML page (no scripts, nothing loaded from afar).
# Source text (file names, cell values, messages quoting them) is crowdsourced: Jinja2
# autoescapes it, so a cell holding ``<script>`` shows as text.
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
