"""The CSV file of every chart and table (dashboards.exports, dashboards.chart_data), from the hand-made marts
(`hand_marts`, tests/dashboards/conftest.py): each file holds exactly the mart rows its link claims, values
as stored, the complaint figures under 5 complaints blank, and every chart links its file."""

from __future__ import annotations

import csv
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from dashboards import build_reports
from dashboards.chart_data import EXPORTS, Source, data_links, export_for

# The complaints page's small-cell rule, column by column (docs/dashboards.md): a figure is blank when
# the count it rests on is below 5.
RESTS_ON = {
    "marts.complaint_metrics": {
        "complaints": "complaints", "complaints_per_1000": "complaints", "median_days_to_close": "complaints",
        "repeat_rate": "complaints", "dates_unknown": "complaints",
        "timely_response_rate": "timely_response_denominator",
        "timely_response_denominator": "timely_response_denominator",
        "closed_within_60d_rate": "closed_within_60d_denominator",
        "closed_within_60d_denominator": "closed_within_60d_denominator",
        "open_backlog": "open_backlog", "backlog_unknown": "backlog_unknown",
        "conduct_complaints": "conduct_complaints", "conduct_per_1000_delinquent": "conduct_complaints",
    },
    "marts.complaints_by_bucket": {"complaints": "complaints", "complaints_per_1000": "complaints"},
}


@pytest.fixture(scope="module")
def con(hand_marts):
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    yield con
    con.close()


@pytest.fixture(scope="module")
def reports(con, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    build_reports(con, str(out))
    return out


def _claims() -> dict[str, Source]:
    """Each CSV path (relative to the reports folder) -> the rows it claims to hold."""
    return {path: source for export in EXPORTS for source, path in export.files()}


def _parse(text: str, sql_type: str):
    """A CSV field back to the value of its warehouse column type ('' is NULL)."""
    if text == "":
        return None
    if sql_type == "DATE":
        return date.fromisoformat(text)
    if sql_type.startswith("DECIMAL"):
        return Decimal(text)
    if sql_type in ("BIGINT", "INTEGER"):
        return int(text)
    if sql_type == "DOUBLE":
        return float(text)
    return text


def test_every_csv_holds_the_mart_rows_it_claims(con, reports):
    files = sorted(p.relative_to(reports).as_posix() for p in (reports / "data").iterdir())
    claims = _claims()
    assert len(files) == 52 and set(files) <= set(claims)  # 30 of the native marts, 22 of the converted
    for name in files:
        source = claims[name]
        result = con.execute(f"SELECT * FROM {source.table}" + (f" WHERE {source.where}" if source.where else ""))
        columns = [d[0] for d in result.description]
        types = [str(d[1]) for d in result.description]
        expected = []
        for row in result.fetchall():
            values = dict(zip(columns, row))
            rule = RESTS_ON.get(source.table, {})
            expected.append(tuple(None if c in rule and (values[rule[c]] is None or values[rule[c]] < 5) else v
                                  for c, v in values.items()))
        with open(reports / name, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == columns, name  # the warehouse's column names, in its order
        got = [tuple(_parse(v, t) for v, t in zip(row, types)) for row in rows[1:]]
        assert sorted(got, key=repr) == sorted(expected, key=repr), name  # exactly the rows, values as stored
        assert got == sorted(got, key=lambda r: tuple((v is None, v) for v in r)), name  # ORDER BY ALL
        assert expected or source.table.endswith("_converted"), name  # the hand marts convert nothing


def test_csv_values_as_stored(reports):
    # marts.aging WHERE bucket IN (the delinquent buckets): 3 months x 3 portfolios x 3 buckets present
    lines = (reports / "data/aging-delinquent-balance.aging.csv").read_text("utf-8").splitlines()
    assert lines[0] == "month_end,portfolio,bucket,accounts,balance,past_due_amount"
    assert lines[1] == "2026-08-31,all,dpd_1_29,30,12001.50,900.00"  # 10*3, 4000.50*3, 300.00*3
    assert len(lines) == 1 + 27
    # the overview's headline table: marts.delinquency_rates of the latest month and the three before it
    # (all three hand-made months), money exact, rates as stored
    headline = (reports / "data/headline.delinquency_rates.csv").read_text("utf-8").splitlines()
    assert len(headline) == 1 + 9 and headline[1] == "2026-08-31,all,351,174002.25,0.06,0.0694,0.02,0.03,0.017,0.026"
    assert headline[-3:] == [
        "2026-10-31,all,353,174004.25,0.08,0.0694,0.02,0.03,0.017,0.026",
        "2026-10-31,cards,236,116003.50,0.08,0.0694,0.02,0.03,0.017,0.026",
        "2026-10-31,loans,119,58002.75,0.08,0.0694,0.02,0.03,0.017,0.026",
    ]
    # the roll-forward's latest-month table: loans 0.05 short
    latest = (reports / "data/rf-latest.roll_forward.csv").read_text("utf-8").splitlines()
    assert latest[0] == "month_end,portfolio,opening_balance,debits,credits,charge_offs,closing_balance,difference"
    assert len(latest) == 1 + 3 and all(line.startswith("2026-10-31,") for line in latest[1:])
    roll = (reports / "data/roll-matrix.roll_rates.csv").read_text("utf-8")
    assert "\n2026-10-31,all,dpd_60_89,dpd_90_119,37,12345.67,0.4321,0.5123\n" in roll
    # NULL is an empty field: the NCO rate of the first reporting month
    assert "\n2026-08-31,all,3703.68,100.00,3603.68,,\n" in (reports / "data/co-nco-rate.charge_offs.csv").read_text()


def test_complaint_csvs_keep_small_cells_out(reports, hand_marts):
    latest = (reports / "data/cmp-latest.complaint_metrics.csv").read_text("utf-8").splitlines()
    # all: 14 complaints, 60-day closure over 3 complaints blank; loans: 4 complaints, every figure blank
    assert latest[1] == "2026-10-31,all,all,14,36.19,0.9,,12.0,11,0.1,6,123.45,353,40,2,6,10,"
    assert latest[3] == "2026-10-31,loans,all,,,,,,,,,,117,10,,,,"
    for path in sorted((reports / "data").glob("cmp-*.csv")):
        text = path.read_text("utf-8")
        for value in hand_marts.SUPPRESSED_VALUES:
            assert not re.search(rf"(^|,){re.escape(value)}(,|$)", text, re.MULTILINE), (path.name, value)


def test_every_chart_and_table_links_its_csv(reports):
    pages = {p.name: p.read_text("utf-8") for p in reports.glob("*.html")}
    linked = set()
    for name, page in pages.items():
        charts = re.findall(r'Plotly\.newPlot\(\s*"([^"]+)"', page)
        # tables of figures (the definitions page's bucket colours are no mart's rows)
        tables = re.findall(r'<table class="headline(?! definitions)[^"]*" id="([^"]+)"', page)
        assert charts or name == "definitions.html", name
        for div_id in charts + tables:
            export = export_for(div_id)
            assert export is not None, (name, div_id)  # every chart and table has its CSV
            assert data_links(div_id) in page, (name, div_id)  # ... linked right under it
        assert tables == {"index.html": ["headline", "headline-rates"], "roll_forward.html": ["rf-latest"],
                          "complaints.html": ["cmp-latest", "cmp-rolling"]}.get(name, []), name
        links = re.findall(r'<p class="csv"><a href="(data/[^"]+)" download>Data \(CSV\)</a>', page)
        assert len(links) == len(charts) + len(tables), name
        linked |= set(re.findall(r'href="(data/[^"]+\.csv)"', page))
    assert {"data/headline-rates.charge_offs.csv", "data/cmp-latest.complaint_metrics.csv"} <= linked
    on_disk = {p.relative_to(reports).as_posix() for p in (reports / "data").iterdir()}
    assert linked == on_disk  # every link resolves, every file is linked
    assert export_for("roll-matrix-2-loans").chart == "roll-matrix" and export_for("roll-matrixes") is None


def test_a_source_is_an_aggregated_mart():
    with pytest.raises(ValueError, match="one row per account"):
        Source("marts.account_month")
    with pytest.raises(ValueError):
        Source("staging.accounts")


def test_a_currency_column_is_exported_and_keeps_the_books_apart(hand_marts, tmp_path):
    """A money mart with its `currency` column (issue 16): the files carry it by name and an 'all' row per
    currency, never one row for both."""
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    con.execute("ALTER TABLE marts.delinquency_rates ADD COLUMN currency VARCHAR DEFAULT 'USD'")
    con.execute("INSERT INTO marts.delinquency_rates (month_end, portfolio, currency, open_accounts, open_balance, "
                "dq30_account_rate, dq30_balance_rate, dq60_account_rate, dq60_balance_rate, dq90_account_rate, "
                "dq90_balance_rate) VALUES ('2026-10-31', 'all', 'CAD', 50, 25000.00, 0.1, 0.125, 0.05, 0.05, 0.0, 0.0)")
    build_reports(con, str(tmp_path))
    lines = (tmp_path / "data/headline.delinquency_rates.csv").read_text("utf-8").splitlines()
    assert lines[0].endswith(",dq90_balance_rate,currency")
    assert [line for line in lines if line.startswith("2026-10-31,all,")] == [
        "2026-10-31,all,50,25000.00,0.1,0.125,0.05,0.05,0.0,0.0,CAD",
        "2026-10-31,all,353,174004.25,0.08,0.0694,0.02,0.03,0.017,0.026,USD",
    ]
