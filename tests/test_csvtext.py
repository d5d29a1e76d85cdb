"""The CSV writer writes what pandas' to_csv writes, byte for byte, whatever the cells."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from sdmx_tools.exchange.csvtext import write_csv

HOSTILE = ["a", "", None, "x,y", 'say "hi"', "line\nbreak", "cr\rhere", " lead", "trail ",
           "\t", "ñandú €", "\x00nul", '"', ",", "a\r\nb", "#", "'", ";", "\u2028", "=1+1"]


def _frame(n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "text": rng.choice(np.array(HOSTILE, dtype=object), n),
        "float": rng.choice([0.1, 1e-5, 1e16, 100.0, np.nan, 1 / 3, -0.0, np.inf, -np.inf,
                             123456789.123, 5e-324, 1.7976931348623157e308], n),
        "int": rng.integers(-5, 10**12, n),
        "small": rng.integers(0, 5, n).astype(np.uint8),
        "flag": rng.choice([True, False], n),
        "cat": pd.Categorical(rng.choice(["p", "q,r", 's"t'], n)),
        'he"ad,er': rng.choice(["u", "v"], n),
    })
    frame["str"] = frame["text"].astype("str")
    frame["single"] = frame["float"].clip(-1e30, 1e30).astype(np.float32)
    return frame


def _pandas(frame: pd.DataFrame, **kw: str) -> str:
    out = io.StringIO()
    frame.to_csv(out, index=False, lineterminator="\n", **kw)
    return out.getvalue()


def _ours(frame: pd.DataFrame, **kw: str) -> str:
    out = io.StringIO()
    write_csv(frame, out, **kw)
    return out.getvalue()


def _count_pandas(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of every frame handed to pandas' to_csv from now on."""
    handed: list[int] = []
    to_csv = pd.DataFrame.to_csv

    def counted(self: pd.DataFrame, *a: object, **k: object) -> object:
        handed.append(len(self))
        return to_csv(self, *a, **k)

    monkeypatch.setattr(pd.DataFrame, "to_csv", counted)
    return handed


@pytest.mark.parametrize("float_format", [None, "%.15g"])
@pytest.mark.parametrize(("pick", "to_pandas"), [
    ("all", False), ("no rows", False), ("one column", True), ("objects", True),
    ("nullable", True), ("numbers as text", True)])
def test_the_same_bytes_as_pandas(pick: str, to_pandas: bool, float_format: str | None,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    frame = _frame()
    frame = {"all": frame, "no rows": frame.iloc[:0], "one column": frame[["text"]],
             "objects": frame.assign(mixed=[1, "a"] * 200),
             "nullable": frame.assign(n=pd.array([1, None] * 200, dtype="Int64")),
             "numbers as text": frame.assign(t=frame["int"].astype(object))}[pick]
    kw = {"float_format": float_format} if float_format else {}
    expected = _pandas(frame, **kw)
    handed = _count_pandas(monkeypatch)
    assert _ours(frame, **kw) == expected
    # What it renders itself, it renders without pandas; the rest pandas writes.
    assert bool(handed) is to_pandas


def test_a_field_is_quoted_when_it_holds_a_delimiter_quote_or_line_break() -> None:
    frame = pd.DataFrame({"a": ["x,y", 'q"', "l\nm", "plain"], "b": ["1", "2", "3", "4"]})
    assert _ours(frame) == 'a,b\n"x,y",1\n"q""",2\n"l\nm",3\nplain,4\n'


def test_blocks_of_rows_and_a_block_left_to_pandas_make_one_file(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from sdmx_tools.exchange import csvtext

    monkeypatch.setattr(csvtext, "_BLOCK", 37)
    frame = _frame()
    frame["late"] = pd.Series(["x"] * 350 + [3] * 50, dtype=object)  # numbers: blocks 10-11
    plain, formatted = _pandas(frame), _pandas(frame, float_format="%.15g")
    handed = _count_pandas(monkeypatch)
    assert _ours(frame) == plain
    assert _ours(frame, float_format="%.15g") == formatted
    assert handed == [37, 30] * 2  # rows 333-369 and 370-399 only, each time
