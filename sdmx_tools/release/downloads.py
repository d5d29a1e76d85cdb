"""The release's files to download: per indicator (SDMX-ML, SDMX-CSV, labelled CSV) and a zip.

Per-indicator SDMX files are written from the indicator's published SDMX observations with
the same writers as ``convert``, so they hold exactly what was pushed to the registry.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from sdmx_tools.exchange.sdmxcsv import write_data_csv
from sdmx_tools.exchange.structurespecific import write_structure_specific
from sdmx_tools.fsutil import atomic_write
from sdmx_tools.release.i18n import Texts, translator
from sdmx_tools.release.model import SdmxTarget
from sdmx_tools.release.views import LEVEL_ORDER as LEVELS
from sdmx_tools.release.views import Prepared

__all__ = ["CsvSlice", "Download", "indicator_downloads", "labelled", "series_slices",
           "write_zip"]

MEDIA = {
    "sdmx_ml": "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
    "sdmx_csv": "application/vnd.sdmx.data+csv;version=1.0.0",
    "labels_csv": "text/csv",
}


@dataclass(frozen=True, slots=True)
class Download:
    """A file of the site's ``downloads/`` folder: its site-relative path and kind."""

    path: str  # e.g. "downloads/16.1.1/16.1.1.xml"
    kind: str  # "sdmx_ml", "sdmx_csv" or "labels_csv"
    lang: str | None  # the language of a labelled CSV
    size: int

    @property
    def media_type(self) -> str:
        return MEDIA[self.kind]


@dataclass(frozen=True, slots=True)
class CsvSlice:
    """Where one series' records lie in a release's SDMX-CSV file (bytes ``start:end``)."""

    path: Path
    header: bytes
    start: int
    end: int


def series_slices(path: Path) -> dict[str, CsvSlice]:
    """The byte range of each series' records in an SDMX-CSV 1.0 file sorted by series.

    Convert sorts SDMX-CSV by FREQ, REPORTING_TYPE, SERIES, ..., so an indicator's records
    are one run of lines; its download is that run, byte for byte what was published. The
    first four fields are codes (never quoted); a quoted cell may hold line breaks, so a
    record ends only where the quotes balance. A series found in two runs has no slice
    (its download is written anew).
    """
    slices: dict[str, CsvSlice] = {}
    broken: set[str] = set()
    with path.open("rb") as fh:
        header = fh.readline()
        if not header.startswith(b"DATAFLOW,FREQ,REPORTING_TYPE,SERIES,"):
            return {}
        offset = len(header)
        current, start, quoted = None, offset, False
        for line in fh:
            if not quoted:
                series = line.split(b",", 4)[3].decode("utf-8") if line.count(b",") >= 4 \
                    else ""
                if series != current:
                    if current is not None:
                        _close(slices, broken, current, CsvSlice(path, header, start, offset))
                    current, start = series, offset
            if line.count(b'"') % 2:
                quoted = not quoted
            offset += len(line)
        if current is not None:
            _close(slices, broken, current, CsvSlice(path, header, start, offset))
    return {k: v for k, v in slices.items() if k not in broken}


def _close(slices: dict[str, CsvSlice], broken: set[str], series: str, part: CsvSlice) -> None:
    if series in slices:
        broken.add(series)
    slices[series] = part


def _copy_slice(part: CsvSlice, target: Path) -> None:
    with part.path.open("rb") as src, atomic_write(target, "wb") as dst:
        dst.write(part.header)
        src.seek(part.start)
        left = part.end - part.start
        while left > 0:
            chunk = src.read(min(left, 1 << 20))
            if not chunk:
                break
            dst.write(chunk)
            left -= len(chunk)


def indicator_downloads(prep: Prepared, site: Path, target: SdmxTarget | None, *,
                        synthetic: bool, texts: Mapping[str, Texts],
                        languages: Sequence[str], status_names: Mapping[str, Mapping[str, str]],
                        csv_slice: CsvSlice | None = None) -> list[Download]:
    """Write one indicator's downloads into ``site/downloads/{id}/``.

    ``csv_slice`` is the indicator's run of the release's SDMX-CSV: copied as its SDMX-CSV
    download when given, else the SDMX-CSV is written from ``prep.page.sdmx``.
    """
    ind = prep.page
    folder = site / "downloads" / ind.id
    folder.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, str, str | None]] = []
    if target is not None and ind.sdmx is not None and len(ind.sdmx):
        xml, csv = folder / f"{ind.id}.xml", folder / f"{ind.id}.csv"
        write_structure_specific(ind.sdmx, xml, agency=target.agency,
                                 dataflow_id=target.dataflow_id, version=target.version,
                                 synthetic=synthetic)
        if csv_slice is not None:
            _copy_slice(csv_slice, csv)
        else:
            write_data_csv(ind.sdmx, csv, dataflow_ref=target.ref)
        written += [(xml, "sdmx_ml", None), (csv, "sdmx_csv", None)]
    for lang in languages:
        path = folder / f"{ind.id}.{lang}.csv"
        table = pa.Table.from_pandas(labelled(prep, texts[lang], status_names.get(lang, {})),
                                     preserve_index=False)
        with atomic_write(path, "wb") as fh:
            # pyarrow writes CSV several times faster than pandas; quotes only where needed.
            pacsv.write_csv(table, fh, pacsv.WriteOptions(quoting_style="needed"))
        written.append((path, "labels_csv", lang))
    return [Download(str(p.relative_to(site).as_posix()), kind, lang, p.stat().st_size)
            for p, kind, lang in written]


def labelled(prep: Prepared, texts: Texts, status_names: Mapping[str, str]) -> pd.DataFrame:
    """The indicator's observations with names and units, in one language."""
    ind = prep.page
    t = translator(texts)
    notes = translator(texts, "notes")
    lang = texts.lang
    frame = prep.rows_frame()
    out = pd.DataFrame({
        "indicator": ind.id,
        "series": ind.series,
        "indicator_name": ind.names.get(lang, ""),
        "area_code": frame["code"],
        "area_name": frame["name"],
        "level": frame["level"].map({lv: t(f"level_{lv}") for lv in LEVELS}).fillna(""),
        "period": frame["period"],
    })
    for dim in ind.dimensions:
        out[dim.id] = frame[dim.id]
        out[f"{dim.id}_name"] = frame[dim.id].map(
            lambda c, d=dim: d.codes.get(c, {}).get(lang, c))
    value = frame["value"].to_numpy(dtype=float)
    text = np.char.mod(f"%.{ind.decimals}f", np.nan_to_num(value))
    out["value"] = np.where(np.isnan(value), "", text)
    out["unit"] = ind.unit_labels.get(lang, "")
    out["status"] = frame["status"]
    out["status_name"] = frame["status"].map(dict(status_names)).fillna("")
    # Notes are few and repeat: each distinct one is said once, on the rows that have one.
    columns = ["note_key", "note", "why_missing", "reported", "expected"]
    has = ((frame["note_key"] != "") | (frame["note"] != "") | (frame["why_missing"] != ""))
    said: dict[tuple[Any, ...], str] = {}
    for row in frame.loc[has, columns].itertuples(index=False, name=None):
        if row not in said:
            key, note, why, rep, exp = row
            said[row] = (notes(key, reported=rep, expected=exp) if key
                         else t(why) if why else note)
    notes_out = np.full(len(frame), "", dtype=object)
    notes_out[has.to_numpy()] = [said[row] for row in
                                 frame.loc[has, columns].itertuples(index=False, name=None)]
    out["note"] = notes_out
    out["source_rows"] = frame["source"]
    return out


def write_zip(site: Path, stamp: str) -> Path:
    """Zip the release's own files of ``site/downloads`` into ``release.zip``, reproducibly.

    Not the per-indicator files, whose observations the release's SDMX-CSV and indicator
    table already hold (they would triple the zip for nothing new), so the zip can be
    written while they are. Fast compression (level 1): CSV compresses well at any level,
    and releases are large.
    """
    folder = site / "downloads"
    target = folder / "release.zip"
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        date_time = (max(when.year, 1980), when.month, when.day, when.hour, when.minute,
                     when.second)
    except ValueError:
        date_time = (1980, 1, 1, 0, 0, 0)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix != ".zip")
    with atomic_write(target, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED,
                                                           compresslevel=1) as zf:
        for path in files:
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            # zf.open() takes the level from here (3.11 to 3.13).
            info._compresslevel = 1  # type: ignore[attr-defined]
            info.external_attr = 0o644 << 16
            with path.open("rb") as src, zf.open(info, "w") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
    return target

