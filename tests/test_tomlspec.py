"""Strict TOML helpers: a path escaping the workspace is refused with a hint for its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdmx_tools.errors import SpecError
from sdmx_tools.tomlspec import inside


@pytest.mark.parametrize(
    ("key", "hint"),
    [
        ("location.path", "sources must live under"),
        ("workspace.output", "the output folder must live under"),
        ("registry.database", "the registry database must live under"),
        ("other.path", "the path of 'other.path' must live under"),
    ],
)
def test_a_path_outside_the_workspace_is_refused_with_a_hint_for_its_key(
    tmp_path: Path, key: str, hint: str
) -> None:
    with pytest.raises(SpecError, match="points outside the workspace") as info:
        inside(tmp_path, "../elsewhere", file=tmp_path / "x.toml", key=key)
    assert info.value.hint == f"{hint} {tmp_path.resolve()}"
    assert inside(tmp_path, "out/data", file="x.toml", key=key) == tmp_path.resolve() / "out/data"
