"""SVG charts, the tile map, number formatting and the UI strings."""

from __future__ import annotations

import math

import lxml.etree
import pytest

from sdmx_tools.errors import ReleaseError
from sdmx_tools.release import charts
from sdmx_tools.release.i18n import format_date, format_number, format_size, load_texts, translator

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> lxml.etree._Element:
    return lxml.etree.fromstring(markup.encode())


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234.5, 1, "1,234.5"),
        (1234567.891, 2, "1,234,567.89"),
        (0.4567, 3, "0.457"),
        (12, 0, "12"),
        (-0.01, 1, "0.0"),
        (-1500.0, 0, "-1,500"),
        (math.nan, 1, "—"),
        (math.inf, 1, "—"),
        (None, 1, "—"),
    ],
)
def test_format_number(value: float | None, decimals: int, expected: str) -> None:
    assert format_number(value, decimals) == expected


def test_format_size() -> None:
    assert [format_size(n) for n in (41, 2048, 5 * 1024**2 + 1)] == ["41 B", "2.0 KB", "5.0 MB"]


def test_languages_have_the_same_strings() -> None:
    texts = load_texts()
    for section in ("ui", "notes", "note_kinds", "quality", "goals"):
        assert getattr(texts["es"], section).keys() == getattr(texts["en"], section).keys()
    assert len(texts["es"].goals) == 17
    # A text that is the same in both languages must be a name or a symbol, not English.
    same = {k for k, v in texts["es"].ui.items() if texts["en"].ui[k] == v}
    assert same <= {"download_sdmx_csv", "chart_point", "notes_total"}, same


def test_translator_takes_the_singular_for_one() -> None:
    t = translator(load_texts()["es"])
    assert [t("status_count", count=n) for n in (0, 1, 2)] == [
        "0 observaciones",
        "1 observación",
        "2 observaciones",
    ]
    # Keys without a singular form ignore the count.
    assert t("table_areas", count=1, period="2022") == "Entidades federativas en 2022"


def test_dates_are_said_in_the_page_language() -> None:
    texts = load_texts()
    assert format_date("2024-05-01T12:00:00Z", texts["es"]) == "1 de mayo de 2024"
    assert format_date("2024-05-01T12:00:00+00:00", texts["en"]) == "1 May 2024"
    assert format_date("not a date", texts["en"]) == "not a date"


def test_a_workspace_translation_overrides_and_must_match(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "i18n").mkdir()
    (tmp_path / "i18n" / "es.toml").write_text('[ui]\nhome = "Portada"\n', encoding="utf-8")
    assert load_texts([tmp_path])["es"].ui["home"] == "Portada"
    (tmp_path / "i18n" / "en.toml").write_text('[ui]\nonly_english = "x"\n', encoding="utf-8")
    with pytest.raises(ReleaseError, match="lacks a text") as info:
        load_texts([tmp_path])
    assert info.value.key == "ui.only_english"
    (tmp_path / "i18n" / "en.toml").write_text("[ui\n", encoding="utf-8")
    with pytest.raises(ReleaseError, match="not valid TOML"):
        load_texts([tmp_path])


def test_nice_ticks_cover_the_range() -> None:
    assert charts.nice_ticks(0, 23.45, 4) == [0, 10, 20, 30]
    assert charts.nice_ticks(-3, 12) == [-5, 0, 5, 10, 15]
    assert charts.nice_ticks(0, 0.3) == [0, 0.1, 0.2, 0.3]


def test_quantile_breaks() -> None:
    assert charts.quantile_breaks([1, 2, 3, 4, 5, 6]) == [2, 3, 4, 5, 6]
    assert charts.quantile_breaks([7, 7, 7]) == [7]  # one class when all values are equal
    assert charts.quantile_breaks([]) == []


def test_bar_chart_sorted_missing_last_escaped() -> None:
    svg = _svg(
        charts.bar_chart(
            [("Oaxaca", math.nan), ("<b>Jal</b>", 22.0), ("BC", 31.5), ("CDMX", 12.25)],
            title="T",
            unit="%",
            decimals=1,
            missing_label="No value",
        )
    )
    assert svg.get("role") == "img" and svg.findtext(f"{SVG}title") == "T"
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert labels == ["BC", "<b>Jal</b>", "CDMX", "Oaxaca"]  # parsed back: it was escaped
    assert len(list(svg.iter(f"{SVG}rect"))) == 3  # no bar for the missing value
    assert "Oaxaca: —" in svg.findtext(f"{SVG}desc")


def test_line_chart_breaks_at_missing_period() -> None:
    svg = _svg(
        charts.line_chart(
            [("2019", 1.0), ("2020", math.nan), ("2021", 2.0), ("2022", 3.0)],
            title="T",
            unit="u",
            decimals=1,
        )
    )
    assert len(list(svg.iter(f"{SVG}polyline"))) == 1  # 2019 alone has no segment
    assert len(list(svg.iter(f"{SVG}circle"))) == 3


def test_tile_map_has_all_states_coloured_by_quantile() -> None:
    values = {f"{i:02d}": float(i) for i in range(1, 33)}
    values["20"] = math.nan
    svg = _svg(
        charts.tile_map(
            values, title="Map", decimals=0, missing_label="No value", legend_label="Legend"
        )
    )
    tiles = {g.get("data-code"): g for g in svg.iter(f"{SVG}g")}
    assert len(tiles) == 32
    fill = {code: g.find(f"{SVG}rect").get("fill") for code, g in tiles.items()}
    assert fill["01"] == charts.PALETTE[0] and fill["32"] == charts.PALETTE[-1]
    assert fill["20"] == charts.MISSING_FILL
    assert tiles["20"].findtext(f"{SVG}title") == "Oaxaca: —"
    labels = [t.text for t in tiles["09"].iter(f"{SVG}text")]
    assert labels == ["CDMX", "9"]
