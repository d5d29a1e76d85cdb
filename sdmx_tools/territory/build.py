"""Generate ``codelists/CL_AREA_MX.csv``, the national area codelist, and its catalogue entry.

Municipality codes and current names come from the PyPI package ``mcp-inegi`` (MIT; its
``mcp_inegi/data/municipios.json`` maps the 2,478 CVEGEO codes of INEGI's current
catalogue to names). Everything else is written down here as well-known facts: the nation,
the 32 states with their official names, ISO 3166-2 codes and common short names, the nine
municipalities created after the 2020 census, and historic or alternate municipal names.

An office can instead refresh the codes from INEGI's AGEEML catalogue file:
``sdmx-tools codelists import-ageeml FILE`` writes the codelist into a workspace's
``codelists/`` folder, where it overrides the bundled one. ``mcp-inegi`` is a development
dependency only: the generated CSV is committed and the toolkit reads the CSV at run time.
From the repository root::

    python scripts/build_area_codelist.py            # write the files
    python scripts/build_area_codelist.py --check    # exit 1 if they are out of date
    python scripts/build_area_codelist.py --ageeml AGEEML_2025.txt   # from INEGI's own file

The output is deterministic: same package version, same bytes.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from importlib.metadata import version as package_version
from importlib.resources import files
from pathlib import Path
from typing import NamedTuple

from sdmx_tools.errors import CodelistError
from sdmx_tools.fsutil import atomic_write, bundled
from sdmx_tools.territory import AREA_CODELIST, HONORIFICS
from sdmx_tools.vocabulary.codelists import CATALOGUE

VERSION = "2025.1"
CSV_NAME = f"{AREA_CODELIST}.csv"
COLUMNS = ["id", "parent", "level", "name", "iso3166_2", "census2020", "valid_from", "aliases"]
EXPECTED_MUNICIPALITIES = 2478

# Not "México": that is the official name of state 15.
NATION = ("00", "Estados Unidos Mexicanos", ["Nacional", "Total nacional", "República Mexicana"])

# code: (official INEGI name, ISO 3166-2 code, common short names and INEGI abbreviation)
STATES: dict[str, tuple[str, str, list[str]]] = {
    "01": ("Aguascalientes", "MX-AGU", ["Ags."]),
    "02": ("Baja California", "MX-BCN", ["BC"]),
    "03": ("Baja California Sur", "MX-BCS", ["BCS"]),
    "04": ("Campeche", "MX-CAM", ["Camp."]),
    "05": ("Coahuila de Zaragoza", "MX-COA", ["Coahuila", "Coah."]),
    "06": ("Colima", "MX-COL", ["Col."]),
    "07": ("Chiapas", "MX-CHP", ["Chis."]),
    "08": ("Chihuahua", "MX-CHH", ["Chih."]),
    "09": ("Ciudad de México", "MX-CMX", ["CDMX", "Distrito Federal", "D.F."]),
    "10": ("Durango", "MX-DUR", ["Dgo."]),
    "11": ("Guanajuato", "MX-GUA", ["Gto."]),
    "12": ("Guerrero", "MX-GRO", ["Gro."]),
    "13": ("Hidalgo", "MX-HID", ["Hgo."]),
    "14": ("Jalisco", "MX-JAL", ["Jal."]),
    "15": ("México", "MX-MEX", ["Estado de México", "Edo. de México", "Edomex", "Méx."]),
    "16": ("Michoacán de Ocampo", "MX-MIC", ["Michoacán", "Mich."]),
    "17": ("Morelos", "MX-MOR", ["Mor."]),
    "18": ("Nayarit", "MX-NAY", ["Nay."]),
    "19": ("Nuevo León", "MX-NLE", ["NL", "N.L."]),
    "20": ("Oaxaca", "MX-OAX", ["Oax."]),
    "21": ("Puebla", "MX-PUE", ["Pue."]),
    # "Querétaro de Arteaga" was the official name until the 2008 reform.
    "22": ("Querétaro", "MX-QUE", ["Querétaro de Arteaga", "Qro."]),
    "23": ("Quintana Roo", "MX-ROO", ["Q. Roo"]),
    "24": ("San Luis Potosí", "MX-SLP", ["SLP", "S.L.P."]),
    "25": ("Sinaloa", "MX-SIN", ["Sin."]),
    "26": ("Sonora", "MX-SON", ["Son."]),
    "27": ("Tabasco", "MX-TAB", ["Tab."]),
    "28": ("Tamaulipas", "MX-TAM", ["Tamps."]),
    "29": ("Tlaxcala", "MX-TLA", ["Tlax."]),
    "30": ("Veracruz de Ignacio de la Llave", "MX-VER", ["Veracruz", "Veracruz-Llave", "Ver."]),
    "31": ("Yucatán", "MX-YUC", ["Yuc."]),
    "32": ("Zacatecas", "MX-ZAC", ["Zac."]),
}

# Municipalities created after the 2020 census (reference date 15 March 2020), with the
# year of the decree that created each one. The month is uncertain for all of them and the
# first councils took office later (2021-2024), so only years are given; check INEGI's
# AGEEML change log before relying on a precise date.
POST_2020: dict[str, str] = {
    "02007": "2020",  # San Felipe, Baja California
    "04013": "2019",  # Dzitbalché, Campeche: decree 2019, first council October 2021
    "12082": "2021",  # Las Vigas, Guerrero
    "12083": "2021",  # Ñuu Savi, Guerrero
    "12084": "2021",  # Santa Cruz del Rincón, Guerrero
    "12085": "2021",  # San Nicolás, Guerrero
    "24059": "2021",  # Villa de Pozos, San Luis Potosí
    "25019": "2021",  # Eldorado, Sinaloa
    "25020": "2021",  # Juan José Ríos, Sinaloa
}

# Historic names (earlier vintages of INEGI's catalogue and census tables) and common
# short forms in everyday use. Only names that point to one municipality within their
# state belong here; the matcher still sends a name shared by several codes to review.
MUNICIPAL_ALIASES: dict[str, list[str]] = {
    "02005": ["Rosarito"],
    "07017": ["Cintalapa"],
    "08032": ["Parral"],
    "08056": ["Rosario"],
    "09004": ["Cuajimalpa"],
    "09008": ["Magdalena Contreras"],
    "11014": ["Dolores Hidalgo"],
    "11032": ["San José Iturbide"],
    "12001": ["Acapulco"],
    "12006": ["Apaxtla"],
    "13048": ["Pachuca"],
    "14023": ["Ciudad Guzmán"],
    "14098": ["Tlaquepaque"],
    "15033": ["Ecatepec"],
    "15057": ["Naucalpan"],
    "15104": ["Tlalnepantla"],
    "20038": ["Villa Hidalgo"],
    "20045": ["Magdalena Apasco"],
    # INEGI told the two pairs of Oaxacan homonyms apart by their judicial district.
    "20208": ["San Juan Mixtepec -Dto. 08 -"],
    "20209": ["San Juan Mixtepec -Dto. 26 -"],
    "20318": ["San Pedro Mixtepec -Dto. 22 -"],
    "20319": ["San Pedro Mixtepec -Dto. 26 -"],
    "20549": ["Tezoatlán de Segura y Luna"],
    "21114": ["Heroica Puebla de Zaragoza", "Puebla de Zaragoza"],
    "23008": ["Solidaridad"],
    "24001": ["Ahualulco"],
    "26017": ["Heroica Caborca"],
    "26029": ["Heroica Guaymas"],
    "26043": ["Heroica Nogales"],
    "28021": ["Mante"],
    "30131": ["Poza Rica"],
    "31095": ["Tixpéhual"],
}

_HONORIFIC = re.compile("^(?:" + "|".join(map(re.escape, HONORIFICS)) + r")\s+")


def read_mcp_inegi() -> tuple[dict[str, str], str]:
    """Municipality names by CVEGEO from the installed ``mcp-inegi``.

    Returns
    -------
    dict, str
        ``{"01001": "Aguascalientes", ...}`` sorted by code, and the source in words.
    """
    resource = files("mcp_inegi") / "data" / "municipios.json"
    data = json.loads(resource.read_text(encoding="utf-8"))
    version = package_version("mcp-inegi")
    where = f"PyPI package mcp-inegi {version} (mcp_inegi/data/municipios.json)"
    return _validated(data, where, strict=True), where


def read_ageeml(path: Path) -> tuple[dict[str, str], str]:
    """Municipality names by CVEGEO from INEGI's AGEEML catalogue file.

    An office can refresh the codelist from INEGI's own download instead of mcp-inegi.
    The file is tab-separated (comma also accepted), UTF-8 or ISO-8859-1, with columns
    CVE_ENT, CVE_MUN, NOM_MUN and optionally CVEGEO; one row per municipality.
    """
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("iso-8859-1")  # INEGI's older downloads
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text), delimiter="\t" if "\t" in header else ",")
    data: dict[str, str] = {}
    for row in reader:
        row = {k.strip().upper(): (v or "").strip() for k, v in row.items() if k}
        if "NOM_MUN" not in row or not (row.get("CVEGEO") or {"CVE_ENT", "CVE_MUN"} <= set(row)):
            raise CodelistError("not an AGEEML catalogue: columns CVE_ENT, CVE_MUN, NOM_MUN "
                                "(or CVEGEO) are required", file=path, row=1,
                                value=header.strip()[:80])
        code = row.get("CVEGEO") or row["CVE_ENT"].zfill(2) + row["CVE_MUN"].zfill(3)
        if not re.fullmatch(r"\d{1,5}", code) or code.zfill(5)[:2] not in STATES:
            raise CodelistError("not a municipality code", file=path, row=reader.line_num,
                                value=code)
        data[code.zfill(5)] = row["NOM_MUN"]
    where = f"INEGI AGEEML catalogue file {path.name}"
    return _validated(data, where, strict=False), where


def _validated(data: dict[str, str], where: str, *, strict: bool) -> dict[str, str]:
    bad = [code for code in data if not re.fullmatch(r"\d{5}", code) or code[:2] not in STATES]
    if bad:
        raise CodelistError(f"unexpected codes in {where}", value=", ".join(bad[:5]))
    # The bundled codelist must be exactly INEGI's current catalogue; an office's newer
    # AGEEML file may add municipalities (they get census2020 = false).
    if strict and len(data) != EXPECTED_MUNICIPALITIES:
        raise CodelistError(f"expected {EXPECTED_MUNICIPALITIES} municipalities in {where}",
                            value=len(data), hint="add new ones to POST_2020 first")
    return {code: data[code].strip() for code in sorted(data)}


def municipal_aliases(code: str, name: str) -> list[str]:
    """Historic names and honorific-free short form of a municipality, without duplicates."""
    aliases = list(MUNICIPAL_ALIASES.get(code, []))
    short = _HONORIFIC.sub("", name)
    if short != name:
        aliases.append(short)
    return [a for i, a in enumerate(aliases) if a != name and a not in aliases[:i]]


def build_rows(municipalities: dict[str, str], census2020: set[str] | None = None
               ) -> list[dict[str, str]]:
    """All rows of the codelist: nation, states, then municipalities, each sorted by code.

    ``census2020`` are the codes of the 2020 census (default: all but POST_2020, checked
    to be present); any other code is a municipality created after the census.
    """
    if census2020 is None:
        for code in [*POST_2020, *MUNICIPAL_ALIASES]:
            if code not in municipalities:
                raise CodelistError(f"{code} is written down here but not in the source")
        census2020 = {c for c in municipalities if c not in POST_2020}
    rows = [
        _row(NATION[0], "", "nation", NATION[1], "", "true", "", NATION[2]),
    ]
    for code, (name, iso, aliases) in STATES.items():
        rows.append(_row(code, "00", "state", name, iso, "true", "", aliases))
    for code, name in municipalities.items():
        rows.append(
            _row(
                code,
                code[:2],
                "municipality",
                name,
                "",
                "true" if code in census2020 else "false",
                POST_2020.get(code, ""),
                municipal_aliases(code, name),
            )
        )
    return rows


def _row(
    code: str,
    parent: str,
    level: str,
    name: str,
    iso: str,
    census: str,
    valid_from: str,
    aliases: list[str],
) -> dict[str, str]:
    if any("|" in a for a in aliases):
        raise CodelistError("alias contains the separator '|'", key=code)
    return {
        "id": code,
        "parent": parent,
        "level": level,
        "name": name,
        "iso3166_2": iso,
        "census2020": census,
        "valid_from": valid_from,
        "aliases": "|".join(aliases),
    }


def render_csv(rows: list[dict[str, str]]) -> str:
    """The codelist as CSV text (UTF-8, LF line ends, minimal quoting)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def catalogue_block(where: str) -> str:
    """The TOML entry for CL_AREA_MX, between markers so that reruns replace only it."""
    names = {
        "es": "Áreas geoestadísticas de México (nación, entidades y municipios)",
        "en": "Mexican geostatistical areas (nation, states and municipalities)",
    }
    source = (
        f"Municipality codes and names: {where}, from INEGI's Marco Geoestadístico. "
        "Fuente: INEGI. "
        "States, ISO 3166-2 codes, post-2020 municipalities and historic names: well-known "
        "facts written in sdmx_tools/territory/build.py"
    )
    licence = "Data: INEGI, free use with attribution (Fuente: INEGI)"
    if "mcp-inegi" in where:
        licence = f"Source package: MIT. {licence}"
    # JSON string syntax is valid TOML basic-string syntax for this text.
    lines = [
        BEGIN,
        "[[codelist]]",
        f"id = {json.dumps(AREA_CODELIST)}",
        'agency = "MX"',
        f"version = {json.dumps(VERSION)}",
        f"file = {json.dumps(CSV_NAME)}",
        "names = { "
        + ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in names.items())
        + " }",
        f"source = {json.dumps(source, ensure_ascii=False)}",
        f"licence = {json.dumps(licence, ensure_ascii=False)}",
        'generated_by = "sdmx_tools/territory/build.py"',
        END,
    ]
    return "\n".join(lines) + "\n"


BEGIN = f"# BEGIN {AREA_CODELIST}: generated by sdmx_tools/territory/build.py, do not edit"
END = f"# END {AREA_CODELIST}"


def update_catalogue(text: str, block: str) -> str:
    """Replace the generated block in ``catalogue.toml`` text, or append it."""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.DOTALL)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text, count=1)
    if text and not text.endswith("\n"):
        text += "\n"
    return f"{text}\n{block}" if text else block


class Imported(NamedTuple):
    """What :func:`import_ageeml` wrote: the codelist file and its number of municipalities."""

    path: Path
    municipalities: int


def import_ageeml(path: Path, dest: Path) -> Imported:
    """Write CL_AREA_MX from an AGEEML file into the codelists folder ``dest``.

    Municipalities already in the bundled codelist keep their census 2020 flag, vintage and
    aliases; new codes are marked as created after the census.
    """
    municipalities, where = read_ageeml(Path(path))
    current = _bundled_rows()
    missing = sorted(c for c, r in current.items()
                     if r["level"] == "municipality" and c not in municipalities)
    if missing:
        # Municipalities are created, almost never abolished: a shorter file is truncated.
        raise CodelistError(f"{len(missing)} current municipalities are missing from the file",
                            file=path, value=", ".join(missing[:5]),
                            hint="use INEGI's complete AGEEML catalogue of municipalities")
    census = {c for c, r in current.items() if r["census2020"] == "true"}
    rows = build_rows(municipalities, census2020=census)
    for row in rows:  # keep what the bundled codelist knows about vintages
        if row["id"] in current and row["level"] == "municipality" and not row["valid_from"]:
            row["valid_from"] = current[row["id"]]["valid_from"]
    target, _ = write_codelist(Path(dest), render_csv(rows), where)
    return Imported(target, sum(row["level"] == "municipality" for row in rows))


def _pending(dest: Path, csv_text: str, where: str) -> list[tuple[Path, str, str]]:
    """(file, current text, new text) of the codelist CSV and the catalogue in ``dest``."""
    target, catalogue = dest / CSV_NAME, dest / CATALOGUE
    old_csv = target.read_text(encoding="utf-8") if target.exists() else ""
    old_catalogue = catalogue.read_text(encoding="utf-8") if catalogue.exists() else ""
    return [(target, old_csv, csv_text),
            (catalogue, old_catalogue, update_catalogue(old_catalogue, catalogue_block(where)))]


def write_codelist(dest: Path, csv_text: str, where: str) -> tuple[Path, Path]:
    """Write the codelist CSV into ``dest`` atomically, then merge its catalogue entry.

    Returns the CSV and catalogue paths.
    """
    files = _pending(dest, csv_text, where)
    for path, _, text in files:
        with atomic_write(path) as fh:
            fh.write(text)
    return files[0][0], files[1][0]


def _bundled_rows() -> dict[str, dict[str, str]]:
    with (bundled("codelists") / CSV_NAME).open(encoding="utf-8", newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh)}


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` verify) the codelist CSV and its catalogue entry."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=bundled("codelists"),
                        help="codelists folder")
    parser.add_argument("--check", action="store_true", help="fail if the files are stale")
    parser.add_argument("--ageeml", type=Path, help="read INEGI's AGEEML file, not mcp-inegi")
    args = parser.parse_args(argv)

    if args.ageeml:
        municipalities, where = read_ageeml(args.ageeml)
        _validated(municipalities, where, strict=True)  # the bundled list is exactly INEGI's
    else:
        municipalities, where = read_mcp_inegi()
    csv_text = render_csv(build_rows(municipalities))
    if args.check:
        stale = [str(p) for p, old, new in _pending(args.out, csv_text, where) if old != new]
        if stale:
            print(f"out of date: {', '.join(stale)}", file=sys.stderr)
            return 1
        return 0
    target, catalogue = write_codelist(args.out, csv_text, where)
    print(f"wrote {target} ({csv_text.count(chr(10)) - 1} codes) and {catalogue}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
