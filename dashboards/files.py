"""Writing the reports folder: page files, the one plotly.min.js every page loads, and the folders of the
exports (`data/` the CSV files beside the charts, `workbooks/` the monthly Excel workbooks)."""

from __future__ import annotations

from pathlib import Path

from plotly.offline import get_plotlyjs

from assets.publishing import EXPORT_FOLDERS

PLOTLY_JS = "plotly.min.js"
DATA_DIR, WORKBOOK_DIR = EXPORT_FOLDERS  # data/: the CSV of every chart and table (dashboards.exports);
# workbooks/: one Excel workbook per month (dashboards.workbooks)


def write_text(path: Path, text: str) -> None:
    """Write UTF-8, leaving a file that already holds exactly this text untouched."""
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write `data`, leaving a file that already holds exactly these bytes untouched."""
    if path.exists() and path.read_bytes() == data:
        return
    path.write_bytes(data)


def write_plotly_js(reports_dir: Path) -> Path:
    path = reports_dir / PLOTLY_JS
    write_text(path, get_plotlyjs())
    return path
