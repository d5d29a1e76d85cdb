"""The real INEGI 'Consulta interactiva' export converts exactly (ISO-8859-1, titles, footer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sdmx_tools.errors import SpecError
from sdmx_tools.ingest.harmonise import harmonise
from sdmx_tools.ingest.readers import read_table
from sdmx_tools.ingest.spec import load_spec
from sdmx_tools.territory import load_areas

SPEC = """
id = "censo2020"
[location]
path = "{path}"
[read]
header_row = 4
[area]
code_column = "column_1"
[period]
value = "2020"
[[measures]]
id = "population"
column = "Total"
unit = "person"
[[exclude]]
column = "column_2"
equals = "Total"
reason = "national-total"
[[exclude]]
column = "column_1"
matches = "^FUENTE"
reason = "footer"
"""


@pytest.mark.shared_data
def test_inegi_sample_converts_exactly(shared_data: Path, tmp_path: Path,
                                      census_population: dict[str, float]) -> None:
    sample = shared_data / "samples" / "inegi_censo2020_poblacion_municipal_latin1.csv"
    (tmp_path / "sample.csv").write_bytes(sample.read_bytes())
    spec_file = tmp_path / "censo.toml"
    spec_file.write_text(SPEC.format(path="sample.csv"), encoding="utf-8")
    spec = load_spec(spec_file, tmp_path)
    raw = read_table(spec.path, spec.read)
    assert raw.encoding == "latin-1"  # describe drafts the same (no byte in 0x80-0x9F)
    h = harmonise(raw, spec, load_areas())
    obs = h.observations
    values = dict(zip(obs["REF_AREA"], obs["value"], strict=True))
    assert values == census_population and len(census_population) == 2469
    # The 32 state subtotal lines (=CONCATENAR(0,01)) are excluded, not used, and each one
    # equals the sum of its municipalities: INEGI's totals reconcile.
    a = h.account
    assert (a.read, a.used, a.quarantined, a.excluded) == (2504, 2469, 0, 35)
    assert a.excluded_by_rule == {"state-total": 32, "national-total": 1, "footer": 1,
                                  "blank": 1}
    assert [f for f in h.findings if f.code == "total-mismatch"] == []


def test_spec_errors_are_located(tmp_path: Path) -> None:
    spec_file = tmp_path / "bad.toml"
    spec_file.write_text(SPEC.format(path="x.csv").replace("[read]", "[raed]"), encoding="utf-8")
    with pytest.raises(SpecError) as err:
        load_spec(spec_file, tmp_path)
    assert "bad.toml" in str(err.value) and "'raed'" in str(err.value)
    assert "did you mean 'read'" in str(err.value)
