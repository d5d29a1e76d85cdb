"""The sdmx-tools command line: thin commands over the library.

Each command parses options, calls one library function and prints its result: data to
stdout, messages to stderr. Every :class:`~sdmx_tools.errors.ToolkitError` becomes a
one-line ``Error: ...`` and exit status 1 (``--debug`` shows the traceback); usage errors
exit 2; a registry that cannot be reached exits 3 (the same push may succeed later).
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sdmx_tools import __version__
from sdmx_tools.errors import (
    CodelistError,
    RegistryError,
    StructureError,
    ToolkitError,
    WorkspaceError,
    clip,
)

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("sdmx_tools")


class _Unreachable(click.ClickException):
    """A registry that cannot be reached: exit 3, so scripts can retry later."""

    exit_code = 3


def _fail_cleanly(func: F) -> F:
    """Translate library errors at the edge: one located line, exit 1 (3 when unreachable)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ToolkitError as exc:
            if click.get_current_context().find_root().obj.get("debug"):
                raise
            raise (_Unreachable if exc.exit_code == 3 else click.ClickException)(
                str(exc)) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            # A bug, or an input no check foresaw: still one line, never a traceback.
            if click.get_current_context().find_root().obj.get("debug"):
                raise
            raise click.ClickException(
                f"internal error ({type(exc).__name__}: {clip(str(exc))}). Hint: rerun with "
                "--debug for the traceback, and report it with the input that caused it"
            ) from None

    return wrapper  # type: ignore[return-value]


def workspace_option(func: F) -> F:
    """The shared ``-w/--workspace`` option (default: nearest folder with sdmx-tools.toml)."""
    return click.option(
        "-w", "--workspace", type=click.Path(file_okay=False, path_type=Path), default=None,
        help="Workspace folder (default: the nearest one above the current folder).",
    )(func)


def _load(workspace: Path | None) -> Any:
    from sdmx_tools.workspace import find_workspace, load_workspace

    return load_workspace(workspace if workspace is not None else find_workspace(Path.cwd()))


def _say(message: str) -> None:
    if not click.get_current_context().find_root().obj.get("quiet"):
        click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sdmx-tools")
@click.option("-v", "--verbose", count=True, help="More messages (repeat for debug logs).")
@click.option("-q", "--quiet", is_flag=True, help="Only errors on stderr.")
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.pass_context
def main(ctx: click.Context, verbose: int, quiet: bool, debug: bool) -> None:
    """Turn crowdsourced local open data into official SDG indicators in SDMX.

    A day's work: `convert` the workspace's sources, `push` the SDMX to the registry,
    `release` the static indicator pages. `demo` does all three on bundled synthetic data.
    """
    if verbose and quiet:
        raise click.UsageError("-v and -q cannot be used together")
    ctx.obj = {"quiet": quiet, "debug": debug}
    level = logging.WARNING - 10 * verbose if not quiet else logging.ERROR
    logging.basicConfig(level=max(level, logging.DEBUG), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--agency", default="MY_AGENCY", show_default=True,
              help="SDMX agency id of your office.")
@_fail_cleanly
def init(directory: Path, agency: str) -> None:
    """Create a new workspace in DIRECTORY (settings, sources/, an example spec)."""
    from sdmx_tools.scaffold import init_workspace

    created = init_workspace(directory, agency=agency)
    for path in created:
        click.echo(str(path))
    _say(f"Workspace ready: edit {directory / 'sources'} and run 'sdmx-tools convert'.")


@main.command()
@workspace_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Report format on stdout.")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run the blocks of large files on this dask.distributed scheduler "
                   "(overrides workspace.scheduler).")
@_fail_cleanly
def convert(workspace: Path | None, fmt: str, scheduler: str | None) -> None:
    """Read, harmonise and compute; write SDMX, tables and the report."""
    import dataclasses

    from sdmx_tools.pipeline import ConvertError, OutputPaths, convert
    from sdmx_tools.workspace import check_scheduler

    ws = _load(workspace)
    if scheduler is not None:
        ws = dataclasses.replace(ws, scheduler=check_scheduler(scheduler, "--scheduler"),
                                 engine="dask")
    try:
        result = convert(ws)
    except ConvertError:
        report = OutputPaths(ws.output).report_json
        if fmt == "json" and report.is_file():
            click.echo(report.read_text(encoding="utf-8"))
        raise
    click.echo(result.report.to_json() if fmt == "json" else result.report.to_text())
    _say(f"{result.observations} observations; files in {ws.output}")


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--structure", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Structure message with the data's DSD and codelists "
              "(default: the workspace's converted structure.xml).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Report format on stdout.")
@workspace_option
@_fail_cleanly
def validate(files: tuple[Path, ...], structure: Path | None, fmt: str,
             workspace: Path | None) -> None:
    """Validate SDMX FILES: SDMX-ML against the official SDMX 2.1 XSDs, and data (SDMX-ML,
    SDMX-CSV 1.0/2.0, SDMX-JSON 2.0) against its structure: codes, mandatory attributes,
    duplicate keys, periods. Default FILES: the workspace's outputs.

    Structure-specific data are validated against their DSD-specific schema too, built from
    the workspace's codelists. Exit 1 when any file is invalid.
    """
    import json

    from sdmx_tools.exchange.validate import validate_files
    from sdmx_tools.pipeline import OutputPaths

    try:
        paths: OutputPaths | None = OutputPaths(_load(workspace).output)
    except ToolkitError:
        if workspace is not None or not files:
            raise
        paths = None  # files given outside a workspace: checked on their own
    if not files:
        assert paths is not None
        files = (paths.structure, paths.data_xml, paths.data_ss, paths.data_csv,
                 paths.data_csv2)
    if structure is None and paths is not None and paths.structure.is_file():
        structure = paths.structure
    for path in files:
        if not path.is_file():
            raise ToolkitError("file not found", file=path, hint="run 'sdmx-tools convert'")
    report = validate_files(files, structure=structure, codelists=_codelists(workspace))
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if fmt == "json"
               else report.to_text())
    if report.problems:
        raise StructureError(f"{report.problems} problem(s) in "
                             f"{sum(bool(f) for _, f in report.files)} file(s)")


@main.command()
@workspace_option
@click.option("--dry-run", is_flag=True, help="Show the diff against the registry; send nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Diff and outcomes format on stdout.")
@_fail_cleanly
def push(workspace: Path | None, dry_run: bool, fmt: str) -> None:
    """Push the converted structures and data to the workspace's registry.

    First prints what would change (each artefact new, changed or unchanged; the data
    against the registry's data set), then pushes; unchanged artefacts are not sent.
    """
    from sdmx_tools.publish import push_outputs

    report = push_outputs(_load(workspace), dry_run=dry_run)
    click.echo(report.to_json() if fmt == "json" else report.to_text())
    if not report.ok:
        raise RegistryError("the registry refused part of the submission",
                            hint="see the outcomes marked 'failed'")


@main.command()
@workspace_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Site folder (default: <output>/site).")
@click.option("--previous", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="The previous release site: its changes go in the notes.")
@_fail_cleanly
def release(workspace: Path | None, out: Path | None, previous: Path | None) -> None:
    """Render the static SDG release site from the converted outputs."""
    from sdmx_tools.publish import release_site

    ws = _load(workspace)
    pages = release_site(ws, out, previous)
    site = out or ws.output / "site"
    click.echo(str(site / "index.html"))
    _say(f"{len(pages)} pages written; open {site / 'index.html'}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["toml", "json"]), default="toml",
              show_default=True, help="A draft source spec, or the structured description.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: stdout).")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@workspace_option
@_fail_cleanly
def describe(file: Path, fmt: str, out: Path | None, force: bool,
             workspace: Path | None) -> None:
    """Draft a source spec from FILE: encoding, header row, column roles, totals, footers."""
    from sdmx_tools.fsutil import atomic_write
    from sdmx_tools.ingest.describe import describe_file
    from sdmx_tools.ingest.draft import render_toml
    from sdmx_tools.workspace import find_workspace

    if out is not None and out.exists() and not force:
        raise ToolkitError("output file exists", file=out, hint="pass --force to overwrite it")
    description = describe_file(file)
    if fmt == "json":
        text = description.to_json()
    else:
        try:  # location.path is relative to the workspace the spec will live in
            root = workspace or find_workspace(Path.cwd())
        except WorkspaceError:
            root = Path.cwd()
        text = render_toml(description, root)
    if out is None:
        click.echo(text, nl=False)
        return
    with atomic_write(out) as fh:
        fh.write(text)
    _say(f"wrote {out}")


@main.group()
def registry() -> None:
    """The embedded SDMX registry."""


@registry.command("serve")
@workspace_option
@click.option("--database", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="SQLite file (default: the workspace's registry database).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8080, show_default=True, type=int, help="Port (0: any free).")
@click.option("--anonymous-writes", is_flag=True,
              help="Accept writes without credentials (loopback addresses only).")
@_fail_cleanly
def registry_serve(workspace: Path | None, database: Path | None, host: str, port: int,
                   anonymous_writes: bool) -> None:
    """Serve the embedded registry over SDMX-REST until Ctrl-C.

    Reads are public. Writes need the credentials named in the workspace's [registry]
    (username_env and password_env, or token_env); without them every write is refused,
    unless --anonymous-writes on a loopback address.
    """
    from sdmx_tools.registry import serve

    names: dict[str, str | None] = {}
    if database is None or workspace is not None:  # a named workspace must load
        target = _load(workspace).registry
        database = database or target.database
        names = {"username_env": target.username_env, "password_env": target.password_env,
                 "token_env": target.token_env}
    serve(database, host, port, anonymous_writes=anonymous_writes, **names)


@main.group()
def codelists() -> None:
    """Inspect and export the official codelists."""


def _codelist_dirs(workspace: Path | None) -> list[Path]:
    """The workspace's codelist overrides: given, or found above the current folder, or none."""
    from sdmx_tools.workspace import find_workspace

    if workspace is None:
        try:
            workspace = find_workspace(Path.cwd())
        except WorkspaceError:
            return []  # codelists need no workspace: the bundled ones
    return list(_load(workspace).overrides("codelists"))


def _codelists(workspace: Path | None) -> dict[str, Any]:
    """The codelists in force: the workspace's (with its declared series), else the bundled."""
    from sdmx_tools.compute.definitions import for_workspace
    from sdmx_tools.vocabulary.codelists import load_codelists
    from sdmx_tools.workspace import find_workspace

    if workspace is None:
        try:
            workspace = find_workspace(Path.cwd())
        except WorkspaceError:
            return load_codelists()  # codelists need no workspace: the bundled ones
    return for_workspace(_load(workspace))[1]


@codelists.command("list")
@workspace_option
@_fail_cleanly
def codelists_list(workspace: Path | None) -> None:
    """List codelists: id, version, number of codes, name."""
    for cl in _codelists(workspace).values():
        click.echo(f"{cl.id}\t{cl.version}\t{len(cl)}\t{cl.name('en')}")


@codelists.command("show")
@click.argument("codelist_id")
@workspace_option
@_fail_cleanly
def codelists_show(codelist_id: str, workspace: Path | None) -> None:
    """Show the codes of one codelist (id, parent, names)."""
    cl = _get_codelist(_codelists(workspace), codelist_id)
    for code in cl:
        click.echo(f"{code.id}\t{code.parent or ''}\t{code.name('es')}\t{code.name('en')}")


@codelists.command("search")
@click.argument("text")
@click.option("--codelist", "codelist_id", default=None,
              help="Codelist to search (default: the area codelist).")
@workspace_option
@_fail_cleanly
def codelists_search(text: str, codelist_id: str | None, workspace: Path | None) -> None:
    """Find codes whose id or name resembles TEXT."""
    from sdmx_tools.territory import AREA_CODELIST

    cl = _get_codelist(_codelists(workspace), codelist_id or AREA_CODELIST)
    for code in cl.search(text):
        click.echo(f"{code.id}\t{code.name('es')}")


@codelists.command("export")
@click.argument("codelist_id")
@click.option("--format", "fmt", type=click.Choice(["sdmx-ml", "csv"]), default="sdmx-ml",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: stdout).")
@click.option("--agency", default="MX", show_default=True, help="Maintenance agency id.")
@workspace_option
@_fail_cleanly
def codelists_export(codelist_id: str, fmt: str, output: Path | None, agency: str,
                     workspace: Path | None) -> None:
    """Export one codelist as an SDMX-ML 2.1 structure message or CSV."""
    from sdmx_tools.exchange.structures import codelists_message, to_xml_bytes

    cl = _get_codelist(_codelists(workspace), codelist_id)
    if fmt == "sdmx-ml":
        data = to_xml_bytes(codelists_message([cl], agency))
    else:
        data = cl.to_csv().encode("utf-8")
    if output is None:
        click.echo(data.decode("utf-8"), nl=False)
    else:
        from sdmx_tools.fsutil import atomic_write

        with atomic_write(output, "wb") as fh:
            fh.write(data)
        _say(f"wrote {output}")


@codelists.command("import-ageeml")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
@_fail_cleanly
def codelists_import_ageeml(file: Path, workspace: Path | None) -> None:
    """Refresh CL_AREA_MX from INEGI's AGEEML catalogue FILE into the workspace's codelists/."""
    from sdmx_tools.territory.build import import_ageeml

    imported = import_ageeml(file, _load(workspace).root / "codelists")
    click.echo(str(imported.path))
    _say(f"{imported.municipalities} municipalities; the workspace now overrides the "
         "bundled area codelist")


@codelists.command("match")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--name-column", default=None, help="Column with municipality names.")
@click.option("--state-column", default=None, help="Column with the state (code or name).")
@click.option("--code-column", default=None, help="Column with area codes in any form.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV to write: the input columns plus the match columns.")
@click.option("--allow-review", is_flag=True, help="Exit 0 even when rows need review.")
@workspace_option
@_fail_cleanly
def codelists_match(file: Path, name_column: str | None, state_column: str | None,
                    code_column: str | None, output: Path, allow_review: bool,
                    workspace: Path | None) -> None:
    """Match FILE's place names or codes to INEGI area codes; doubtful rows go to review."""
    from sdmx_tools.fsutil import atomic_write
    from sdmx_tools.ingest.match_file import match_file
    from sdmx_tools.territory import load_areas

    if not (name_column or code_column):
        raise click.UsageError("give --name-column or --code-column")
    result = match_file(file, load_areas(_codelist_dirs(workspace)), name_column=name_column,
                        state_column=state_column, code_column=code_column)
    with atomic_write(output) as fh:
        result.to_csv(fh, index=False, lineterminator="\n")
    counts = result["match_status"].value_counts().to_dict()
    click.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    pending = len(result) - counts.get("matched", 0)
    if pending and not allow_review:
        raise ToolkitError(f"{pending} row(s) need review", file=output,
                           hint="see match_status and candidates; --allow-review to accept")


def _get_codelist(cls: dict[str, Any], codelist_id: str) -> Any:
    if codelist_id not in cls:
        raise CodelistError("no such codelist", value=codelist_id,
                            hint=f"available: {', '.join(cls)}")
    return cls[codelist_id]


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo"),
              show_default=True, help="Folder for the demo workspace and its outputs.")
@click.option("--boundaries", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="TopoJSON/GeoJSON of INEGI areas for the maps (copied in).")
@_fail_cleanly
def demo(out: Path, boundaries: Path | None) -> None:
    """Generate the synthetic demo, convert, push to the embedded registry, release."""
    from sdmx_tools.scaffold import run_demo

    summary = run_demo(out, boundaries)
    click.echo(summary.to_text())


if __name__ == "__main__":
    main()
