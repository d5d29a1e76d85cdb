"""Boundary files to SVG paths: every area with a shape, shared borders, hostile files."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from sdmx_tools.errors import ReleaseError
from sdmx_tools.release import geo
from sdmx_tools.release.geo import MapShapes, load_boundaries

GEO = Path(__file__).resolve().parents[3] / "shared" / "data" / "geo"
# M x y, then relative l steps and z per ring; numbers in tenths at most, a space between
# two numbers unless the second's minus sign separates them.
NUMBER = r"-?(?:\d+(?:\.\d)?|\.\d)"
PAIR = rf"{NUMBER}(?: |(?=-)){NUMBER}"
PATH = re.compile(rf"(?:M{PAIR}l{PAIR}(?:(?: |(?=-)){PAIR})*z)+")
STATES = [f"{n:02d}" for n in range(1, 33)]
NO_SHAPE = ("24059", "25019", "25020")  # created after the census: INEGI has no outline


def _geo(name: str) -> Path:
    path = GEO / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="module")
def topo() -> MapShapes:
    return load_boundaries(_geo("mx_topo.json"))


@pytest.fixture(scope="module")
def municipal_codes() -> set[str]:
    doc = json.loads(_geo("mx_municipios_simpl.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["CVEGEO"] for f in doc["features"] if f["geometry"]}


def _rings(d: str) -> list[list[tuple[int, int]]]:
    """The absolute vertices of each ring of a path in tenths, replaying its steps exactly."""
    out = []
    for ring in re.findall(r"M[^M]*", d):
        numbers = [round(float(n) * 10) for n in re.findall(NUMBER, ring)]
        x, y = numbers[0], numbers[1]
        points = [(x, y)]
        for dx, dy in zip(numbers[2::2], numbers[3::2], strict=True):
            x, y = x + dx, y + dy
            points.append((x, y))
        out.append(points)
    return out


def _points(d: str) -> list[tuple[int, int]]:
    return [p for ring in _rings(d) for p in ring]


def _check_paths(shapes: MapShapes) -> None:
    """Valid path syntax, inside the viewBox, no zero-length step, 3 points a ring."""
    for code, d in [*shapes.states.items(), *shapes.municipalities.items()]:
        assert PATH.fullmatch(d), (code, d[:80])
        for ring in _rings(d):
            assert len(set(ring)) >= 3 and ring[0] != ring[-1], code
            assert all(a != b for a, b in itertools.pairwise(ring)), code
            assert all(0 <= x <= 10 * shapes.width and 0 <= y <= 10 * shapes.height
                       for x, y in ring), code


def test_topojson_gives_every_state_and_municipality(topo: MapShapes,
                                                     municipal_codes: set[str]) -> None:
    assert sorted(topo.states) == STATES
    assert len(topo.municipalities) >= 2469
    assert set(topo.municipalities) == municipal_codes
    assert (topo.width, topo.skipped) == (1000, ())
    assert 550 < topo.height < 750  # Mexico in INEGI's conic is about 1.55 times as wide
    _check_paths(topo)
    # Small enough to send to a reader's browser (measured: 384 KB and 55 KB).
    assert len(json.dumps(topo.municipalities)) < 450_000
    assert len(json.dumps(topo.states)) < 60_000


def test_the_map_is_the_right_way_up(topo: MapShapes) -> None:
    def centre(code: str) -> tuple[float, float]:
        points = _points(topo.states[code])
        return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))

    (bc_x, bc_y), (yuc_x, yuc_y), (chis_x, chis_y) = map(centre, ["02", "31", "07"])
    assert bc_x < chis_x < yuc_x  # Baja California west, Yucatán east
    assert bc_y < yuc_y < chis_y  # y down: Baja California north, Chiapas south


def test_neighbours_share_their_border(topo: MapShapes) -> None:
    # The arcs between neighbours are simplified once, so both outlines hold the same
    # vertices there: Aguascalientes' capital shares a border with several municipalities.
    capital = set(_points(topo.municipalities["01001"]))
    shared = {code: len(capital & set(_points(d))) for code, d in topo.municipalities.items()
              if code.startswith("01") and code != "01001"}
    assert sum(n >= 3 for n in shared.values()) >= 3, shared
    assert not capital & set(_points(topo.municipalities["32056"]))  # Zacatecas: far away
    # No slivers: nearly every side of a municipality is also a side of its neighbour (the
    # rest is coast and frontier). Rings simplified one by one share under half of theirs.
    sides = Counter(frozenset(side) for d in topo.municipalities.values() for ring in _rings(d)
                    for side in itertools.pairwise([*ring, ring[0]]))
    assert sum(n >= 2 for n in sides.values()) > 0.9 * len(sides)  # measured: 92 %


def test_topojson_without_states_builds_them_from_shared_arcs(
        tmp_path: Path, topo: MapShapes) -> None:
    doc = json.loads(_geo("mx_topo.json").read_text(encoding="utf-8"))
    del doc["objects"]["estados"]
    geometries: list[dict[str, Any]] = doc["objects"]["municipios"]["geometries"]
    geometries += [{"type": None, "properties": {"CVEGEO": code}} for code in NO_SHAPE]
    path = tmp_path / "municipios.topojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    shapes = load_boundaries(path)
    assert shapes.municipalities == topo.municipalities
    assert sorted(shapes.states) == STATES
    assert shapes.skipped == tuple(f"{code}: no geometry" for code in NO_SHAPE)
    _check_paths(shapes)
    # A state's outline is the arcs of its municipalities used once: every vertex of it is
    # one of theirs, and its inner borders are gone (fewer vertices than theirs together).
    for state in ("01", "09", "14"):
        theirs = [p for c, d in shapes.municipalities.items() if c[:2] == state
                  for p in _points(d)]
        assert set(_points(shapes.states[state])) <= set(theirs)
        assert len(_points(shapes.states[state])) < len(theirs) / 2
    assert len(json.dumps(shapes.states)) < 60_000


def test_geojson_pair(municipal_codes: set[str]) -> None:
    shapes = load_boundaries(_geo("mx_municipios_simpl.geojson"))
    assert set(shapes.municipalities) == municipal_codes
    assert not set(NO_SHAPE) & set(shapes.municipalities)  # the files hold no shape
    # Alone, the municipalities give the states too (their rings, one path per state).
    assert sorted(shapes.states) == STATES
    assert shapes.states["01"] == "".join(d for c, d in shapes.municipalities.items()
                                          if c[:2] == "01")
    _check_paths(shapes)
    assert len(json.dumps(shapes.municipalities)) < 450_000  # measured: 355 KB
    states = load_boundaries(_geo("mx_estados_simpl.geojson"))
    assert sorted(states.states) == STATES and states.municipalities == {}
    _check_paths(states)
    assert len(json.dumps(states.states)) < 60_000  # measured: 38 KB


def test_the_output_is_deterministic_and_quick(topo: MapShapes) -> None:
    start = time.perf_counter()
    again = load_boundaries(_geo("mx_topo.json"))
    assert time.perf_counter() - start < 10  # a loose bound: measured 0.2-0.4 s
    assert json.dumps([again.states, again.municipalities]) == json.dumps(
        [topo.states, topo.municipalities])


def _collection(tmp_path: Path, *features: dict[str, Any]) -> Path:
    path = tmp_path / "few.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}),
                    encoding="utf-8")
    return path


def _feature(code: Any, coordinates: Any, kind: str = "Polygon", key: str = "CVEGEO",
             ) -> dict[str, Any]:
    return {"type": "Feature", "properties": {key: code},
            "geometry": {"type": kind, "coordinates": coordinates}}


def _square(lon: float, lat: float, size: float) -> list[list[list[float]]]:
    return [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size],
             [lon, lat]]]


def test_features_left_out_are_listed(tmp_path: Path) -> None:
    square = _square(-102.3, 21.9, 0.1)
    path = _collection(
        tmp_path, _feature("01001", square),
        {"type": "Feature", "properties": {"CVEGEO": "24059"}, "geometry": None},
        _feature("ABC", square), _feature("01002", [[-102.3, 21.9]], "Point"),
        {"type": "Feature", "id": "1003", "properties": None, "geometry": {
            "type": "Polygon", "coordinates": square}},
        _feature("02", _square(-116, 31, 1), key="CVE_ENT"))
    shapes = load_boundaries(path)
    assert list(shapes.municipalities) == ["01001"] and list(shapes.states) == ["02"]
    assert shapes.skipped == (
        "24059: no geometry", "features[2]: code 'ABC' is not a 2- or 5-digit INEGI code",
        "01002: geometry type 'Point' is not a polygon",
        "features[4]: code '1003' is not a 2- or 5-digit INEGI code")


def test_a_tiny_municipality_keeps_a_shape(tmp_path: Path) -> None:
    # Beside a country-sized square (30 degrees: 1000 units), a 1 km square is below the
    # tolerance and a 30 m one below the tenth of a unit the paths are written in: both keep
    # a shape all the same (the second a dot of 0.4 units).
    path = _collection(tmp_path, _feature("08001", _square(-117, 14, 30)),
                       _feature("08002", _square(-105.5, 28.5, 0.01)),
                       _feature("08003", _square(-104.5, 28.5, 0.0003)),
                       _feature("08004", [_square(-107, 27, 0.5), _square(-106, 29, 1e-5)],
                                "MultiPolygon"))
    shapes = load_boundaries(path)
    assert sorted(shapes.municipalities) == ["08001", "08002", "08003", "08004"]
    _check_paths(shapes)
    assert len(_points(shapes.municipalities["08002"])) == 4
    assert shapes.municipalities["08003"].endswith("l.2-.2 .2 .2-.2 .2z")
    assert len(_rings(shapes.municipalities["08004"])) == 1  # its speck of an island goes
    for d in shapes.municipalities.values():  # exterior rings run clockwise on screen
        ring = _points(d)
        assert sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(
            ring, ring[1:] + ring[:1], strict=True)) > 0


def test_a_small_topology(tmp_path: Path) -> None:
    # Two squares sharing a side (arc 0), each ring of two arcs, and an island of one closed
    # arc of 8 points: simplified all they can be, every ring keeps 3 corners or more.
    doc = {"type": "Topology", "transform": {"scale": [0.01, 0.01], "translate": [-110, 20]},
           "arcs": [[[100, 0], [0, 100]],
                    [[100, 100], [-100, 0], [0, -100], [100, 0]],
                    [[100, 0], [100, 0], [0, 100], [-100, 0]],
                    [[300, 300], [25, 0], [25, 0], [0, 25], [0, 25], [-25, 0], [-25, 0],
                     [0, -25], [0, -25]]],
           "objects": {"m": {"type": "GeometryCollection", "geometries": [
               {"type": "Polygon", "arcs": [[0, 1]], "properties": {"CVEGEO": "01001"}},
               {"type": "Polygon", "arcs": [[2, -1]], "properties": {"CVEGEO": "01002"}},
               {"type": "Polygon", "arcs": [], "properties": {"CVEGEO": "01003"}},
               {"type": "MultiPolygon", "arcs": [[]], "properties": {"CVEGEO": "01004"}},
               {"type": "LineString", "arcs": [1], "id": "01005"},
               {"type": "Polygon", "arcs": [[3]], "id": "01006"}]}}}
    path = tmp_path / "small.topojson"
    path.write_text(json.dumps(doc), encoding="utf-8")
    shapes = load_boundaries(path, tolerance=1000)
    assert sorted(shapes.municipalities) == ["01001", "01002", "01006"]
    assert shapes.skipped == ("01003: no geometry", "01004: no geometry",
                              "01005: geometry type 'LineString' is not a polygon")
    _check_paths(shapes)
    assert [len(_points(shapes.municipalities[c])) for c in ("01001", "01002", "01006")] == [
        3, 3, 4]
    first, second = (set(_points(shapes.municipalities[c])) for c in ("01001", "01002"))
    assert len(first & second) == 2  # both ends of the shared side
    # The state is the arcs used once: the outline of both squares without their shared
    # side, and the island.
    outline, island = _rings(shapes.states["01"])
    assert set(outline) == first | second
    assert set(island) == set(_points(shapes.municipalities["01006"]))
    sides = {frozenset(pair) for pair in itertools.pairwise([*outline, outline[0]])}
    assert frozenset(first & second) not in sides


@pytest.mark.parametrize(("text", "needle"), [
    ("not json", "not JSON"),
    ("[1, 2]", "JSON list, not an object"),
    ('{"type": "Topology", "arcs": [[[0, 0], [1, 1]]], "objects": {"a": {"type": '
     '"GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[1000000000]], '
     '"properties": {"CVEGEO": "01001"}}]}}}', "a[0] (01001): 'arcs' is not a list of rings"),
    ('{"type": "Topology", "arcs": [[[0, 0], [1, 1]]], "objects": {"a": {"type": '
     '"Polygon", "arcs": [["0"]], "properties": {"CVEGEO": "01"}}}}', "arc indices below 1"),
    ('{"type": "Topology", "arcs": [[[0, 1e999], [1, 1]]], "objects": {}}', "arc 0, position 0"),
    ('{"type": "Topology", "arcs": [[[0, 0], [1, NaN]]], "objects": {}}', "arc 0, position 1"),
    ('{"type": "Topology", "arcs": [[["0", 0], [1, 1]]], "objects": {}}', "arc 0, position 0"),
    ('{"type": "Topology", "arcs": [[[0, 0], [1]]], "objects": {}}', "arc 0, position 1"),
    ('{"type": "Topology", "arcs": [[[0, 0], [1, 2]], [[0, 0], 3]], "objects": {}}',
     "arc 1, position 1"),
    ('{"type": "Topology", "arcs": [[[0, 0], [1, 1]]], "objects": {}, "transform": '
     '{"scale": [1, 1], "translate": [0, 89.5]}}',
     "arc 0, position 1 is not a longitude and latitude in range"),
    ('{"type": "Topology", "arcs": [[[0, 0], [1, 1]]], "objects": {}, "transform": '
     '{"scale": [1, "1"], "translate": [0, 0]}}', "'transform'"),
    ('{"type": "Topology", "arcs": {}, "objects": {}}', "'arcs'"),
    ('{"type": "Topology", "arcs": [], "objects": []}', "'objects'"),
    ('{"type": "Topology", "arcs": [], "objects": {"a": {"type": "GeometryCollection", '
     '"geometries": 3}}}', "a is not a geometry"),
    ('{"type": "Topology", "arcs": [], "objects": {"a": {"type": "GeometryCollection", '
     '"geometries": []}}}', "no polygon with a 2- or 5-digit INEGI code"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
     '{"CVEGEO": "01001"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 95], [1, 1], '
     '[0, 0], [0, 95]]]}}]}', "ring 0, position 0"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
     '{"CVEGEO": "01001"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 1], [1, 1], '
     f'[0, {10**400}], [0, 1]]]}}}}]}}', "ring 0, position 2"),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
     '{"CVEGEO": "01001"}, "geometry": {"type": "Polygon", "coordinates": 7}}]}',
     "'coordinates'"),
    ('{"type": "FeatureCollection", "features": [3]}', "features[0]"),
    ('{"type": "FeatureCollection"}', "'features'"),
    ('{"type": "Feature"}', "neither a TopoJSON Topology nor a GeoJSON FeatureCollection"),
    ("[" * 100_000 + "]" * 100_000, "not usable JSON"),
    ('{"a": ' * 5000 + "1" + "}" * 5000, "not usable JSON"),
    ("\udcff", "not usable JSON"),
])
def test_hostile_files_are_located_errors(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    with pytest.raises(ReleaseError) as info:
        load_boundaries(path)
    assert "bad.json" in str(info.value) and needle in str(info.value)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match=r"absent\.json: cannot read the boundary file"):
        load_boundaries(tmp_path / "absent.json")


def test_an_oversized_file_is_refused_before_reading(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    monkeypatch.setattr(geo, "MAX_BYTES", 10)
    monkeypatch.setattr(Path, "open", lambda *a, **k: pytest.fail("the file was read"))
    with pytest.raises(ReleaseError, match=r"big\.json: the boundary file is too large"):
        load_boundaries(path)
