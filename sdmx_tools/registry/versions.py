"""SDMX-REST structure queries: ids (``*``, lists) and versions (``latest``, ``+``, lists)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sdmx_tools.registry.artefacts import Key
from sdmx_tools.registry.outcome import parse_flow_ref

__all__ = ["flow_query", "id_matches", "select_versions", "version_order"]


def version_order(version: str) -> tuple[Any, ...]:
    """A sort key: ``1.10`` after ``1.9``; ``1.0.0-draft`` before ``1.0.0``."""
    release, _, extension = version.partition("-")
    numbers = tuple(int(p) if p.isascii() and p.isdigit() else -1
                    for p in re.split(r"[.]", release))
    # A release sorts after any pre-release (extension) of the same numbers.
    return (numbers, extension == "", extension)


def select_versions(rows: Sequence[Sequence[Any]], version: str) -> list[Key]:
    """Keys from ``(type, agency, id, version, is_final)`` rows matching a version query.

    ``*``/``all`` keep every version; ``latest``/``~`` the highest per artefact; ``+`` the
    highest final one; otherwise an exact version or a comma-separated list of them.
    """
    version = version or "latest"
    if version in {"*", "all"}:
        chosen = list(rows)
    elif version in {"latest", "~", "+"}:
        best: dict[tuple[str, str, str], Sequence[Any]] = {}
        for r in rows:
            if version == "+" and not r[4]:
                continue
            k = (r[0], r[1], r[2])
            if k not in best or version_order(r[3]) > version_order(best[k][3]):
                best[k] = r
        chosen = list(best.values())
    else:
        wanted = set(version.split(","))
        chosen = [r for r in rows if r[3] in wanted]
    keys = [(r[0], r[1], r[2], r[3]) for r in chosen]
    return sorted(keys, key=lambda k: (k[0], k[1], k[2], version_order(k[3])))


def id_matches(pattern: str, value: str) -> bool:
    """Whether an agency or id query (``*``, ``all``, empty, or a ``+``/``,`` list) takes it."""
    if pattern in {"*", "all", ""}:
        return True
    return value in pattern.replace("+", ",").split(",")


def flow_query(text: str) -> tuple[str, str, str]:
    """``(agency, id, version)`` query of ``ID``, ``AGENCY,ID[,VERSION]`` or ``AGENCY:ID(VERSION)``.

    A missing or wildcard version means the latest one.
    """
    parts = text.split(",")
    if "(" in text:
        agency, ident, version = parse_flow_ref(text)
    elif len(parts) == 1:
        agency, ident, version = "*", parts[0], "latest"
    elif len(parts) == 2:
        agency, ident, version = parts[0], parts[1], "latest"
    else:
        agency, ident, version = parts[0], parts[1], parts[2]
    return agency, ident, "latest" if version in {"*", "all"} else version
