"""Writing the reports folder: page files and the one plotly.min.js every page loads."""

from __future__ import annotations

from pathlib import Path

from plotly.offline import get_plotlyjs

PLOTLY_JS = "plotly.min.js"


def write_text(path: Path, text: str) -> None:
    """Write UTF-8, leaving a file that already holds exactly this text untouched."""
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return
    path.write_bytes(data)


def write_plotly_js(reports_dir: Path) -> Path:
    path = reports_dir / PLOTLY_JS
    write_text(path, get_plotlyjs())
    return path
