"""``sdmx-tools codelists``: inspect, search, export, import and match the codelists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from sdmx_tools.commands import (
    codelist_dirs,
    codelists_in_force,
    echo_json,
    echo_table,
    fail_cleanly,
    format_option,
    get_codelist,
    load_ws,
    say,
    workspace_option,
)
from sdmx_tools.errors import CodelistError, ToolkitError


@click.group()
def codelists() -> None:
    """Inspect and export the official codelists."""


@codelists.command("list")
@workspace_option
@format_option
@fail_cleanly
def codelists_list(workspace: Path | None, fmt: str) -> None:
    """List codelists: id, version, number of codes, name."""
    cls = list(codelists_in_force(workspace).values())
    if fmt == "json":
        echo_json([{"id": cl.id, "agency": cl.agency, "version": cl.version, "codes": len(cl),
                    "names": cl.names} for cl in cls])
        return
    echo_table(["id", "version", "codes", "name"],
               [[cl.id, cl.version, str(len(cl)), cl.name("en")] for cl in cls])


@codelists.command("show")
@click.argument("codelist_id")
@workspace_option
@format_option
@fail_cleanly
def codelists_show(codelist_id: str, workspace: Path | None, fmt: str) -> None:
    """Show the codes of one codelist (id, parent, names)."""
    cl = get_codelist(codelists_in_force(workspace), codelist_id)
    if fmt == "json":
        echo_json({"id": cl.id, "version": cl.version, "names": cl.names,
                   "codes": [{"id": c.id, "parent": c.parent, "names": c.names} for c in cl]})
        return
    echo_table(["id", "parent", "name_es", "name_en"],
               [[c.id, c.parent or "", c.name("es"), c.name("en")] for c in cl])


@codelists.command("search")
@click.argument("text")
@click.option("--codelist", "codelist_id", default=None,
              help="Codelist to search (default: the area codelist).")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 10000),
              help="At most this many codes.")
@workspace_option
@format_option
@fail_cleanly
def codelists_search(text: str, codelist_id: str | None, limit: int, workspace: Path | None,
                     fmt: str) -> None:
    """Find codes whose id or name resembles TEXT (areas: with their state).

    Exit 1 when nothing matches.
    """
    from sdmx_tools.territory import AREA_CODELIST, load_areas

    cls = codelists_in_force(workspace)
    cl = get_codelist(cls, codelist_id or AREA_CODELIST)
    rows: list[dict[str, Any]]
    if cl.id == AREA_CODELIST:
        hits = load_areas(codelist_dirs(workspace), cls).search(text, limit + 1)
        rows = [h._asdict() for h in hits]
        header = ["code", "name", "level", "state_name"]
    else:
        rows = [{"code": c.id, "name_es": c.name("es"), "name_en": c.name("en")}
                for c in cl.search(text, limit + 1)]
        header = ["code", "name_es", "name_en"]
    if len(rows) > limit:  # asked one more than shown: the list says it is not complete
        rows = rows[:limit]
        say(f"the first {limit} matches; more codes match: narrow TEXT or raise --limit")
    if not rows:
        raise CodelistError(f"no code of {cl.id} matches", value=text,
                            hint="try part of the name, without accents, or the code")
    if fmt == "json":
        echo_json(rows)
    else:
        echo_table(header, [[str(r[k] or "") for k in header] for r in rows])


@codelists.command("export")
@click.argument("codelist_id")
@click.option("--format", "fmt", type=click.Choice(["sdmx-ml", "csv"]), default="sdmx-ml",
              show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Output file (default: stdout).")
@click.option("--agency", default="MX", show_default=True, help="Maintenance agency id.")
@workspace_option
@fail_cleanly
def codelists_export(codelist_id: str, fmt: str, output: Path | None, agency: str,
                     workspace: Path | None) -> None:
    """Export one codelist as an SDMX-ML 2.1 structure message or CSV."""
    from sdmx_tools.exchange.structures import codelists_message, to_xml_bytes

    cl = get_codelist(codelists_in_force(workspace), codelist_id)
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
        say(f"wrote {output}")


@codelists.command("import-ageeml")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@workspace_option
@fail_cleanly
def codelists_import_ageeml(file: Path, workspace: Path | None) -> None:
    """Refresh CL_AREA_MX from INEGI's AGEEML catalogue FILE into the workspace's codelists/."""
    from sdmx_tools.territory.build import import_ageeml

    imported = import_ageeml(file, load_ws(workspace).root / "codelists")
    click.echo(str(imported.path))
    say(f"{imported.municipalities} municipalities; the workspace now overrides the "
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
@format_option
@fail_cleanly
def codelists_match(file: Path, name_column: str | None, state_column: str | None,
                    code_column: str | None, output: Path, allow_review: bool,
                    workspace: Path | None, fmt: str) -> None:
    """Match FILE's place names or codes to INEGI area codes; doubtful rows go to review."""
    from sdmx_tools.fsutil import atomic_write
    from sdmx_tools.ingest.match_file import match_file
    from sdmx_tools.territory import load_areas

    if not (name_column or code_column):
        raise click.UsageError("give --name-column or --code-column")
    result = match_file(file, load_areas(codelist_dirs(workspace)), name_column=name_column,
                        state_column=state_column, code_column=code_column)
    with atomic_write(output) as fh:
        result.to_csv(fh, index=False, lineterminator="\n")
    counts = {str(k): int(v) for k, v in result["match_status"].value_counts().items()}
    if fmt == "json":
        echo_json({"rows": len(result), "counts": dict(sorted(counts.items())),
                   "output": str(output)})
    else:
        click.echo(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    pending = len(result) - counts.get("matched", 0)
    if pending and not allow_review:
        raise ToolkitError(f"{pending} row(s) need review", file=output,
                           hint="see match_status and candidates; --allow-review to accept")
