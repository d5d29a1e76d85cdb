"""Strict reading of the toolkit's TOML files: unknown keys and wrong types are errors."""

from __future__ import annotations

import contextlib
import contextvars
import difflib
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sdmx_tools.errors import SpecError, ToolkitError

__all__ = ["KeyLog", "check_keys", "get", "inside", "load_toml", "printable", "recording"]

T = TypeVar("T")


_MAX_TOML_BYTES = 4 << 20  # a spec or definition is a few kilobytes
# What XML 1.0 cannot hold (names are published in SDMX-ML): C0 controls but tab and
# newlines, and the two non-characters.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def printable(text: str) -> bool:
    """Whether ``text`` can be published in XML: no control character but tab and newlines."""
    return _CONTROL.search(text) is None


@dataclass
class KeyLog:
    """What :func:`check_keys` and :func:`get` were asked while :func:`recording`.

    Attributes
    ----------
    allowed
        ``(section, key) -> module`` (file name of the caller) of every key a table may hold.
    read
        ``(section, key) -> (kinds, default, module)``: the types :func:`get` accepts
        (names), its default (``...`` when the key is required) and the caller's file name.
    """

    allowed: dict[tuple[str, str], str] = field(default_factory=dict)
    read: dict[tuple[str, str], tuple[tuple[str, ...], Any, str]] = field(default_factory=dict)


_LOG: contextvars.ContextVar[KeyLog | None] = contextvars.ContextVar("key_log", default=None)


@contextlib.contextmanager
def recording() -> Iterator[KeyLog]:
    """Record the keys the loaders check, their types and defaults (the key reference is
    generated from them: ``scripts/key_reference.py``)."""
    log = KeyLog()
    token = _LOG.set(log)
    try:
        yield log
    finally:
        _LOG.reset(token)


def load_toml(path: Path, error: type[ToolkitError] = SpecError) -> dict[str, Any]:
    """Read a TOML file; a syntax error becomes a located ``error`` (line and column).

    TOML is UTF-8: a file saved in latin-1 is refused with the line of its first bad byte.
    """
    try:
        with Path(path).open("rb") as fh:
            data = fh.read(_MAX_TOML_BYTES + 1)
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", file=path) from exc
    if len(data) > _MAX_TOML_BYTES:
        raise error(f"file is larger than {_MAX_TOML_BYTES >> 20} MiB: not a settings file",
                    file=path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error("the file is not UTF-8 (TOML must be)", file=path, row=line,
                    value=data[exc.start: exc.start + 1].hex(" "),
                    hint="save it as UTF-8 (it looks like latin-1 or cp1252)") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"invalid TOML: {exc}", file=path, hint="check quotes and brackets") from exc
    except RecursionError as exc:  # deeply nested arrays
        raise error("invalid TOML: nested too deeply", file=path) from exc


def check_keys(table: object, allowed: Iterable[str], *, file: Path | str,
               section: str = "", error: type[ToolkitError] = SpecError) -> None:
    """Raise ``error`` if ``table`` is not a table or has a key not in ``allowed``."""
    if not isinstance(table, Mapping):
        raise error(f"[{section}] must be a table" if section else "must be a table",
                        file=file, value=str(table))
    allowed = list(allowed)
    log = _LOG.get()
    if log is not None:
        caller = Path(sys._getframe(1).f_code.co_filename).name
        for key in allowed:
            log.allowed[(section, key)] = caller
    for key in table:
        if key not in allowed:
            near = difflib.get_close_matches(key, allowed, n=1)
            where = f"[{section}] " if section else ""
            raise error(
                f"unknown key {where}{key!r}",
                file=file,
                hint=f"did you mean {near[0]!r}?" if near else f"allowed: {', '.join(allowed)}",
            )


def get(table: Mapping[str, Any], key: str, kind: type[T] | tuple[type, ...], default: Any = ...,
        *, file: Path | str, section: str = "", error: type[ToolkitError] = SpecError) -> Any:
    """Typed lookup: ``table[key]`` checked against ``kind``; missing without default: error."""
    name = f"{section}.{key}" if section else key
    log = _LOG.get()
    if log is not None:
        kinds = kind if isinstance(kind, tuple) else (kind,)
        log.read[(section, key)] = (tuple(k.__name__ for k in kinds), default,
                                    Path(sys._getframe(1).f_code.co_filename).name)
    if key not in table:
        if default is ...:
            raise error(f"missing required key {name!r}", file=file)
        return default
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        expected = " or ".join(k.__name__ for k in kinds)
        raise error(f"key {name!r} must be {expected}", file=file, value=value)
    return value


# What the path of a key is, in the hint of a path that escapes the workspace.
_PATH_OF = {"location.path": "sources", "workspace.output": "the output folder",
            "registry.database": "the registry database"}


def inside(base: Path, relative: str, *, file: Path | str, key: str,
           error: type[ToolkitError] = SpecError) -> Path:
    """Resolve ``relative`` under ``base``; refuse anything that escapes it (``../../etc``).

    Symbolic links are resolved first, so a link inside ``base`` to a file outside it is
    refused too.
    """
    base = base.resolve()
    try:
        target = (base / relative).resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # a link loop, a NUL byte
        raise error(f"path in {key!r} cannot be resolved", file=file, value=relative) from exc
    if not target.is_relative_to(base):
        what = _PATH_OF.get(key, f"the path of {key!r}")
        raise error(
            f"path in {key!r} points outside the workspace",
            file=file,
            value=relative,
            hint=f"{what} must live under {base}",
        )
    return target
