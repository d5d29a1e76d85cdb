"""Strict reading of the toolkit's TOML files: unknown keys and wrong types are errors."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from sdmx_tools.errors import SpecError

__all__ = ["check_keys", "get", "inside", "load_toml"]

T = TypeVar("T")


def load_toml(path: Path, error: type[SpecError] | Any = SpecError) -> dict[str, Any]:
    """Read a TOML file; a syntax error becomes a located ``error`` (line and column)."""
    try:
        with Path(path).open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"invalid TOML: {exc}", file=path, hint="check quotes and brackets") from exc
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", file=path) from exc


def check_keys(table: object, allowed: Iterable[str], *, file: Path | str,
               section: str = "") -> None:
    """Raise :class:`SpecError` if ``table`` is not a table or has a key not in ``allowed``."""
    if not isinstance(table, Mapping):
        raise SpecError(f"[{section}] must be a table" if section else "must be a table",
                        file=file, value=str(table))
    allowed = list(allowed)
    for key in table:
        if key not in allowed:
            near = difflib.get_close_matches(key, allowed, n=1)
            where = f"[{section}] " if section else ""
            raise SpecError(
                f"unknown key {where}{key!r}",
                file=file,
                hint=f"did you mean {near[0]!r}?" if near else f"allowed: {', '.join(allowed)}",
            )


def get(table: Mapping[str, Any], key: str, kind: type[T] | tuple[type, ...], default: Any = ...,
        *, file: Path | str, section: str = "") -> Any:
    """Typed lookup: ``table[key]`` checked against ``kind``; missing without default: error."""
    name = f"{section}.{key}" if section else key
    if key not in table:
        if default is ...:
            raise SpecError(f"missing required key {name!r}", file=file)
        return default
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        expected = " or ".join(k.__name__ for k in kinds)
        raise SpecError(f"key {name!r} must be {expected}", file=file, value=value)
    return value


def inside(base: Path, relative: str, *, file: Path | str, key: str) -> Path:
    """Resolve ``relative`` under ``base``; refuse anything that escapes it (``../../etc``)."""
    base = base.resolve()
    target = (base / relative).resolve()
    if not target.is_relative_to(base):
        raise SpecError(
            f"path in {key!r} points outside the workspace",
            file=file,
            value=relative,
            hint=f"sources must live under {base}",
        )
    return target
