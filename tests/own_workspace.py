"""An office's own workspace for the tests: ``init``, then a robbery source, a national
indicator with a series code of its own, and an extension of 16.1.1 on a global series
the bundle lacks (no codelist written by hand)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from sdmx_tools.cli import main

ROBBERIES = """\
CVEGEO,year,robberies
01001,2020,310
01002,2020,12
01001,2021,290
"""

ROBBERY_SOURCE = """\
id = "robberies"
title = "Robberies reported to the municipal police"

[location]
path = "data/robberies.csv"

[area]
code_column = "CVEGEO"

[period]
column = "year"

[[measures]]
id = "robberies"
column = "robberies"
unit = "event"
"""

# A national indicator (the workspace's own prefix) with a series code of the office's own.
ROBBERY_RATE = """\
id = "MX.SEG.1"
series = "MX_VC_ROB_PSRC"
series_name.es = "Robos denunciados por cada 100 000 habitantes"
series_name.en = "Reported robberies per 100,000 population"
goal = 16
target = "16.1"
name.es = "Tasa de robos denunciados"
name.en = "Reported robbery rate"
frequency = "A"
multiplier = 100000
unit_measure = "PER_100000_POP"
decimals = 1
range = [0, 100000]

[numerator]
measure = "robberies"
unit = "event"

[denominator]
measure = "population"
unit = "person"
period = "latest"

[metadata.es]
"Definición" = "Robos denunciados en el año por cada 100 000 habitantes."
[metadata.en]
"Definition" = "Robberies reported in the year per 100,000 population."
"""

VICTIMS = """\
id = "16.1.1.a"
series = "VC_IHR_PSRCN"
series_name.es = "Número de víctimas de homicidio intencional [16.1.1]"
series_name.en = "Number of victims of intentional homicide [16.1.1]"
goal = 16
target = "16.1"
name.es = "Víctimas de homicidio intencional"
name.en = "Victims of intentional homicide"
unit_measure = "NUMBER"
decimals = 0

[numerator]
measure = "homicide_victims"
unit = "victim"
"""


def run_cli(*args: str) -> str:
    """Run the CLI; its stdout (the test fails on a non-zero exit)."""
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def make_own_workspace(ws: Path) -> Path:
    """The workspace in ``ws`` (not converted)."""
    run_cli("init", str(ws), "--agency", "INEGI")
    config = ws / "sdmx-tools.toml"
    config.write_text(config.read_text(encoding="utf-8").replace(
        'output = "out"', 'output = "out"\nnational_prefix = "MX"'), encoding="utf-8")
    (ws / "data" / "robberies.csv").write_text(ROBBERIES, encoding="utf-8")
    (ws / "sources" / "robberies.toml").write_text(ROBBERY_SOURCE, encoding="utf-8")
    (ws / "indicators").mkdir()
    (ws / "indicators" / "MX.SEG.1.toml").write_text(ROBBERY_RATE, encoding="utf-8")
    (ws / "indicators" / "16.1.1.a.toml").write_text(VICTIMS, encoding="utf-8")
    return ws
