"""Generate the README's CLI reference from the commands' --help (--check fails on drift)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from sdmx_tools.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- cli-reference:start -->", "<!-- cli-reference:end -->"


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    out = [prefix]
    for name in sorted(group.commands):
        cmd = group.commands[name]
        if isinstance(cmd, click.Group):
            out += _commands(cmd, [*prefix, name])
        else:
            out.append([*prefix, name])
    return out


def reference() -> str:
    """Markdown: one fenced block of --help per command, in a stable order."""
    runner = CliRunner()
    parts = []
    for path in _commands(main, []):
        result = runner.invoke(main, [*path, "--help"], prog_name="sdmx-tools", terminal_width=100)
        title = " ".join(["sdmx-tools", *path])
        parts.append(f"### `{title}`\n\n```text\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def render(readme: str) -> str:
    """The README with its reference section replaced."""
    head, _, rest = readme.partition(START)
    _, _, tail = rest.partition(END)
    return f"{head}{START}\n{reference()}\n{END}{tail}"


def main_() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    args = parser.parse_args()
    text = README.read_text(encoding="utf-8")
    new = render(text)
    if args.write:
        README.write_text(new, encoding="utf-8")
        return 0
    if new != text:
        print("README.md CLI reference is out of date: run 'make readme'", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main_())
