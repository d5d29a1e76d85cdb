"""The release site's public texts, read from translation files, and number formatting.

Every public string lives in ``templates/i18n/{lang}.toml`` (a workspace's
``templates/i18n/{lang}.toml`` may override any of its keys). The sections are ``ui``
(page texts), ``notes`` (the known observation notes) and ``note_kinds`` (their short
names), ``quality`` (finding summaries by
code), ``months`` and ``goals``. Both languages must have the same keys.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sdmx_tools.errors import ReleaseError
from sdmx_tools.fsutil import bundled

__all__ = [
    "DASH",
    "LANGUAGES",
    "NOTE_KEYS",
    "Texts",
    "format_date",
    "format_number",
    "format_size",
    "load_texts",
    "note_key",
    "translator",
]

LANGUAGES = ("es", "en")
DASH = "—"
_SECTIONS = ("ui", "notes", "note_kinds", "quality", "goals")
_TEXT_BYTES = 1 << 20

# The observation notes convert writes (COMMENT_OBS, in English, as SDMX carries them), by
# their fixed start, and the ``[notes]`` key that says them in the page's language. A note
# not listed here is the workspace's own text and is shown as it is.
NOTE_KEYS: tuple[tuple[str, str], ...] = (
    ("partial coverage: ", "partial_coverage"),
    ("withheld: incomplete coverage", "withheld_coverage"),
    ("not computed: no reporting municipality", "not_computed"),
    ("incomplete year", "incomplete_year"),
    ("no census 2020 denominator", "post_census"),
    ("no denominator for this area", "no_denominator"),
    ("denominator is zero", "denominator_zero"),
    ("no value: numerator or denominator missing", "no_value"),
)


def note_key(comment: str) -> str | None:
    """The ``[notes]`` key of a note convert writes, or None for any other text."""
    return next((key for start, key in NOTE_KEYS if comment.startswith(start)), None)


@dataclass(frozen=True, slots=True)
class Texts:
    """One language's texts: the sections of its translation file."""

    lang: str
    ui: Mapping[str, str]
    notes: Mapping[str, str]
    note_kinds: Mapping[str, str]
    quality: Mapping[str, str]
    goals: Mapping[int, str]
    months: Sequence[str]
    date: str


def load_texts(dirs: Sequence[Path] = ()) -> dict[str, Texts]:
    """Every language's texts: the bundled files, overridden key by key by ``dirs``.

    Parameters
    ----------
    dirs
        Template folders, highest priority first; each may hold ``i18n/{lang}.toml``.

    Raises
    ------
    ReleaseError
        A translation file that is not TOML, has a non-text entry, or a language that lacks
        a key the other has.
    """
    folders = [*dirs, bundled("templates")]
    texts = {}
    for lang in LANGUAGES:
        merged: dict[str, dict[str, object]] = {}
        for folder in reversed(folders):  # lowest priority first
            path = Path(folder) / "i18n" / f"{lang}.toml"
            if path.is_file():
                for section, entries in _read(path).items():
                    merged.setdefault(section, {}).update(entries)
        texts[lang] = _texts(lang, merged)
    keys = {lang: {(s, k) for s in _SECTIONS for k in getattr(t, s)}
            for lang, t in texts.items()}
    for lang, other in (("es", "en"), ("en", "es")):
        missing = sorted(keys[other] - keys[lang])
        if missing:
            section, key = missing[0]
            raise ReleaseError("A translation lacks a text the other language has",
                               file=f"i18n/{lang}.toml", key=f"{section}.{key}",
                               hint=f"add it to i18n/{lang}.toml")
    return texts


def _read(path: Path) -> dict[str, dict[str, object]]:
    raw = path.read_bytes()[: _TEXT_BYTES + 1]
    try:
        if len(raw) > _TEXT_BYTES:
            raise ValueError("larger than 1 MiB")
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ReleaseError(f"Translation file is not valid TOML: {exc}", file=path) from exc
    out: dict[str, dict[str, object]] = {}
    for section, entries in data.items():
        if not isinstance(entries, dict):
            raise ReleaseError("A translation section must be a table", file=path,
                               key=section)
        for key, value in entries.items():
            ok = isinstance(value, str) or (
                isinstance(value, list) and all(isinstance(v, str) for v in value))
            if not ok:
                raise ReleaseError("A translation must be text", file=path,
                                   key=f"{section}.{key}")
        out[section] = dict(entries)
    return out


def _texts(lang: str, merged: dict[str, dict[str, object]]) -> Texts:
    months = merged.get("months", {})
    names, date = months.get("names"), months.get("date")
    if not isinstance(names, list) or len(names) != 12 or not isinstance(date, str):
        raise ReleaseError("The translation needs months.names (12) and months.date",
                           file=f"i18n/{lang}.toml")
    goals = {int(k): str(v) for k, v in merged.get("goals", {}).items() if str(k).isdigit()}
    return Texts(lang=lang,
                 ui={k: str(v) for k, v in merged.get("ui", {}).items()},
                 notes={k: str(v) for k, v in merged.get("notes", {}).items()},
                 note_kinds={k: str(v) for k, v in merged.get("note_kinds", {}).items()},
                 quality={k: str(v) for k, v in merged.get("quality", {}).items()},
                 goals=goals, months=[str(m) for m in names], date=date)


def _lookup(table: Mapping[str, str], key: str, fields: Mapping[str, object]) -> str:
    if fields.get("count") == 1 and f"{key}_one" in table:
        key = f"{key}_one"
    text = table[key]
    return text.format(**fields) if fields else text


def translator(texts: Texts, section: str = "ui") -> Callable[..., str]:
    """Return ``t(key, **fields)`` over one section of a language's texts.

    Looks ``key`` up and fills ``{placeholders}`` from the keyword arguments; with
    ``count=1`` it takes ``key_one`` when there is one. An unknown key raises ``KeyError``
    so that a typo in a template fails the render.
    """
    table = getattr(texts, section)

    def t(key: str, **fields: object) -> str:
        return _lookup(table, key, fields)

    return t


def format_date(stamp: str, texts: Texts) -> str:
    """An ISO 8601 date or timestamp as a reader writes it (``2 de mayo de 2024``).

    A text that is not ISO 8601 is returned as it is.
    """
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return texts.date.format(day=when.day, month=texts.months[when.month - 1], year=when.year)


def format_number(value: float | int | None, decimals: int = 1) -> str:
    """Format a number the es-MX / en way: comma thousands, point decimals.

    Both page languages share the convention (Mexican Spanish writes ``1,234.5``), so the
    function takes no language. Missing, NaN and infinite values become ``"—"``, never 0.

    Parameters
    ----------
    value
        The number, or ``None``.
    decimals
        Digits after the decimal point.

    Returns
    -------
    str
        E.g. ``"1,234.5"`` or ``"—"``.
    """
    if value is None:
        return DASH
    number = float(value)
    if not math.isfinite(number):
        return DASH
    text = f"{number:,.{decimals}f}"
    # "-0.0" reads as a sign error to a reader; a rounded zero has no sign.
    return text[1:] if text.startswith("-") and float(text[1:].replace(",", "")) == 0 else text


def format_size(size: int) -> str:
    """Human-readable file size in powers of 1,024 (``"12.3 KB"``).

    Parameters
    ----------
    size
        Bytes.

    Returns
    -------
    str
        The size with a unit.
    """
    if size < 1024:
        return f"{size} B"
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GB":
            break
    return f"{format_number(scaled, 1)} {unit}"
