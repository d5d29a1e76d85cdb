"""The CLI's shared parts: error translation, common options, output helpers.

``cli.py`` (the ``sdmx-tools`` group and the day's commands) and the command groups in
this package use them; the library never does.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from sdmx_tools.errors import CodelistError, ToolkitError, WorkspaceError, clip

F = TypeVar("F", bound=Callable[..., Any])


class Unreachable(click.ClickException):
    """A registry that cannot be reached: exit 3, so scripts can retry later."""

    exit_code = 3


def fail_cleanly(func: F) -> F:
    """Translate library errors at the edge: one located line, exit 1 (3 when unreachable)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ToolkitError as exc:
            if click.get_current_context().find_root().obj.get("debug"):
                raise
            raise (Unreachable if exc.exit_code == 3 else click.ClickException)(
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


def load_ws(workspace: Path | None) -> Any:
    """The workspace given, or the nearest one above the current folder (WorkspaceError)."""
    from sdmx_tools.workspace import find_workspace, load_workspace

    return load_workspace(workspace if workspace is not None else find_workspace(Path.cwd()))


def opt(name: str) -> Any:
    """A global option (``quiet``, ``verbose``, ``debug``) of the running command."""
    return click.get_current_context().find_root().obj.get(name)


def say(message: str) -> None:
    """A message on stderr, unless ``-q``."""
    if not opt("quiet"):
        click.echo(message, err=True)


def format_option(func: F | None = None, *, what: str = "Output") -> Any:
    """The shared ``--format text|json`` option (``fmt``); ``what`` names what it formats."""
    option = click.option("--format", "fmt", type=click.Choice(["text", "json"]),
                          default="text", show_default=True, help=f"{what} format on stdout.")
    return option(func) if func is not None else option


def echo_json(data: Any) -> None:
    """``data`` as indented JSON on stdout."""
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def echo_table(header: list[str], rows: list[list[str]]) -> None:
    """Tab-separated rows under a header line (cut, awk and spreadsheets read it)."""
    click.echo("\t".join(header))
    for row in rows:
        click.echo("\t".join(row))


class ProgressLine:
    """The running step on one stderr line, redrawn with its elapsed time; only on a TTY.

    A pipe or a log file gets nothing: scripts read the report, not the animation.
    """

    def __init__(self) -> None:
        import threading
        import time

        self._time = time.monotonic
        self._started = self._time()
        self._step = ""
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()

    def __call__(self, stage: str, item: str) -> None:
        with self._lock:
            self._step = f"{stage} {item}".strip()
        self._draw()

    def _tick(self) -> None:
        while not self._done.wait(0.5):
            self._draw()

    def _draw(self) -> None:
        with self._lock:  # the ticking thread and the steps draw one line
            click.echo(f"\r\x1b[K{self._step} ... {self._time() - self._started:.0f} s",
                       err=True, nl=False)

    def close(self) -> None:
        self._done.set()
        self._thread.join()
        click.echo("\r\x1b[K", err=True, nl=False)


def progress_line() -> ProgressLine | None:
    """A :class:`ProgressLine` on a terminal (not with ``-q``), else None."""
    return ProgressLine() if sys.stderr.isatty() and not opt("quiet") else None


def _found(workspace: Path | None) -> Path | None:
    """The workspace given, or the nearest one, or None: codelists need no workspace."""
    from sdmx_tools.workspace import find_workspace

    if workspace is not None:
        return workspace
    try:
        return find_workspace(Path.cwd())
    except WorkspaceError:
        return None


def codelist_dirs(workspace: Path | None) -> list[Path]:
    """The workspace's codelist overrides (none outside a workspace)."""
    found = _found(workspace)
    return [] if found is None else list(load_ws(found).overrides("codelists"))


def codelists_in_force(workspace: Path | None) -> dict[str, Any]:
    """The codelists in force: the workspace's (with its declared series), else the bundled."""
    from sdmx_tools.compute.definitions import for_workspace
    from sdmx_tools.vocabulary.codelists import load_codelists

    found = _found(workspace)
    return load_codelists() if found is None else for_workspace(load_ws(found))[1]


def get_codelist(cls: dict[str, Any], codelist_id: str) -> Any:
    """One codelist by id, or a CodelistError naming those there are."""
    if codelist_id not in cls:
        raise CodelistError("no such codelist", value=codelist_id,
                            hint=f"available: {', '.join(cls)}")
    return cls[codelist_id]
