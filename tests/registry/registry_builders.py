"""Tiny SDMX specimens generated in code: one codelist, concept scheme, DSD and dataflow."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sdmx
from sdmx.model import common, v21

from sdmx_tools.registry import make_server

AGENCY = "MX_TEST"
FLOW = f"{AGENCY}:DF_TEST(1.0)"
CL_SEX_URN = f"urn:sdmx:org.sdmx.infomodel.codelist.Codelist={AGENCY}:CL_SEX(1.0)"


def _maint(cls, id_, name, final, **kw):  # the writer fills in no defaults (SDMX_NOTES.md)
    return cls(id=id_, name=name, version="1.0", maintainer=common.Agency(id=AGENCY),
               is_final=final, is_external_reference=False, **kw)


def structures(
    *, final: bool = True, sex_name: str = "Sex", coded_sex_concept: bool = False
) -> sdmx.message.StructureMessage:
    """A Structure message: CL_SEX, CS_TEST, DSD_TEST (SEX, TIME_PERIOD), DF_TEST.

    ``coded_sex_concept`` gives concept SEX a core representation, CL_SEX: then the
    concept scheme refers to the codelist too, not only the DSD.
    """
    def maint(cls, id_, name, **kw):
        return _maint(cls, id_, name, final, **kw)

    cl = maint(common.Codelist, "CL_SEX", sex_name)
    for cid, cname in (("F", "Female"), ("M", "Male"), ("_T", "Total")):
        cl.append(common.Code(id=cid, name=cname))
    cs = maint(common.ConceptScheme, "CS_TEST", "Test concepts")
    for cid in ("SEX", "TIME_PERIOD", "OBS_VALUE", "UNIT_MULT"):
        cs.append(common.Concept(id=cid, name=cid.title()))
    if coded_sex_concept:
        cl.urn = CL_SEX_URN  # sdmx1 writes this reference as a URN
        cs["SEX"].core_representation = common.Representation(enumerated=cl)
    dsd = maint(v21.DataStructureDefinition, "DSD_TEST", "Test DSD")
    dsd.dimensions.id = "DimensionDescriptor"
    dsd.attributes.id = "AttributeDescriptor"
    dsd.measures.id = "MeasureDescriptor"
    dsd.dimensions.append(common.Dimension(
        id="SEX", concept_identity=cs["SEX"],
        local_representation=common.Representation(enumerated=cl), order=1))
    dsd.dimensions.append(common.TimeDimension(
        id="TIME_PERIOD", concept_identity=cs["TIME_PERIOD"], order=2,
        local_representation=common.Representation(
            non_enumerated=[common.Facet(value_type=common.FacetValueType.observationalTimePeriod)]
        )))
    dsd.measures.append(v21.PrimaryMeasure(id="OBS_VALUE", concept_identity=cs["OBS_VALUE"]))
    dsd.attributes.append(v21.DataAttribute(
        id="UNIT_MULT", concept_identity=cs["UNIT_MULT"],
        usage_status=common.UsageStatus.conditional,
        related_to=v21.PrimaryMeasureRelationship()))
    df = maint(v21.DataflowDefinition, "DF_TEST", "Test flow", structure=dsd)
    msg = sdmx.message.StructureMessage()
    for obj in (cl, cs, dsd, df):
        msg.add(obj)
    return msg


def structure_xml(**kw) -> bytes:
    """The Structure message as SDMX-ML 2.1 bytes."""
    return sdmx.to_xml(structures(**kw))


def codelist_xml(**kw) -> bytes:
    """A Structure message holding CL_SEX alone (``kw`` as for :func:`structures`)."""
    msg = sdmx.message.StructureMessage()
    msg.add(structures(**kw).codelist["CL_SEX"])
    return sdmx.to_xml(msg)


def concept_scheme_xml(*concept_ids: str, final: bool = False) -> bytes:
    """A Structure message holding CS_TEST alone, with just these (uncoded) concepts."""
    cs = _maint(common.ConceptScheme, "CS_TEST", "Test concepts", final)
    for cid in concept_ids:
        cs.append(common.Concept(id=cid, name=cid.title()))
    msg = sdmx.message.StructureMessage()
    msg.add(cs)
    return sdmx.to_xml(msg)


def csv_data() -> bytes:
    """A tiny SDMX-CSV 1.0 data file for DF_TEST."""
    rows = ["DATAFLOW,SEX,TIME_PERIOD,OBS_VALUE"]
    rows += [f"{FLOW},{sex},{year},{value}" for sex, year, value in (
        ("F", 2020, 10.5), ("M", 2020, 9.5), ("_T", 2020, 20.0), ("F", 2021, 11.0))]
    return ("\n".join(rows) + "\n").encode()


def csv2_data(**values: float) -> bytes:
    """A tiny SDMX-CSV 2.0 data file for DF_TEST (``F=...`` overrides a value)."""
    obs = {"F": 10.5, "M": 9.5, "_T": 20.0} | values
    rows = ["STRUCTURE,STRUCTURE_ID,ACTION,SEX,TIME_PERIOD,OBS_VALUE"]
    rows += [f"dataflow,{FLOW},I,{sex},2020,{value}" for sex, value in obs.items()]
    return ("\n".join(rows) + "\n").encode()


def ml_data() -> bytes:
    """A tiny SDMX-ML 2.1 structure-specific data message for DF_TEST (written by sdmx1)."""
    msg = structures()
    dsd = msg.structure["DSD_TEST"]
    df = msg.dataflow["DF_TEST"]
    obs = []
    for sex, year, value in (("F", "2020", 10.5), ("M", "2020", 9.5)):
        key = dsd.make_key(common.Key, {"SEX": sex, "TIME_PERIOD": year})
        obs.append(v21.Observation(dimension=key, value=value,
                                   value_for=dsd.measures.get("OBS_VALUE")))
    ds = v21.StructureSpecificDataSet(structured_by=dsd, described_by=df, obs=obs)
    data = sdmx.message.DataMessage(dataflow=df, observation_dimension=dsd.dimensions.get(
        "TIME_PERIOD"))
    data.data.append(ds)
    return sdmx.to_xml(data)


@contextlib.contextmanager
def served(database: Path, **options: Any) -> Iterator[str]:
    """An embedded registry served on a thread of this process; yields its base URL."""
    server = make_server(database, "127.0.0.1", 0, **options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host!s}:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
