"""docs/reference.md: every key the loaders accept, with the type and default they check it
with, and an example each that the real loader loads (scripts/key_reference.py)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("key_reference",
                                               REPO / "scripts" / "key_reference.py")
assert _spec is not None and _spec.loader is not None
key_reference = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(key_reference)


@pytest.fixture(scope="module")
def collected():  # type: ignore[no-untyped-def]
    return key_reference.collect()


def test_the_reference_is_current_and_every_example_loads() -> None:
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "key_reference.py")],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_every_accepted_key_is_documented_and_read(collected) -> None:  # type: ignore[no-untyped-def]
    documented, recorded, problems = collected
    assert problems == []
    for kind, sections in documented.items():
        for section, keys in sections.items():
            for key in keys:
                assert (section, key) in recorded[kind], (kind, section, key)


def test_types_and_defaults_come_from_the_code(collected) -> None:  # type: ignore[no-untyped-def]
    _, recorded, _ = collected
    assert recorded["spec"][("read", "header_row")] == (("int",), 1)
    assert recorded["spec"][("read", "encoding")] == (("str",), "auto")
    assert recorded["spec"][("[[measures]]", "unit")][1] is ...  # required
    assert recorded["indicator"][("", "incomplete")] == (("str",), "withhold")
    assert recorded["workspace"][("workspace", "dataflow")] == (("str",), "DF_SDG")
    text = (REPO / "docs" / "reference.md").read_text(encoding="utf-8")
    assert "| `header_row` | integer | `1` |" in text
    assert "| `national_prefix` | text | none |" in text


def test_a_key_the_code_accepts_but_the_docs_lack_is_reported(tmp_path: Path,
                                                            monkeypatch) -> None:  # type: ignore[no-untyped-def]
    keys = tomllib.loads((REPO / "docs" / "keys.toml").read_text(encoding="utf-8"))
    del keys["spec"]["read"]["skip_rows"]
    keys["spec"]["read"]["no_such_key"] = {"doc": "x", "example": 1}
    lines = []
    for kind, sections in keys.items():
        for section, entries in sections.items():
            for key, entry in entries.items():
                lines.append(f"[{kind}.{key_reference._key(section)}.{key}]")
                lines += [f"{k} = {key_reference.toml_value(v)}" for k, v in entry.items()]
    fake = tmp_path / "keys.toml"
    fake.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(key_reference, "KEYS", fake)
    _, _, problems = key_reference.collect()
    assert any("[read] skip_rows: accepted by the code, not documented" in p for p in problems)
    assert any("[read] no_such_key: the example does not load" in p for p in problems)
    assert any("[read] no_such_key: documented, but the code does not accept" in p
               for p in problems)
