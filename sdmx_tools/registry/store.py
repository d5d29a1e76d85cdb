"""The embedded registry's storage: the artefacts (:mod:`.catalogue`) and data sets.

A data set is kept as it was pushed, one per dataflow whatever its format; queries read and
select from it (:mod:`.dataquery`).
"""

from __future__ import annotations

from sdmx_tools.errors import StructureError
from sdmx_tools.exchange.conformance import StructureRules, check_data, rules_from_structure
from sdmx_tools.exchange.readers import read_data
from sdmx_tools.exchange.xmlsafe import parse
from sdmx_tools.registry import data as datafmt
from sdmx_tools.registry.artefacts import Key
from sdmx_tools.registry.cache import BoundedCache
from sdmx_tools.registry.catalogue import (
    Action,
    ArtefactInfo,
    NotFoundError,
    StructureCatalogue,
    now,
)
from sdmx_tools.registry.outcome import DataFormat, PushOutcome, format_flow_ref, parse_flow_ref
from sdmx_tools.registry.versions import flow_query

__all__ = ["Action", "ArtefactInfo", "NotFoundError", "RegistryStore"]

_ATTEMPTS = 3


class _Stale(Exception):
    """Internal: the registry changed between checking a data set and storing it."""


_RULES: BoundedCache[StructureRules] = BoundedCache(16)  # see RegistryStore.rules


class RegistryStore(StructureCatalogue):
    """SQLite storage behind the embedded registry: artefacts and data sets.

    Parameters
    ----------
    path
        The SQLite database file (created with its parent folders if missing).
    """

    def put_data(self, dataflow: str, content: bytes, fmt: DataFormat) -> PushOutcome:
        """Store the data set of a stored dataflow, if it conforms to the dataflow's DSD.

        The new data set replaces the one stored, whatever format either is in: every
        format a query asks for is written from this one copy.

        Parameters
        ----------
        dataflow
            ``"AGENCY:ID(VERSION)"`` or ``"AGENCY,ID,VERSION"``; the dataflow must already
            be stored.
        content
            SDMX-ML 2.1 data message, or SDMX-CSV 1.0 or 2.0 bytes.
        fmt
            ``"sdmx-ml"``, ``"sdmx-csv"`` (1.0) or ``"sdmx-csv2"``.

        Returns
        -------
        PushOutcome
            ``loaded``, ``unchanged``, or ``failed`` with code ``invalid`` (unreadable),
            ``nonconforming`` (breaks the DSD: codes, mandatory attributes, duplicate keys,
            periods) or ``missing-reference`` (no such dataflow). Nothing changes unless
            ``loaded``.
        """
        agency, ident, version = parse_flow_ref(dataflow)
        flow = format_flow_ref(agency, ident, version)
        item = f"{flow} [{fmt}]"
        key: Key = ("Dataflow", agency, ident, version)
        if not self.find(*key):
            return PushOutcome(item, "failed", "the dataflow is not in the registry: push its "
                               "structures first", "missing-reference")
        digest = datafmt.digest(content)
        for _ in range(_ATTEMPTS):
            # Checked outside the write lock (it may take seconds), so stored only if no
            # structure changed meanwhile: else checked again against the new ones.
            checked_at = self.revision()
            refused = self.refusal(key, content, fmt)
            if refused is not None:
                return PushOutcome(item, "failed", *refused)
            try:
                with self._transaction() as db:
                    if self._revision_in(db) != checked_at:
                        raise _Stale
                    row = db.execute("SELECT digest, format FROM dataset WHERE dataflow=?",
                                     (flow,)).fetchall()
                    if row == [(digest, fmt)]:
                        return PushOutcome(item, "unchanged")
                    db.execute("DELETE FROM dataset WHERE dataflow=?", (flow,))
                    db.execute("INSERT INTO dataset VALUES (?, ?, ?, ?, ?)",
                               (flow, fmt, content, digest, now()))
            except _Stale:
                continue
            return PushOutcome(item, "loaded", f"{len(content)} bytes")
        return PushOutcome(item, "failed", f"the registry changed {_ATTEMPTS} times while the "
                           "data set was being checked: push it again", "busy")

    def refusal(self, flow: Key, content: bytes, fmt: DataFormat) -> tuple[str, str] | None:
        """Why a data set cannot be stored for a stored dataflow, as ``(message, code)``
        (codes as in :meth:`put_data`); None when it conforms."""
        try:
            frame = read_data(content, name="the data set")  # read once: checked, then kept
        except StructureError as exc:
            return str(exc), "invalid"
        problem = datafmt.check(frame, fmt, format_flow_ref(*flow[1:]))
        if problem:
            return problem, "invalid"
        try:
            findings = check_data(frame, self.rules(flow))
        except StructureError as exc:
            return str(exc), "invalid"
        if findings:
            shown = "; ".join(f.to_text() for f in findings[:5])
            return f"{len(findings)} problem(s) against the structure: {shown}", "nonconforming"
        return None

    def rules(self, flow: Key) -> StructureRules:
        """What the DSD of a stored dataflow requires of its data (codes from its codelists).

        Cached by the store's revision: every data query needs them, and any write may
        have changed the DSD or a codelist.
        """
        stamp = (self.revision(), flow)
        rules = _RULES.get(stamp)
        if rules is None:
            message = self.structures_message(self.related([self.dsd_key(flow)],
                                                           "descendants"))
            rules = rules_from_structure(parse(message, what="stored structures"))
            _RULES.put(stamp, rules)
        return rules

    def resolve_flow(self, text: str) -> Key:
        """The stored dataflow meant by ``ID``, ``AGENCY,ID[,VERSION]`` or ``AGENCY:ID(VERSION)``.

        Raises
        ------
        NotFoundError
            When no stored dataflow matches.
        """
        keys = self.find("Dataflow", *flow_query(text))
        if not keys:
            raise NotFoundError(f"No dataflow {text!r} in the registry")
        if len(keys) > 1:  # answering one of them would answer other data than asked
            raise StructureError(f"{text!r} matches {len(keys)} dataflows: "
                                 + ", ".join(format_flow_ref(*k[1:]) for k in keys[:5]),
                                 hint="name the agency and version: AGENCY,ID,VERSION")
        return keys[0]

    def get_data(self, dataflow: str) -> tuple[bytes, DataFormat]:
        """The stored data set of a dataflow as pushed, and its format (queries select from
        it: :mod:`.dataquery`).

        Parameters
        ----------
        dataflow
            As accepted by :meth:`resolve_flow`.

        Raises
        ------
        NotFoundError
            When the dataflow, or data for it, is not stored.
        """
        return self.dataset(self.resolve_flow(dataflow))

    def dataset(self, flow: Key) -> tuple[bytes, DataFormat]:
        """:meth:`get_data` of a dataflow already resolved."""
        ref = format_flow_ref(*flow[1:])
        with self._connect() as db:
            row = db.execute("SELECT content, format FROM dataset WHERE dataflow=?",
                             (ref,)).fetchone()
        if row is None:
            raise NotFoundError(f"No data stored for {ref}")
        return bytes(row[0]), row[1]

    def dsd_key(self, flow: Key) -> Key:
        """The key of a stored dataflow's DSD; StructureError when it is not stored."""
        dsd = next((k for k in self.related([flow], "children") if k[0] == "DataStructure"),
                   None)
        if dsd is None:
            raise StructureError(f"The DSD of dataflow {format_flow_ref(*flow[1:])} is not stored")
        return dsd
