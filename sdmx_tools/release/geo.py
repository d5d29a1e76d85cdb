"""Boundary files to pre-projected SVG outlines for the choropleth maps.

Takes a workspace's boundary file (TopoJSON or GeoJSON, polygons keyed by INEGI CVEGEO
codes) and hands on :class:`MapShapes`: one compact SVG path per state and per municipality,
projected with INEGI's Lambert conformal conic and fitted to one viewBox, so that the page's
script only has to set fills. Outlines are simplified with Douglas–Peucker in viewBox units;
a TopoJSON arc is simplified once, so that neighbours keep sharing their exact border.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sdmx_tools.errors import ReleaseError, clip

__all__ = ["MAX_BYTES", "MapShapes", "load_boundaries"]

MAX_BYTES = 64 * 1024 * 1024  # a boundary file larger than this is refused before reading
WIDTH, MARGIN = 1000, 8
# INEGI's Lambert conformal conic (spherical here): standard parallels, meridian, origin.
_PARALLELS, _MERIDIAN, _ORIGIN = (17.5, 29.5), -102.0, 12.0
_CODE = re.compile(r"[0-9]{2}(?:[0-9]{3})?")
_DEPTH = 64  # levels of Douglas–Peucker splits at most
_HINT = "give the workspace's boundary file (TopoJSON or GeoJSON, in degrees)"

_Refs = list[list[list[int]]]  # polygons -> rings -> signed piece numbers (~i: reversed)


@dataclass(frozen=True, slots=True)
class MapShapes:
    """Pre-projected outlines: SVG path data per INEGI code, in one viewBox.

    Attributes
    ----------
    width, height
        The viewBox (``0 0 width height``); y grows downwards.
    states
        State code (``"01"`` .. ``"32"``) -> SVG path ``d``.
    municipalities
        Municipality code (5 digits, ``"01001"``) -> SVG path ``d``.
    skipped
        One short located reason per feature left out (``"24059: no geometry"``).

    Each path is ``M x y`` then relative ``l`` steps and ``z`` per ring, coordinates in
    tenths at most. Exterior rings run clockwise on screen and holes the other way (a state
    built from TopoJSON municipalities keeps the file's directions), so the default
    ``nonzero`` fill rule is right.
    """

    width: int
    height: int
    states: dict[str, str]
    municipalities: dict[str, str]
    skipped: tuple[str, ...]


@dataclass(slots=True)
class _Parsed:
    lonlat: np.ndarray  # (n, 2): every position of every piece
    offsets: np.ndarray  # piece i is lonlat[offsets[i]:offsets[i + 1]]
    need: np.ndarray  # per piece, how many levels of splits are forced (ring minimum)
    features: list[tuple[str, _Refs]]  # (code, polygons)
    skipped: list[str]
    topology: bool  # the pieces are shared arcs (else each is one closed ring)


def load_boundaries(path: Path, *, tolerance: float = 0.4) -> MapShapes:
    """Read a boundary file and return its outlines as projected, simplified SVG paths.

    Parameters
    ----------
    path
        A TopoJSON ``Topology`` (every object of ``objects`` is walked; quantized and
        delta-encoded arcs are decoded) or a GeoJSON ``FeatureCollection``, in longitude and
        latitude. A feature's code is its ``CVEGEO`` property, else ``CVE_ENT`` followed by
        ``CVE_MUN``, else its ``id``: 2 digits make a state, 5 a municipality.
    tolerance
        Douglas–Peucker tolerance in viewBox units (the viewBox is 1000 wide). Polygons
        smaller than ``(tolerance / 2)²`` go, except a feature's largest one.

    Returns
    -------
    MapShapes
        When the file has no state shapes, each state is built from its municipalities: for
        TopoJSON its outline is the arcs used exactly once among its municipalities, chained
        into rings; for GeoJSON it is the municipalities' rings concatenated into one path.

    Raises
    ------
    ReleaseError
        The file is missing, larger than :data:`MAX_BYTES`, not JSON, not a Topology or
        FeatureCollection of valid positions, or holds no polygon with a usable code.
    """
    if not (math.isfinite(tolerance) and tolerance >= 0):
        raise ValueError(f"tolerance must be a finite number >= 0, not {tolerance!r}")
    doc = _read_json(path)
    if doc.get("type") == "Topology":
        return _build(_parse_topology(doc, path), path, tolerance)
    if doc.get("type") == "FeatureCollection":
        return _build(_parse_geojson(doc, path), path, tolerance)
    raise ReleaseError("the boundary file is neither a TopoJSON Topology nor a GeoJSON "
                       "FeatureCollection", file=path, value=doc.get("type"), hint=_HINT)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        size, data = path.stat().st_size, b""
        if size <= MAX_BYTES:
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)  # the file may have grown meanwhile
    except OSError as exc:
        raise ReleaseError(f"cannot read the boundary file: {exc.strerror or exc}",
                           file=path, hint=_HINT) from exc
    if max(size, len(data)) > MAX_BYTES:
        raise ReleaseError(f"the boundary file is too large ({max(size, len(data)):,} bytes, "
                           f"at most {MAX_BYTES:,})", file=path,
                           hint="simplify it first, e.g. with mapshaper -simplify")
    try:
        doc = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ReleaseError(f"the boundary file is not JSON: {exc.msg} (column {exc.colno})",
                           file=path, row=exc.lineno, hint=_HINT) from exc
    except (ValueError, RecursionError) as exc:  # bad encoding, huge integers, deep nesting
        raise ReleaseError(f"the boundary file is not usable JSON: {exc}", file=path,
                           hint=_HINT) from exc
    if not isinstance(doc, dict):
        raise ReleaseError(f"the boundary file holds a JSON {type(doc).__name__}, not an "
                           "object", file=path, hint=_HINT)
    return doc


def _where(offsets: np.ndarray, k: int, what: str) -> str:
    i = int(np.searchsorted(offsets, k, side="right")) - 1
    return f"{what} {i}, position {k - int(offsets[i])}"


def _is_number(value: Any) -> bool:
    """A finite JSON number (not a bool, not an integer too large for a float)."""
    return (type(value) is float and math.isfinite(value)) or (
        type(value) is int and abs(value) < 2**1000)


def _positions(seqs: list[Any], path: Path, what: str, transform: Any = None,
               ) -> tuple[np.ndarray, np.ndarray]:
    """Lists of positions as one array of longitudes and latitudes, and where each starts."""
    flat = [pos for seq in seqs for pos in seq]
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum([len(seq) for seq in seqs], out=offsets[1:])
    try:
        xy = np.array(flat) if flat else np.zeros((0, 2))
        ok = xy.ndim == 2 and xy.shape[1] >= 2 and xy.dtype.kind in "iuf"
    except (ValueError, TypeError, OverflowError):  # ragged, nested or not numbers
        ok = False
    for k, pos in enumerate(flat if not ok else ()):  # the slow way, to say where
        if not (isinstance(pos, list) and len(pos) >= 2 and all(map(_is_number, pos[:2]))):
            raise ReleaseError(f"{_where(offsets, k, what)} is not a pair of finite numbers",
                               file=path, value=clip(repr(pos)), hint=_HINT)
    xy = xy[:, :2].astype(np.float64) if ok else np.array([p[:2] for p in flat], float)
    if transform is not None:
        xy = _decode(xy, offsets, transform, path)
    with np.errstate(invalid="ignore", over="ignore"):  # NaN and infinity fail the test too
        bad = np.flatnonzero(~(np.abs(xy) <= [180, 90]).all(axis=1))
    if bad.size:
        raise ReleaseError(f"{_where(offsets, int(bad[0]), what)} is not a longitude and "
                           "latitude in range", file=path, value=clip(repr(flat[bad[0]])),
                           hint="the file must be in degrees (WGS84 or ITRF2008), not "
                           "projected; reproject it, e.g. with mapshaper -proj wgs84")
    return xy, offsets


def _classify(label: str, props: Any, kind: Any, ids: tuple[Any, ...],
              skipped: list[str]) -> str | None:
    """The feature's code, or None (and a reason in ``skipped``) when it is left out."""
    props = props if isinstance(props, dict) else {}
    state, mun, code = props.get("CVE_ENT"), props.get("CVE_MUN"), props.get("CVEGEO")
    if code is None and isinstance(state, str) and state:
        code = state + mun if isinstance(mun, str) else state
    code = next((c for c in (code, *ids) if c is not None), None)
    code = str(code) if type(code) is int else code
    if not isinstance(code, str) or not _CODE.fullmatch(code):
        shown = "no code" if code is None else f"code {clip(repr(code), 40)}"
        skipped.append(f"{label}: {shown} is not a 2- or 5-digit INEGI code")
    elif kind is None:
        skipped.append(f"{code}: no geometry")
    elif kind not in ("Polygon", "MultiPolygon"):
        skipped.append(f"{code}: geometry type {clip(repr(kind), 40)} is not a polygon")
    else:
        return code
    return None


def _parse_topology(doc: dict[str, Any], path: Path) -> _Parsed:
    arcs, objects = doc.get("arcs"), doc.get("objects")
    if not isinstance(objects, dict):
        raise ReleaseError("the Topology has no 'objects' object", file=path, hint=_HINT)
    if not isinstance(arcs, list) or not all(isinstance(a, list) and len(a) > 1 for a in arcs):
        raise ReleaseError("the Topology's 'arcs' is not a list of lists of positions "
                           "(at least 2 each)", file=path, hint=_HINT)
    xy, offsets = _positions(arcs, path, "arc", doc.get("transform"))
    n, features, skipped = len(arcs), list[tuple[str, _Refs]](), list[str]()
    for label, geom in _walk(objects, path):
        kind = geom.get("type")
        if (code := _classify(label, geom.get("properties"), kind, (geom.get("id"),),
                              skipped)) is None:
            continue
        polys: Any = [geom.get("arcs")] if kind == "Polygon" else geom.get("arcs")
        if not _is_refs(polys, n):
            raise ReleaseError(f"{label} ({code}): 'arcs' is not a list of rings of arc "
                               f"indices below {n:,}", file=path,
                               value=clip(json.dumps(geom.get("arcs"))), hint=_HINT)
        if polys := [p for p in polys if p]:  # a polygon of no ring is none
            features.append((code, polys))
        else:
            skipped.append(f"{code}: no geometry")
    need = np.zeros(n, dtype=np.int64)
    for ring in (r for _, polys in features for p in polys for r in p if len(r) <= 2):
        arcs_of = [r if r >= 0 else ~r for r in ring]  # a ring of 1 or 2 arcs: not a line
        need[arcs_of] = np.maximum(need[arcs_of], 3 - len(ring))
    return _Parsed(xy, offsets, need, features, skipped, topology=True)


def _decode(xy: np.ndarray, offsets: np.ndarray, transform: Any, path: Path) -> np.ndarray:
    """Quantized, delta-encoded arcs to absolute positions."""
    pairs = [transform.get(k) if isinstance(transform, dict) else None
             for k in ("scale", "translate")]
    if not all(isinstance(p, list) and len(p) == 2 and all(map(_is_number, p)) for p in pairs):
        raise ReleaseError("the Topology's 'transform' needs 'scale' and 'translate', two "
                           "finite numbers each", file=path, value=clip(repr(transform)))
    total = np.cumsum(xy, axis=0)
    base = np.repeat(total[offsets[:-1]] - xy[offsets[:-1]], np.diff(offsets), axis=0)
    with np.errstate(over="ignore", invalid="ignore"):
        return (total - base) * np.array(pairs[0], dtype=float) + np.array(pairs[1], float)


def _walk(objects: dict[str, Any], path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every geometry of every object, GeometryCollections opened without recursion."""
    stack: list[tuple[str, Any]] = [(str(k), v) for k, v in reversed(objects.items())]
    while stack:
        label, geom = stack.pop()
        children: Any = geom.get("geometries") if isinstance(geom, dict) else None
        if not isinstance(geom, dict) or (geom.get("type") == "GeometryCollection"
                                          and not isinstance(children, list)):
            raise ReleaseError(f"{clip(label, 60)} is not a geometry", file=path,
                               hint="a GeometryCollection needs a 'geometries' list")
        if geom.get("type") != "GeometryCollection":
            yield label, geom
        else:
            stack.extend((f"{label}[{i}]", g) for i, g in reversed(list(enumerate(children))))


def _is_refs(polys: Any, n: int) -> bool:
    return isinstance(polys, list) and all(isinstance(p, list) and all(
        isinstance(r, list) and r and all(
            isinstance(i, int) and not isinstance(i, bool) and -n <= i < n for i in r)
        for r in p) for p in polys)


def _parse_geojson(doc: dict[str, Any], path: Path) -> _Parsed:
    if not isinstance(doc.get("features"), list):
        raise ReleaseError("the FeatureCollection has no 'features' list", file=path)
    rings, features, skipped = list[list[Any]](), list[tuple[str, _Refs]](), list[str]()
    for i, feature in enumerate(doc["features"]):
        geom = feature.get("geometry") if isinstance(feature, dict) else 0
        if not isinstance(geom, dict | None):
            raise ReleaseError(f"features[{i}] is not an object with a geometry object",
                               file=path, hint=_HINT)
        geom = geom or {}
        coords, kind = geom.get("coordinates"), geom.get("type")
        if kind in ("Polygon", "MultiPolygon") and not coords:
            kind = None  # "coordinates": [] is no geometry either
        ids = (feature.get("id"), geom.get("id"))
        if (code := _classify(f"features[{i}]", feature.get("properties"), kind, ids,
                              skipped)) is None:
            continue
        polys = [coords] if kind == "Polygon" else coords
        if not isinstance(polys, list) or not all(
                isinstance(p, list) and all(isinstance(r, list) for r in p) for p in polys):
            raise ReleaseError(f"features[{i}] ({code}): 'coordinates' is not a list of "
                               "rings of positions", file=path,
                               value=clip(json.dumps(coords)), hint=_HINT)
        refs: _Refs = []
        for poly in polys:
            kept = [r for r in poly if len(r) >= 3]
            if kept and kept[0] is poly[0]:  # a polygon whose exterior collapsed is gone
                refs.append([[len(rings) + j] for j in range(len(kept))])
                rings.extend(r if r[0] == r[-1] else [*r, r[0]] for r in kept)
        if refs:
            features.append((code, refs))
        else:
            skipped.append(f"{code}: no ring of 3 or more positions")
    xy, offsets = _positions(rings, path, "ring")
    need = np.full(len(rings), 2, dtype=np.int64)  # every ring keeps at least 4 points
    return _Parsed(xy, offsets, need, features, skipped, topology=False)


def _project(lonlat: np.ndarray) -> np.ndarray:
    """Spherical Lambert conformal conic, in units of the earth's radius (y up)."""
    p1, p2 = np.radians(_PARALLELS)
    t1, t2, t0 = np.tan(np.pi / 4 + np.radians([*_PARALLELS, _ORIGIN]) / 2)
    n = math.log(math.cos(p1) / math.cos(p2)) / math.log(t2 / t1)
    f = math.cos(p1) * t1**n / n
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):  # a pole
        rho = f / np.tan(np.pi / 4 + np.radians(lonlat[:, 1]) / 2) ** n
        theta = n * np.radians(lonlat[:, 0] - _MERIDIAN)
        return np.column_stack([rho * np.sin(theta), f / t0**n - rho * np.cos(theta)])


def _simplify(xy: np.ndarray, offsets: np.ndarray, need: np.ndarray,
              tolerance: float) -> np.ndarray:
    """Douglas–Peucker over every piece at once, one level of the recursion per pass.

    Both ends of a piece are kept; a piece with ``need`` k splits k levels deep whatever
    the tolerance (a closed piece's first split is at the point farthest from its start).
    Past :data:`_DEPTH` levels (a hostile shape: real outlines need a few dozen) the points
    left are all kept, so that the time stays bounded by that many passes over the points.
    """
    keep = np.zeros(len(xy), dtype=bool)
    keep[offsets[:-1]] = keep[offsets[1:] - 1] = True
    a, b, force = offsets[:-1], offsets[1:] - 1, need
    for depth in range(_DEPTH + 1):
        sel = b - a >= 2
        a, b, force = a[sel], b[sel], force[sel]
        if not a.size:
            break
        inner = b - a - 1
        seg = np.repeat(np.arange(a.size), inner)
        first = np.cumsum(inner) - inner
        idx = np.arange(int(inner.sum())) - first[seg] + a[seg] + 1
        if depth == _DEPTH:
            keep[idx] = True
            break
        d, rel = (xy[b] - xy[a])[seg], xy[idx] - xy[a][seg]
        chord = np.hypot(d[:, 0], d[:, 1])
        cross = np.abs(d[:, 0] * rel[:, 1] - d[:, 1] * rel[:, 0])
        dist = np.where(chord > 0, cross / np.where(chord > 0, chord, 1),
                        np.hypot(rel[:, 0], rel[:, 1]))
        top = np.maximum.reduceat(dist, first)
        hit = np.flatnonzero(dist == top[seg])
        at = idx[hit[np.r_[True, seg[hit][1:] != seg[hit][:-1]]]]  # first farthest point
        split = (top > tolerance) | (force > 0)
        keep[at[split]] = True
        a, b = np.concatenate([a[split], at[split]]), np.concatenate([at[split], b[split]])
        force = np.tile(force[split] - 1, 2)
    return keep


class _Rings:
    """Rings of signed piece numbers to arrays of integer points (tenths of a unit)."""

    def __init__(self, q: np.ndarray, offsets: np.ndarray, keep: np.ndarray) -> None:
        self.q, self.offsets, self.keep = q, offsets, keep
        self.cache: dict[int, np.ndarray] = {}

    def piece(self, i: int, simplified: bool) -> np.ndarray:
        lo, hi = self.offsets[i], self.offsets[i + 1]
        if simplified and i not in self.cache:
            self.cache[i] = self.q[lo:hi][self.keep[lo:hi]]
        return self.cache[i] if simplified else self.q[lo:hi]

    def ring(self, refs: list[int], simplified: bool = True) -> tuple[np.ndarray, int] | None:
        """The ring's distinct points and twice its signed area; None without an area."""
        parts = [self.piece(r, simplified) if r >= 0 else self.piece(~r, simplified)[::-1]
                 for r in refs]
        pts = np.concatenate([parts[0], *(p[1:] for p in parts[1:])])
        moved = (pts[1:] != pts[:-1]).any(axis=1)
        if not moved.all():
            pts = pts[np.concatenate(([True], moved))]
        if len(pts) > 1 and (pts[-1] == pts[0]).all():
            pts = pts[:-1]
        x, y = pts[:, 0], pts[:, 1]  # shoelace; positive: clockwise on screen (y down)
        area = int(x[:-1] @ y[1:] - x[1:] @ y[:-1] + x[-1] * y[0] - x[0] * y[-1])
        return (pts, area) if len(pts) >= 3 and area else None


@functools.lru_cache(maxsize=1 << 16)
def _num(tenths: int) -> str:
    whole, tenth = divmod(abs(tenths), 10)
    text = str(whole) if not tenth else f"{whole}.{tenth}" if whole else f".{tenth}"
    return f"-{text}" if tenths < 0 else text


def _ring_d(pts: np.ndarray) -> str:
    """``M x y l dx dy ... z``; a minus sign is separator enough."""
    texts = [_num(v) for v in (pts[0].tolist() + np.diff(pts, axis=0).ravel().tolist())]
    texts[2] = f"l{texts[2]}"
    return "M" + texts[0] + "".join(t if t[0] in "-l" else f" {t}" for t in texts[1:]) + "z"


def _feature_d(polys: _Refs, rings: _Rings, min_area: float, simplified: bool = True) -> str:
    """A feature's path; polygons smaller than ``min_area`` go, except the largest one."""
    drawn: list[tuple[int, list[np.ndarray]]] = []
    for poly in polys:
        if (found := rings.ring(poly[0], simplified)) is None:
            continue
        outer, area = found
        shape = [outer if area > 0 else outer[::-1]]
        for hole_refs in poly[1:]:
            if (hole := rings.ring(hole_refs, simplified)) is not None:
                shape.append(hole[0] if hole[1] < 0 else hole[0][::-1])
        drawn.append((abs(area), shape))
    if not drawn and simplified:  # too small once simplified: try it whole
        return _feature_d(polys, rings, min_area, False)
    if not drawn:  # below the map's resolution even whole: a dot of 0.4 units, where it is
        at = rings.piece(polys[0][0][0] if polys[0][0][0] >= 0 else ~polys[0][0][0], False)
        x, y = np.rint(at.mean(axis=0)).astype(np.int64)
        return _ring_d(np.array([[x - 2, y], [x, y - 2], [x + 2, y], [x, y + 2]]))
    largest = max(range(len(drawn)), key=lambda k: drawn[k][0])
    return "".join(_ring_d(r) for k, (area, shape) in enumerate(drawn)
                   if area >= min_area or k == largest for r in shape)


def _build(parsed: _Parsed, path: Path, tolerance: float) -> MapShapes:
    if not parsed.features:
        raise ReleaseError("the boundary file has no polygon with a 2- or 5-digit INEGI "
                           "code", file=path, hint="the codes are read from the CVEGEO "
                           "property, else CVE_ENT and CVE_MUN, else the feature's id")
    offsets = parsed.offsets
    used = np.zeros(len(offsets) - 1, dtype=bool)
    for _, polys in parsed.features:
        used[[r if r >= 0 else ~r for p in polys for ring in p for r in ring]] = True
    xy = _project(parsed.lonlat)
    points = np.repeat(used, np.diff(offsets))
    if not np.isfinite(xy[points]).all():
        raise ReleaseError("a position cannot be projected (a pole?)", file=path)
    lo, hi = xy[points].min(axis=0), xy[points].max(axis=0)
    span = hi - lo
    scale = (WIDTH - 2 * MARGIN) / (span[0] if span[0] > 0 else max(span[1], 1e-9))
    px = np.column_stack([(xy[:, 0] - lo[0]) * scale + MARGIN,
                          (hi[1] - xy[:, 1]) * scale + MARGIN])
    px[~points] = MARGIN  # the pieces nobody uses stay inside too
    keep = _simplify(px, offsets, parsed.need, tolerance)
    rings = _Rings(np.rint(px * 10).astype(np.int64), offsets, keep)
    merged: dict[str, _Refs] = {}
    for code, polys in parsed.features:
        merged.setdefault(code, []).extend(polys)
    shapes: dict[int, dict[str, str]] = {2: {}, 5: {}}
    for code in sorted(merged):  # twice the area in tenths², i.e. (tolerance / 2)² px²
        shapes[len(code)][code] = _feature_d(merged[code], rings, 50 * tolerance**2)
    states, municipalities = shapes[2], shapes[5]
    if not states and municipalities:
        states = _states_from(merged, municipalities, rings, px, parsed.topology)
    return MapShapes(WIDTH, math.ceil(span[1] * scale + 2 * MARGIN), states, municipalities,
                     tuple(parsed.skipped))


def _states_from(merged: dict[str, _Refs], municipalities: dict[str, str], rings: _Rings,
                 px: np.ndarray, topology: bool) -> dict[str, str]:
    """Each state's path from its municipalities (see :func:`load_boundaries`)."""
    groups: dict[str, list[str]] = {}
    for code in municipalities:  # sorted
        groups.setdefault(code[:2], []).append(code)
    states = {s: "".join(municipalities[c] for c in codes) for s, codes in groups.items()}
    if not topology:
        return states
    for state, codes in groups.items():
        count: dict[int, list[int]] = {}  # arc -> its signed uses
        for r in (r for c in codes for p in merged[c] for ring in p for r in ring):
            count.setdefault(r if r >= 0 else ~r, []).append(r)
        found = (rings.ring(ring) for ring in _stitch(
            [uses[0] for uses in count.values() if len(uses) == 1], rings.offsets, px))
        states[state] = "".join(_ring_d(r[0]) for r in found if r is not None) or states[state]
    return states


def _stitch(refs: list[int], offsets: np.ndarray, px: np.ndarray) -> list[list[int]]:
    """Chain directed arcs into rings, an arc's end to the start of the next one."""

    def ends(r: int) -> tuple[tuple[float, ...], tuple[float, ...]]:
        i = r if r >= 0 else ~r
        a, b = tuple(px[offsets[i]]), tuple(px[offsets[i + 1] - 1])
        return (a, b) if r >= 0 else (b, a)  # exact: shared junctions decode identically

    by_start: dict[tuple[float, ...], list[int]] = {}
    for r in refs:
        by_start.setdefault(ends(r)[0], []).append(r)
    used: set[int] = set()
    out = []
    for r in (r for r in refs if r not in used):
        (start, at), ring = ends(r), [r]
        used.add(r)
        while at != start:
            nxt = next((c for c in by_start.get(at, ()) if c not in used), None)
            if nxt is None:
                break  # an open chain (a broken topology): drawn closed all the same
            ring.append(nxt)
            used.add(nxt)
            at = ends(nxt)[1]
        out.append(ring)
    return out
