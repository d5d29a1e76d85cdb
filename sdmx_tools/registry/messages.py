"""SDMX-ML 2.1 messages the registry writes (Structure, SubmitStructureResponse, Error)
and the one the push clients read back (SubmitStructureResponse).

sdmx1 cannot read a ``SubmitStructureResponse`` (SDMX_NOTES.md), so both directions are
plain lxml here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

from lxml import etree

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.xmlsafe import NS, parse, q
from sdmx_tools.registry.artefacts import NSMAP, TYPES, Key, urn
from sdmx_tools.registry.outcome import PushOutcome, format_flow_ref

__all__ = [
    "error_message",
    "parse_submit_structure_response",
    "structure_message",
    "submit_structure_response",
]

SENDER = "SDMX_TOOLS"
_XML_DECL = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _header(*, receiver: bool = False) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ident = "IREF" + uuid.uuid4().hex[:12].upper()
    return (
        f"<mes:Header><mes:ID>{ident}</mes:ID><mes:Test>false</mes:Test>"
        f"<mes:Prepared>{now}</mes:Prepared>"
        f'<mes:Sender id="{SENDER}"/>'
        # RegistryInterface's BasicHeaderType requires a Receiver; we do not know one.
        + ('<mes:Receiver id="not_supplied"/>' if receiver else "")
        + "</mes:Header>"
    )


def _ns_decls(prefixes: Iterable[str]) -> str:
    return " ".join(f'xmlns:{p}="{NS[p]}"' for p in prefixes)


def structure_message(fragments: Sequence[tuple[str, bytes]]) -> bytes:
    """A full ``mes:Structure`` message from stored ``(type, xml fragment)`` pairs.

    Fragments are concatenated, not re-parsed: each one carries its own namespace
    declarations, and skipping a parse keeps large codelists (CL_SERIES) cheap to serve.
    Groups are written in the schema order of ``str:Structures``.
    """
    by_container: dict[str, list[bytes]] = {}
    order = {name: i for i, name in enumerate(TYPES)}
    for typ, xml in sorted(fragments, key=lambda f: order[f[0]]):
        by_container.setdefault(TYPES[typ].container, []).append(xml)
    parts = [
        _XML_DECL,
        f"<mes:Structure {_ns_decls(NSMAP)}>".encode(),
        _header().encode(),
        b"<mes:Structures>",
    ]
    for container, items in by_container.items():
        parts.append(f"<str:{container}>".encode())
        parts.extend(items)
        parts.append(f"</str:{container}>".encode())
    parts.append(b"</mes:Structures></mes:Structure>")
    return b"".join(parts)


def error_message(code: int, text: str) -> bytes:
    """An SDMX-ML 2.1 ``mes:Error`` message (used for 4xx/5xx answers)."""
    return (
        _XML_DECL
        + (
            f'<mes:Error {_ns_decls(["mes", "com"])}>'
            f'<mes:ErrorMessage code="{code}"><com:Text xml:lang="en">{escape(text)}</com:Text>'
            "</mes:ErrorMessage></mes:Error>"
        ).encode()
    )


_ACTIONS = {"append": "Append", "replace": "Replace", "merge": "Replace", "delete": "Delete"}


def submit_structure_response(
    outcomes: Sequence[tuple[Key | None, str, PushOutcome]],
) -> bytes:
    """A ``RegistryInterface/SubmitStructureResponse`` with one SubmissionResult per artefact.

    Parameters
    ----------
    outcomes
        ``(key, action, outcome)``; ``key`` may be None when the failure concerns the
        message as a whole (then the outcome's item is echoed as the URN).
    """
    body = []
    for key, action, outcome in outcomes:
        status = "Failure" if outcome.status == "failed" else "Success"
        target = urn(key) if key is not None else outcome.item
        text = f"{outcome.status}: {outcome.message}" if outcome.message else outcome.status
        code = f" code={quoteattr(outcome.code)}" if outcome.code else ""
        body.append(
            "<reg:SubmissionResult>"
            f'<reg:SubmittedStructure action="{_ACTIONS.get(action, "Append")}">'
            f"<reg:MaintainableObject><URN>{escape(target)}</URN></reg:MaintainableObject>"
            "</reg:SubmittedStructure>"
            f'<reg:StatusMessage status="{status}">'
            f'<reg:MessageText{code}><com:Text xml:lang="en">{escape(text)}</com:Text>'
            "</reg:MessageText></reg:StatusMessage></reg:SubmissionResult>"
        )
    return (
        _XML_DECL
        + (
            f'<mes:RegistryInterface {_ns_decls(["mes", "com", "reg"])}>'
            + _header(receiver=True)
            + "<mes:SubmitStructureResponse>"
            + "".join(body)
            + "</mes:SubmitStructureResponse></mes:RegistryInterface>"
        ).encode()
    )


def _status_of(status: str, text: str) -> str:
    # Our own server echoes "created: ..." etc.; other registries only say Success/Failure.
    first = text.split(":", 1)[0].strip().lower()
    if first in {"created", "replaced", "unchanged", "deleted", "failed"}:
        return first
    return "failed" if status.lower() == "failure" else "created"


def parse_submit_structure_response(content: bytes) -> list[PushOutcome]:
    """Read a SubmitStructureResponse (from any registry) into push outcomes.

    Raises
    ------
    StructureError
        If the content is not a RegistryInterface with a SubmitStructureResponse.
    """
    root = parse(content, what="SubmitStructureResponse")
    response = root.find(q("mes", "SubmitStructureResponse"))
    if response is None:
        raise StructureError(
            "The registry's answer is not an SDMX-ML SubmitStructureResponse",
            value=etree.QName(root).localname,
        )
    outcomes = []
    for result in response.iter(q("reg", "SubmissionResult")):
        obj = result.find(f"{q('reg', 'SubmittedStructure')}/{q('reg', 'MaintainableObject')}")
        item = ""
        if obj is not None:
            urn_el = obj.find("URN")
            ref = obj.find("Ref")
            if urn_el is not None and urn_el.text:
                item = urn_el.text.strip()
            elif ref is not None:
                item = format_flow_ref(str(ref.get("agencyID")), str(ref.get("id")),
                                       ref.get("version", "1.0"))
        status_el = result.find(q("reg", "StatusMessage"))
        status = status_el.get("status", "Failure") if status_el is not None else "Failure"
        texts = [t.text or "" for t in result.iter(q("com", "Text"))]
        text = " ".join(t.strip() for t in texts if t.strip())
        kind = _status_of(status, text)
        if text.lower().startswith(kind + ":"):
            text = text[len(kind) + 1 :].strip()
        # The refusal's slug (conflict, missing-reference...) rides on MessageText's code.
        codes = [m.get("code", "") for m in result.iter(q("reg", "MessageText"))]
        code = next((c.strip() for c in codes if c.strip()), "") if kind == "failed" else ""
        outcomes.append(
            PushOutcome(item=item, status=kind, message=text, code=code)  # type: ignore[arg-type]
        )
    return outcomes
