"""Dashboards in a real browser: one headless Chromium per module, driven over the DevTools protocol
(tests/dashboards/browser.py), opens the pages built from the hand-made marts (`hand_marts` of
tests/dashboards/conftest.py) from file://, waits until Plotly has drawn, and clicks.

The tests discover what they check: the pages from index.html's links and the nav bar (any local link),
the selectors from the DOM (Plotly updatemenus and sliders, HTML select / radio / checkbox), the links from
every page. Only a few known values are exact (the headline row, the known roll-rate cell).

Skipped where /usr/bin/chromium is not installed (`make browser`, or `apt-get install -y chromium`).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import duckdb
import pytest

from dashboards import build_reports

from . import browser as h

pytestmark = pytest.mark.skipif(not h.CHROMIUM.exists(), reason=f"{h.CHROMIUM} is not installed (make browser)")


@pytest.fixture(scope="module")
def built(hand_marts, hand_segment_marts, tmp_path_factory):
    """The reports folder built from the hand-made marts (with the by-segment marts, so that the segment
    dropdowns are driven too), and the account ids of that warehouse."""
    out = tmp_path_factory.mktemp("reports")
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    hand_segment_marts.make(con)
    build_reports(con, str(out))
    ids = [r[0] for r in con.sql("SELECT account_id FROM marts.account_month UNION "
                                 "SELECT account_id FROM staging.accounts ORDER BY 1").fetchall()]
    con.close()
    return out, ids


@pytest.fixture(scope="module")
def reports(built) -> Path:
    return built[0]


@pytest.fixture(scope="module")
def account_ids(built, hand_marts) -> list[str]:
    ids = built[1]
    assert sorted(ids) == sorted(hand_marts.SECRET_IDS)  # the warehouse's ids: what no page may hold
    return ids


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with h.Browser(tmp_path_factory.mktemp("chromium")) as b:
        yield b


@pytest.fixture(scope="module")
def pages(browser, reports) -> dict[str, h.PageReport]:
    """Every page reachable from index.html, read once in the driven browser (path relative to the reports
    folder, e.g. 'aging.html' -> report)."""
    root = reports.resolve()
    return {(p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p)): r
            for p, r in h.crawl(browser, root / "index.html").items()}


# -- every page draws ------------------------------------------------------------------------------------
def test_pages_discovered_from_links(pages, reports):
    # every page the build wrote is reached by links from index.html (nav bar and index links)
    assert {p.name for p in reports.glob("*.html")} <= set(pages)
    assert {"index.html", "aging.html", "roll_rates.html", "delinquency.html", "complaints.html"} <= set(pages)


# the pages that draw charts from the hand-made marts (others, e.g. definitions.html, may hold text only)
CHART_PAGES = ("index.html", "aging.html", "roll_rates.html", "cure_rates.html", "delinquency.html",
               "charge_offs.html", "complaints.html")


def test_every_page_draws(pages, hand_marts):
    for name, report in sorted(pages.items()):
        h.check_drawn(report)  # every plot div has svg.main-svg, no console error or uncaught exception
    for name in CHART_PAGES:
        assert pages[name].plots >= 1, name
        assert f"as of {hand_marts.AS_OF}" in pages[name].text, name


def test_index_headline_row(pages):
    # the headline figures of 'all' in the latest month: 353 open accounts, 174,004.25 open balance, 6.94 %
    rows = [line.split("\t") for line in pages["index.html"].text.split("\n") if line.startswith("All portfolios")]
    assert any(row[1:2] == ["353"] and any(c.endswith("174,004.25") for c in row) for row in rows), rows
    assert any(row[1:2] == ["6.94%"] for row in rows), rows


def test_known_matrix_cell_drawn(browser, reports):
    browser.open((reports / "roll_rates.html").as_uri())
    # the known cell (all, 2026-10-31, 60-89 -> 90-119 DPD, 0.4321) is drawn as text in a heatmap
    drawn = browser.js("[...document.querySelectorAll('.heatmaplayer text, .textpoint text')]"
                       ".map((t) => t.textContent)")
    assert "43.2%" in drawn
    # the month slider opens on the latest month
    sliders = browser.js("__t.plots().flatMap((gd) => (gd._fullLayout.sliders || [])"
                         ".map((s) => [s.active, s.steps.length, s.steps[s.active].label]))")
    assert sliders and all(active == n - 1 and label == "2026-10" for active, n, label in sliders), sliders
    # its portfolio selector, drawn
    assert "Portfolio: All portfolios" in browser.js(
        "[...document.querySelectorAll('.updatemenu-header text')].map((t) => t.textContent)")


def test_every_bucket_in_the_drawn_legends(browser, reports):
    """Buckets without rows are still drawn in the legend (their traces are zero or empty)."""
    legend = {}
    for page in ("aging.html", "cure_rates.html", "complaints.html"):
        browser.open((reports / page).as_uri())
        legend[page] = browser.js("[...document.querySelectorAll('.legendtext')].map((t) => t.textContent)")
    assert legend["aging.html"].count("180+ DPD") == 3  # balance, delinquent balance, accounts
    assert legend["cure_rates.html"].count("from 180+ DPD") == 4  # the four cure charts
    assert "180+ DPD" in legend["complaints.html"]  # by bucket, no complaint from 180+ DPD


def test_complaints_page_drawn_with_suppression_note(browser, reports):
    browser.open((reports / "complaints.html").as_uri())
    assert browser.js("!!document.getElementById('small-cells')")
    svg_text = browser.js("[...document.querySelectorAll('svg text')].map((t) => t.textContent).join('\\n')")
    assert "Suppressed (fewer than 5 complaints)" in svg_text  # the legend entry of the suppression markers
    assert "Target 100 %" in svg_text  # the target line's label, drawn
    assert "30+ DPD account rate" in svg_text  # the right-hand axis beside conduct complaints
    assert "suppressed: fewer than 5 complaints" in browser.js(
        "__t.plots().map((gd) => JSON.stringify(gd.data)).join()")


# -- every selector switches -----------------------------------------------------------------------------
def test_every_selector_switches(browser, pages):
    total = 0
    for name in sorted(pages):
        browser.open(pages[name].path.as_uri())
        total += h.check_selectors(browser)
        assert browser.errors == [], (name, browser.errors)
    # the portfolio dropdowns (all, cards, loans) and the month sliders exist on the hand-made book
    assert total >= 3 * 5


def test_portfolio_dropdown_switches_known_traces(browser, reports):
    """One known case worked out by hand: aging's first chart, 'cards' shows only the cards traces."""
    browser.open((reports / "aging.html").as_uri())
    menus = browser.js("__t.plots()[0]._fullLayout.updatemenus.map((m) => m.buttons.map((b) => b.label))")
    labels = menus[0]
    cards = next(i for i, label in enumerate(labels) if "cards" in label.lower())
    h._click_menu_option(browser, 0, 0, cards, "dropdown")
    visible = browser.js("__t.plots()[0].data.filter((t) => t.visible === true).map((t) => t.y)")
    hidden = browser.js("__t.plots()[0].data.filter((t) => t.visible !== true).length")
    assert visible and hidden
    # cards is scale 2: Current balance 100,000.00 / 100,001 / 100,002 over the three months
    assert [100000.0, 100001.0, 100002.0] in visible


# -- every link resolves ---------------------------------------------------------------------------------
def test_every_link_resolves(pages, reports):
    files = h.check_links(pages)
    assert reports / "index.html" in files and reports / "aging.html" in files
    # CSV exports (when pages link them): at least a header line
    for f in files:
        if f.suffix.lower() == ".csv":
            lines = f.read_text().splitlines()
            assert lines and lines[0].strip(), f"{f} is empty"


def test_broken_link_fails(pages, reports, tmp_path, browser):
    # a copy of the reports whose index links a CSV that is not there and an anchor its page lacks
    copy = h.copy_reports(reports, tmp_path / "reports")
    index = (copy / "index.html").read_text()
    assert '<a href="aging.html"' in index
    (copy / "index.html").write_text(index.replace('<a href="aging.html"', '<a href="data/missing.csv"', 1)
                                     .replace("</body>", '<a href="aging.html#no-such-id">x</a></body>'))
    h.check_links({"aging.html": h.read_page(browser, copy / "aging.html")})  # the copy's other pages are fine
    broken = {"index.html": h.read_page(browser, copy / "index.html")}
    with pytest.raises(AssertionError, match=r"missing\.csv -> .* does not exist(.|\n)*no id 'no-such-id'"):
        h.check_links(broken)


# -- no page holds an account id -------------------------------------------------------------------------
def test_no_account_id_anywhere(pages, account_ids):
    for name, report in pages.items():
        h.check_no_account_ids(report.text, account_ids, f"{name} (DOM)")
        for i, figure in enumerate(report.figures):
            h.check_no_account_ids(figure, account_ids, f"{name} figure {i}")
        assert len(report.figures) == report.plots, name
    for f in h.check_links(pages):
        if f.suffix.lower() == ".csv":
            h.check_no_account_ids(f.read_text(), account_ids, f.name)
        elif f.suffix.lower() == ".xlsx":
            with zipfile.ZipFile(f) as z:
                for member in z.namelist():
                    h.check_no_account_ids(z.read(member).decode(errors="replace"), account_ids, f"{f.name}:{member}")


def test_account_id_check_finds_a_planted_id(account_ids, browser, scratch):
    with pytest.raises(AssertionError, match="account_id"):
        h.check_no_account_ids("<th>account_id</th>", account_ids, "planted")
    # an id assembled by the page's script into a figure's hover data: in no HTML text, only in gd.data
    head, tail = account_ids[0][:5], account_ids[0][5:]
    page = _page(scratch, "planted_id", f"<div id='p'></div><script>Plotly.newPlot('p', [{{y: [1, 2], "
                 f"customdata: ['{head}' + '{tail}', 'x']}}]);</script>")
    report = h.read_page(browser, page)
    assert account_ids[0] not in report.text
    with pytest.raises(AssertionError, match=account_ids[0]):
        h.check_no_account_ids(report.figures[0], account_ids, "planted")


# -- the harness itself ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def scratch(reports, tmp_path_factory) -> Path:
    """A folder for hand-written pages, with plotly.min.js (once: the browser parses it once)."""
    folder = tmp_path_factory.mktemp("pages")
    (folder / "plotly.min.js").write_bytes((reports / "plotly.min.js").read_bytes())
    return folder


def _page(folder: Path, name: str, body: str) -> Path:
    page = folder / f"{name}.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><script src="plotly.min.js"></script>'
                    f"</head><body>{body}</body></html>")
    return page


_TWO_TRACES = "[{y: [1, 2, 3], name: 'a'}, {y: [3, 1, 2], name: 'b', visible: false}]"


def _menu_page(buttons: str) -> str:
    return (f"<div id='p'></div><script>Plotly.newPlot('p', {_TWO_TRACES}, {{updatemenus: [{{type: 'dropdown', "
            f"buttons: {buttons}}}]}});</script>")


def test_dropdown_that_changes_nothing_fails(browser, scratch):
    # both buttons show trace a only: the dropdown keeps its promise but switches nothing
    same = "{method: 'restyle', args: [{visible: [true, false]}]}"
    page = _page(scratch, 'dropdown_that_changes_nothing_fails', _menu_page(f"[Object.assign({{label: 'A'}}, {same}), "
                                                f"Object.assign({{label: 'B'}}, {same})]"))
    assert browser.open(page.as_uri())
    with pytest.raises(AssertionError, match="option 'B': the drawing did not change"):
        h.check_selectors(browser)


def test_dropdown_whose_promise_is_undone_fails(browser, scratch):
    # the page puts trace a back whenever the dropdown switches: option B's promise does not hold
    page = _page(scratch, "dropdown_undone", _menu_page(
        "[{label: 'A', method: 'restyle', args: [{visible: [true, false]}]}, "
        " {label: 'B', method: 'restyle', args: [{visible: [false, true]}]}]") +
        "<script>let back = false; document.getElementById('p').on('plotly_restyle', () => { if (back) return; "
        "back = true; Plotly.restyle('p', {visible: [true, false]}).then(() => { back = false; }); });</script>")
    assert browser.open(page.as_uri())
    with pytest.raises(AssertionError, match=r"option 'B': trace 0 visible = true, expected false"):
        h.check_selectors(browser)


def test_dropdown_that_switches_passes(browser, scratch):
    page = _page(scratch, 'dropdown_that_switches_passes', _menu_page(
        "[{label: 'A', method: 'restyle', args: [{visible: [true, false]}]}, "
        " {label: 'B', method: 'restyle', args: [{visible: [false, true]}]}]"))
    assert browser.open(page.as_uri())
    assert h.check_selectors(browser) == 2
    assert browser.js("__t.plots()[0].data.map((t) => t.visible)") == [True, False]  # back on A
    # the same opening on B (active 1, trace b shown), a buttons menu of three, one a relayout of the title
    page = _page(scratch, "buttons_that_switch_pass", """<div id='p'></div><script>Plotly.newPlot('p',
      [{y: [1, 2, 3], name: 'a', visible: false}, {y: [3, 1, 2], name: 'b'}], {updatemenus: [{
      type: 'buttons', active: 1, buttons: [{label: 'A', method: 'restyle', args: [{visible: [true, false]}]},
        {label: 'B', method: 'restyle', args: [{visible: [false, true]}]},
        {label: 'T', method: 'update', args: [{visible: [true, true]}, {'title.text': 'both'}]}]}]});
      </script>""")
    assert browser.open(page.as_uri())
    assert h.check_selectors(browser) == 3
    assert browser.js("[__t.plots()[0].data.map((t) => t.visible), __t.plots()[0].layout.title.text]") == \
        [[False, True], "both"]  # back on B; the title T set stays


def test_slider_that_changes_nothing_fails(browser, scratch):
    steps = "[{label: 'one', method: 'relayout', args: [{'title.text': 'same'}]}, " \
            " {label: 'two', method: 'relayout', args: [{'title.text': 'same'}]}]"
    page = _page(scratch, "slider_that_changes_nothing_fails",
                 f"<div id='p'></div><script>Plotly.newPlot('p', {_TWO_TRACES}, "
                 f"{{title: {{text: 'same'}}, sliders: [{{active: 0, steps: {steps}}}]}});</script>")
    assert browser.open(page.as_uri())
    with pytest.raises(AssertionError, match="slider 0 step 'two': the drawing did not change"):
        h.check_selectors(browser)


def test_html_controls_that_change_nothing_fail(browser, scratch):
    # live: select t (writes #out), checkbox c (shows #more), radios r (restyle the plot), checkbox d behind a
    # styled label (hides the plot); dead: select s, checkbox z
    page = _page(scratch, "html_controls", f"""<div id='p'></div><script>Plotly.newPlot('p', {_TWO_TRACES});</script>
      <select id='s'><option>one</option><option>two</option></select>
      <select id='t' onchange="document.getElementById('out').textContent = this.value">
        <option>x</option><option>y</option><option>z</option></select><p id='out'>x</p>
      <input type=checkbox id='c' onchange="document.getElementById('more').hidden = !this.checked">
      <p id='more' hidden>more</p>
      <label><input type=radio name='r' checked onchange="Plotly.restyle('p', {{visible: [true, false]}})">a</label>
      <label><input type=radio name='r' onchange="Plotly.restyle('p', {{visible: [false, true]}})">b</label>
      <input type=checkbox id='d' style='display: none'
             onchange="document.getElementById('p').style.display = this.checked ? 'none' : ''">
      <label for='d' style='display: inline-block; position: relative; padding: 4px'>hide the plot</label>
      <input type=checkbox id='z'>""")
    assert browser.open(page.as_uri())
    with pytest.raises(AssertionError) as e:
        h.check_selectors(browser)
    problems = str(e.value).split("\n")[1:]
    assert problems == ["select s option 1: the page did not change", "select s option 0: the page did not change",
                        "input z toggle: the page did not change", "input z toggle back: the page did not change"]
    assert browser.js("document.getElementById('p').style.display") == ""  # d toggled back: the plot shows


def test_js_error_fails_the_draw_check(browser, scratch):
    page = _page(scratch, "js_error_fails_the_draw_check",
                 "<div id='p'></div><script>Plotly.newPlot('p', [{y: [1, 2]}]); undefinedFunction();</script>")
    report = h.read_page(browser, page)
    with pytest.raises(AssertionError, match="undefinedFunction"):
        h.check_drawn(report)
