"""The embedded registry over HTTP, against real clients: sdmx1, pysdmx, our push dialects."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
import sdmx
from registry_builders import FLOW, codelist_xml, csv_data, ml_data, structure_xml

from sdmx_tools.errors import RegistryError
from sdmx_tools.registry import DataFile, RegistryStore, RegistryTarget, push
from sdmx_tools.registry.messages import parse_submit_structure_response

CL_SEX = "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=MX_TEST:CL_SEX(1.0)"


def _files(tmp_path: Path, **kw: object) -> tuple[Path, Path, Path]:
    structure = tmp_path / "structure.xml"
    structure.write_bytes(structure_xml(**kw))  # type: ignore[arg-type]
    csv = tmp_path / "data.csv"
    csv.write_bytes(csv_data())
    xml = tmp_path / "data.xml"
    xml.write_bytes(ml_data())
    return structure, csv, xml


def _client(url: str) -> sdmx.Client:
    sdmx.add_source({"id": "LOCAL", "url": url, "name": "local",
                     "supports": {"preview": False}}, override=True)
    return sdmx.Client("LOCAL")


def test_embedded_push_then_sdmx1_reads_dataflow_with_references(
    tmp_path: Path, server_url: str
) -> None:
    # The thread server's store is tmp_path/"thread.sqlite": push there directly.
    structure, csv, _ = _files(tmp_path)
    target = RegistryTarget("embedded", database=tmp_path / "thread.sqlite")
    result = push(target, structure=structure, data=[DataFile(csv, FLOW, "sdmx-csv")])
    assert result.ok, result
    assert [o.status for o in result.outcomes] == ["created"] * 4 + ["loaded"]

    msg = _client(server_url).dataflow("DF_TEST", agency_id="MX_TEST")
    assert list(msg.dataflow) == ["DF_TEST"]
    dsd = msg.structure["DSD_TEST"]
    assert [d.id for d in dsd.dimensions] == ["SEX", "TIME_PERIOD"]
    assert [c.id for c in msg.codelist["CL_SEX"]] == ["F", "M", "_T"]
    assert "CS_TEST" in msg.concept_scheme


def test_structure_queries_wildcards_and_404(tmp_path: Path, server_url: str) -> None:
    structure, _, _ = _files(tmp_path)
    assert push(RegistryTarget("sdmx-rest", url=server_url), structure=structure).ok
    r = httpx.get(f"{server_url}/structure/codelist/*/*/latest")
    assert r.status_code == 200 and b"CL_SEX" in r.content and b"DSD_TEST" not in r.content
    r = httpx.get(f"{server_url}/structure/datastructure/MX_TEST/DSD_TEST/1.0",
                  params={"references": "children"})
    msg = sdmx.read_sdmx(io.BytesIO(r.content))
    assert "CL_SEX" in msg.codelist and "DSD_TEST" in msg.structure
    r = httpx.get(f"{server_url}/codelist/MX_TEST/NOPE/latest")
    assert r.status_code == 404 and b"ErrorMessage" in r.content


def test_sdmx_rest_push_final_change_refused_with_409(tmp_path: Path, server_url: str) -> None:
    structure, _, _ = _files(tmp_path)
    target = RegistryTarget("sdmx-rest", url=server_url)
    assert {o.status for o in push(target, structure=structure).outcomes} == {"created"}
    assert {o.status for o in push(target, structure=structure).outcomes} == {"unchanged"}

    changed = tmp_path / "changed.xml"
    changed.write_bytes(structure_xml(sex_name="Sexo"))
    r = httpx.post(f"{server_url}/structure", content=changed.read_bytes())
    assert r.status_code == 409
    outcomes = {o.item: o for o in parse_submit_structure_response(r.content)}
    assert outcomes[CL_SEX].status == "failed" and "final" in outcomes[CL_SEX].message
    assert outcomes[CL_SEX].code == "conflict"

    result = push(target, structure=changed)
    assert not result.ok
    pushed = {o.item: o for o in result.outcomes}[CL_SEX]
    assert (pushed.status, pushed.code) == ("failed", "conflict")
    # The unchanged artefacts of a refused submission are reported as aborted.
    assert {o.code for o in result.outcomes if o.item != CL_SEX} == {"aborted"}


def test_missing_reference_and_type_mismatch(tmp_path: Path, server_url: str) -> None:
    xml = structure_xml()
    start, end = xml.index(b"<str:Codelists>"), xml.index(b"</str:Codelists>") + 16
    r = httpx.post(f"{server_url}/structure/", content=xml[:start] + xml[end:])
    assert r.status_code == 409
    outcomes = parse_submit_structure_response(r.content)
    dsd = next(o for o in outcomes if "DSD_TEST" in o.item)
    assert dsd.code == "missing-reference" and CL_SEX in dsd.message
    assert {o.code for o in outcomes if o is not dsd} == {"aborted"}
    r = httpx.post(f"{server_url}/structure/codelist", content=xml)
    assert r.status_code == 422
    assert httpx.get(f"{server_url}/structure/codelist/all/all/all").status_code == 404


def test_put_and_delete(tmp_path: Path, server_url: str) -> None:
    xml = structure_xml(final=False)
    assert httpx.post(f"{server_url}/structure", content=xml).status_code == 201
    r = httpx.put(f"{server_url}/structure/codelist/MX_TEST/CL_SEX/1.0", content=xml)
    assert r.status_code == 422  # the body holds more than that codelist
    assert [o.code for o in parse_submit_structure_response(r.content)] == ["type-mismatch"] * 4
    r = httpx.delete(f"{server_url}/structure/dataflow/MX_TEST/DF_TEST/1.0")
    assert r.status_code == 200
    assert httpx.get(f"{server_url}/dataflow/MX_TEST/DF_TEST/latest").status_code == 404


def test_put_of_one_codelist_then_read_back(server_url: str) -> None:
    path = f"{server_url}/structure/codelist/MX_TEST/CL_SEX/1.0"
    r = httpx.put(path, content=codelist_xml(final=False))
    assert r.status_code == 201
    assert [(o.item, o.status) for o in parse_submit_structure_response(r.content)] == [
        (CL_SEX, "created")]
    cl = sdmx.read_sdmx(io.BytesIO(httpx.get(path).content)).codelist["CL_SEX"]
    assert (str(cl.name), [c.id for c in cl]) == ("Sex", ["F", "M", "_T"])

    r = httpx.put(path, content=codelist_xml(final=False, sex_name="Sexo"))
    assert r.status_code == 200
    assert [o.status for o in parse_submit_structure_response(r.content)] == ["replaced"]
    assert str(sdmx.read_sdmx(io.BytesIO(httpx.get(path).content)).codelist["CL_SEX"].name) \
        == "Sexo"


@pytest.mark.parametrize("kind", ["embedded", "sdmx-rest", "fmr"])
@pytest.mark.parametrize("missing", ["structure", "data"])
def test_a_missing_file_is_a_located_error_and_nothing_is_pushed(
    tmp_path: Path, server_url: str, kind: str, missing: str
) -> None:
    structure, csv, _ = _files(tmp_path)
    gone = tmp_path / "gone.xml"
    target = RegistryTarget(kind, url=server_url,  # type: ignore[arg-type]
                            database=tmp_path / "thread.sqlite")
    with pytest.raises(RegistryError, match="Cannot read the file to push") as info:
        push(target, structure=gone if missing == "structure" else structure,
             data=[DataFile(gone if missing == "data" else csv, FLOW, "sdmx-csv")])
    assert info.value.file == str(gone)
    # Files are read first: the structures were not sent before the data file failed.
    assert RegistryStore(tmp_path / "thread.sqlite").list_artefacts() == []


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "http://h:port"])
def test_an_unparseable_target_url_is_a_registry_error(tmp_path: Path, url: str) -> None:
    structure, _, _ = _files(tmp_path)
    with pytest.raises(RegistryError, match="URL cannot be parsed") as info:
        push(RegistryTarget("sdmx-rest", url=url), structure=structure)
    assert url not in str(info.value)


def test_target_display_hides_credentials_and_query_values() -> None:
    target = RegistryTarget("fmr", url="https://u:pw@reg.example.org:8443/fmr?key=t0ken#x")
    assert target.display == "fmr https://reg.example.org:8443/fmr?key=…"
    assert RegistryTarget("fmr", url="http://[::1]:8080/").display == "fmr http://[::1]:8080/"
    assert RegistryTarget("fmr", url="http://[::1").display == "fmr (an unparseable URL)"


def test_xxe_over_http_refused(tmp_path: Path, server_url: str) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    payload = (
        f'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">'
        "<mes:Header><mes:ID>&x;</mes:ID></mes:Header></mes:Structure>"
    )
    for path in ("/structure", "/ws/secure/sdmxapi/rest"):
        r = httpx.post(server_url + path, content=payload, headers={"Action": "Append"})
        assert r.status_code == 400 and b"DOCTYPE" in r.content
        assert b"TOP-SECRET" not in r.content


def test_data_push_and_read_back(tmp_path: Path, server_url: str) -> None:
    structure, csv, xml = _files(tmp_path)
    result = push(RegistryTarget("sdmx-rest", url=server_url), structure=structure,
                  data=[DataFile(csv, FLOW, "sdmx-csv"), DataFile(xml, FLOW, "sdmx-ml")])
    assert result.ok, result
    assert [o.status for o in result.outcomes[-2:]] == ["loaded", "loaded"]

    r = httpx.get(f"{server_url}/data/MX_TEST,DF_TEST,1.0/F..",
                  headers={"Accept": "application/vnd.sdmx.data+csv"})
    assert r.status_code == 400  # the DSD has one dimension before TIME_PERIOD
    # The SDMX-ML data set came last: it replaced the CSV one, for every format served.
    r = httpx.get(f"{server_url}/data/MX_TEST,DF_TEST,1.0/F", params={"format": "csv"})
    assert r.status_code == 200
    assert r.text.splitlines()[1:] == [f"{FLOW},F,2020,10.5"]
    result = push(RegistryTarget("sdmx-rest", url=server_url), data=[DataFile(csv, FLOW,
                                                                              "sdmx-csv")])
    r = httpx.get(f"{server_url}/data/MX_TEST,DF_TEST,1.0/F", params={"format": "csv"})
    # Selected, so written anew: numbers as every writer spells them (11.0 is 11).
    assert r.text.splitlines()[1:] == [f"{FLOW},F,2020,10.5", f"{FLOW},F,2021,11"]
    push(RegistryTarget("sdmx-rest", url=server_url), data=[DataFile(xml, FLOW, "sdmx-ml")])

    r = httpx.get(f"{server_url}/data/DF_TEST/all")
    dsd = _client(server_url).dataflow("DF_TEST", agency_id="MX_TEST").structure["DSD_TEST"]
    data = sdmx.read_sdmx(io.BytesIO(r.content), structure=dsd)
    values = sorted(float(o.value) for o in data.data[0].obs)
    assert values == [9.5, 10.5]


def test_fmr_dialect_push_structures_and_data(tmp_path: Path, server_url: str) -> None:
    structure, csv, _ = _files(tmp_path)
    target = RegistryTarget("fmr", url=server_url)
    result = push(target, structure=structure, data=[DataFile(csv, FLOW, "sdmx-csv")])
    assert result.ok, result
    assert [o.status for o in result.outcomes] == ["created"] * 4 + ["loaded"]
    r = httpx.get(f"{server_url}/data/MX_TEST,DF_TEST,1.0", headers={
        "Accept": "application/vnd.sdmx.data+csv"})
    assert r.content == csv_data()


def test_unreachable_registry_is_a_registry_error() -> None:
    target = RegistryTarget("sdmx-rest", url="http://127.0.0.1:9")
    with pytest.raises(RegistryError, match="Cannot reach") as info:
        push(target, structure=Path(__file__))
    assert info.value.file == "http://127.0.0.1:9/structure"


def test_a_non_json_answer_is_a_registry_error(tmp_path: Path) -> None:
    # A proxy or an odd registry answering HTML must give a located RegistryError.
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Html(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            body = b"<html>Unsupported</html>"
            self.send_response(415)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        _, csv, _ = _files(tmp_path)
        target = RegistryTarget("sdmx-rest", url=f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(RegistryError, match="HTTP 415"):
            push(target, data=[DataFile(csv, FLOW, "sdmx-csv")])
    finally:
        server.shutdown()
        server.server_close()


def test_paths_are_decoded_once(tmp_path: Path, server_url: str) -> None:
    structure, _, _ = _files(tmp_path)
    assert push(RegistryTarget("sdmx-rest", url=server_url), structure=structure).ok
    assert httpx.get(f"{server_url}/structure/codelist/MX_TEST/CL_SEX/1.0").status_code == 200
    # %255F is a literal "%5F", not "_": decoding twice would find CL_SEX.
    r = httpx.get(f"{server_url}/structure/codelist/MX_TEST/CL%255FSEX/1.0")
    assert r.status_code == 404


def test_fmr_endpoint_multipart_and_case_insensitive_action(server_url: str) -> None:
    xml = structure_xml()
    r = httpx.post(f"{server_url}/ws/secure/sdmxapi/rest/", headers={"ACTION": "aPPend"},
                   files={"uploadFile": ("s.xml", xml, "application/xml")})
    assert r.status_code == 200
    assert {o.status for o in parse_submit_structure_response(r.content)} == {"created"}
    changed = structure_xml(sex_name="Sexo")
    r = httpx.post(f"{server_url}/ws/secure/sdmxapi/rest", headers={"Action": "APPEND"},
                   content=changed)
    assert r.status_code == 400  # FMR answers 400 when a submission is refused
    r = httpx.post(f"{server_url}/ws/secure/sdmxapi/rest", headers={"Action": "Delete"},
                   content=xml)
    assert r.status_code == 200
    assert {o.status for o in parse_submit_structure_response(r.content)} == {"deleted"}
