"""The registry keeps read answers, but never one older than the last write: a push by
another process (the embedded dialect writes SQLite directly) is seen at once."""

from __future__ import annotations

from pathlib import Path

import httpx
from registry_builders import FLOW, csv_data, served, structure_xml

from sdmx_tools.registry.store import RegistryStore


def test_a_write_by_another_process_is_served_at_once(tmp_path: Path) -> None:
    database = tmp_path / "registry.sqlite"
    store = RegistryStore(database)
    store.put_structures(structure_xml(final=False, sex_name="Sex"))
    with served(database) as url:
        path = f"{url}/structure/codelist/MX_TEST/CL_SEX/latest"
        first = httpx.get(path).content
        assert httpx.get(path).content == first and b">Sex<" in first
        # Another writer, not through the server: the same SQLite file, a new revision.
        RegistryStore(database).put_structures(structure_xml(final=False, sex_name="Sexo"))
        again = httpx.get(path).content
        assert b">Sexo<" in again and b">Sex<" not in again
        assert httpx.get(f"{url}/data/DF_TEST").status_code == 404
        assert RegistryStore(database).put_data(FLOW, csv_data(), "sdmx-csv").status == "loaded"
        assert httpx.get(f"{url}/data/DF_TEST", params={"format": "csv"}).content == csv_data()


def test_a_new_database_at_the_same_path_is_not_confused_with_the_old(tmp_path: Path) -> None:
    database = tmp_path / "registry.sqlite"
    RegistryStore(database).put_structures(structure_xml(final=False, sex_name="Sex"))
    with served(database) as url:
        path = f"{url}/structure/codelist/MX_TEST/CL_SEX/latest"
        assert b">Sex<" in httpx.get(path).content
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        RegistryStore(database).put_structures(structure_xml(final=False, sex_name="Sexo"))
        assert b">Sexo<" in httpx.get(path).content


def test_the_cache_keeps_the_least_recently_used_within_its_bounds() -> None:
    from sdmx_tools.registry.cache import BoundedCache

    cache: BoundedCache[bytes] = BoundedCache(3, 100, len)
    for key in "abc":
        cache.put(key, b"x" * 20)
    assert cache.get("a") == b"x" * 20  # now the most recently used
    cache.put("d", b"y" * 20)  # a fourth entry: "b", the least recently used, goes
    assert [cache.get(k) is not None for k in "abcd"] == [True, False, True, True]
    cache.put("e", b"z" * 26)  # over a quarter of the byte budget: not kept
    assert cache.get("e") is None
    by_bytes: BoundedCache[bytes] = BoundedCache(10, 100, len)
    for key in "fghi":
        by_bytes.put(key, b"w" * 25)  # 100 bytes: all kept
    by_bytes.put("j", b"v" * 25)  # 125 bytes: the oldest goes
    assert [by_bytes.get(k) is not None for k in "fghij"] == [False, True, True, True, True]
