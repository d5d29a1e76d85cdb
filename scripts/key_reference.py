"""Generate docs/reference.md: every key of a source spec, an indicator definition, the
workspace settings and a codelist catalogue, with its type and default as the loaders
check them.

The meaning and an example of each key are in docs/keys.toml. Each example is written into
a small valid file and loaded through the real loader (``load_spec``, ``load_indicator``,
``load_workspace``, ``load_catalogue``) while :func:`sdmx_tools.tomlspec.recording` notes
every key the loader allows and the type and default it reads it with. So the reference
cannot claim a key the code refuses, miss one it accepts, or show a default it does not
use.

Without options: exit 1 when docs/reference.md is out of date or a key is undocumented
(``make readme`` rewrites it); ``--write`` rewrites it.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
import tempfile
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sdmx_tools.compute.definitions import load_indicator
from sdmx_tools.errors import ToolkitError
from sdmx_tools.ingest import load_spec
from sdmx_tools.tomlspec import KeyLog, recording
from sdmx_tools.vocabulary.codelists import load_catalogue
from sdmx_tools.workspace import load_workspace

ROOT = Path(__file__).resolve().parent.parent
KEYS = ROOT / "docs" / "keys.toml"
REFERENCE = ROOT / "docs" / "reference.md"

_BASES: dict[str, dict[str, Any]] = {
    "spec": {"id": "example", "location": {"path": "data/example.csv"},
             "area": {"code_column": "CVEGEO"}, "period": {"column": "year"},
             "measures": [{"id": "population", "column": "population", "unit": "person"}]},
    "indicator": {"id": "16.1.1.z", "series": "MX_EXAMPLE",
                  "series_name": {"es": "Ejemplo", "en": "Example"}, "goal": 16,
                  "target": "16.1", "name": {"es": "Ejemplo", "en": "Example"},
                  "multiplier": 100000, "unit_measure": "PER_100000_POP",
                  "numerator": {"measure": "robberies", "unit": "event"},
                  "denominator": {"measure": "population", "unit": "person"}},
    "workspace": {"workspace": {"agency": "INEGI"}},
    "catalogue": {"codelist": [{"id": "CL_EXAMPLE", "version": "2025.1", "file": "codes.csv",
                                "names": {"es": "Ejemplo", "en": "Example"}}]},
}
_TITLES = {"spec": ("Source specs", "`sources/*.toml`: one file per source."),
           "indicator": ("Indicator definitions",
                         "`indicators/*.toml`: one file per indicator (bundled, or the "
                         "workspace's own)."),
           "workspace": ("Workspace settings", "`sdmx-tools.toml` at the workspace's root."),
           "catalogue": ("Codelist catalogues",
                         "`codelists/catalogue.toml`: the workspace's codelists, each replacing "
                         "the bundled one of its id. Its CSV has an `id` column, `name_es` and "
                         "`name_en` (or `name`), an optional `parent`.")}
# The module whose checks each kind's keys come from (the loaders read codelists too).
_MODULES = {"spec": "spec.py", "indicator": "definitions.py", "workspace": "workspace.py",
            "catalogue": "codelists.py"}
_TYPES = {"str": "text", "int": "integer", "float": "number", "bool": "true/false",
          "list": "array", "dict": "table"}
_BARE = re.compile(r"[A-Za-z0-9_-]+")


def toml_value(value: Any) -> str:
    """A TOML literal (inline tables and arrays)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def toml_document(data: dict[str, Any]) -> str:
    """A TOML file: scalars and arrays first, then one ``[table]`` or ``[[array]]`` each."""
    lines = [f"{_key(k)} = {toml_value(v)}" for k, v in data.items()
             if not isinstance(v, dict) and not _tables(v)]
    for k, v in data.items():
        if isinstance(v, dict):
            lines += ["", f"[{_key(k)}]", *(f"{_key(i)} = {toml_value(j)}" for i, j in v.items())]
        elif _tables(v):
            for item in v:
                lines += ["", f"[[{_key(k)}]]",
                          *(f"{_key(i)} = {toml_value(j)}" for i, j in item.items())]
    return "\n".join(lines) + "\n"


def _tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _example_file(kind: str, section: str, key: str, entry: dict[str, Any]) -> dict[str, Any]:
    """The base file of ``kind`` with ``key`` set to its example (and its ``with``)."""
    data = copy.deepcopy(_BASES[kind])
    if section == "":
        table = data
    elif section in ("[[measures]]", "[[exclude]]", "[[codelist]]"):
        name = section.strip("[]")
        data.setdefault(name, [{}])
        table = data[name][0]
    elif section == "dimensions.<DIM>":
        table = data.setdefault("dimensions", {}).setdefault("SEX", {})
    else:
        table = data.setdefault(section, {})
    for gone in entry.get("without", []):
        table.pop(gone, None)
    table.update(entry.get("with", {}))
    table[key] = entry["example"]
    data.update(entry.get("also", {}))
    return data


def _load(kind: str, data: dict[str, Any], folder: Path) -> None:
    for name in ("data", "geo", "sources", "indicators"):
        (folder / name).mkdir(exist_ok=True)
    (folder / "geo" / "mx.json").write_text("{}", encoding="utf-8")
    (folder / "codelists").mkdir(exist_ok=True)
    for name in ("codes.csv", "cl_example.csv"):
        (folder / "codelists" / name).write_text("id,name_es,name_en\nA,Uno,One\n",
                                                 encoding="utf-8")
    loaders: dict[str, Callable[[], object]] = {
        "spec": lambda: load_spec(_write(folder / "sources" / "s.toml", data), folder),
        "indicator": lambda: load_indicator(_write(folder / "indicators" / "i.toml", data),
                                            national_prefix="MX"),
        "workspace": lambda: load_workspace(_write(folder / "sdmx-tools.toml", data).parent),
        "catalogue": lambda: load_catalogue(
            _write(folder / "codelists" / "catalogue.toml", data).parent),
    }
    loaders[kind]()


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(toml_document(data), encoding="utf-8")
    return path


def _section(kind: str, recorded: str) -> str:
    """The reference's name of a recorded section (``measures.2`` -> ``[[measures]]``)."""
    head, _, rest = recorded.partition(".")
    if kind == "spec" and head in ("measures", "exclude") and rest.isdigit():
        return f"[[{head}]]"
    if kind == "spec" and head == "dimensions" and rest:
        return "dimensions.<DIM>"
    if kind == "catalogue" and recorded.startswith("codelist "):
        return "[[codelist]]"
    return recorded


def collect() -> tuple[dict[str, Any], dict[str, dict[tuple[str, str], Any]], list[str]]:
    """The documented keys, what the loaders recorded per kind, and the problems found."""
    documented = tomllib.loads(KEYS.read_text(encoding="utf-8"))
    recorded: dict[str, dict[tuple[str, str], Any]] = {}
    problems: list[str] = []
    for kind, sections in documented.items():
        allowed: dict[tuple[str, str], str] = {}
        read: dict[tuple[str, str], Any] = {}
        for section, keys in sections.items():
            for key, entry in keys.items():
                with tempfile.TemporaryDirectory() as tmp, recording() as log:
                    try:
                        _load(kind, _example_file(kind, section, key, entry), Path(tmp))
                    except ToolkitError as exc:
                        problems.append(f"{kind} [{section}] {key}: the example does not "
                                        f"load: {exc}")
                _merge(kind, log, allowed, read)
                if (section, key) not in read:
                    problems.append(f"{kind} [{section}] {key}: the loader never read it")
        recorded[kind] = read
        for section, key in sorted(set(allowed) - {(s, k) for s, ks in sections.items()
                                                   for k in ks}):
            problems.append(f"{kind} [{section}] {key}: accepted by the code, not documented "
                            f"in docs/keys.toml")
        for section, keys in sections.items():
            problems += [f"{kind} [{section}] {key}: documented, but the code does not accept "
                         "it" for key in keys if (section, key) not in allowed]
    return documented, recorded, problems


def _merge(kind: str, log: KeyLog, allowed: dict[tuple[str, str], str],
           read: dict[tuple[str, str], Any]) -> None:
    for (section, key), module in log.allowed.items():
        if module == _MODULES[kind]:
            allowed[(_section(kind, section), key)] = module
    for (section, key), (kinds, default, module) in log.read.items():
        if module == _MODULES[kind]:
            read.setdefault((_section(kind, section), key), (kinds, default))


def render() -> tuple[str, list[str]]:
    """The reference as Markdown, and the problems (undocumented keys, failing examples)."""
    documented, recorded, problems = collect()
    out = ["# Reference of the keys of specs, definitions, settings and catalogues", "",
           "Generated by `scripts/key_reference.py` from the code that checks each key (type,",
           "default) and `docs/keys.toml` (meaning, example); every example is loaded by the",
           "real loader when this page is generated, and a test fails when it drifts.",
           "Unknown keys are errors (with a did-you-mean), so a typo never passes silently.",
           ""]
    for kind, sections in documented.items():
        title, where = _TITLES[kind]
        out += [f"## {title}", "", where, ""]
        for section, keys in sections.items():
            heading = {"": "Top level", "[[measures]]": "`[[measures]]`",
                       "[[exclude]]": "`[[exclude]]`", "[[codelist]]": "`[[codelist]]`",
                       "dimensions.<DIM>": "`[dimensions.<DIM>]`"}.get(section, f"`[{section}]`")
            out += [f"### {heading}", "", "| key | type | default | meaning | example |",
                    "|---|---|---|---|---|"]
            for key, entry in keys.items():
                kinds, default = recorded[kind].get((section, key), ((), None))
                kind_text = " or ".join(_TYPES.get(k, k) for k in kinds)
                default_text = (entry.get("default_is") or
                                ("required" if default is ... else "none" if default is None
                                 else f"`{toml_value(default)}`"))
                example = f"`{_key(key)} = {toml_value(entry['example'])}`"
                cells = [f"`{key}`", kind_text, default_text, entry["doc"], example]
                out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
            out.append("")
    return "\n".join(out).rstrip() + "\n", problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="rewrite docs/reference.md")
    args = parser.parse_args()
    text, problems = render()
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.write:
        REFERENCE.write_text(text, encoding="utf-8")
    elif REFERENCE.read_text(encoding="utf-8") != text if REFERENCE.is_file() else True:
        print("docs/reference.md is out of date: run 'make readme'", file=sys.stderr)
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
