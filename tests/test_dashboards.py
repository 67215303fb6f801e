"""Dashboards: pages from small hand-made marts tables in an in-memory DuckDB."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from dashboards import PAGES, build_reports

AS_OF = "2026-10-31"
MONTHS = ("2026-08-31", "2026-09-30", "2026-10-31")
PAGE_FILES = ("index.html", "aging.html", "roll_rates.html", "cure_rates.html", "delinquency.html", "charge_offs.html")
SECRET_IDS = ("ACCT-7f3a9c21", "ACCT-0000123456")  # planted in per-account tables only

MARTS_DDL = """
CREATE SCHEMA IF NOT EXISTS marts;
CREATE SCHEMA IF NOT EXISTS staging;
CREATE TABLE marts.aging (month_end DATE, portfolio VARCHAR, bucket VARCHAR, accounts BIGINT,
    balance DECIMAL(18,2), past_due_amount DECIMAL(18,2));
CREATE TABLE marts.roll_rates (month_end DATE, portfolio VARCHAR, from_bucket VARCHAR, to_bucket VARCHAR,
    accounts BIGINT, balance DECIMAL(18,2), account_rate DOUBLE, balance_rate DOUBLE);
CREATE TABLE marts.cure_rates (month_end DATE, portfolio VARCHAR, from_bucket VARCHAR, accounts BIGINT,
    balance DECIMAL(18,2), cured_accounts BIGINT, cure_rate DOUBLE, balance_cure_rate DOUBLE,
    cured_within_3m_rate DOUBLE, redefault_6m_rate DOUBLE);
CREATE TABLE marts.delinquency_rates (month_end DATE, portfolio VARCHAR, open_accounts BIGINT,
    open_balance DECIMAL(18,2), dq30_account_rate DOUBLE, dq30_balance_rate DOUBLE, dq60_account_rate DOUBLE,
    dq60_balance_rate DOUBLE, dq90_account_rate DOUBLE, dq90_balance_rate DOUBLE);
CREATE TABLE marts.charge_offs (month_end DATE, portfolio VARCHAR, gross_charge_off DECIMAL(18,2),
    recoveries DECIMAL(18,2), net_charge_off DECIMAL(18,2), average_balance DECIMAL(18,2),
    nco_rate_annualized DOUBLE);
CREATE TABLE marts.account_month (account_id VARCHAR, month_end DATE, portfolio VARCHAR, product_type VARCHAR,
    status VARCHAR, balance DECIMAL(18,2), past_due_amount DECIMAL(18,2), dpd INTEGER, bucket VARCHAR);
CREATE TABLE staging.accounts (account_id VARCHAR, portfolio VARCHAR, region VARCHAR);
"""


def _insert(con, table, rows):
    if rows:
        marks = ", ".join("?" * len(rows[0]))
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", rows)


def _make_marts(con) -> None:
    con.execute(MARTS_DDL)
    aging, roll, cure, dq, co = [], [], [], [], []
    for i, m in enumerate(MONTHS):
        for p, scale in (("all", 3), ("cards", 2), ("loans", 1)):
            aging += [
                (m, p, "current", 100 * scale + i, 50000.00 * scale + i, 0.00),
                (m, p, "dpd_1_29", 10 * scale, 4000.50 * scale, 300.00 * scale),
                (m, p, "dpd_30_59", 5 * scale, 2500.25 * scale, 400.00 * scale),
                (m, p, "dpd_90_119", 2 * scale, 1500.00 * scale, 900.00 * scale),
                (m, p, "charged_off", scale, 0.00, 0.00),
                (m, p, "closed", 3 * scale, 0.00, 0.00),
            ]
            dq.append((m, p, 117 * scale + i, 58000.75 * scale + i, 0.06 + i / 100, 0.0694, 0.02, 0.03, 0.017, 0.026))
            co.append((m, p, 1234.56 * scale, 100.00, 1234.56 * scale - 100.00, None if i == 0 else 57000.00 * scale,
                       None if i == 0 else 0.2391))
            if i == 0:
                continue
            roll += [
                (m, p, "current", "current", 95 * scale, 47500.00 * scale, 0.95, 0.95),
                (m, p, "current", "dpd_1_29", 4 * scale, 2000.00 * scale, 0.04, 0.04),
                (m, p, "current", "closed", 1 * scale, 500.00 * scale, 0.01, 0.01),
                (m, p, "dpd_1_29", "current", 6 * scale, 2400.00 * scale, 0.6, 0.6),
                (m, p, "dpd_1_29", "dpd_30_59", 4 * scale, 1600.50 * scale, 0.4, 0.4),
                (m, p, "dpd_30_59", "dpd_60_89", 5 * scale, 2500.25 * scale, 1.0, 1.0),
                (m, p, "dpd_90_119", "charged_off", 2 * scale, 1500.00 * scale, 1.0, 1.0),
            ]
            cure += [
                (m, p, "dpd_1_29", 10 * scale, 4000.50 * scale, 6 * scale, 0.6, 0.6, None if i == 2 else 0.7, None),
                (m, p, "dpd_30_59", 5 * scale, 2500.25 * scale, 0, 0.0, 0.0, None if i == 2 else 0.2, None),
            ]
    # the known cell: all, 2026-10-31, dpd_1_29 -> dpd_30_59
    roll.append((AS_OF, "all", "dpd_60_89", "dpd_90_119", 37, 12345.67, 0.4321, 0.5123))
    _insert(con, "marts.aging", aging)
    _insert(con, "marts.roll_rates", roll)
    _insert(con, "marts.cure_rates", cure)
    _insert(con, "marts.delinquency_rates", dq)
    _insert(con, "marts.charge_offs", co)
    # per-account tables a dashboard must never read
    _insert(con, "marts.account_month",
            [(SECRET_IDS[0], AS_OF, "cards", "revolving", "open", 999.99, 0.00, 0, "current")])
    _insert(con, "staging.accounts", [(SECRET_IDS[1], "loans", "North")])


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect(":memory:")
    _make_marts(con)
    yield con
    con.close()


@pytest.fixture(scope="module")
def reports(con, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    written = build_reports(con, str(out))
    assert sorted(Path(p).name for p in written) == sorted(PAGE_FILES + ("plotly.min.js",))
    return out


def _figures(page: str) -> dict[str, dict]:
    """The figures of a page by div id: {'data': [...], 'layout': {...}} parsed from Plotly.newPlot calls."""
    decoder = json.JSONDecoder()
    figures = {}
    for match in re.finditer(r'Plotly\.newPlot\(\s*"([^"]+)",\s*', page):
        data, end = decoder.raw_decode(page, match.end())
        end = re.compile(r",\s*").match(page, end).end()
        layout, _ = decoder.raw_decode(page, end)
        figures[match.group(1)] = {"data": data, "layout": layout}
    return figures


def test_every_page_exists_and_index_links_them(reports):
    for name in PAGE_FILES:
        assert (reports / name).is_file(), name
    index = (reports / "index.html").read_text("utf-8")
    for page in PAGES:
        assert f'href="{page.filename}"' in index
    for name in PAGE_FILES[1:]:
        assert f'href="{name}"' in index


def test_index_headline_table(reports):
    index = (reports / "index.html").read_text("utf-8")
    assert AS_OF in index
    # latest month, 'all': open accounts 117*3+2, open balance 58000.75*3+2, dq30 balance rate 6.94%
    assert "<td>All portfolios</td><td>353</td><td>174,004.25</td><td>6.94%</td>" in index
    assert "<td>cards</td><td>236</td><td>116,003.50</td><td>6.94%</td>" in index


def test_plotly_js_shipped_once_and_no_network(reports):
    assert [p.name for p in reports.rglob("*.js")] == ["plotly.min.js"]
    assert (reports / "plotly.min.js").stat().st_size > 1_000_000
    for name in PAGE_FILES:
        page = (reports / name).read_text("utf-8")
        scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]*)\"", page)
        assert scripts == ["plotly.min.js"], (name, scripts)
        assert len(page) < 1_000_000, name  # plotly.js is not inlined
        assert "cdn" not in page.lower() and "http://" not in page and "https://" not in page, name
        assert "Plotly.newPlot" in page or name == "index.html"


def test_titles_carry_as_of_date(reports):
    for name in PAGE_FILES:
        page = (reports / name).read_text("utf-8")
        assert f"as of {AS_OF}" in page, name
        for div_id, fig in _figures(page).items():
            assert f"as of {AS_OF}" in fig["layout"]["title"]["text"], (name, div_id)


def test_bucket_labels_are_dpd_ranges(reports):
    aging = _figures((reports / "aging.html").read_text("utf-8"))["aging-balance"]
    names = [t["name"] for t in aging["data"] if t.get("visible") is True]
    assert names == ["Current", "1–29 DPD", "30–59 DPD", "90–119 DPD", "Charged off", "Closed"]
    for name in PAGE_FILES:
        assert not re.search(r"\bM[1-6]\b", (reports / name).read_text("utf-8")), name


def test_known_roll_rate_cell_in_figure_json(reports):
    figs = _figures((reports / "roll_rates.html").read_text("utf-8"))
    matrix = figs["roll-matrix-0-all"]
    latest = [t for t in matrix["data"] if t["visible"] is True]
    assert len(latest) == 1 and latest[0]["name"] == AS_OF
    trace = latest[0]
    row, col = trace["y"].index("60–89 DPD"), trace["x"].index("90–119 DPD")
    assert trace["z"][row][col] == 0.4321
    assert trace["customdata"][row][col] == [37, 12345.67, 0.5123]
    # a month selector covering every roll month, starting at the latest
    slider = matrix["layout"]["sliders"][0]
    assert [s["label"] for s in slider["steps"]] == ["2026-09", "2026-10"]
    assert slider["active"] == 1
    assert {"roll-matrix-1-cards", "roll-matrix-2-loans", "roll-flow-rates"} <= set(figs)
    # flow rate 1-29 -> 30-59 of 'all' is the balance rate of that cell (0.4); 30-59 -> 60-89 is 1.0
    flows = {t["name"]: t["y"] for t in figs["roll-flow-rates"]["data"] if t["visible"] is True}
    assert flows["1–29 DPD → 30–59 DPD"] == [0.4, 0.4]
    assert flows["60–89 DPD → 90–119 DPD"] == [None, 0.5123]


def test_cure_and_delinquency_values(reports):
    cure = _figures((reports / "cure_rates.html").read_text("utf-8"))
    assert set(cure) == {"cure-cure-rate", "cure-balance-cure-rate", "cure-cured-within-3m-rate",
                         "cure-redefault-6m-rate"}
    within = {t["name"]: t["y"] for t in cure["cure-cured-within-3m-rate"]["data"] if t["visible"] is True}
    assert within["from 1–29 DPD"] == [0.7, None]
    dq = _figures((reports / "delinquency.html").read_text("utf-8"))
    dq30 = [t for t in dq["dq-balance-rates"]["data"] if t["visible"] is True and t["name"] == "30+ DPD"]
    assert dq30[0]["y"] == [0.0694, 0.0694, 0.0694]
    assert "30+ DPD balance / open balance" in dq["dq-dq30-by-portfolio"]["layout"]["title"]["text"]


def test_deterministic_output(con, reports, tmp_path):
    again = tmp_path / "again"
    build_reports(con, str(again))
    for name in PAGE_FILES + ("plotly.min.js",):
        assert (reports / name).read_bytes() == (again / name).read_bytes(), name
    build_reports(con, str(reports))  # rebuilding in place changes nothing either
    for name in PAGE_FILES:
        assert (reports / name).read_bytes() == (again / name).read_bytes(), name
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}", (reports / "roll_rates.html").read_text("utf-8"))


def test_no_account_level_data(reports):
    for path in reports.iterdir():
        text = path.read_text("utf-8", errors="replace")
        for secret in SECRET_IDS:
            assert secret not in text, (path.name, secret)
        assert "account_id" not in text, path.name


def test_empty_marts_say_so(tmp_path):
    con = duckdb.connect(":memory:")
    con.execute(MARTS_DDL)
    build_reports(con, str(tmp_path))
    for name in ("aging.html", "roll_rates.html", "cure_rates.html", "delinquency.html", "charge_offs.html"):
        page = (tmp_path / name).read_text("utf-8")
        assert "No data: the table marts." in page and "is empty" in page, name
        assert "Plotly.newPlot" not in page
    assert "is empty" in (tmp_path / "index.html").read_text("utf-8")


def test_optional_page_only_when_its_table_exists(tmp_path):
    con = duckdb.connect(":memory:")
    _make_marts(con)
    con.execute("DROP TABLE marts.charge_offs")
    con.execute("DROP TABLE marts.cure_rates")
    written = {Path(p).name for p in build_reports(con, str(tmp_path))}
    assert "charge_offs.html" not in written
    assert "charge_offs.html" not in (tmp_path / "index.html").read_text("utf-8")
    # a required page whose table is missing is still written and says so
    assert "does not exist" in (tmp_path / "cure_rates.html").read_text("utf-8")


def test_only_marts_aggregates_can_be_read(con):
    from dashboards import common

    with pytest.raises(ValueError):
        common.read_mart(con, "account_month", "*", "1")
