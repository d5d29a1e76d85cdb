"""The sdmx-tools command line: thin commands over the library.

Each command parses options, calls one library function and prints its result: data to
stdout, messages to stderr. Every :class:`~sdmx_tools.errors.ToolkitError` becomes a
one-line ``Error: ...`` and exit status 1 (``--debug`` shows the traceback); usage errors
exit 2; a registry that cannot be reached exits 3 (the same push may succeed later).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

import click

from sdmx_tools import __version__
from sdmx_tools.commands import (
    codelists_in_force,
    echo_json,
    fail_cleanly,
    format_option,
    load_ws,
    opt,
    progress_line,
    say,
    workspace_option,
)
from sdmx_tools.commands.codelists import codelists
from sdmx_tools.errors import RegistryError, StructureError, ToolkitError, WorkspaceError


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
    ctx.obj = {"quiet": quiet, "debug": debug, "verbose": verbose}
    level = logging.WARNING - 10 * verbose if not quiet else logging.ERROR
    logging.basicConfig(level=max(level, logging.DEBUG), stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--agency", default="MY_AGENCY", show_default=True,
              help="SDMX agency id of your office.")
@fail_cleanly
def init(directory: Path, agency: str) -> None:
    """Create a new workspace in DIRECTORY (settings, sources/, an example spec)."""
    from sdmx_tools.scaffold import init_workspace

    created = init_workspace(directory, agency=agency)
    for path in created:
        click.echo(str(path))
    say(f"Workspace ready: edit {directory / 'sources'} and run 'sdmx-tools convert'.")


@main.command()
@workspace_option
@format_option(what="Report")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Run the blocks of large files on this dask.distributed scheduler "
                   "(overrides workspace.scheduler).")
@fail_cleanly
def convert(workspace: Path | None, fmt: str, scheduler: str | None) -> None:
    """Read, harmonise and compute; write SDMX, tables and the report."""
    import dataclasses

    from sdmx_tools.pipeline import ConvertError, OutputPaths, convert
    from sdmx_tools.workspace import check_scheduler

    ws = load_ws(workspace)
    if scheduler is not None:
        ws = dataclasses.replace(ws, scheduler=check_scheduler(scheduler, "--scheduler"),
                                 engine="dask")
    progress = progress_line()
    try:
        result = convert(ws, progress)
    except ConvertError as exc:
        if exc.report is not None and (fmt == "json" or not opt("quiet")):
            rest = _rest(OutputPaths(ws.output))
            click.echo(exc.report.to_json(rest=rest["findings"]) if fmt == "json"
                       else exc.report.to_text(rest=rest))
        raise
    finally:
        if progress is not None:
            progress.close()
    rest = _rest(OutputPaths(ws.output))
    if fmt == "json":
        click.echo(result.report.to_json(rest=rest["findings"]))
    elif not opt("quiet"):
        click.echo(result.report.to_text(rest=rest))
    if opt("verbose"):
        say("timings: " + ", ".join(f"{stage} {seconds:.2f} s"
                                     for stage, seconds in result.timings.items()))
    say(f"{result.observations} observations; files in {ws.output}")


def _rest(paths: Any) -> dict[str, str]:
    """Where the findings a text summary leaves out are (for its 'N more' lines)."""
    return {"findings": str(paths.report_json), "quarantine": str(paths.quarantine)}


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--structure", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="Structure message with the data's DSD and codelists "
              "(default: the workspace's converted structure.xml).")
@format_option(what="Report")
@workspace_option
@fail_cleanly
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
        paths: OutputPaths | None = OutputPaths(load_ws(workspace).output)
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
    report = validate_files(files, structure=structure, codelists=codelists_in_force(workspace))
    click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) if fmt == "json"
               else report.to_text())
    if report.problems:
        raise StructureError(f"{report.problems} problem(s) in "
                             f"{sum(bool(f) for _, f in report.files)} file(s)")


@main.command()
@workspace_option
@click.option("--dry-run", is_flag=True, help="Show the diff against the registry; send nothing.")
@format_option(what="Diff and outcomes")
@fail_cleanly
def push(workspace: Path | None, dry_run: bool, fmt: str) -> None:
    """Push the converted structures and data to the workspace's registry.

    First prints what would change (each artefact new, changed or unchanged; the data
    against the registry's data set), then pushes; unchanged artefacts are not sent.
    """
    from sdmx_tools.publish import push_outputs

    report = push_outputs(load_ws(workspace), dry_run=dry_run)
    if fmt == "json":
        click.echo(report.to_json())
    elif not opt("quiet") or dry_run or not report.ok:  # -q: the outcomes only if refused
        click.echo(report.to_text())
    if not report.ok:
        raise RegistryError("the registry refused part of the submission",
                            hint="see the outcomes marked 'failed'")


@main.command()
@workspace_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Site folder (default: <output>/site).")
@click.option("--previous", type=click.Path(file_okay=False, exists=True, path_type=Path),
              default=None, help="The previous release site: its changes go in the notes.")
@fail_cleanly
def release(workspace: Path | None, out: Path | None, previous: Path | None) -> None:
    """Render the static SDG release site from the converted outputs."""
    from sdmx_tools.publish import release_site

    ws = load_ws(workspace)
    pages = release_site(ws, out, previous)
    site = out or ws.output / "site"
    click.echo(str(site / "index.html"))
    say(f"{len(pages)} pages written; open {site / 'index.html'}")


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["toml", "json"]), default="toml",
              show_default=True, help="A draft source spec, or the structured description.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (default: stdout).")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@workspace_option
@fail_cleanly
def describe(file: Path, fmt: str, out: Path | None, force: bool,
             workspace: Path | None) -> None:
    """Draft a source spec from FILE: encoding, header row, column roles, totals, footers."""
    from sdmx_tools.compute.definitions import unmet_measures
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
            root: Path | None = workspace or find_workspace(Path.cwd())
        except WorkspaceError:
            root = None
        text = render_toml(description, root or Path.cwd(),
                           unmet_measures(root) if root is not None else [])
    if out is None:
        click.echo(text, nl=False)
        return
    with atomic_write(out) as fh:
        fh.write(text)
    say(f"wrote {out}")


@main.command()
@workspace_option
@format_option
@fail_cleanly
def status(workspace: Path | None, fmt: str) -> None:
    """What changed since the last convert, and what the registry holds against the outputs.

    Sources whose file changed, settings and definitions edited since, outputs modified or
    missing, and the push diff's counts (a dry run: nothing is sent).
    """
    from sdmx_tools.publish import workspace_status

    result = workspace_status(load_ws(workspace))
    if fmt == "json":
        echo_json(result.to_dict())
    else:
        click.echo(result.to_text())


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
@fail_cleanly
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
        target = load_ws(workspace).registry
        database = database or target.database
        names = {"username_env": target.username_env, "password_env": target.password_env,
                 "token_env": target.token_env}
    serve(database, host, port, anonymous_writes=anonymous_writes, **names)


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("demo"),
              show_default=True, help="Folder for the demo workspace and its outputs.")
@click.option("--boundaries", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=None, help="TopoJSON/GeoJSON of INEGI areas for the maps (copied in).")
@fail_cleanly
def demo(out: Path, boundaries: Path | None) -> None:
    """Generate the synthetic demo, convert, push to the embedded registry, release."""
    from sdmx_tools.scaffold import run_demo

    summary = run_demo(out, boundaries)
    click.echo(summary.to_text())


main.add_command(codelists)

if __name__ == "__main__":
    main()
