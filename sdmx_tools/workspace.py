"""The workspace: a folder with ``sdmx-tools.toml``, ``sources/`` and optional overrides.

::

    my-office/
      sdmx-tools.toml      agency, languages, registry target, output folder
      sources/*.toml       one spec per crowdsourced source
      indicators/          optional: extra or overriding indicator definitions
      codelists/           optional: extra or overriding codelists
      templates/           optional: overriding release templates
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from sdmx_tools.errors import SpecError, WorkspaceError, redact_url
from sdmx_tools.fsutil import bundled
from sdmx_tools.tomlspec import check_keys, get, inside, load_toml, printable

_REGISTRY_KINDS = ("embedded", "sdmx-rest", "fmr", "dotstat")
# Settings only one kind reads: naming them for another kind is a mistake, not a no-op.
_DOTSTAT_ONLY = ("transfer_url", "dataspace")

__all__ = ["CONFIG_NAME", "RegistryTarget", "Workspace", "default_years", "find_workspace",
           "load_workspace"]

CONFIG_NAME = "sdmx-tools.toml"
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_PREFIX = re.compile(r"[A-Z][A-Z0-9]{0,9}")
_VERSION = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6}){0,3}")  # SDMX 2.1 versions: digits and dots
# Large delimited files are read in blocks of about this size: 16, 32 and 64 MiB were
# measured at 10^6 and 10^7 rows (benchmarks/bench_scale.py), 32 was the fastest.
DEFAULT_BLOCK_BYTES = 32 << 20
_SCHEDULER = re.compile(r"(tcp|tls|inproc|ucx)://[A-Za-z0-9_.:\[\]-]{1,255}")
_LANGS = {"es", "en"}


@dataclass(frozen=True)
class RegistryTarget:
    """A registry to push to.

    Configuration holds the *names* of environment variables, never secrets: the values
    are read at push time and never copied into results, logs or error messages.

    Attributes
    ----------
    kind
        ``"embedded"`` (write into a local SQLite store), ``"sdmx-rest"`` (SDMX-REST 2
        maintenance API), ``"fmr"`` (Fusion Metadata Registry submission dialect) or
        ``"dotstat"`` (.Stat Suite: NSI web service and transfer service).
    url
        Base URL for the HTTP kinds (for ``"dotstat"``, the NSI web service's).
    database
        SQLite file for ``"embedded"``.
    username_env, password_env, token_env
        Names of environment variables with Basic credentials or a Bearer token.
    transfer_url
        ``"dotstat"`` only: the transfer service's base URL (data imports go there).
    dataspace
        ``"dotstat"`` only: the data space imports and status queries target.
    """

    kind: Literal["embedded", "sdmx-rest", "fmr", "dotstat"]
    url: str | None = None
    database: Path | None = None
    username_env: str | None = None
    password_env: str | None = None
    token_env: str | None = None
    transfer_url: str | None = None
    dataspace: str | None = None

    @property
    def display(self) -> str:
        """``kind location``; the URL without user information or query values."""
        if self.kind == "embedded":
            return f"embedded {self.database}"
        if self.kind == "dotstat":
            return (f"dotstat {redact_url(self.url or '')} (transfer "
                    f"{redact_url(self.transfer_url or '')}, dataspace {self.dataspace})")
        return f"{self.kind} {redact_url(self.url or '')}"


@dataclass(frozen=True, slots=True)
class Workspace:
    """A loaded, validated workspace.

    Attributes
    ----------
    root
        The workspace folder.
    agency
        SDMX agency id of the office (maintainer of the national structures).
    dataflow
        Id of the national SDG dataflow, e.g. ``DF_SDG_MX``.
    languages
        Languages of names and pages, first is the default.
    title
        Release title per language.
    output
        Folder for outputs (absolute).
    synthetic
        True when the inputs are synthetic (the demo): said on every output.
    indicators
        Ids of indicators to compute (empty: every indicator whose inputs exist).
    engine
        ``pandas`` (blocks on this process's threads, no Dask needed) or ``dask`` (blocks as
        Dask tasks, on threads or on the cluster of ``scheduler``; the ``[dask]`` extra).
        Both give identical outputs.
    scheduler
        ``tcp://HOST:PORT`` of a running ``dask.distributed`` scheduler (implies ``dask``);
        its workers must see the source files at the same paths.
    block_bytes
        Delimited files larger than this are read and harmonised in blocks of about this
        size (32 MiB by default): memory follows the block, not the file.
    registry
        Where ``push`` sends structures and data.
    years
        ``(first_year, last_year)``: periods outside them are quarantined; None is the
        default, 1900 to next year.
    boundaries
        ``[release] boundaries``: a TopoJSON or GeoJSON file (inside the workspace) with the
        state and municipal outlines for the release's maps; None: a tile grid of the states.
    base_url
        ``[release] base_url``: where the site will be served, for its sitemap and catalog.
    indicator_dataflows
        Besides the national dataflow, one dataflow per indicator series
        (``{dataflow}_{SERIES}``, the same DSD), each with its own data files.
    national_prefix
        The office's prefix of its own indicator ids: ``MX`` allows ``MX.SEG.1`` beside the
        always allowed extensions of SDG ids (``16.1.1.a``).
    structure_version
        Version of the national concept scheme, DSD and dataflows, and the last part of a
        CL_SERIES extended with the workspace's own series (``2025.1`` -> ``2025.1.1.0``).
        Structures are pushed final: raise it to publish changed ones.
    """

    root: Path
    agency: str
    dataflow: str
    languages: tuple[str, ...]
    title: dict[str, str]
    output: Path
    synthetic: bool
    indicators: tuple[str, ...]
    registry: RegistryTarget
    engine: Literal["pandas", "dask"] = "pandas"
    source_files: tuple[Path, ...] = field(default=())
    years: tuple[int, int] | None = None
    indicator_dataflows: bool = False
    scheduler: str | None = None
    block_bytes: int = DEFAULT_BLOCK_BYTES
    boundaries: Path | None = None
    base_url: str | None = None
    national_prefix: str | None = None
    structure_version: str = "1.0"

    @property
    def config(self) -> Path:
        """The settings file."""
        return self.root / CONFIG_NAME

    def overrides(self, name: str) -> list[Path]:
        """The workspace's override folder for ``indicators``, ``codelists`` or ``templates``."""
        folder = self.root / name
        return [folder] if folder.is_dir() else []

    def bundled_and_overrides(self, name: str) -> list[Path]:
        """Bundled folder first, then the workspace's (later ones win)."""
        return [bundled(name), *self.overrides(name)]


def check_scheduler(address: str, where: str, config: Path | None = None) -> str:
    """``address`` if it is a Dask scheduler address (``tcp://HOST:PORT``), else a SpecError
    naming ``where`` it was given."""
    if not _SCHEDULER.fullmatch(address):
        raise SpecError(f"{where} must be a Dask scheduler address", file=config,
                        value=address, hint="tcp://HOST:PORT")
    return address


def default_years() -> tuple[int, int]:
    """1900 to next year: the periods a source may plausibly hold."""
    return 1900, datetime.now(UTC).year + 1


def find_workspace(start: Path) -> Path:
    """The nearest folder at or above ``start`` holding ``sdmx-tools.toml``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise WorkspaceError(
        f"no {CONFIG_NAME} found here or in any parent folder",
        file=start,
        hint="run 'sdmx-tools init DIR' to create a workspace, or pass --workspace",
    )


def load_workspace(path: Path) -> Workspace:
    """Load and validate a workspace from its folder (or its ``sdmx-tools.toml``)."""
    path = Path(path)
    root = path.parent if path.name == CONFIG_NAME else path
    config = root / CONFIG_NAME
    if not config.is_file():
        raise WorkspaceError(f"{CONFIG_NAME} not found", file=root,
                             hint="run 'sdmx-tools init DIR' to create a workspace")
    data = load_toml(config, error=WorkspaceError)
    check_keys(data, ["workspace", "registry", "release"], file=config)
    ws = get(data, "workspace", dict, file=config)
    check_keys(ws, ["agency", "dataflow", "languages", "title", "output", "synthetic",
                    "indicators", "engine", "first_year", "last_year",
                    "indicator_dataflows", "scheduler", "block_bytes", "national_prefix",
                    "structure_version"],
               file=config,
               section="workspace")
    agency = get(ws, "agency", str, file=config, section="workspace")
    dataflow = get(ws, "dataflow", str, "DF_SDG", file=config, section="workspace")
    for key, value in (("agency", agency), ("dataflow", dataflow)):
        if not _ID.match(value):
            raise SpecError(f"workspace.{key} is not a valid SDMX id", file=config, value=value,
                            hint="letters, digits, '_' and '-', starting with a letter")
    languages = tuple(get(ws, "languages", list, ["es", "en"], file=config, section="workspace"))
    unknown = [lang for lang in languages if lang not in _LANGS]
    if not languages or unknown:
        raise SpecError("workspace.languages must list 'es' and/or 'en'", file=config,
                        value=", ".join(map(str, unknown)) or "[]")
    title = get(ws, "title", dict, {"es": "Indicadores ODS", "en": "SDG indicators"},
                file=config, section="workspace")
    bad = [k for k, v in title.items() if not isinstance(v, str) or not printable(v)]
    if bad:
        raise SpecError("workspace.title must be text without control characters",
                        file=config, value=str(bad[0]), hint='title = { es = "...", en = "..." }')
    output = inside(root, get(ws, "output", str, "out", file=config, section="workspace"),
                    file=config, key="workspace.output")
    registry = _registry(get(data, "registry", dict, {}, file=config), root, output, config)
    engine = get(ws, "engine", str, "pandas", file=config, section="workspace")
    if engine not in ("pandas", "dask"):
        raise SpecError("workspace.engine must be 'pandas' or 'dask'", file=config, value=engine)
    scheduler = get(ws, "scheduler", str, None, file=config, section="workspace")
    if scheduler is not None:
        check_scheduler(scheduler, "workspace.scheduler", config)
        engine = "dask"
    block_bytes = get(ws, "block_bytes", int, DEFAULT_BLOCK_BYTES, file=config, section="workspace")
    if not 1 << 12 <= block_bytes <= 1 << 32:
        raise SpecError("workspace.block_bytes must be between 4096 and 4294967296",
                        file=config, value=block_bytes)
    first = get(ws, "first_year", int, None, file=config, section="workspace")
    last = get(ws, "last_year", int, None, file=config, section="workspace")
    years = None
    if first is not None or last is not None:
        default_first, default_last = default_years()
        years = (default_first if first is None else first,
                 default_last if last is None else last)
        if not 0 < years[0] <= years[1]:
            raise SpecError("workspace.first_year must be a year before workspace.last_year",
                            file=config, value=f"{years[0]}-{years[1]}")
    prefix = get(ws, "national_prefix", str, None, file=config, section="workspace")
    if prefix is not None and not _PREFIX.fullmatch(prefix):
        raise SpecError("workspace.national_prefix must be 1-10 capital letters or digits, "
                        "starting with a letter", file=config, value=prefix, hint="e.g. MX")
    version = get(ws, "structure_version", str, "1.0", file=config, section="workspace")
    if not _VERSION.fullmatch(version):
        raise SpecError("workspace.structure_version must be numbers joined by dots",
                        file=config, value=version, hint='e.g. "1.1"')
    boundaries, base_url = _release(get(data, "release", dict, {}, file=config), root, config)
    sources_dir = root / "sources"
    return Workspace(
        root=root.resolve(),
        agency=agency,
        dataflow=dataflow,
        languages=languages,
        title={str(k): str(v) for k, v in title.items()},
        output=output,
        synthetic=get(ws, "synthetic", bool, False, file=config, section="workspace"),
        indicator_dataflows=get(ws, "indicator_dataflows", bool, False, file=config,
                                section="workspace"),
        indicators=tuple(get(ws, "indicators", list, [], file=config, section="workspace")),
        registry=registry,
        engine=engine,
        source_files=tuple(sorted(sources_dir.glob("*.toml"))) if sources_dir.is_dir() else (),
        years=years,
        scheduler=scheduler,
        block_bytes=block_bytes,
        boundaries=boundaries,
        base_url=base_url,
        national_prefix=prefix,
        structure_version=version,
    )


def _release(table: dict[str, object], root: Path, config: Path) -> tuple[Path | None, str | None]:
    """The ``[release]`` table: the map boundaries file (inside the workspace) and the URL
    the site will be served from."""
    check_keys(table, ["boundaries", "base_url"], file=config, section="release")
    path = get(table, "boundaries", str, None, file=config, section="release")
    boundaries = (inside(root, path, file=config, key="release.boundaries")
                  if path is not None else None)
    if boundaries is not None and not boundaries.is_file():
        raise SpecError("the boundaries file of [release] does not exist", file=config,
                        value=path, hint="a TopoJSON or GeoJSON of INEGI areas keyed by CVEGEO, "
                                         "inside the workspace")
    base_url = get(table, "base_url", str, None, file=config, section="release")
    if base_url is not None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
            raise SpecError("release.base_url must be an http(s) URL", file=config,
                            value=redact_url(base_url), hint="e.g. https://ods.example.gob.mx/")
        base_url = base_url if base_url.endswith("/") else base_url + "/"
    return boundaries, base_url


def _registry(table: dict[str, object], root: Path, output: Path, config: Path) -> RegistryTarget:
    """The ``[registry]`` table: an embedded SQLite file by default, or an HTTP registry.

    Credentials are never written in the file: it names the environment variables that
    hold them (``username_env``, ``password_env``, ``token_env``). A ``dotstat`` target
    also needs ``transfer_url``, ``dataspace`` and ``token_env`` (.Stat takes OpenID
    Connect access tokens only).
    """
    check_keys(table, ["kind", "url", "database", "username_env", "password_env", "token_env",
                       *_DOTSTAT_ONLY], file=config, section="registry")
    kind = get(table, "kind", str, "embedded", file=config, section="registry")
    if kind not in _REGISTRY_KINDS:
        raise SpecError("unknown registry kind", file=config, column="registry.kind", value=kind,
                        hint=f"one of {', '.join(_REGISTRY_KINDS)}")
    url = get(table, "url", str, None, file=config, section="registry")
    if kind != "embedded" and not url:
        raise SpecError(f"registry.url is required for kind {kind!r}", file=config)
    database = get(table, "database", str, None, file=config, section="registry")
    dotstat = {key: get(table, key, str, None, file=config, section="registry")
               for key in (*_DOTSTAT_ONLY, "token_env")}
    if kind == "dotstat":
        hints = {"transfer_url": "the .Stat transfer service, e.g. https://transfer.example.org",
                 "dataspace": "the .Stat data space to import into, e.g. 'design'",
                 "token_env": "the environment variable holding the OpenID Connect access "
                              "token"}
        for key, hint in hints.items():
            if not (dotstat[key] or "").strip():
                raise SpecError(f"registry.{key} is required for kind 'dotstat'", file=config,
                                column=f"registry.{key}", hint=hint)
    else:
        for key in _DOTSTAT_ONLY:
            if dotstat[key] is not None:
                raise SpecError(f"registry.{key} is read only for kind 'dotstat'", file=config,
                                column=f"registry.{key}", value=kind,
                                hint="remove it, or set kind = 'dotstat'")
    return RegistryTarget(
        kind=kind,
        url=url,
        database=(inside(root, database, file=config, key="registry.database") if database
                  else output / "registry.sqlite"),
        username_env=get(table, "username_env", str, None, file=config, section="registry"),
        password_env=get(table, "password_env", str, None, file=config, section="registry"),
        token_env=dotstat["token_env"],
        transfer_url=dotstat["transfer_url"],
        dataspace=dotstat["dataspace"],
    )
