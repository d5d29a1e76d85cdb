"""New workspaces (``init``) and the end-to-end demo (``demo``)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from sdmx_tools.demo import copy_demo_workspace, generate_demo_data
from sdmx_tools.errors import RegistryError, WorkspaceError
from sdmx_tools.fsutil import atomic_write
from sdmx_tools.pipeline import ConvertResult, OutputPaths, convert
from sdmx_tools.publish import push_outputs, release_site
from sdmx_tools.registry import PushResult
from sdmx_tools.workspace import CONFIG_NAME, load_workspace

__all__ = ["DemoSummary", "init_workspace", "run_demo"]

_CONFIG = """\
[workspace]
agency = "{agency}"
dataflow = "DF_SDG"
languages = ["es", "en"]
title = {{ es = "Indicadores ODS", en = "SDG indicators" }}
output = "out"

[registry]
kind = "embedded"          # or "sdmx-rest" / "fmr" with url = "https://..."
database = "out/registry.sqlite"
# username_env = "REGISTRY_USER"   # names of environment variables, never the secrets
# password_env = "REGISTRY_PASSWORD"
"""

_EXAMPLE_SPEC = """\
# One file per source. Every key (type, default, example): docs/reference.md of sdmx-tools.
id = "example"
title = "Describe the source"
tolerance = 0                 # quarantined rows allowed before convert fails

[provenance]
publisher = "Who published it"
licence = "CC BY 4.0"
landing_page = "https://example.org/dataset"

[location]
path = "data/example.csv"     # inside the workspace

[read]
encoding = "auto"             # or "utf-8", "latin-1", "cp1252"
header_row = 1                # 1-based line of the column names

[area]
code_column = "CVEGEO"        # or municipality_column + state_column, or name_column

[period]
column = "year"
format = "year"

[[measures]]
id = "population"
column = "population"
unit = "person"
"""

_EXAMPLE_DATA = "CVEGEO,year,population\n01001,2020,948990\n01002,2020,51536\n"

# A second source, so that the new workspace computes an indicator (16.1.1) at once.
_VICTIMS_SPEC = """\
id = "example_victims"
title = "Homicide victims (example)"
tolerance = 0

[provenance]
publisher = "Who published it"
licence = "CC BY 4.0"

[location]
path = "data/example_victims.csv"

[area]
code_column = "CVEGEO"

[period]
column = "year"

[[measures]]
id = "homicide_victims"
column = "victims"
unit = "victim"
"""

_VICTIMS_DATA = "CVEGEO,year,victims\n01001,2020,42\n01002,2020,3\n"


def init_workspace(directory: Path, *, agency: str = "MY_AGENCY") -> list[Path]:
    """Create a workspace: settings, an example source spec and its data file.

    Raises
    ------
    WorkspaceError
        If ``directory`` already holds a workspace.
    """
    directory = Path(directory)
    if (directory / CONFIG_NAME).exists():
        raise WorkspaceError("a workspace already exists here", file=directory / CONFIG_NAME,
                             hint="choose another folder")
    files = {
        directory / CONFIG_NAME: _CONFIG.format(agency=agency),
        directory / "sources" / "example.toml": _EXAMPLE_SPEC,
        directory / "data" / "example.csv": _EXAMPLE_DATA,
        directory / "sources" / "example_victims.toml": _VICTIMS_SPEC,
        directory / "data" / "example_victims.csv": _VICTIMS_DATA,
    }
    for path, text in files.items():
        with atomic_write(path) as fh:
            fh.write(text)
    load_workspace(directory)  # what we wrote must load
    return list(files)


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What the demo did, for the closing summary."""

    workspace: Path
    converted: ConvertResult
    pushed: PushResult
    pages: list[Path]
    site: Path

    def to_text(self) -> str:
        """Rows per source, observations, files and where to open the site."""
        lines = ["SYNTHETIC demonstration data: not official statistics.", "",
                 "Rows per source (read = used + quarantined + excluded):"]
        for h in self.converted.harmonised:
            a = h.account
            lines.append(f"  {a.source:<20} {a.read:>6} = {a.used:>6} + {a.quarantined:>3} "
                         f"+ {a.excluded:>3}")
        lines.append("")
        lines.append(f"Indicators: {', '.join(c.definition.id for c in self.converted.computed)}")
        lines.append(f"Observations: {self.converted.observations}")
        lines.append(f"Registry: {sum(o.status != 'failed' for o in self.pushed.outcomes)} "
                     f"items pushed to {self.pushed.target}")
        lines.append("Files:")
        lines += [f"  {p}" for p in self.converted.files]
        lines.append(f"Site: {len(self.pages)} pages; open {self.site / 'index.html'}")
        return "\n".join(lines)


def add_boundaries(ws_dir: Path, boundaries: Path) -> None:
    """Copy a boundaries file into the workspace's ``geo/`` and name it in ``[release]``."""
    if not boundaries.is_file():
        raise WorkspaceError("the boundaries file does not exist", file=boundaries,
                             hint="a TopoJSON or GeoJSON of INEGI areas keyed by CVEGEO")
    (ws_dir / "geo").mkdir(exist_ok=True)
    shutil.copyfile(boundaries, ws_dir / "geo" / boundaries.name)
    config = ws_dir / CONFIG_NAME
    text = config.read_text(encoding="utf-8")
    config.write_text(text + f'\n[release]\nboundaries = "geo/{boundaries.name}"\n',
                      encoding="utf-8")


def run_demo(out: Path, boundaries: Path | None = None) -> DemoSummary:
    """Generate the demo workspace in ``out``, convert, push and release it.

    ``boundaries`` (a TopoJSON or GeoJSON of INEGI areas) is copied into the workspace and
    named in its ``[release]`` table, for geographic maps; without it the maps are a tile
    grid of the states.
    """
    ws_dir = copy_demo_workspace(Path(out))
    generate_demo_data(ws_dir)
    if boundaries is not None:
        add_boundaries(ws_dir, Path(boundaries))
    ws = load_workspace(ws_dir)
    converted = convert(ws)
    pushed = push_outputs(ws).result
    if not pushed.ok:
        raise RegistryError("the embedded registry refused the demo's structures",
                            file=ws.registry.database, hint=str(pushed))
    pages = release_site(ws)
    return DemoSummary(workspace=ws.root, converted=converted, pushed=pushed, pages=pages,
                       site=OutputPaths(ws.output).site)
