"""The embedded registry's SQLite database and its maintainable artefacts.

One SQLite transaction per submission: a submission is applied whole or not at all (a
refused artefact aborts the others, so a DSD never lands without the codelist it needs).
WAL mode lets the HTTP server read while a push writes. Data sets are kept beside the
artefacts by :class:`~.store.RegistryStore`, which builds on this class.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from sdmx_tools.errors import RegistryError, ToolkitError
from sdmx_tools.registry.artefacts import (
    TYPES,
    Artefact,
    Key,
    content_digest,
    rest_types,
    split_structure_message,
    urn,
)
from sdmx_tools.registry.merge import merge_item_schemes
from sdmx_tools.registry.messages import structure_message
from sdmx_tools.registry.outcome import PushOutcome, format_flow_ref
from sdmx_tools.registry.versions import id_matches, select_versions

__all__ = ["Action", "ArtefactInfo", "NotFoundError", "StructureCatalogue", "exists", "now"]

Action = Literal["append", "replace", "merge", "delete"]
SCHEMA_VERSION = 2  # 2: one data set per dataflow (1 kept one per dataflow and format)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS artefact (
    type TEXT NOT NULL, agency TEXT NOT NULL, id TEXT NOT NULL, version TEXT NOT NULL,
    is_final INTEGER NOT NULL, digest TEXT NOT NULL, xml BLOB NOT NULL, updated TEXT NOT NULL,
    PRIMARY KEY (type, agency, id, version)
);
CREATE TABLE IF NOT EXISTS reference (
    src_type TEXT NOT NULL, src_agency TEXT NOT NULL, src_id TEXT NOT NULL,
    src_version TEXT NOT NULL,
    dst_type TEXT NOT NULL, dst_agency TEXT NOT NULL, dst_id TEXT NOT NULL,
    dst_version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reference_src ON reference (src_type, src_agency, src_id, src_version);
CREATE INDEX IF NOT EXISTS reference_dst ON reference (dst_type, dst_agency, dst_id, dst_version);
-- Bumped by every write transaction, with a random id for this database (one made anew at
-- the same path starts again at 0): what a cache of answers is keyed by.
CREATE TABLE IF NOT EXISTS revision (n INTEGER NOT NULL, id TEXT NOT NULL);
INSERT INTO revision SELECT 0, lower(hex(randomblob(8)))
    WHERE NOT EXISTS (SELECT 1 FROM revision);
CREATE TABLE IF NOT EXISTS dataset (
    dataflow TEXT NOT NULL, format TEXT NOT NULL, content BLOB NOT NULL, digest TEXT NOT NULL,
    updated TEXT NOT NULL, PRIMARY KEY (dataflow, format)
);
"""
_REFERENCES = {"none", "parents", "parentsandsiblings", "children", "descendants", "all"}


class NotFoundError(ToolkitError, LookupError):
    """No stored artefact or data set matches a query (HTTP 404)."""


class _Refused(Exception):
    """Internal: carries the outcomes of a refused submission out of its transaction."""

    def __init__(self, outcomes: list[PushOutcome]) -> None:
        super().__init__("submission refused")
        self.outcomes = outcomes


@dataclass(frozen=True)
class ArtefactInfo:
    """A stored artefact, as listed by :meth:`RegistryStore.list_artefacts`."""

    type: str
    agency: str
    id: str
    version: str
    is_final: bool
    updated: str

    @property
    def urn(self) -> str:
        """The artefact's standard URN."""
        return urn((self.type, self.agency, self.id, self.version))


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StructureCatalogue:
    """SQLite storage of the artefacts; the schema (data sets too) is created on first use.

    Parameters
    ----------
    path
        The SQLite database file (created with its parent folders if missing).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            row = db.execute("SELECT version FROM schema_version").fetchone()
            if row is None:
                db.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
            elif row[0] == 1:
                _migrate_from_1(db)
            elif row[0] != SCHEMA_VERSION:
                raise ToolkitError(
                    f"Registry database has schema version {row[0]}, this code expects "
                    f"{SCHEMA_VERSION}",
                    file=self.path,
                )

    # A connection per operation: sqlite3 connections must not cross threads, and the
    # HTTP server answers each request on its own thread.
    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(sqlite3.connect(self.path, timeout=30, isolation_level=None)) as db:
                yield db
        except sqlite3.DatabaseError as exc:  # not a database, or a damaged one
            raise RegistryError(f"the registry database cannot be used: {exc}",
                                file=self.path,
                                hint="restore it from a backup, or move it aside and push "
                                     "again to start a new one") from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._connect() as db:
            db.execute("BEGIN IMMEDIATE")  # take the write lock now: no lost updates
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("UPDATE revision SET n = n + 1")
            db.execute("COMMIT")

    def revision(self) -> str:
        """Text that changes with every write to the database, by any process.

        Read on every request, so on a connection kept per thread (an SQLite connection
        must stay on its thread) rather than a new one each time; reopened when the file
        at the path is another one (moved aside and made anew).
        """
        try:
            stat = self.path.stat()
        except OSError as exc:
            raise RegistryError(f"the registry database is gone: {exc.strerror}",
                                file=self.path) from exc
        inode = (stat.st_dev, stat.st_ino)
        kept = getattr(self._local, "kept", None)
        if kept is None or kept[0] != inode:
            if kept is not None:
                kept[1].close()
            kept = self._local.kept = (inode, sqlite3.connect(self.path, timeout=30,
                                                              isolation_level=None))
        try:
            return self._revision_in(kept[1])
        except sqlite3.DatabaseError as exc:
            raise RegistryError(f"the registry database cannot be used: {exc}",
                                file=self.path) from exc

    @staticmethod
    def _revision_in(db: sqlite3.Connection) -> str:
        n, ident = db.execute("SELECT n, id FROM revision").fetchone()
        return f"{ident}:{n}"

    # ------------------------------------------------------------------ structures
    def put_structures(self, xml: bytes, action: Action = "replace") -> list[PushOutcome]:
        """Store the maintainables of an SDMX-ML 2.1 Structure message.

        Parameters
        ----------
        xml
            The message bytes (parsed safely: a DOCTYPE is refused).
        action
            ``append`` (only new artefacts), ``replace`` (non-final ones may change),
            ``merge`` (items are added to stored item schemes) or ``delete``.

        Returns
        -------
        list[PushOutcome]
            One per artefact. If any is refused, nothing is stored and the others are
            reported as ``failed`` with code ``aborted``.

        Raises
        ------
        StructureError
            If the message is unsafe, malformed, or not a Structure message.
        """
        return self.put_artefacts(split_structure_message(xml), action)

    def put_artefacts(self, artefacts: Sequence[Artefact], action: Action) -> list[PushOutcome]:
        """Store already-split artefacts (see :meth:`put_structures`)."""
        unique = {a.key: a for a in artefacts}  # a repeated artefact: the last one wins
        try:
            with self._transaction() as db:
                if action == "delete":
                    outcomes = [self._delete(db, key, set(unique)) for key in unique]
                else:
                    outcomes = self._plan_and_write(db, list(unique.values()), action)
                if any(o.status == "failed" for o in outcomes):
                    raise _Refused(outcomes)  # rolls the whole submission back
        except _Refused as refused:
            return _abort(refused.outcomes)
        return outcomes

    def _plan_and_write(
        self, db: sqlite3.Connection, artefacts: list[Artefact], action: Action
    ) -> list[PushOutcome]:
        incoming = {a.key for a in artefacts}
        outcomes = []
        for a in artefacts:
            row = db.execute(
                "SELECT is_final, digest, xml FROM artefact WHERE type=? AND agency=? AND id=? "
                "AND version=?",
                a.key,
            ).fetchone()
            if action == "merge" and row is not None:
                a.element = merge_item_schemes(row[2], a.element)
            digest = content_digest(a.element)
            references = a.references  # after the merge: those of the XML to be stored
            missing = sorted(r for r in references if r not in incoming and not exists(db, r))
            if missing:
                outcomes.append(PushOutcome(
                    a.urn, "failed",
                    "refers to artefacts that are neither stored nor in this submission: "
                    + ", ".join(urn(m) for m in missing),
                    "missing-reference",
                ))
                continue
            if row is None:
                status = "created"
            elif row[1] == digest:
                outcomes.append(PushOutcome(a.urn, "unchanged"))
                continue
            elif action == "append":
                outcomes.append(PushOutcome(
                    a.urn, "failed",
                    "already stored with different content; Append cannot change it "
                    "(use Replace, or a new version)", "conflict",
                ))
                continue
            elif row[0]:
                outcomes.append(PushOutcome(
                    a.urn, "failed",
                    "is final and stored with different content; a final artefact cannot "
                    "change: publish it under a new version", "conflict",
                ))
                continue
            else:
                status = "replaced"
            db.execute(
                "INSERT OR REPLACE INTO artefact VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*a.key, int(a.is_final), digest, a.fragment(), now()),
            )
            db.execute(
                "DELETE FROM reference WHERE src_type=? AND src_agency=? AND src_id=? "
                "AND src_version=?", a.key,
            )
            db.executemany(
                "INSERT INTO reference VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(*a.key, *r) for r in sorted(references)],
            )
            outcomes.append(PushOutcome(a.urn, status))  # type: ignore[arg-type]
        return outcomes

    def _delete(self, db: sqlite3.Connection, key: Key, deleting: set[Key]) -> PushOutcome:
        if not exists(db, key):
            return PushOutcome(urn(key), "failed", "is not stored", "not-found")
        users = [
            r for r in db.execute(
                "SELECT src_type, src_agency, src_id, src_version FROM reference WHERE "
                "dst_type=? AND dst_agency=? AND dst_id=? AND dst_version=?", key,
            ).fetchall()
            if tuple(r) not in deleting
        ]
        if users:
            return PushOutcome(
                urn(key), "failed",
                "is still referenced by " + ", ".join(urn(tuple(u)) for u in users), "in-use",
            )
        db.execute("DELETE FROM artefact WHERE type=? AND agency=? AND id=? AND version=?", key)
        db.execute(
            "DELETE FROM reference WHERE src_type=? AND src_agency=? AND src_id=? "
            "AND src_version=?", key,
        )
        if key[0] == "Dataflow":  # its data set would otherwise outlive it, unreachable
            gone = db.execute("DELETE FROM dataset WHERE dataflow=?",
                              (format_flow_ref(*key[1:]),)).rowcount
            if gone:
                return PushOutcome(urn(key), "deleted", "with its data set")
        return PushOutcome(urn(key), "deleted")

    def delete_structure(self, type: str, agency: str, id: str, version: str) -> PushOutcome:
        """Delete one artefact (``type`` is the SDMX-ML name, e.g. ``Codelist``)."""
        with self._transaction() as db:
            return self._delete(db, (type, agency, id, version), set())

    def find(
        self, type: str = "*", agency: str = "*", id: str = "*", version: str = "*"
    ) -> list[Key]:
        """Keys matching an SDMX-REST structure query (``all``/``*``, ``latest``/``~``,
        ``+`` for the latest final version, comma-separated lists).

        ``type`` is a REST resource name (``codelist``) or an SDMX-ML name (``Codelist``).
        """
        types = [type] if type in TYPES else rest_types(type)
        if types is None:
            raise NotFoundError(f"Unknown structure type {type!r}")
        with self._connect() as db:
            rows = db.execute(
                f"SELECT type, agency, id, version, is_final FROM artefact WHERE type IN "
                f"({','.join('?' * len(types))})", types,
            ).fetchall()
        rows = [r for r in rows if id_matches(agency, r[1]) and id_matches(id, r[2])]
        return select_versions(rows, version)

    def related(self, keys: Sequence[Key], references: str = "none") -> list[Key]:
        """``keys`` plus the artefacts selected by an SDMX-REST ``references`` value."""
        references = references.lower()
        only = None
        if references not in _REFERENCES:
            only = rest_types(references)
            if only is None:
                raise NotFoundError(f"Unknown references value {references!r}")
            references = "all"
        with self._connect() as db:
            found = dict.fromkeys(keys)
            if references in {"children", "descendants", "all"}:
                _walk(db, keys, found, down=True, deep=references != "children")
            if references in {"parents", "parentsandsiblings", "all"}:
                parents: dict[Key, None] = {}
                _walk(db, keys, parents, down=False, deep=False)
                found.update(parents)
                if references != "parents":
                    _walk(db, list(parents), found, down=True, deep=False)
        if only is not None:
            return [k for k in found if k in keys or k[0] in only]
        return list(found)

    def get_structures(
        self, type: str = "*", agency: str = "*", id: str = "*", version: str = "*",
        references: str = "none",
    ) -> bytes:
        """An SDMX-ML 2.1 Structure message with the matching artefacts.

        Raises
        ------
        NotFoundError
            When nothing matches.
        """
        keys = self.find(type, agency, id, version)
        if not keys:
            raise NotFoundError(
                f"No {type} matches agency {agency!r}, id {id!r}, version {version!r}"
            )
        return self.structures_message(self.related(keys, references))

    def structures_message(self, keys: Sequence[Key]) -> bytes:
        """A Structure message holding exactly ``keys`` (all must be stored)."""
        with self._connect() as db:
            fragments = [
                (k[0], db.execute(
                    "SELECT xml FROM artefact WHERE type=? AND agency=? AND id=? AND version=?", k,
                ).fetchone()[0])
                for k in keys
            ]
        return structure_message(fragments)

    def fragment(self, key: Key) -> bytes | None:
        """The stored XML of one artefact, or None."""
        with self._connect() as db:
            row = db.execute(
                "SELECT xml FROM artefact WHERE type=? AND agency=? AND id=? AND version=?", key,
            ).fetchone()
        return None if row is None else bytes(row[0])

    def list_artefacts(self) -> list[ArtefactInfo]:
        """Every stored artefact, sorted by type, agency, id and version."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT type, agency, id, version, is_final, updated FROM artefact "
                "ORDER BY type, agency, id, version"
            ).fetchall()
        return [ArtefactInfo(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]


def _migrate_from_1(db: sqlite3.Connection) -> None:
    """Schema 1 could keep a data set per format of a dataflow: keep the newest only."""
    db.execute("BEGIN IMMEDIATE")
    db.execute("DELETE FROM dataset WHERE rowid NOT IN (SELECT rowid FROM dataset d WHERE "
               "updated = (SELECT max(updated) FROM dataset WHERE dataflow = d.dataflow) "
               "GROUP BY dataflow)")
    db.execute("UPDATE schema_version SET version=?", (SCHEMA_VERSION,))
    db.execute("COMMIT")


def exists(db: sqlite3.Connection, key: Key) -> bool:
    return db.execute(
        "SELECT 1 FROM artefact WHERE type=? AND agency=? AND id=? AND version=?", key
    ).fetchone() is not None


def _walk(
    db: sqlite3.Connection, start: Sequence[Key], found: dict[Key, None], *, down: bool,
    deep: bool,
) -> None:
    if down:
        sql = ("SELECT dst_type, dst_agency, dst_id, dst_version FROM reference WHERE "
               "src_type=? AND src_agency=? AND src_id=? AND src_version=?")
    else:
        sql = ("SELECT src_type, src_agency, src_id, src_version FROM reference WHERE "
               "dst_type=? AND dst_agency=? AND dst_id=? AND dst_version=?")
    todo = list(start)
    while todo:
        nxt = []
        for key in todo:
            for row in db.execute(sql, key).fetchall():
                k: Key = (row[0], row[1], row[2], row[3])
                if k not in found and exists(db, k):
                    found[k] = None
                    nxt.append(k)
        todo = nxt if deep else []


def _abort(outcomes: list[PushOutcome]) -> list[PushOutcome]:
    refused = sum(o.status == "failed" for o in outcomes)
    return [
        o if o.status == "failed" else PushOutcome(
            o.item, "failed",
            f"not stored: {refused} other artefact(s) of this submission were refused and a "
            "submission is applied whole or not at all", "aborted",
        )
        for o in outcomes
    ]
