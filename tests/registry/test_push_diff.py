"""The diff before a push (new, changed, unchanged) on every kind of registry we can run,
and retries: idempotent requests only, bounded."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from dotstat_fake import FakeDotStat
from registry_builders import FLOW, csv2_data, ml_data, served, structure_xml

from sdmx_tools.registry import DataFile, RegistryHTTPError, RegistryTarget, diff, push
from sdmx_tools.registry.dialects import _http
from sdmx_tools.registry.outcome import DataFormat

pytestmark = pytest.mark.usefixtures("fast_pushes")
CL_SEX = "urn:sdmx:org.sdmx.infomodel.codelist.Codelist=MX_TEST:CL_SEX(1.0)"
# The data format each dialect prefers: the data, that data edited, its observations.
DATA: dict[str, tuple[DataFormat, bytes, bytes, int]] = {
    "sdmx-ml": ("sdmx-ml", ml_data(), ml_data().replace(b'OBS_VALUE="9.5"', b'OBS_VALUE="9.25"'),
                2),
    "sdmx-csv2": ("sdmx-csv2", csv2_data(), csv2_data(M=9.25), 3),
}


@pytest.fixture(params=["embedded", "sdmx-rest", "dotstat"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RegistryTarget]:
    """An empty registry of each kind: the SQLite store, the served app, the fake .Stat."""
    if request.param == "embedded":
        yield RegistryTarget("embedded", database=tmp_path / "direct.sqlite")
    elif request.param == "sdmx-rest":
        with served(tmp_path / "served.sqlite", anonymous_writes=True) as url:
            yield RegistryTarget("sdmx-rest", url=url)
    else:
        yield request.getfixturevalue("fake").target()


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_new_then_unchanged_then_changed(registry: RegistryTarget, tmp_path: Path) -> None:
    fmt, data, edited, n = DATA["sdmx-csv2" if registry.kind == "dotstat" else "sdmx-ml"]
    structure = _write(tmp_path, "structure.xml", structure_xml())
    files = [DataFile(_write(tmp_path, "data", data), FLOW, fmt)]

    empty = diff(registry, structure=structure, data=files)
    assert [c.status for c in empty.structures] == ["new"] * 4
    assert [(c.status, c.observations) for c in empty.data] == [("new", n)]
    if registry.kind == "embedded":
        assert not registry.database.exists()  # type: ignore[union-attr]  # a diff writes nothing

    assert push(registry, structure=structure, data=files).ok
    same = diff(registry, structure=structure, data=files)
    assert {c.status for c in same.structures} == {"unchanged"}
    assert [c.status for c in same.data] == ["unchanged"], same.to_text()

    renamed = _write(tmp_path, "renamed.xml", structure_xml(sex_name="Sexo"))
    changed = diff(registry, structure=renamed,
                   data=[DataFile(_write(tmp_path, "edited", edited), FLOW, fmt)])
    assert {c.urn: c.status for c in changed.structures if c.status != "unchanged"} == {
        CL_SEX: "changed"}
    (data_change,) = changed.data
    assert (data_change.status, data_change.detail) == ("changed", f"1 of {n} observations "
                                                        "differ")


def test_a_push_after_a_diff_sends_only_what_changed(fake: FakeDotStat, tmp_path: Path) -> None:
    target = fake.target()
    structure = _write(tmp_path, "s.xml", structure_xml(final=False))
    assert push(target, structure=structure).ok
    renamed = _write(tmp_path, "r.xml", structure_xml(final=False, sex_name="Sexo"))
    result = push(target, structure=renamed, skip_unchanged=diff(target, structure=renamed))
    sent = {o.item: o.status for o in result.outcomes if o.status != "unchanged"}
    assert sent == {CL_SEX: "created"}  # the fake says Success without a word: "created"
    assert sum(p == "/nsi/rest/structure" for _, p in fake.writes) == 2
    held = fake.artefacts[("Codelist", "MX_TEST", "CL_SEX", "1.0")]
    assert next(n.text for n in held.iter() if n.tag.endswith("Name")) == "Sexo"


def test_a_get_answered_503_is_retried(fake: FakeDotStat, tmp_path: Path) -> None:
    path = "/nsi/rest/codelist/MX_TEST/CL_SEX/1.0"
    fake.fail_next[("GET", path)] = [503, 503]
    target = fake.target()
    changes = diff(target, structure=_write(tmp_path, "s.xml", structure_xml()))
    assert {c.urn: c.status for c in changes.structures}[CL_SEX] == "new"
    assert fake.log.count(("GET", path)) == 3


def test_retries_are_bounded(fake: FakeDotStat, tmp_path: Path) -> None:
    path = "/nsi/rest/codelist/MX_TEST/CL_SEX/1.0"
    fake.fail_next[("GET", path)] = [503] * 5
    target = fake.target()
    with pytest.raises(RegistryHTTPError, match="HTTP 503") as info:
        diff(target, structure=_write(tmp_path, "s.xml", structure_xml()))
    assert info.value.exit_code == 1 and fake.log.count(("GET", path)) == 3


def test_a_post_answered_503_is_not_sent_again(fake: FakeDotStat, tmp_path: Path) -> None:
    fake.fail_next[("POST", "/nsi/rest/structure")] = [503]
    target = fake.target()
    with pytest.raises(RegistryHTTPError, match="HTTP 503"):
        push(target, structure=_write(tmp_path, "s.xml", structure_xml()))
    assert fake.log.count(("POST", "/nsi/rest/structure")) == 1 and fake.artefacts == {}


@pytest.mark.parametrize(("method", "calls"), [("GET", 3), ("DELETE", 3), ("POST", 1)])
def test_a_dropped_connection_is_retried_only_when_idempotent(method: str, calls: int) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        raise httpx.ReadError("connection dropped after the request was sent")

    with (httpx.Client(transport=httpx.MockTransport(handler)) as client,
          pytest.raises(_http.RegistryUnreachable) as info):
        _http.send(client, method, "http://127.0.0.1/x?token=abc")
    assert seen == [method] * calls and info.value.exit_code == 3
    assert "abc" not in str(info.value)


def test_data_a_registry_cannot_serve_is_not_comparable(fake: FakeDotStat,
                                                        tmp_path: Path) -> None:
    fake.fail_next[("GET", "/nsi/rest/data/MX_TEST,DF_TEST,1.0/all")] = [500]
    target = fake.target()
    (change,) = diff(target, data=[DataFile(_write(tmp_path, "d.csv", csv2_data()), FLOW,
                                            "sdmx-csv2")]).data
    assert (change.status, change.observations) == ("not comparable", 3)
    assert change.detail == "the registry answers HTTP 500 to a data query"
