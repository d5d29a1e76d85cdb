"""Atomic writes: whole files with the usual permissions, the process umask left alone."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from sdmx_tools.fsutil import atomic_dir, atomic_write


def test_atomic_writes_read_the_umask_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                           ) -> None:
    mask = os.umask(0o022)
    os.umask(mask)
    with atomic_write(tmp_path / "first.txt") as fh:
        fh.write("one")
    calls: list[int] = []
    monkeypatch.setattr(os, "umask", lambda value: calls.append(value) or mask)
    with atomic_write(tmp_path / "second.txt") as fh:
        fh.write("two")
    with atomic_dir(tmp_path / "folder") as folder:
        (folder / "x").write_text("x")
    assert calls == []
    assert (tmp_path / "second.txt").read_text() == "two"
    assert stat.S_IMODE((tmp_path / "second.txt").stat().st_mode) == 0o666 & ~mask
    assert stat.S_IMODE((tmp_path / "folder").stat().st_mode) == 0o777 & ~mask
