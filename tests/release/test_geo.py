"""Boundary files to SVG paths: every area with a shape, shared borders, hostile files."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from sdmx_tools.errors import ReleaseError
from sdmx_tools.release import geo
from sdmx_tools.release.geo import MapShapes, load_boundaries

GEO = Path(__file__).resolve().parents[3] / "shared" / "data" / "geo"
# M x y, then relative l steps (several pairs each) and z: numbers in tenths at most.
NUMBER = r"-?(?:\d+(?:\.\d)?|\.\d)"
PATH = re.compile(rf"(?:M{NUMBER}[ ,]?{NUMBER}(?:l(?:[ ,]?{NUMBER})+)*z)+")


def _geo(name: str) -> Path:
    path = GEO / name
    if not path.is_file():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="module")
def topo() -> MapShapes:
    return load_boundaries(_geo("mx_topo.json"))


def _points(d: str) -> list[tuple[int, int]]:
    """The absolute vertices of a path in tenths, replaying its relative steps exactly."""
    out: list[tuple[int, int]] = []
    x = y = 0
    for command, body in re.findall(r"([Mlz])([^Mlz]*)", d):
        numbers = [round(float(n) * 10) for n in re.findall(NUMBER, body)]
        pairs = list(zip(numbers[::2], numbers[1::2], strict=True))
        if command == "M":
            x, y = pairs[0]
            out.append((x, y))
        elif command == "l":
            for dx, dy in pairs:
                x, y = x + dx, y + dy
                out.append((x, y))
    return out


def _municipal_codes(path: Path) -> set[str]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    return {f["properties"]["CVEGEO"] for f in doc["features"] if f["geometry"]}


def test_topojson_gives_every_state_and_municipality(topo: MapShapes) -> None:
    assert sorted(topo.states) == [f"{n:02d}" for n in range(1, 33)]
    assert len(topo.municipalities) >= 2469
    assert set(topo.municipalities) == _municipal_codes(_geo("mx_municipios_simpl.geojson"))
    for d in [*topo.states.values(), *topo.municipalities.values()]:
        assert PATH.fullmatch(d), d[:80]
    inside = [p for d in topo.states.values() for p in _points(d)]
    assert all(0 <= x <= 10 * topo.width and 0 <= y <= 10 * topo.height for x, y in inside)
    # Small enough to send to a reader's browser.
    assert len(json.dumps(topo.municipalities)) < 450_000
    assert len(json.dumps(topo.states)) < 60_000


def test_neighbours_share_their_border(topo: MapShapes) -> None:
    # The arcs between neighbours are simplified once, so both outlines hold the same
    # vertices there: Aguascalientes' capital shares a border with several municipalities.
    capital = set(_points(topo.municipalities["01001"]))
    shared = {code: len(capital & set(_points(d))) for code, d in topo.municipalities.items()
              if code.startswith("01") and code != "01001"}
    assert sum(n >= 3 for n in shared.values()) >= 3, shared


def test_geojson_alone_builds_the_states(tmp_path: Path) -> None:
    shapes = load_boundaries(_geo("mx_municipios_simpl.geojson"))
    assert sorted(shapes.states) == [f"{n:02d}" for n in range(1, 33)]
    assert set(shapes.municipalities) == _municipal_codes(_geo("mx_municipios_simpl.geojson"))
    # The files hold no shape for the three municipalities INEGI lists without one.
    assert not {"24059", "25019", "25020"} & set(shapes.municipalities)
    states = load_boundaries(_geo("mx_estados_simpl.geojson"))
    assert len(states.states) == 32 and states.municipalities == {}


def test_the_output_is_deterministic_and_quick(topo: MapShapes) -> None:
    start = time.perf_counter()
    again = load_boundaries(_geo("mx_topo.json"))
    assert time.perf_counter() - start < 20  # a loose bound: measured 1-2 s
    assert again == topo


def test_features_left_out_are_listed(tmp_path: Path) -> None:
    square = [[[-102.3, 21.9], [-102.2, 21.9], [-102.2, 22.0], [-102.3, 22.0], [-102.3, 21.9]]]
    features = [
        {"type": "Feature", "properties": {"CVEGEO": "01001"},
         "geometry": {"type": "Polygon", "coordinates": square}},
        {"type": "Feature", "properties": {"CVEGEO": "24059"}, "geometry": None},
        {"type": "Feature", "properties": {"CVEGEO": "ABC"},
         "geometry": {"type": "Polygon", "coordinates": square}},
    ]
    path = tmp_path / "few.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    shapes = load_boundaries(path)
    assert list(shapes.municipalities) == ["01001"] and list(shapes.states) == ["01"]
    assert any(s.startswith("24059") for s in shapes.skipped)
    assert any("ABC" in s for s in shapes.skipped)


@pytest.mark.parametrize(("text", "needle"), [
    ("not json", "JSON"),
    ("[1, 2]", ""),
    ('{"type": "Topology", "arcs": [[[0, 0], [1, 1]]], "objects": {"a": {"type": '
     '"GeometryCollection", "geometries": [{"type": "Polygon", "arcs": [[1000000000]], '
     '"properties": {"CVEGEO": "01001"}}]}}}', "arc"),
    ('{"type": "Topology", "arcs": [[[0, 1e999], [1, 1]]], "objects": {}}', ""),
    ('{"type": "Topology", "arcs": [[["0", 0], [1, 1]]], "objects": {}}', ""),
    ('{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
     '{"CVEGEO": "01001"}, "geometry": {"type": "Polygon", "coordinates": [[[0, 95], [1, 1], '
     '[0, 0], [0, 95]]]}}]}', ""),
    ("[" * 100_000 + "]" * 100_000, ""),
])
def test_hostile_files_are_located_errors(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ReleaseError) as info:
        load_boundaries(path)
    assert "bad.json" in str(info.value) and needle in str(info.value)


def test_an_oversized_file_is_refused_before_reading(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.json"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    monkeypatch.setattr(geo, "MAX_BYTES", 10)
    with pytest.raises(ReleaseError, match=r"big\.json"):
        load_boundaries(path)
