"""Where the bundled data folders are, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

__all__ = ["bundled"]

_PACKAGE = Path(__file__).resolve().parent


def bundled(name: str) -> Path:
    """Path of a bundled data folder: ``codelists``, ``indicators``, ``templates`` or ``demo``.

    In a wheel the folders live in ``sdmx_tools/_data/``; in a source checkout they are at
    the repository root (the design card's layout), with the demo in ``examples/demo``.
    """
    packaged = _PACKAGE / "_data" / name
    if packaged.is_dir():
        return packaged
    root = _PACKAGE.parent
    return root / "examples" / "demo" if name == "demo" else root / name
