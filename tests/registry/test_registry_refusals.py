"""What the registry must refuse rather than answer wrongly: query parts it cannot apply,
data it would lose or misstate (data-set attributes, series attributes that vary, empty
dimensions, deletions), hostile numbers; and a cached answer is never older than a write
that happened while it was being made."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from lxml import etree
from registry_builders import FLOW, csv_data, served, structure_xml

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.conformance import check_data, rules_from_structure
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.exchange.xmlsafe import parse, q
from sdmx_tools.registry import app as registry_app
from sdmx_tools.registry.http import Request
from sdmx_tools.registry.store import RegistryStore

SS = "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/data/structurespecific"


@pytest.fixture
def url(tmp_path: Path):  # type: ignore[no-untyped-def]
    store = RegistryStore(tmp_path / "registry.sqlite")
    store.put_structures(structure_xml())
    assert store.put_data(FLOW, csv_data(), "sdmx-csv").status == "loaded"
    with served(tmp_path / "registry.sqlite") as base:
        yield base


@pytest.mark.parametrize(("params", "status"), [
    ({"updatedAfter": "2099-01-01"}, 501),
    ({"includeHistory": "true"}, 501),
    ({"c[OBS_VALUE]": "20"}, 501),
    ({"lastNObservations": "²"}, 400),
    ({"lastNObservations": "9" * 5000}, 400),
    ([("c[SEX]", "F"), ("c[SEX]", "M")], 400),
])
def test_query_parts_not_applied_are_refused(url: str, params: object, status: int) -> None:
    r = httpx.get(f"{url}/data/DF_TEST", params=params, timeout=30)  # type: ignore[arg-type]
    assert r.status_code == status, r.text[:200]
    assert b"<mes:Error" in r.content


def test_a_provider_or_an_ambiguous_dataflow_is_refused(url: str) -> None:
    assert httpx.get(f"{url}/data/DF_TEST/all/NOBODY").status_code == 501
    assert httpx.get(f"{url}/data/DF_TEST/all/all").status_code == 200


def _ss_message(dataset_attrs: str, rows: str, action: str = "Replace") -> bytes:
    return (f'<m:StructureSpecificData xmlns:m="http://www.sdmx.org/resources/sdmxml/schemas/'
            f'v2_1/message" xmlns:ss="{SS}"><m:Header><m:ID>X</m:ID><m:Test>false</m:Test>'
            '<m:Prepared>2020-01-01T00:00:00</m:Prepared><m:Sender id="S"/></m:Header>'
            f'<m:DataSet ss:structureRef="S" action="{action}" {dataset_attrs}>{rows}'
            '</m:DataSet></m:StructureSpecificData>').encode()


def test_data_set_attributes_reach_every_observation() -> None:
    frame = read_data(_ss_message('UNIT_MULT="3"', '<Series SEX="F"><Obs TIME_PERIOD="2020" '
                                  'OBS_VALUE="10.5"/><Obs TIME_PERIOD="2021" OBS_VALUE="11"/>'
                                  '</Series>'))
    assert list(frame["UNIT_MULT"]) == ["3", "3"]
    assert "action" not in frame.columns


@pytest.mark.parametrize(("message", "why"), [
    (_ss_message("", "", action="Delete"), "a deletion message"),
    (_ss_message("", '<Group SEX="F" UNIT_MULT="3"/>'), "group attributes are not read"),
    (b"STRUCTURE,STRUCTURE_ID,ACTION,SEX,TIME_PERIOD,OBS_VALUE\ndataflow,X,D,F,2020,1\n",
     "deletions are not"),
])
def test_what_would_be_misread_is_refused(message: bytes, why: str) -> None:
    with pytest.raises(StructureError, match=why):
        read_data(message)


def test_varying_series_attributes_and_empty_dimensions_are_findings() -> None:
    root = parse(structure_xml())
    # UNIT_MULT attached to the series (dimension SEX) instead of the observation.
    rel = next(root.iter(q("str", "AttributeRelationship")))
    rel.clear()
    etree.SubElement(etree.SubElement(rel, q("str", "Dimension")), "Ref", id="SEX")
    rules = rules_from_structure(root)
    assert rules.series_attributes == ["UNIT_MULT"]
    frame = read_data(b"DATAFLOW,SEX,TIME_PERIOD,OBS_VALUE,UNIT_MULT\n"
                      b"A:B(1.0),F,2020,1,0\nA:B(1.0),F,2021,2,3\nA:B(1.0),,2021,2,3\n"
                      b"A:B(1.0),M,2020,1,0\nA:B(1.0),M,2020-A1,1,0\n")
    codes = sorted(f.code for f in check_data(frame, rules))
    assert codes == ["duplicate-key", "missing-dimension-value", "varying-attribute"]


def test_a_concepts_codelist_checks_codes_when_the_dsd_gives_none() -> None:
    root = parse(structure_xml(coded_sex_concept=True))
    dim = next(d for d in root.iter(q("str", "Dimension")) if d.get("id") == "SEX")
    dim.remove(dim.find(q("str", "LocalRepresentation")))
    rules = rules_from_structure(root)
    assert rules.codes["SEX"] == {"F", "M", "_T"}
    bogus = read_data(b"DATAFLOW,SEX,TIME_PERIOD,OBS_VALUE\nA:B(1.0),BOGUS,2020,1\n")
    assert [f.code for f in check_data(bogus, rules)] == ["unknown-code"]


def test_a_write_while_an_answer_is_made_is_not_hidden_by_the_cache(tmp_path: Path) -> None:
    database = tmp_path / "registry.sqlite"

    class Racing(RegistryStore):
        """Another process writes just after this store has read the codelist."""

        race = True

        def get_structures(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            body = super().get_structures(*args, **kwargs)
            if self.race:
                self.race = False
                RegistryStore(database).put_structures(structure_xml(final=False,
                                                                     sex_name="Sexo"))
            return body

    store = Racing(database)
    store.put_structures(structure_xml(final=False, sex_name="Sex"))
    request = Request("GET", "/structure/codelist/MX_TEST/CL_SEX/latest", {}, {}, b"")
    key = registry_app._cache_key(request, store)  # as the app takes it, before reading
    first = registry_app._answer(request, store, None, False, key)
    assert b">Sex<" in first.body  # what was read before the write
    assert registry_app._CACHE.get(key) is first
    now = registry_app._cache_key(request, store)
    assert now != key and registry_app._CACHE.get(now) is None  # the write: a new key
    assert b">Sexo<" in registry_app._answer(request, store, None, False, now).body
