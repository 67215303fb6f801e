"""The quarterly and loss-forecast pages in a real browser (tests/dashboards/browser.py), built from the hand-made
marts with the hand-made marts.quarterly_rates (test_quarterly.py) and the five hand-made forecast marts
(test_loss_forecast.py): every chart drawn without a JS error, every dropdown option switches the drawing and
keeps its promise, every local link resolves. Skipped where /usr/bin/chromium is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest


from . import browser as h
from . import test_loss_forecast as forecast
from . import test_quarterly as quarterly

pytestmark = pytest.mark.skipif(not h.CHROMIUM.exists(), reason=f"{h.CHROMIUM} is not installed (make browser)")


@pytest.fixture(scope="module")
def reports(hand_marts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    hand_marts.build_reports(out, quarterly.make_quarterly_rates, forecast.make_forecast)
    return out


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with h.Browser(tmp_path_factory.mktemp("chromium")) as b:
        yield b


@pytest.mark.parametrize("page, plots, options", [
    # the rates chart: 4 books (no window dropdown)
    ("quarterly.html", 1, 4),
    # three charts, each 4 windows and weightings and 4 books
    ("forecast.html", 3, 3 * (4 + 4)),
])
def test_drawn_and_every_dropdown_switches(browser, reports, page, plots, options):
    report = h.read_page(browser, reports / page)
    h.check_drawn(report)
    assert report.plots == plots
    assert h.check_selectors(browser) == options


def test_links_resolve(browser, reports):
    pages = {p: h.read_page(browser, p) for p in (reports / "quarterly.html", reports / "forecast.html",
                                                   reports / "definitions.html")}
    h.check_links(pages)
    assert "forecast" in pages[reports / "definitions.html"].ids and "quarterly" in pages[
        reports / "definitions.html"].ids
