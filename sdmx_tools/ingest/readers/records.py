"""JSON records: an array of objects, an object holding one (``read.records``), or JSONL.

CKAN's ``datastore_search`` answers ``{"result": {"records": [...]}}``: set
``read.records = "result.records"``. Each record's row number is its 1-based position
(its line for JSONL). Values become text like every other reader's cells; nested values
stay as JSON text.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from sdmx_tools.errors import SourceReadError, first_line
from sdmx_tools.ingest.readers.base import RawTable, Reader, clean_header, table
from sdmx_tools.ingest.readers.delimited import decode, detect_encoding
from sdmx_tools.ingest.spec import ReadOptions

__all__ = ["JsonReader"]


class JsonReader(Reader):
    """JSON and JSON Lines."""

    suffixes = (".json", ".jsonl", ".ndjson")

    @classmethod
    def read(cls, path: Path, data: bytes, options: ReadOptions) -> RawTable:
        encoding = detect_encoding(data) if options.encoding == "auto" else options.encoding
        text = decode(data, encoding, path)
        if path.suffix.lower() == ".json":
            records = _records(_load(text, path, 1), options.records, path)
            rows = list(range(1, len(records) + 1))
        else:
            numbered = [(i, line) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
            records = [_load(line, path, i) for i, line in numbered]
            rows = [i for i, _ in numbered]
        for n, rec in zip(rows, records, strict=True):
            if not isinstance(rec, dict):
                raise SourceReadError("record is not a JSON object", file=path, row=n,
                                      value=str(rec)[:80])
        keys = list(dict.fromkeys(k for rec in records for k in rec))
        header = [str(k) for k in keys]
        names = clean_header(header, path)
        frame = pd.DataFrame([[_text(rec.get(k)) for k in keys] for rec in records],
                             columns=names, dtype=object)
        return table(frame, rows, path, data, encoding, None, header=header)


def _load(text: str, path: Path, row: int) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceReadError(f"invalid JSON: {exc.msg}", file=path,
                              row=exc.lineno if row == 1 else row, column=str(exc.colno)
                              ) from exc
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number, nesting 10,000 deep
        raise SourceReadError(f"JSON the reader refuses: {first_line(exc)}", file=path,
                              row=row) from exc


def _records(doc: Any, where: str | None, path: Path) -> list[Any]:
    node = doc
    for part in (where or "").split(".") if where else []:
        if not isinstance(node, dict) or part not in node:
            raise SourceReadError(f"no {part!r} in the JSON document", file=path,
                                  value=where, hint="check read.records")
        node = node[part]
    if not isinstance(node, list):
        keys = ", ".join(list(node)[:8]) if isinstance(node, dict) else type(node).__name__
        raise SourceReadError("the JSON document is not a list of records", file=path,
                              value=keys, hint="set read.records to the path of the list, "
                              "e.g. 'result.records'")
    return node


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)
