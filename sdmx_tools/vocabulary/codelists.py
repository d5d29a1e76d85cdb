"""Codelists: a small typed model and the loader of ``codelists/catalogue.toml`` folders.

The bundled folder (``fsutil.bundled("codelists")``) holds the SDG codelists the
national DSD needs and the national area codelist CL_AREA_MX. A workspace may add or
replace codelists with its own ``codelists/catalogue.toml``; entries are keyed by codelist
id and later folders win. Codes are always read as text, so ``01`` stays ``01``.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from sdmx_tools.errors import CodelistError
from sdmx_tools.fsutil import bundled
from sdmx_tools.tomlspec import check_keys, get, inside, load_toml, printable

__all__ = [
    "CATALOGUE",
    "Code",
    "Codelist",
    "fold",
    "load_catalogue",
    "load_codelists",
    "read_codes",
]

CATALOGUE = "catalogue.toml"
_REQUIRED_KEYS = ("id", "version", "file", "names")
# Kept in Codelist.meta: the global codelist an entry mirrors, the script that wrote it.
_META_KEYS = ("mirrors", "generated_by")
_ENTRY_KEYS = (*_REQUIRED_KEYS, "source", "licence", "agency", *_META_KEYS)
_SDMX_ID = re.compile(r"[A-Za-z0-9_@$-]+")
# The plain ``name`` column (used by CL_AREA_MX: place names are proper nouns) serves both.
_PLAIN_NAME_LANGS = ("es", "en")


def fold(text: str) -> str:
    """Casefold, strip accents, collapse whitespace: ``" Álvaro  Obregón"`` -> ``"alvaro obregon"``.

    Accents go through Unicode NFKD decomposition (the standard library; Unidecode is GPL).
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


@dataclass(frozen=True, slots=True)
class Code:
    """One code of a codelist.

    Attributes
    ----------
    id
        The code id, as text (``"01001"``, ``"_T"``).
    names
        Names by language (``{"en": "Female", "es": "Mujeres"}``).
    parent
        Id of the parent code, or None.
    extra
        Any other column of the codelist file, as text (``level``, ``aliases``...).
    """

    id: str
    names: dict[str, str]
    parent: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def name(self, lang: str = "en") -> str:
        """Name in ``lang``, else in Spanish or English, else the id."""
        for candidate in (lang, "es", "en"):
            if self.names.get(candidate):
                return self.names[candidate]
        return next((n for n in self.names.values() if n), self.id)


@dataclass(frozen=True)
class Codelist:
    """A codelist with its catalogue metadata. Treat it as read-only: loads are cached.

    Attributes
    ----------
    id, version, names, source, licence
        From the catalogue entry.
    codes
        Codes by id, in file order.
    agency
        Maintenance agency of this (national) codelist.
    file
        The CSV file it was read from.
    meta
        Any other key of the catalogue entry (``mirrors``, ``generated_by``...).
    """

    id: str
    version: str
    names: dict[str, str]
    source: str
    licence: str
    codes: dict[str, Code]
    agency: str = "MX"
    file: Path | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self.codes

    def __getitem__(self, code: str) -> Code:
        try:
            return self.codes[code]
        except (KeyError, TypeError):
            raise CodelistError(
                f"code not in {self.id}", value=code, hint=self.did_you_mean(code)
            ) from None

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes.values())

    def __len__(self) -> int:
        return len(self.codes)

    def name(self, lang: str = "en") -> str:
        """Name of the codelist in ``lang`` (falling back to any language, then the id)."""
        return self.names.get(lang) or next(iter(self.names.values()), self.id)

    def suggest(self, value: object, limit: int = 3) -> list[Code]:
        """Codes nearest to a value that is not in the codelist, best first.

        Tries the value with leading zeros restored first (``2004`` -> ``02004``), then
        similar ids, then similar names.
        """
        text = str(value).strip()
        found: list[str] = []
        if text.isdigit():
            for width in sorted({len(c) for c in self.codes}):
                if width > len(text) and text.zfill(width) in self.codes:
                    found.append(text.zfill(width))
        if not text.isdigit():
            # A word is more likely a name given where the id was expected ("Female").
            for _, _, code_id in process.extract(fold(text), self._folded_names,
                                                 scorer=fuzz.WRatio, limit=limit,
                                                 score_cutoff=80):
                found.append(code_id)
        for code_id, _, _ in process.extract(text, list(self.codes), scorer=fuzz.ratio,
                                             limit=limit, score_cutoff=60):
            found.append(code_id)
        unique = list(dict.fromkeys(found))[:limit]
        return [self.codes[c] for c in unique]

    def search(self, text: str, limit: int = 10) -> list[Code]:
        """Codes whose id or name (any language, accents and case ignored) contains ``text``.

        Parameters
        ----------
        text
            Part of an id or name, e.g. ``"homicid"`` or ``"juarez"``.
        limit
            At most this many codes are returned.

        Returns
        -------
        list of Code
            An exact id first, then substring matches in codelist order, then close fuzzy
            matches of the names.
        """
        query = fold(text)
        if not query:
            return []
        hits: list[str] = [c for c, (folded_id, _) in self._haystacks.items()
                           if folded_id == query]
        hits += [c for c, (folded_id, names) in self._haystacks.items()
                 if query in folded_id or any(query in n for n in names)]
        if len(hits) < limit:
            for _, _, code_id in process.extract(query, self._folded_names, scorer=fuzz.WRatio,
                                                 limit=limit, score_cutoff=85):
                hits.append(code_id)
        return [self.codes[c] for c in list(dict.fromkeys(hits))[:limit]]

    @functools.cached_property
    def _folded_names(self) -> dict[str, str]:
        # Folding 2,500 names costs milliseconds: once per codelist, not per lookup.
        return {code_id: fold(c.name()) for code_id, c in self.codes.items()}

    @functools.cached_property
    def _haystacks(self) -> dict[str, tuple[str, list[str]]]:
        return {code_id: (fold(code_id), [fold(n) for n in c.names.values()])
                for code_id, c in self.codes.items()}

    def to_csv(self) -> str:
        """The codes as CSV text: ``id,parent,name_es,name_en``, readable by :func:`read_codes`."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["id", "parent", "name_es", "name_en"])
        writer.writerows((c.id, c.parent or "", c.name("es"), c.name("en")) for c in self)
        return buffer.getvalue()

    def did_you_mean(self, value: object, lang: str = "en") -> str:
        """A hint for a value not in the codelist: its nearest codes, or where to look."""
        near = self.suggest(value)
        if not near:
            return (f"see the {len(self)} codes of {self.id} with "
                    f"'sdmx-tools codelists show {self.id}'")
        return "did you mean " + ", ".join(f"{c.id} {c.name(lang)}" for c in near) + "?"


def read_codes(path: Path) -> dict[str, Code]:
    """Read the codes of one codelist CSV (UTF-8, header row, ids kept as text).

    Columns: ``id`` (required); ``name_<lang>`` names; ``name`` a name used for both Spanish
    and English; ``parent``; any other column goes to :attr:`Code.extra`.

    Raises
    ------
    CodelistError
        On a missing ``id`` column, an invalid or duplicate id, or a dangling parent.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            columns = reader.fieldnames or []
            # line_num, not a count: DictReader skips blank lines and a quoted cell may span
            # several.
            rows = [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError) as exc:
        raise CodelistError(f"cannot read codelist file: {exc}", file=path) from exc
    if "id" not in columns:
        raise CodelistError("codelist file has no 'id' column", file=path, value=columns,
                            hint="the first row must name the columns: id,name_en,name_es")
    codes: dict[str, Code] = {}
    lines: dict[str, int] = {}
    for row_number, row in rows:
        code_id = (row.get("id") or "").strip()
        if not _SDMX_ID.fullmatch(code_id):
            raise CodelistError("invalid code id", file=path, row=row_number, column="id",
                                value=code_id, hint="SDMX ids use A-Z, a-z, 0-9, _, @, $, -")
        if code_id in codes:
            raise CodelistError("duplicate code id", file=path, row=row_number, column="id",
                                value=code_id)
        names: dict[str, str] = {}
        extra: dict[str, str] = {}
        for column, value in row.items():
            if column is None or column in ("id", "parent"):
                continue  # None collects surplus cells of a ragged row
            text = (value or "").strip()
            if not printable(text):
                raise CodelistError("a control character in the codelist file", file=path,
                                    row=row_number, column=column, value=text,
                                    hint="names are published in SDMX-ML, which cannot hold "
                                         "them: remove it")
            if column.startswith("name_"):
                if text:
                    names[column.removeprefix("name_")] = text
            elif column == "name":
                for lang in _PLAIN_NAME_LANGS:
                    names.setdefault(lang, text)
            else:
                extra[column] = text
        parent = (row.get("parent") or "").strip() or None
        codes[code_id] = Code(code_id, names, parent, extra)
        lines[code_id] = row_number
    for code in codes.values():
        if code.parent is not None and code.parent not in codes:
            raise CodelistError("parent code not in the codelist", file=path,
                                row=lines[code.id], column="parent", value=code.parent)
    return codes


def load_catalogue(folder: Path) -> dict[str, Codelist]:
    """Read every codelist listed in ``folder/catalogue.toml``.

    Parameters
    ----------
    folder
        A codelists folder: the bundled one or a workspace's ``codelists/``.

    Returns
    -------
    dict
        Codelists by id, in catalogue order.

    Raises
    ------
    CodelistError
        If the catalogue is missing or invalid, or a listed file cannot be read.
    """
    folder = Path(folder)
    catalogue = folder / CATALOGUE
    if not catalogue.is_file():
        raise CodelistError("codelists folder has no catalogue", file=catalogue,
                            hint=f"list the folder's codelists in {CATALOGUE}")
    data = load_toml(catalogue, CodelistError)
    check_keys(data, ["codelist"], file=catalogue, error=CodelistError)
    entries = get(data, "codelist", list, [], file=catalogue, error=CodelistError)
    result: dict[str, Codelist] = {}
    for position, entry in enumerate(entries, start=1):
        section = f"codelist {position}"
        check_keys(entry, _ENTRY_KEYS, file=catalogue, section=section, error=CodelistError)
        missing = [k for k in _REQUIRED_KEYS if k not in entry]
        if missing:
            raise CodelistError(f"catalogue entry {position} lacks {', '.join(missing)}",
                                file=catalogue, value=entry.get("id"))
        names = get(entry, "names", dict, file=catalogue, section=section,
                    error=CodelistError)
        text = {k: str(get(entry, k, (str, int, float) if k == "version" else str, "",
                           file=catalogue, section=section, error=CodelistError))
                for k in ("id", "version", "file", "source", "licence")}
        # A workspace's catalogue is user input: its files stay inside its folder.
        path = inside(folder, text["file"], file=catalogue, key=f"{section}.file",
                      error=CodelistError)
        result[text["id"]] = Codelist(
            id=text["id"],
            version=text["version"],
            names={str(k): str(v) for k, v in names.items()},
            source=text["source"],
            licence=text["licence"],
            codes=read_codes(path),
            agency=str(get(entry, "agency", str, "MX", file=catalogue, section=section,
                           error=CodelistError)),
            file=path,
            meta={k: v for k in _META_KEYS
                  if (v := get(entry, k, str, None, file=catalogue, section=section,
                               error=CodelistError)) is not None},
        )
    return result


@functools.lru_cache(maxsize=1)
def _bundled_codelists() -> dict[str, Codelist]:
    # Read on every command (and for every area lookup): parse the bundled CSVs once.
    return load_catalogue(bundled("codelists"))


def load_codelists(dirs: Sequence[Path] = ()) -> dict[str, Codelist]:
    """The bundled codelists, overridden by those of each folder in ``dirs``.

    Parameters
    ----------
    dirs
        Codelist folders (e.g. a workspace's ``codelists/``), each with a
        ``catalogue.toml``. A codelist in a later folder replaces the one with the same id
        from the bundled folder or an earlier folder.

    Returns
    -------
    dict
        Codelists by id. The bundled ones are cached and shared: do not modify them.
    """
    result = dict(_bundled_codelists())
    for folder in dirs:
        if not Path(folder).is_dir():
            raise CodelistError("codelists folder not found", file=folder,
                                hint="create it with a catalogue.toml, or leave it out")
        result.update(load_catalogue(Path(folder)))
    return result
