"""Release notes: the changes against the previous release's indicator table."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pandas as pd
import pytest

from sdmx_tools.compute.definitions import id_order
from sdmx_tools.errors import ReleaseError
from sdmx_tools.release.catalog import dcat_catalog
from sdmx_tools.release.notes import (
    DISAGGREGATIONS,
    IndicatorChanges,
    ReleaseNotes,
    compare,
    read_modified,
    read_previous,
)

COLUMNS = ["indicator", "REF_AREA", "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"]


def table(rows: list[tuple[object, ...]], columns: list[str] | None = None) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns or COLUMNS)


def write_site(folder: Path, frame: pd.DataFrame) -> Path:
    (folder / "downloads").mkdir(parents=True)
    frame.to_csv(folder / "downloads" / "indicators.csv", index=False, lineterminator="\n",
                 float_format="%.15g")
    return folder


def write_csv(folder: Path, text: str | bytes) -> Path:
    (folder / "downloads").mkdir(parents=True)
    path = folder / "downloads" / "indicators.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def by_id(notes: ReleaseNotes) -> dict[str, IndicatorChanges]:
    return {i.indicator: i for i in notes.indicators}


PREVIOUS = table([
    ("16.1.1", "02", "2021", 10.0, "A"),
    ("16.1.1", "02", "2022", 11.0, "A"),  # revised value
    ("16.1.1", "09", "2022", 5.0, "A"),  # removed
    ("16.1.1", "14", "2022", 7.5, "A"),  # unchanged
    ("6.1.1", "02", "2022", 80.0, "A"),  # revised status only
    ("6.1.1", "09", "2022", 70.0, "A"),  # unchanged
])
CURRENT = table([
    ("16.1.1", "02", "2021", 10.0, "A"),
    ("16.1.1", "02", "2022", 12.5, "A"),
    ("16.1.1", "14", "2022", 7.5, "A"),
    ("16.1.1", "19", "2022", 3.0, "A"),  # new
    ("16.1.1", "19", "2021", 2.0, "A"),  # new
    ("6.1.1", "02", "2022", 80.0, "E"),
    ("6.1.1", "09", "2022", 70.0, "A"),
])


def test_new_revised_removed_are_counted_exactly() -> None:
    notes = compare(PREVIOUS, CURRENT)
    got = by_id(notes)
    homicides, water = got["16.1.1"], got["6.1.1"]
    assert (homicides.new, homicides.revised, homicides.removed) == (2, 1, 1)
    assert (water.new, water.revised, water.removed) == (0, 1, 0)
    assert notes.total == {"new": 2, "revised": 2, "removed": 1}
    assert [i.indicator for i in notes.indicators] == ["6.1.1", "16.1.1"]
    assert notes.added_indicators == () and notes.removed_indicators == ()


def test_examples_put_revisions_first_in_key_order() -> None:
    homicides = by_id(compare(PREVIOUS, CURRENT))["16.1.1"]
    shown = [(c.kind, c.key["REF_AREA"], c.key["TIME_PERIOD"]) for c in homicides.examples]
    assert shown == [("revised", "02", "2022"), ("new", "19", "2021"), ("new", "19", "2022"),
                     ("removed", "09", "2022")]
    revised = homicides.examples[0]
    assert (revised.before, revised.after) == (11.0, 12.5)
    assert revised.key == {"REF_AREA": "02", "TIME_PERIOD": "2022"}
    new, removed = homicides.examples[1], homicides.examples[3]
    assert (new.before, new.after, new.status_before, new.status_after) == (None, 2.0, "", "A")
    assert (removed.before, removed.after, removed.status_after) == (5.0, None, "")
    limited = by_id(compare(PREVIOUS, CURRENT, examples=2))["16.1.1"]
    assert [c.kind for c in limited.examples] == ["revised", "new"]
    assert limited.new == 2  # the limit bounds the examples, never the counts
    assert by_id(compare(PREVIOUS, CURRENT, examples=0))["16.1.1"].examples == ()


def test_examples_do_not_depend_on_row_order() -> None:
    shuffled = compare(PREVIOUS.sample(frac=1, random_state=3),
                       CURRENT.sample(frac=1, random_state=4))
    assert shuffled == compare(PREVIOUS, CURRENT)


def test_a_status_only_change_is_a_revision() -> None:
    change = by_id(compare(PREVIOUS, CURRENT))["6.1.1"].examples[0]
    assert change.kind == "revised"
    assert (change.before, change.after) == (80.0, 80.0)
    assert (change.status_before, change.status_after) == ("A", "E")


def test_status_is_not_compared_when_one_table_lacks_it() -> None:
    notes = compare(PREVIOUS.drop(columns="OBS_STATUS"), CURRENT)
    assert by_id(notes)["6.1.1"].revised == 0
    assert by_id(notes)["16.1.1"].revised == 1


def test_nan_against_a_number_is_a_change_and_nan_against_nan_is_not() -> None:
    previous = table([("3.1.1", "02", "2020", math.nan, "M"),
                      ("3.1.1", "02", "2021", math.nan, "M"),
                      ("3.1.1", "02", "2022", 4.0, "A")])
    current = table([("3.1.1", "02", "2020", math.nan, "M"),
                     ("3.1.1", "02", "2021", 1.5, "M"),
                     ("3.1.1", "02", "2022", math.nan, "A")])
    changes = by_id(compare(previous, current))["3.1.1"]
    assert (changes.new, changes.revised, changes.removed) == (0, 2, 0)
    assert [(c.key["TIME_PERIOD"], c.before, c.after) for c in changes.examples] == [
        ("2021", None, 1.5), ("2022", 4.0, None)]


def test_values_are_compared_as_the_table_writes_them(tmp_path: Path) -> None:
    current = table([("1.1.1", "00", "2022", 0.1 + 0.2, "A"),
                     ("1.1.1", "01", "2022", 1 / 3, "A"),
                     ("1.1.1", "02", "2022", 2 / 3, "A")])
    previous = read_previous(write_site(tmp_path, current))
    assert previous["OBS_VALUE"].tolist() == [0.3, 0.333333333333333, 0.666666666666667]
    assert compare(previous, current).total == {"new": 0, "revised": 0, "removed": 0}
    current.loc[1, "OBS_VALUE"] = 0.33333333333334  # a change in the 14th digit
    assert compare(previous, current).total["revised"] == 1


def test_codes_keep_leading_zeros_and_na_is_a_code(tmp_path: Path) -> None:
    write_csv(tmp_path, "indicator,SERIES,REF_AREA,TIME_PERIOD,SEX,OBS_VALUE,OBS_STATUS,"
                        "area_name\n"
                        "11.1.1,S,01001,2022,NA,1.5,A,Aguascalientes\n"
                        "11.1.1,S,01001,2023,_T,,M,Aguascalientes\n")
    previous = read_previous(tmp_path)
    assert previous["REF_AREA"].tolist() == ["01001", "01001"]
    assert previous["SEX"].tolist() == ["NA", "_T"]
    assert math.isnan(previous["OBS_VALUE"].iloc[1])
    assert "area_name" not in previous.columns  # only what the comparison needs is read
    current = table([("11.1.1", "01001", "2022", "NA", 1.5, "A"),
                     ("11.1.1", "1001", "2023", "_T", math.nan, "M")],
                    ["indicator", "REF_AREA", "TIME_PERIOD", "SEX", "OBS_VALUE", "OBS_STATUS"])
    changes = by_id(compare(previous, current))["11.1.1"]
    # "1001" is not "01001": one new and one removed, and the "NA" code matched.
    assert (changes.new, changes.revised, changes.removed) == (1, 0, 1)
    assert {c.key["REF_AREA"] for c in changes.examples} == {"01001", "1001"}


def test_disaggregations_are_part_of_the_key() -> None:
    cols = ["indicator", "REF_AREA", "TIME_PERIOD", "SEX", "OBS_VALUE", "OBS_STATUS"]
    previous = table([("5.5.1", "02", "2022", "F", 30.0, "A"),
                      ("5.5.1", "02", "2022", "M", 70.0, "A"),
                      ("5.5.1", "02", "2022", "_T", 100.0, "A"),
                      ("1.1.1", "02", "2022", None, 4.0, "A")], cols)  # no SEX: the total
    current = table([("5.5.1", "02", "2022", "F", 35.0, "A"),
                     ("5.5.1", "02", "2022", "M", 70.0, "A"),
                     ("5.5.1", "02", "2022", "_T", 100.0, "A"),
                     ("1.1.1", "02", "2022", "", 4.0, "A")], cols)
    current["AGE"] = ["_T", "_T", "_T", None]  # a column missing in previous counts as _T
    extra = table([("5.5.1", "02", "2022", "F", "Y15T24", 9.0, "A")],
                  [*cols[:4], "AGE", *cols[4:]])
    notes = compare(previous, pd.concat([current, extra], ignore_index=True))
    changes = by_id(notes)["5.5.1"]
    assert (changes.new, changes.revised, changes.removed) == (1, 1, 0)
    assert [(c.kind, c.key) for c in changes.examples] == [
        ("revised", {"REF_AREA": "02", "TIME_PERIOD": "2022", "SEX": "F"}),
        ("new", {"REF_AREA": "02", "TIME_PERIOD": "2022", "SEX": "F", "AGE": "Y15T24"}),
    ]
    assert by_id(notes)["1.1.1"].revised == by_id(notes)["1.1.1"].new == 0


def test_added_and_removed_indicators_in_sdg_order() -> None:
    previous = table([("16.1.1", "02", "2022", 1.0, "A"), ("3.1.1", "02", "2022", 2.0, "A")])
    current = table([("16.1.1", "02", "2022", 1.0, "A"), ("16.10.1", "02", "2022", 3.0, "A"),
                     ("16.2.1", "02", "2022", 4.0, "A")])
    notes = compare(previous, current)
    assert [i.indicator for i in notes.indicators] == ["3.1.1", "16.1.1", "16.2.1", "16.10.1"]
    assert notes.added_indicators == ("16.2.1", "16.10.1")
    assert notes.removed_indicators == ("3.1.1",)
    assert by_id(notes)["3.1.1"].removed == 1
    assert by_id(notes)["16.10.1"].new == 1
    assert sorted(["16.10.1", "16.2.1", "2.a.1", "2.1.1"], key=id_order) == [
        "2.1.1", "2.a.1", "16.2.1", "16.10.1"]


@pytest.mark.parametrize("which", ["previous", "current"])
def test_a_duplicated_key_is_refused(which: str) -> None:
    doubled = table([("16.1.1", "02", "2022", 1.0, "A"), ("16.1.1", "02", "2022", 2.0, "A"),
                     ("16.1.1", "09", "2022", 2.0, "A")])
    single = doubled.iloc[[0, 2]]
    args = (doubled, single) if which == "previous" else (single, doubled)
    with pytest.raises(ReleaseError) as err:
        compare(*args)
    assert err.value.key == "indicator=16.1.1 REF_AREA=02 TIME_PERIOD=2022"
    assert f"the {which} table has 2 observations" in str(err.value)


def test_a_table_without_a_required_column_is_refused() -> None:
    with pytest.raises(ReleaseError, match=r"current table lacks the column.* TIME_PERIOD"):
        compare(PREVIOUS, CURRENT.drop(columns="TIME_PERIOD"))


def test_a_missing_folder_or_table_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError) as err:
        read_previous(tmp_path / "nowhere")
    assert err.value.file == str(tmp_path / "nowhere")
    assert "written by sdmx-tools release" in str(err.value)
    with pytest.raises(ReleaseError) as err:
        read_previous(tmp_path)
    assert err.value.file == str(tmp_path / "downloads" / "indicators.csv")
    assert "no indicator table" in str(err.value)


@pytest.mark.parametrize(("content", "expected"), [
    (b"PK\x03\x04\x14\x00\x00\x00\x08\x00\xff\xfe\x00\x81", "not UTF-8"),
    ("", "not a CSV"),
    ("indicator,REF_AREA,OBS_VALUE\n16.1.1,02,1\n", r"lacks the column.* TIME_PERIOD"),
    ("<html><body>Not found</body></html>\n", "lacks the column"),
])
def test_a_file_that_is_not_an_indicator_table_is_refused(tmp_path: Path, content: str | bytes,
                                                          expected: str) -> None:
    path = write_csv(tmp_path, content)
    with pytest.raises(ReleaseError, match=expected) as err:
        read_previous(tmp_path)
    assert err.value.file == str(path)
    assert err.value.hint == "give the folder of a release site written by sdmx-tools release"


@pytest.mark.parametrize("bad", ["12,5", "n/d", "1_000"])
def test_a_value_that_is_not_a_number_is_located(tmp_path: Path, bad: str) -> None:
    path = write_csv(tmp_path, "indicator,REF_AREA,TIME_PERIOD,OBS_VALUE\n"
                               "16.1.1,02,2021,1.5\n16.1.1,02,2022,\n"
                               f'16.1.1,09,2022,"{bad}"\n')
    with pytest.raises(ReleaseError) as err:
        read_previous(tmp_path)
    assert (err.value.file, err.value.row, err.value.column) == (str(path), 4, "OBS_VALUE")
    assert err.value.value == bad
    assert f"{path}:4" in str(err.value)


def test_a_table_over_the_size_limit_is_refused(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write_site(tmp_path, PREVIOUS)
    monkeypatch.setattr("sdmx_tools.release.notes.MAX_BYTES", 100)
    with pytest.raises(ReleaseError, match="too large"):
        read_previous(tmp_path)


def test_the_previous_release_time_comes_from_its_catalog(tmp_path: Path) -> None:
    site = write_site(tmp_path, PREVIOUS)
    assert read_previous(site).attrs["generated_at"] is None
    catalog = dcat_catalog([], title={"es": "ODS"}, publisher="MX", languages=["es"],
                           base_url=None, modified="2024-05-01T12:00:00+00:00")
    (site / "catalog.jsonld").write_text(json.dumps(catalog), encoding="utf-8")
    assert read_modified(site) == "2024-05-01T12:00:00+00:00"
    notes = compare(read_previous(site), CURRENT)
    assert notes.previous_generated_at == "2024-05-01T12:00:00+00:00"
    assert compare(read_previous(site), CURRENT,
                   previous_generated_at="2023-01-01").previous_generated_at == "2023-01-01"
    (site / "catalog.jsonld").write_text("{not json", encoding="utf-8")
    assert read_modified(site) is None


def random_tables(seed: int, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two tables of ``n`` rows sharing half their keys; half of those keep value and status."""
    rng = random.Random(seed)
    keys = sorted({(rng.choice(["1.1.1", "16.1.1", "16.10.1"]), f"{rng.randrange(400):05d}",
                    str(rng.randrange(2018, 2024)), rng.choice(["F", "M", "_T"]))
                   for _ in range(3 * n)})
    rng.shuffle(keys)

    def value() -> float:
        return rng.choice([math.nan, float(rng.randrange(3)), rng.random() * 100])

    previous = {k: (value(), rng.choice(["A", "E"])) for k in keys[:n]}
    current = {k: previous[k] if k in previous and rng.random() < 0.5
               else (value(), rng.choice(["A", "E"])) for k in keys[n // 2: n // 2 + n]}
    cols = ["indicator", "REF_AREA", "TIME_PERIOD", "SEX", "OBS_VALUE", "OBS_STATUS"]
    return tuple(pd.DataFrame([(*k, *v) for k, v in part.items()], columns=cols)
                 for part in (previous, current))


def test_counts_equal_an_independent_recount() -> None:
    previous, current = random_tables(seed=7, n=5000)
    assert len(previous) == len(current) == 5000
    before = {tuple(r[:4]): (r[4], r[5]) for r in previous.itertuples(index=False)}
    after = {tuple(r[:4]): (r[4], r[5]) for r in current.itertuples(index=False)}

    def same(a: tuple[float, str], b: tuple[float, str]) -> bool:
        values = (math.isnan(a[0]) and math.isnan(b[0])) or a[0] == b[0]
        return values and a[1] == b[1]

    expected: dict[str, dict[str, int]] = {}
    for k in before.keys() | after.keys():
        kind = ("removed" if k not in after else "new" if k not in before
                else None if same(before[k], after[k]) else "revised")
        counts = expected.setdefault(k[0], {"new": 0, "revised": 0, "removed": 0})
        if kind:
            counts[kind] += 1
    notes = compare(previous, current, examples=3)
    got = {i.indicator: {"new": i.new, "revised": i.revised, "removed": i.removed}
           for i in notes.indicators}
    assert got == expected
    assert sum(c["revised"] for c in expected.values()) > 500  # every kind is exercised
    assert all(v > 0 for counts in expected.values() for v in counts.values())
    assert all(len(i.examples) == 3 and i.examples[0].kind == "revised"
               for i in notes.indicators)


def test_every_disaggregation_column_can_be_in_the_key() -> None:
    cols = ["indicator", "REF_AREA", "TIME_PERIOD", *DISAGGREGATIONS, "OBS_VALUE"]
    row = ["8.5.2", "02", "2022", *["_T"] * len(DISAGGREGATIONS), 1.0]
    previous = table([tuple(row)], cols)
    current = table([tuple(row)] + [
        (*row[:3 + i], "X", *row[4 + i:]) for i in range(len(DISAGGREGATIONS))], cols)
    changes = by_id(compare(previous, current, examples=20))["8.5.2"]
    assert changes.new == len(DISAGGREGATIONS)
    assert sorted(next(iter(set(c.key) - {"REF_AREA", "TIME_PERIOD"})) for c in
                  changes.examples) == sorted(DISAGGREGATIONS)


def test_tiny_differences_count_exactly_when_they_change_the_written_value() -> None:
    rng = random.Random(11)
    before = [rng.uniform(-1, 1) * 10 ** rng.randrange(-5, 9) for _ in range(4000)]
    after = [v * (1 + rng.choice([-1, 1]) * 10 ** -rng.uniform(12, 17)) for v in before]
    keys = [("1.1.1", f"{i:05d}", "2022") for i in range(len(before))]
    previous = table([(*k, v, "A") for k, v in zip(keys, before, strict=True)])
    current = table([(*k, v, "A") for k, v in zip(keys, after, strict=True)])
    expected = sum(f"{b:.15g}" != f"{a:.15g}" for b, a in zip(before, after, strict=True))
    assert 500 < expected < 3500  # both sides of the 15th digit are exercised
    assert compare(previous, current).total["revised"] == expected


def test_a_first_release_has_only_new_observations() -> None:
    notes = compare(PREVIOUS.iloc[:0], CURRENT)
    assert notes.total == {"new": len(CURRENT), "revised": 0, "removed": 0}
    assert notes.added_indicators == ("6.1.1", "16.1.1")
    assert compare(PREVIOUS.iloc[:0], CURRENT.iloc[:0]).indicators == ()


def test_examples_are_ordered_by_area_then_period_then_breakdown() -> None:
    cols = ["indicator", "REF_AREA", "TIME_PERIOD", "SEX", "OBS_VALUE", "OBS_STATUS"]
    current = table([("1.1.1", "09", "2021", "F", 1.0, "A"),
                     ("1.1.1", "02", "2023", "M", 1.0, "A"),
                     ("1.1.1", "02", "2022", "M", 1.0, "A"),
                     ("1.1.1", "02", "2022", "F", 1.0, "A")], cols)
    changes = by_id(compare(current.iloc[:0], current))["1.1.1"]
    assert [(c.key["REF_AREA"], c.key["TIME_PERIOD"], c.key["SEX"])
            for c in changes.examples] == [("02", "2022", "F"), ("02", "2022", "M"),
                                           ("02", "2023", "M"), ("09", "2021", "F")]
