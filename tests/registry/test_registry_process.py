"""The registry as a separate process with write credentials: pysdmx's FMR client, auth,
and secrets kept out of every result and error."""

from __future__ import annotations

import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest
import sdmx
from pysdmx.api.fmr.maintenance import RegistryMaintenanceClient, StructureAction
from pysdmx.errors import Invalid
from pysdmx.model import (
    Code,
    Codelist,
    Component,
    Components,
    Concept,
    ConceptScheme,
    Dataflow,
    DataStructureDefinition,
    DataType,
    Role,
)
from registry_builders import structure_xml

from sdmx_tools.errors import RegistryError
from sdmx_tools.registry import RegistryStore, RegistryTarget, push
from sdmx_tools.registry.server import main

Server = tuple[str, "subprocess.Popen[str]"]
PASSWORD = "s3cret-Pa55"
CS_URN = "urn:sdmx:org.sdmx.infomodel.conceptscheme.Concept=PY:CS_PY(1.0.0)."
CL_URN = "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=PY:CL_AREA(1.0.0)"


def _pysdmx_artefacts() -> list[object]:
    cl = Codelist(id="CL_AREA", agency="PY", version="1.0.0", name="Areas",
                  items=[Code(id="01", name="Aguascalientes"), Code(id="01001", name="Ags")])
    concepts = [Concept(id=c, name=c, urn=CS_URN + c) for c in ("REF_AREA", "OBS_VALUE")]
    cs = ConceptScheme(id="CS_PY", agency="PY", version="1.0.0", name="Concepts",
                       items=concepts)
    dsd = DataStructureDefinition(
        id="DSD_PY", agency="PY", version="1.0.0", name="DSD",
        components=Components([
            Component(id="REF_AREA", required=True, role=Role.DIMENSION, concept=concepts[0],
                      local_enum_ref=CL_URN),
            Component(id="OBS_VALUE", required=False, role=Role.MEASURE, concept=concepts[1],
                      local_dtype=DataType.DOUBLE),
        ]))
    df = Dataflow(id="DF_PY", agency="PY", version="1.0.0", name="Flow",
                  structure="urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure="
                            "PY:DSD_PY(1.0.0)")
    return [cl, cs, dsd, df]


def test_pysdmx_fmr_client_pushes_to_embedded_registry(server_process: Server) -> None:
    url, _ = server_process
    client = RegistryMaintenanceClient(url, user="pusher", password=PASSWORD, timeout=10)
    client.put_structures(_pysdmx_artefacts(), action=StructureAction.Append)  # type: ignore[arg-type]

    r = httpx.get(f"{url}/structure/dataflow/PY/DF_PY/latest", params={"references": "all"})
    assert r.status_code == 200
    for needle in (b"DSD_PY", b"CL_AREA", b'id="01001"', b"CS_PY"):
        assert needle in r.content
    # The same submission again changes nothing; a final codelist cannot change.
    client.put_structures(_pysdmx_artefacts(), action=StructureAction.Replace)  # type: ignore[arg-type]
    changed = _pysdmx_artefacts()
    changed[0] = Codelist(id="CL_AREA", agency="PY", version="1.0.0", name="Areas",
                          items=[Code(id="02", name="Baja California")])
    with pytest.raises(Invalid, match="400") as info:
        client.put_structures(changed, action=StructureAction.Replace)  # type: ignore[arg-type]
    assert "cannot change" in str(info.value)

    # sdmx1, an independent reader, sees what pysdmx wrote (via our SDMX-JSON conversion).
    sdmx.add_source({"id": "LOCALP", "url": url, "name": "local"}, override=True)
    msg = sdmx.Client("LOCALP").dataflow("DF_PY", agency_id="PY")
    assert [c.id for c in msg.codelist["CL_AREA"]] == ["01", "01001"]
    dim = msg.structure["DSD_PY"].dimensions.get("REF_AREA")
    assert dim.local_representation.enumerated.id == "CL_AREA"


def test_writes_need_credentials_reads_do_not(server_process: Server) -> None:
    url, _ = server_process
    r = httpx.post(f"{url}/structure", content=structure_xml())
    assert r.status_code == 401
    wrong = RegistryMaintenanceClient(url, user="pusher", password="nope", timeout=10)
    with pytest.raises(Invalid, match="401"):
        wrong.put_structures(_pysdmx_artefacts())  # type: ignore[arg-type]
    assert httpx.get(f"{url}/structure/codelist/all/all/latest").status_code == 404
    # FMR's data load stores data: it needs credentials too; only validate is public.
    files = {"uploadFile": ("data.csv", b"DATAFLOW,SEX,TIME_PERIOD,OBS_VALUE\n")}
    assert httpx.post(f"{url}/ws/public/data/load", files=files).status_code == 401
    r = httpx.post(f"{url}/ws/public/data/validate", files=files,
                   headers={"Structure": "urn:sdmx:org.sdmx.infomodel.datastructure."
                                         "Dataflow=MX_TEST:DF_TEST(1.0)"})
    # Past the auth check without credentials: refused for the missing dataflow instead.
    assert r.status_code == 400
    assert b"Dataflow MX_TEST:DF_TEST(1.0) is not in the registry" in r.content


def test_credentials_never_in_results_or_errors(
    server_process: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = server_process
    structure = tmp_path / "s.xml"
    structure.write_bytes(structure_xml())
    monkeypatch.setenv("T_USER", "pusher")
    monkeypatch.setenv("T_PASS", PASSWORD)
    target = RegistryTarget("sdmx-rest", url=url, username_env="T_USER", password_env="T_PASS")
    result = push(target, structure=structure)
    assert result.ok, result
    assert PASSWORD not in f"{result} {result!r} {target!r}"

    monkeypatch.setenv("T_PASS", "wrong-" + PASSWORD)
    fmr = RegistryTarget("fmr", url=url, username_env="T_USER", password_env="T_PASS")
    with pytest.raises(RegistryError) as info:
        push(fmr, structure=structure)
    assert getattr(info.value, "status_code", None) == 401
    assert PASSWORD not in f"{info.value} {info.value!r} {vars(info.value)}"

    with pytest.raises(RegistryError, match="contains credentials") as info:
        push(RegistryTarget("fmr", url=url.replace("http://", f"http://u:{PASSWORD}@")),
             structure=structure)
    assert PASSWORD not in str(info.value)


def test_server_refuses_a_database_of_another_schema_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "old.sqlite"
    RegistryStore(database)
    with sqlite3.connect(database) as db:
        db.execute("UPDATE schema_version SET version = 99")
    assert main(["--database", str(database)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"Error: {database}: Registry database has schema version 99, this "
                            "code expects 2\n")
