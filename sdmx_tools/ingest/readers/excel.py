"""XLSX workbooks (openpyxl, with defusedxml guarding its XML parsing)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

from sdmx_tools.errors import SourceReadError, first_line
from sdmx_tools.ingest.readers.base import RawTable, Reader, clean_header, table
from sdmx_tools.ingest.spec import ReadOptions

__all__ = ["ExcelReader"]


class ExcelReader(Reader):
    """XLSX/XLSM: the sheet of ``read.sheet`` (default the first); row = sheet row number."""

    suffixes = (".xlsx", ".xlsm")

    @classmethod
    def read(cls, path: Path, data: bytes, options: ReadOptions) -> RawTable:
        try:
            grid = pd.read_excel(io.BytesIO(data), sheet_name=options.sheet or 0, header=None,
                                 dtype=str, keep_default_na=False, engine="openpyxl")
        except (ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
            raise SourceReadError(f"cannot read workbook: {first_line(exc)}", file=path,
                                  hint="check read.sheet (a sheet name or 0-based index)"
                                  ) from exc
        if len(grid) < options.header_row:
            raise SourceReadError(f"the sheet has {len(grid)} rows, fewer than "
                                  f"read.header_row = {options.header_row}", file=path)
        header = [str(v) for v in grid.iloc[options.header_row - 1]]
        names = clean_header(header, path)
        frame = grid.iloc[options.header_row:].reset_index(drop=True)
        frame.columns = pd.Index(names[: frame.shape[1]])
        # Excel types numbers: an integer cell reads as '1001.0' in some workbooks; the
        # area and number parsers accept that form.
        rows = range(options.header_row + 1, options.header_row + 1 + len(frame))
        return table(frame, rows, path, data, "xlsx", None, header=header[: frame.shape[1]])
