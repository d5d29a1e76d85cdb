"""The structure message's codes are written as sdmx1 writes them, byte for byte."""

from __future__ import annotations

import sdmx
from sdmx.model import common, v21

from sdmx_tools.exchange.structures import (
    _URN_FIXES,
    _without_plain_codes,
    build_structures,
    to_xml_bytes,
)
from sdmx_tools.vocabulary.codelists import load_codelists


def _by_sdmx1(msg: sdmx.message.StructureMessage) -> bytes:
    xml: bytes = sdmx.to_xml(msg, pretty_print=True)
    for old, new in _URN_FIXES:
        xml = xml.replace(old, new)
    return xml


def test_codes_written_as_sdmx1_writes_them() -> None:
    structures = build_structures(load_codelists(), "MX_TEST", "DF_SDG_MX",
                                  dataflow_names={"es": "Indicadores <ODS> & más"},
                                  series_names={"VC_IHR_PSRC": {"en": "Homicides"}},
                                  synthetic=True)
    msg = structures.message
    before = {cid: len(cl.items) for cid, cl in msg.codelist.items()}
    assert set(_without_plain_codes(msg)[1]) == set(msg.codelist)  # every one ours
    ours = to_xml_bytes(msg)
    assert ours == _by_sdmx1(msg)
    assert {cid: len(cl.items) for cid, cl in msg.codelist.items()} == before  # untouched
    assert ours.count(b"<str:Code id=") == sum(before.values()) > 2500


def test_a_codelist_with_more_than_plain_codes_is_written_by_sdmx1() -> None:
    """A code with a description, an annotation or a URN: the whole codelist is sdmx1's."""
    msg = build_structures(load_codelists(), "MX_TEST", "DF_SDG_MX").message
    sex = msg.codelist["CL_SEX"]
    first = next(iter(sex.items.values()))
    first.description = common.InternationalString({"es": "Descripción & <notas>"})
    first.annotations.append(v21.Annotation(id="NOTE", text="x"))
    area = msg.codelist["CL_AREA_MX"]
    next(iter(area.items.values())).urn = "urn:sdmx:org.sdmx.infomodel.codelist.Code=X:Y(1).Z"
    assert not {"CL_SEX", "CL_AREA_MX"} & set(_without_plain_codes(msg)[1])
    ours = to_xml_bytes(msg)
    assert ours == _by_sdmx1(msg)
    assert "Descripción &amp; &lt;notas&gt;".encode() in ours
