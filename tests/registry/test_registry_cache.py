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
