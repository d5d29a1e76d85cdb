"""Parse untrusted XML without entities, DTDs or network access.

Everything a registry receives comes from outside, so every byte of XML goes through
:func:`parse`: a DOCTYPE (the carrier of XXE and "billion laughs" payloads) is refused
outright rather than silently ignored, so a sender learns that the payload was rejected.
"""

from __future__ import annotations

import re

from lxml import etree

from sdmx_tools.errors import StructureError

__all__ = ["NS", "parse", "q", "root_name"]

#: SDMX-ML 2.1 namespaces with the prefixes registries conventionally use.
NS = {
    "mes": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message",
    "str": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure",
    "com": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common",
    "reg": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1/registry",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}


def q(prefix: str, name: str) -> str:
    """Clark notation ``{namespace}name`` for an SDMX-ML 2.1 prefix."""
    return f"{{{NS[prefix]}}}{name}"


_DECLARATIONS = re.compile(rb"<!--.*?-->|<[?!][^>]*>", re.DOTALL)  # on 4 KiB at most
_ROOT = re.compile(rb"<(?:[\w.-]{1,64}:)?([\w.-]{1,64})[\s>/]")  # bounded: no backtracking


def root_name(head: bytes) -> str | None:
    """The local name of the root element a message's first bytes open (without parsing
    it), or None when they are not XML: tells data from structures, generic from not."""
    text = _DECLARATIONS.sub(b"", head.lstrip(b"\xef\xbb\xbf \t\r\n")).lstrip()
    if not text.startswith(b"<"):
        return None
    found = _ROOT.match(text)
    return found.group(1).decode("ascii", "replace") if found else None


def _parser() -> etree.XMLParser:
    # A new parser per call: lxml parsers are not thread-safe and the server is threaded.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,  # keep libxml2's limits against amplification attacks
        remove_comments=True,
        remove_pis=True,
    )


def parse(content: bytes, *, what: str = "XML message") -> etree._Element:
    """Parse ``content`` safely and return its root element.

    Parameters
    ----------
    content
        The raw bytes received.
    what
        A short description used in error messages ("structure message").

    Raises
    ------
    StructureError
        When the content is not well-formed XML, or declares a DOCTYPE / entities.
    """
    if not content.strip():
        raise StructureError(f"The {what} is empty")
    # Refuse before parsing, so that no entity is ever expanded, even in memory.
    if any(marker in content for marker in _DOCTYPE_MARKERS):
        raise _doctype_error(what)
    try:
        tree = etree.fromstring(content, parser=_parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        raise StructureError(
            f"The {what} is not well-formed XML: {exc.msg}", row=exc.lineno or None
        ) from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _doctype_error(what)
    return tree.getroot()


_DOCTYPE_MARKERS = tuple("<!DOCTYPE".encode(enc) for enc in ("utf-8", "utf-16-le", "utf-16-be"))


def _doctype_error(what: str) -> StructureError:
    return StructureError(
        f"The {what} declares a DOCTYPE; DTDs and entities are refused for safety",
        hint="send a plain SDMX-ML message without <!DOCTYPE ...>",
    )
