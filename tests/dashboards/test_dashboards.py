"""Dashboards: pages from small hand-made marts tables (`hand_marts`, tests/dashboards/conftest.py) in an
in-memory DuckDB."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import duckdb
import pytest
from plotly.offline import get_plotlyjs

from dashboards import PAGES, build_reports, page_for_table

from .plotly_figures import figures

PAGE_FILES = ("index.html", "aging.html", "roll_rates.html", "cure_rates.html", "delinquency.html", "charge_offs.html",
              "roll_forward.html", "vintages.html", "complaints.html", "definitions.html")
# The exports (tests/dashboards/test_exports.py, test_workbooks.py): the CSV of every chart and table, one
# workbook per month.
EXPORT_FILES = tuple(f"data/{name}.csv" for name in (
    "headline.delinquency_rates", "headline-rates.delinquency_rates", "headline-rates.charge_offs",
    "index-dq30-by-portfolio.delinquency_rates",
    "aging-balance.aging", "aging-delinquent-balance.aging", "aging-accounts.aging",
    "roll-matrix.roll_rates", "roll-flow-rates.roll_rates",
    "cure-cure-rate.cure_rates", "cure-balance-cure-rate.cure_rates", "cure-cured-within-3m-rate.cure_rates",
    "cure-redefault-6m-rate.cure_rates",
    "dq-balance-rates.delinquency_rates", "dq-account-rates.delinquency_rates",
    "dq-dq30-by-portfolio.delinquency_rates", "co-nco-rate.charge_offs", "co-amounts.charge_offs",
    "rf-bridge.roll_forward", "rf-latest.roll_forward", "vintage-curves.vintage_curves",
    "cmp-latest.complaint_metrics", "cmp-latest.delinquency_rates", "cmp-per-1000-by-issue.complaint_metrics",
    "cmp-conduct.complaint_metrics", "cmp-conduct.delinquency_rates", "cmp-by-bucket.complaints_by_bucket",
    "cmp-timeliness.complaint_metrics", "cmp-backlog.complaint_metrics", "cmp-rolling.complaint_metrics",
)) + tuple(
    # a chart of a money mart links the whole book converted into the reporting currency too: empty here,
    # the hand marts have no converted table
    f"data/{name}_converted.csv" for name in (
        "headline.delinquency_rates", "headline-rates.delinquency_rates", "headline-rates.charge_offs",
        "index-dq30-by-portfolio.delinquency_rates",
        "aging-balance.aging", "aging-delinquent-balance.aging", "aging-accounts.aging",
        "roll-matrix.roll_rates", "roll-flow-rates.roll_rates",
        "cure-cure-rate.cure_rates", "cure-balance-cure-rate.cure_rates", "cure-cured-within-3m-rate.cure_rates",
        "cure-redefault-6m-rate.cure_rates",
        "dq-balance-rates.delinquency_rates", "dq-account-rates.delinquency_rates",
        "dq-dq30-by-portfolio.delinquency_rates", "co-nco-rate.charge_offs", "co-amounts.charge_offs",
        "rf-bridge.roll_forward", "rf-latest.roll_forward", "cmp-latest.delinquency_rates",
        "cmp-conduct.delinquency_rates")
) + ("workbooks/arrears-2026-08.xlsx", "workbooks/arrears-2026-09.xlsx", "workbooks/arrears-2026-10.xlsx")


@pytest.fixture(scope="module")
def con(hand_marts):
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    yield con
    con.close()


@pytest.fixture(scope="module")
def reports(con, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    written = build_reports(con, str(out))
    assert sorted(Path(p).relative_to(out).as_posix() for p in written) == sorted(
        PAGE_FILES + ("plotly.min.js",) + EXPORT_FILES)
    return out


def test_every_page_exists_and_index_links_them(reports):
    for name in PAGE_FILES:
        assert (reports / name).is_file(), name
    index = (reports / "index.html").read_text("utf-8")
    for page in PAGES:  # every page whose tables the hand marts hold (the quarterly and forecast marts: none)
        assert (f'href="{page.filename}"' in index) == (page.filename in PAGE_FILES), page.filename
    for name in PAGE_FILES[1:]:
        assert f'href="{name}"' in index


def test_index_headline_table(reports, hand_marts):
    index = (reports / "index.html").read_text("utf-8")
    assert hand_marts.AS_OF in index
    # latest month, 'all': open accounts 117*3+2 (+1 on 352: +0.28%), open balance 58000.75*3+2 (+1.00 on
    # 174,003.25: +0.00%), dq30 6.94% and dq90 2.60% balance rates, NCO 23.91% (all unchanged); three months
    # only, so no 3-month average
    assert ("<td>All portfolios</td><td>353</td><td>+1 (+0.28%)</td><td>—</td><td>174,004.25</td>"
            "<td>+1.00 (+0.00%)</td><td>—</td></tr>") in index
    assert ("<td>All portfolios</td><td>6.94%</td><td>+0.00 pp</td><td>—</td><td>2.60%</td>"
            "<td>+0.00 pp</td><td>—</td><td>23.91%</td><td>+0.00 pp</td><td>—</td></tr>") in index
    assert "<td>cards</td><td>236</td><td>+1 (+0.43%)</td><td>—</td><td>116,003.50</td>" in index


def test_plotly_js_shipped_once_and_no_network(reports):
    assert [p.name for p in reports.rglob("*.js")] == ["plotly.min.js"]
    # the whole plotly.js the plotly package ships (4.8 MB), not a stub or a CDN loader
    assert (reports / "plotly.min.js").read_text("utf-8") == get_plotlyjs()
    for name in PAGE_FILES:
        page = (reports / name).read_text("utf-8")
        scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]*)\"", page)
        assert scripts == ["plotly.min.js"], (name, scripts)
        assert len(page) < 1_000_000, name  # plotly.js is not inlined
        assert "cdn" not in page.lower() and "http://" not in page and "https://" not in page, name
        assert "Plotly.newPlot" in page or name in ("index.html", "definitions.html")


def test_titles_carry_as_of_date(reports, hand_marts):
    for name in PAGE_FILES:
        page = (reports / name).read_text("utf-8")
        assert f"as of {hand_marts.AS_OF}" in page, name
        for div_id, fig in figures(page).items():
            assert f"as of {hand_marts.AS_OF}" in fig["layout"]["title"]["text"], (name, div_id)


def test_bucket_labels_are_dpd_ranges(reports):
    aging = figures((reports / "aging.html").read_text("utf-8"))["aging-balance"]
    names = [t["name"] for t in aging["data"] if t.get("visible") is True]
    # every bucket, also those without rows (60–89, 120–149, 150–179, 180+ DPD)
    assert names == ["Current", "1–29 DPD", "30–59 DPD", "60–89 DPD", "90–119 DPD", "120–149 DPD", "150–179 DPD",
                     "180+ DPD", "Charged off", "Closed"]
    for name in PAGE_FILES:
        assert not re.search(r"\bM[1-6]\b", (reports / name).read_text("utf-8")), name


def test_known_roll_rate_cell_in_figure_json(reports, hand_marts):
    figs = figures((reports / "roll_rates.html").read_text("utf-8"))
    matrix = figs["roll-matrix"]
    latest = [t for t in matrix["data"] if t["visible"] is True]
    assert len(latest) == 1 and latest[0]["name"] == f"All portfolios {hand_marts.AS_OF}"
    trace = latest[0]
    row, col = trace["y"].index("60–89 DPD"), trace["x"].index("90–119 DPD")
    assert trace["z"][row][col] == 0.4321
    # accounts, balance, balance rate, and the row's accounts (the only cell of that row: 37)
    assert trace["customdata"][row][col] == [37, 12345.67, 0.5123, 37]
    assert trace["text"][row][col] == "43.2%"
    # a month selector covering every roll month, starting at the latest
    slider = matrix["layout"]["sliders"][0]
    assert [s["label"] for s in slider["steps"]] == ["2026-09", "2026-10"]
    assert slider["active"] == 1
    assert set(figs) == {"roll-matrix", "roll-flow-rates"}  # one matrix chart for every portfolio
    # flow rate 1-29 -> 30-59 of 'all' is the balance rate of that cell (0.4); 30-59 -> 60-89 is 1.0
    flows = {t["name"]: t["y"] for t in figs["roll-flow-rates"]["data"] if t["visible"] is True}
    assert flows["1–29 DPD → 30–59 DPD"] == [0.4, 0.4]
    assert flows["60–89 DPD → 90–119 DPD"] == [None, 0.5123]


def test_cure_and_delinquency_values(reports):
    cure = figures((reports / "cure_rates.html").read_text("utf-8"))
    assert set(cure) == {"cure-cure-rate", "cure-balance-cure-rate", "cure-cured-within-3m-rate",
                         "cure-redefault-6m-rate"}
    within = {t["name"]: t["y"] for t in cure["cure-cured-within-3m-rate"]["data"] if t["visible"] is True}
    assert within["from 1–29 DPD"] == [0.7, None]
    dq = figures((reports / "delinquency.html").read_text("utf-8"))
    dq30 = [t for t in dq["dq-balance-rates"]["data"] if t["visible"] is True and t["name"] == "30+ DPD"]
    assert dq30[0]["y"] == [0.0694, 0.0694, 0.0694]
    assert "30+ DPD balance / open balance" in dq["dq-dq30-by-portfolio"]["layout"]["title"]["text"]


def test_deterministic_output(con, reports, tmp_path):
    again = tmp_path / "again"
    build_reports(con, str(again))
    for name in PAGE_FILES + ("plotly.min.js",) + EXPORT_FILES:
        assert (reports / name).read_bytes() == (again / name).read_bytes(), name
    build_reports(con, str(reports))  # rebuilding in place changes nothing either
    for name in PAGE_FILES + EXPORT_FILES:
        assert (reports / name).read_bytes() == (again / name).read_bytes(), name
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}", (reports / "roll_rates.html").read_text("utf-8"))


def test_no_account_level_data(reports, hand_marts):
    for path in sorted(p for p in reports.rglob("*") if p.is_file()):
        if path.suffix == ".xlsx":  # every string of a workbook (cells, sheet names) is in its XML parts
            with zipfile.ZipFile(path) as book:
                text = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
        else:
            text = path.read_text("utf-8", errors="replace")
        for secret in hand_marts.SECRET_IDS:
            assert secret not in text, (path.name, secret)
        assert "account_id" not in text, path.name


def test_empty_marts_say_so(tmp_path, hand_marts):
    con = duckdb.connect(":memory:")
    con.execute(hand_marts.MARTS_DDL)
    build_reports(con, str(tmp_path))
    for name in ("aging.html", "roll_rates.html", "cure_rates.html", "delinquency.html", "charge_offs.html",
                 "roll_forward.html", "complaints.html"):
        page = (tmp_path / name).read_text("utf-8")
        assert "No data: the table marts." in page and "is empty" in page, name
        assert "Plotly.newPlot" not in page
    assert "is empty" in (tmp_path / "index.html").read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(PAGE_FILES + ("plotly.min.js",))  # nothing to export


def test_optional_page_only_when_its_table_exists(tmp_path, hand_marts):
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    con.execute("DROP TABLE marts.charge_offs")
    con.execute("DROP TABLE marts.cure_rates")
    con.execute("DROP TABLE marts.complaints_by_bucket")  # complaints needs both complaint marts
    written = {Path(p).name for p in build_reports(con, str(tmp_path))}
    assert "charge_offs.html" not in written and "complaints.html" not in written
    assert "complaints.html" not in (tmp_path / "index.html").read_text("utf-8")
    assert "charge_offs.html" not in (tmp_path / "index.html").read_text("utf-8")
    # a required page whose table is missing is still written and says so
    assert "does not exist" in (tmp_path / "cure_rates.html").read_text("utf-8")


def test_only_marts_aggregates_can_be_read(con):
    from dashboards import reading
    from dashboards.page import Context

    ctx = Context(con=con, as_of=None, pages=PAGES)
    for table in ("marts.account_month", "account_month", "staging.accounts", "marts.flows"):
        with pytest.raises(ValueError):
            reading.read_mart(ctx, table, "*", "1")


def test_a_build_reads_only_the_tables_of_its_pages(con):
    from dashboards import aging, reading
    from dashboards.page import Context

    ctx = Context(con=con, as_of=None, pages=(aging.PAGE,))
    # its mart, its by-segment and converted marts; the closes: every index reads them
    assert ctx.readable == {"marts.aging", "marts.aging_by_segment", "marts.aging_converted", "published.closes"}
    assert reading.read_mart(ctx, "marts.aging", "count(*) AS n", "1")["n"].to_list() == [con.sql(
        "SELECT count(*) FROM marts.aging").fetchall()[0][0]]
    with pytest.raises(ValueError, match="marts.roll_rates"):  # declared by another page, not built here
        reading.read_mart(ctx, "marts.roll_rates", "*", "1")


def test_bucket_codes_are_the_warehouse_s():
    from assets.domain import BUCKET_NAMES
    from dashboards.buckets import BUCKETS, bucket_sort_key

    assert [code for code, _ in BUCKETS] == list(BUCKET_NAMES)
    assert sorted(["closed", "dpd_180_plus", "zzz", "current"], key=bucket_sort_key) == [
        "current", "dpd_180_plus", "closed", "zzz"]


def test_pages_keyed_by_table():
    from dashboards.build import MART_TABLES

    # the loss-forecast page's five marts (built by the forecast branch; optional until they exist)
    FORECAST = ("marts.roll_rate_averages", "marts.lifetime_loss_rates", "marts.roll_rate_reserve",
                "marts.loss_projection", "marts.loss_backtest")

    tables = {"marts.aging", "marts.roll_rates", "marts.cure_rates", "marts.delinquency_rates", "marts.charge_offs",
              "marts.roll_forward", "marts.complaint_metrics", "marts.complaints_by_bucket",
              "marts.aging_by_segment", "marts.roll_rates_by_segment", "marts.cure_rates_by_segment",
              "marts.delinquency_rates_by_segment", "marts.charge_offs_by_segment",
              "marts.aging_converted", "marts.roll_rates_converted", "marts.cure_rates_converted",
              "marts.delinquency_rates_converted", "marts.charge_offs_converted", "marts.roll_forward_converted",
              "marts.vintage_curves", "marts.quarterly_rates", *FORECAST}
    by_table = {t: p.slug for t, p in page_for_table().items()}
    assert by_table == {"marts.aging": "aging", "marts.roll_rates": "roll_rates", "marts.cure_rates": "cure_rates",
                        "marts.delinquency_rates": "delinquency", "marts.charge_offs": "charge_offs",
                        "marts.roll_forward": "roll_forward",
                        "marts.complaint_metrics": "complaints", "marts.complaints_by_bucket": "complaints",
                        "marts.aging_by_segment": "aging", "marts.roll_rates_by_segment": "roll_rates",
                        "marts.cure_rates_by_segment": "cure_rates",
                        "marts.delinquency_rates_by_segment": "delinquency",
                        "marts.charge_offs_by_segment": "charge_offs",
                        "marts.aging_converted": "aging", "marts.roll_rates_converted": "roll_rates",
                        "marts.cure_rates_converted": "cure_rates", "marts.delinquency_rates_converted": "delinquency",
                        "marts.charge_offs_converted": "charge_offs", "marts.roll_forward_converted": "roll_forward",
                        "marts.vintage_curves": "vintages",
                        "marts.quarterly_rates": "quarterly", **{t: "forecast" for t in FORECAST}}
    assert MART_TABLES == tables  # the whitelist is what the pages declare, nothing else


@pytest.mark.parametrize("table", ["marts.account_month", "staging.accounts", "aging", "marts.", "marts.a.b"])
def test_a_page_cannot_declare_other_tables(table):
    from dashboards.page import Page

    with pytest.raises(ValueError):
        Page(slug="x", title="x", summary="x", intro="x", tables=(table,), render=lambda ctx: "")
    with pytest.raises(ValueError):
        Page(slug="x", title="x", summary="x", intro="x", tables=(), render=lambda ctx: "", also_reads=(table,))


def test_dashboards_import_nothing_from_pipelines_or_checks():
    import ast

    import dashboards

    for path in sorted(Path(dashboards.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"pipelines", "checks"}, (path.name, name)


# ---- complaints.html -----------------------------------------------------------------------------------

def _visible(fig: dict) -> dict[str, dict]:
    return {t["name"]: t for t in fig["data"] if t.get("visible") is True}


def test_complaints_page_values_and_suppression(reports, hand_marts):
    page = (reports / "complaints.html").read_text("utf-8")
    # the rule is explained on the page, visibly
    assert 'id="small-cells"' in page and "Small numbers are suppressed" in page
    assert "suppressed: fewer than 5 complaints" in page
    figs = figures(page)
    assert set(figs) == {"cmp-per-1000-by-issue", "cmp-conduct", "cmp-by-bucket", "cmp-timeliness", "cmp-backlog"}

    # per 1,000 by issue group, portfolio 'all' shown first: known values kept, < 5 complaints suppressed
    by_issue = _visible(figs["cmp-per-1000-by-issue"])
    assert list(by_issue) == ["All issues", "Communication tactics", "Electronic communications", "Other issues",
                              "Suppressed (fewer than 5 complaints)"]
    assert by_issue["All issues"]["y"] == [34.19, 35.19, 36.19]
    assert by_issue["Communication tactics"]["y"] == [17.09, 17.09, 17.09]
    assert by_issue["Electronic communications"]["y"] == [None, None, None]  # 3 complaints
    assert by_issue["Other issues"]["y"] == [None, None, 14.25]  # 3, 4, then exactly 5 complaints
    strip = by_issue["Suppressed (fewer than 5 complaints)"]
    assert strip["hovertext"][2] == "Electronic communications: suppressed: fewer than 5 complaints"
    assert "Other issues: suppressed: fewer than 5 complaints" in strip["hovertext"][0]
    menu = figs["cmp-per-1000-by-issue"]["layout"]["updatemenus"][0]["buttons"]
    assert [b["label"] for b in menu] == ["Portfolio: All portfolios", "Portfolio: cards", "Portfolio: loans"]

    # conduct per 1,000 delinquent with the 30+ DPD account rate beside it (right axis)
    conduct = figs["cmp-conduct"]
    traces = _visible(conduct)
    assert traces["Conduct complaints per 1,000 delinquent accounts"]["y"] == [120.5, 121.5, 123.45]
    dq30 = traces["30+ DPD account rate (right axis)"]
    assert dq30["yaxis"] == "y2" and dq30["y"] == pytest.approx([0.06, 0.07, 0.08])
    assert conduct["layout"]["yaxis2"]["side"] == "right"
    cards = [t for t in conduct["data"] if t["name"] == "Conduct complaints per 1,000 delinquent accounts"][1]
    assert cards["y"] == [None, None, None]  # 2 conduct complaints

    # by bucket (previous month end): 7 and 5 complaints shown, 2 suppressed
    buckets = {t["name"]: t["y"] for t in figs["cmp-by-bucket"]["data"]}
    assert buckets["Current"] == [23.3333, 23.3333] and buckets["30–59 DPD"] == [333.3333, 333.3333]
    assert buckets["1–29 DPD"] == [None, None]

    # timeliness against a 100 % target line; the latest 60-day rate rests on 3 complaints
    timely = figs["cmp-timeliness"]
    rates = _visible(timely)
    assert rates["Answered within 15 days"]["y"] == [0.9, 0.9, 0.9]
    assert rates["Closed within 60 days"]["y"] == [0.8, 0.8, None]
    assert [s["y0"] for s in timely["layout"]["shapes"]] == [1.0]
    assert "Target 100 %" in json.dumps(timely["layout"]["annotations"])

    # backlog; closed-at-unknown-date line where there are any (0 -> fewer than 5 -> suppressed)
    backlog = _visible(figs["cmp-backlog"])
    assert backlog["Open at month end"]["y"] == [7, 9, 11]
    assert backlog["Closed at an unknown date (open or closed then)"]["y"] == [None, 5, 6]

    # no suppressed value anywhere in the page, not even in hover data
    for value in hand_marts.SUPPRESSED_VALUES:
        assert value not in page, value


def test_complaints_latest_table(reports):
    page = (reports / "complaints.html").read_text("utf-8")
    table = page[page.index('<table class="headline" id="cmp-latest">'):]
    table = table[:table.index("</table>")]
    suppressed = '<td title="suppressed: fewer than 5 complaints" style="color:#757575">suppressed</td>'
    assert ("<tr><td>All portfolios</td><td>14</td><td>36.19</td><td>123.45</td><td>8.00%</td><td>90.00%</td>"
            f"{suppressed}<td>11</td></tr>") in table
    assert (f"<tr><td>cards</td><td>8</td><td>33.90</td>{suppressed}<td>8.00%</td>{suppressed}<td>50.00%</td>"
            "<td>6</td></tr>") in table
    assert f"<tr><td>loans</td>{suppressed * 3}<td>8.00%</td>{suppressed * 3}</tr>" in table
