"""Where a workspace's outputs go: one place names every file convert writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["OutputPaths"]


@dataclass(frozen=True, slots=True)
class OutputPaths:
    """Where a workspace's outputs go (all under ``Workspace.output``)."""

    root: Path

    @property
    def sdmx(self) -> Path:
        return self.root / "sdmx"

    @property
    def structure(self) -> Path:
        return self.sdmx / "structure.xml"

    @property
    def data_xml(self) -> Path:
        return self.sdmx / "data.xml"

    @property
    def data_csv(self) -> Path:
        return self.sdmx / "data.csv"

    @property
    def data_ss(self) -> Path:
        """Structure-specific SDMX-ML 2.1 (typed by ``data-ss.xsd`` beside it)."""
        return self.sdmx / "data-ss.xml"

    @property
    def data_ss_schema(self) -> Path:
        return self.sdmx / "data-ss.xsd"

    @property
    def data_csv2(self) -> Path:
        """SDMX-CSV 2.0."""
        return self.sdmx / "data-v2.csv"

    @property
    def data_json(self) -> Path:
        """SDMX-JSON 2.0 (dimension values named in the first language)."""
        return self.sdmx / "data.json"

    def flow_data(self, dataflow_id: str, fmt: str) -> Path:
        """An indicator dataflow's data: ``flows/{id}.xml`` (structure-specific) or ``.csv``
        (SDMX-CSV 2.0)."""
        return self.sdmx / "flows" / f"{dataflow_id}.{'csv' if fmt == 'sdmx-csv2' else 'xml'}"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def report_json(self) -> Path:
        return self.reports / "report.json"

    @property
    def report_html(self) -> Path:
        return self.reports / "report.html"

    @property
    def quarantine(self) -> Path:
        return self.reports / "quarantine.csv"

    @property
    def tables(self) -> Path:
        return self.root / "tables"

    @property
    def indicators_csv(self) -> Path:
        return self.tables / "indicators.csv"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest.json"

    @property
    def site(self) -> Path:
        return self.root / "site"

    @property
    def checked(self) -> list[Path]:
        """The outputs push and release read or publish, with a sha256 in the manifest."""
        return [self.structure, self.data_xml, self.data_csv, self.data_ss, self.data_ss_schema,
                self.data_csv2, self.data_json, *sorted(self.sdmx.glob("flows/*")),
                self.indicators_csv, self.quarantine, self.report_json]
