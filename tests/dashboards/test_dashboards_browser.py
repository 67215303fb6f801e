"""Dashboards in a real browser: headless Chromium opens the pages from disk and Plotly draws them
(the hand-made marts `hand_marts` of tests/dashboards/conftest.py, as in test_dashboards.py).

Skipped where /usr/bin/chromium is not installed (`apt-get install -y chromium`).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb
import pytest

from dashboards import build_reports

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="chromium is not installed")


def _chromium(profile: Path, url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=10000",
            "--enable-logging=stderr",
            "--v=0",
            *args,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture(scope="module")
def reports(hand_marts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    build_reports(con, str(out))
    con.close()
    return out


# page -> number of Plotly charts on it (fixture: portfolios all, cards, loans)
CHARTS = {
    "index.html": 1,
    "aging.html": 3,
    "roll_rates.html": 2,
    "cure_rates.html": 4,
    "delinquency.html": 3,
    "charge_offs.html": 2,
    "roll_forward.html": 1,
    "complaints.html": 5,
}


@pytest.fixture(scope="module")
def rendered(reports, tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Each page opened once from file:// with --dump-dom: the DOM after plotly.js has drawn."""
    profile = tmp_path_factory.mktemp("chromium")
    return {page: _chromium(profile, (reports / page).as_uri(), "--dump-dom") for page in CHARTS}


@pytest.mark.parametrize("page", sorted(CHARTS))
def test_page_renders_offline(rendered, page, hand_marts):
    result = rendered[page]
    dom = result.stdout
    assert "</html>" in dom, result.stderr[-2000:]
    # Plotly drew every chart: each plot div gets a plot container with svg.main-svg once plotly.js ran
    assert dom.count('class="plot-container plotly"') == CHARTS[page], result.stderr[-2000:]
    assert "main-svg" in dom
    assert "Uncaught" not in result.stderr, result.stderr[-2000:]
    assert f"as of {hand_marts.AS_OF}" in dom


def test_roll_rates_heatmap_drawn(rendered):
    dom = rendered["roll_rates.html"].stdout
    assert dom.count('class="heatmaplayer') == 1  # one matrix for every portfolio
    assert dom.count('class="slider-container"') == 1  # its month selector
    assert "Portfolio: All portfolios" in dom  # its portfolio selector, drawn
    assert "Roll rates 2026-09-30 → 2026-10-31" in dom  # starts at the latest month
    assert "43.2%" in dom  # the known cell's text, drawn on the latest month's matrix


def test_index_headline_table_shown(rendered):
    dom = rendered["index.html"].stdout
    assert "<td>All portfolios</td><td>353</td><td>+1 (+0.28%)</td><td>—</td><td>174,004.25</td>" in dom


def test_complaints_page_drawn_with_suppression_note(rendered):
    dom = rendered["complaints.html"].stdout
    assert 'id="small-cells"' in dom and "suppressed: fewer than 5 complaints" in dom
    assert "Suppressed (fewer than 5 complaints)" in dom  # the legend entry of the suppression markers
    assert "Target 100 %" in dom  # the target line's label, drawn
    assert "30+ DPD account rate" in dom  # the right-hand axis beside conduct complaints


def test_every_bucket_in_the_drawn_legends(rendered):
    """Buckets without rows are still drawn in the legend (their traces are zero or empty)."""
    legend = {page: re.findall(r'class="legendtext"[^>]*>([^<]*)<', rendered[page].stdout)
              for page in ("aging.html", "cure_rates.html", "complaints.html")}
    assert legend["aging.html"].count("180+ DPD") == 3  # balance, delinquent balance, accounts
    assert legend["cure_rates.html"].count("from 180+ DPD") == 4  # the four cure charts
    assert "180+ DPD" in legend["complaints.html"]  # by bucket, no complaint from 180+ DPD
