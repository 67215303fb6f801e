"""The loss-forecast page (forecast.html) on the five forecast marts written here BY HAND with the designed columns
and types (issue 17, section 3: they are built by another branch), beside the hand-made marts of conftest.py.

Books all · USD, cards · USD, all · CAD, cards-ca · CAD; windows 3 and 12 months, weighted by balance and by
accounts; two month ends (2026-09-30, 2026-10-31: the page draws the latest). The hand-worked book is all · USD,
12 months balance-weighted (the default), recovery rate 10%, at 2026-10-31:

    bucket        balance    P(charge-off)  P(closed)  expected loss = balance × P × 0.9
    current      8,000.00        0.02          0.98        144.00
    dpd_1_29     1,000.00        0.10          0.90         90.00
    dpd_30_59      500.00        0.30          0.70        135.00
    dpd_60_89      200.00        0.50          0.50         90.00
    dpd_90_119     100.00        0.70          0.30         63.00
    dpd_120_149    100.00        0.85          0.15         76.50
    dpd_150_179     50.00        0.95          0.05         42.75
    dpd_180_plus    50.00        1.00          0.00         45.00
    open balance 10,000.00; expected charge-off Σ balance × P = 160 + 100 + 150 + 100 + 70 + 85 + 47.50 + 50
    = 762.50; reserve 762.50 × 0.9 = 686.25; reserve rate 686.25 / 10,000 = 6.8625% (shown 6.86%).

Other books and choices: balances × the book's scale, probabilities × the choice's factor (capped at 1), the
closure probability taking the rest. Horizon-limited: cards · USD 12 months balance-weighted 180+ DPD (no account
there in the window: the identity row, charge-off 0, still open 1, within 60 months), and cards-ca · CAD 3
months account-weighted 150–179 DPD (charge-off 0.5, closed 0.3, still open 0.2 within 60 months).
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dashboards import build_reports, loss_forecast
from dashboards.chart_data import data_links, export_for

from .plotly_figures import figures

OPEN = ("current", "dpd_1_29", "dpd_30_59", "dpd_60_89", "dpd_90_119", "dpd_120_149", "dpd_150_179", "dpd_180_plus")
DDL = f"""
CREATE TABLE marts.roll_rate_averages (month_end DATE, portfolio VARCHAR, currency VARCHAR, window_months INTEGER,
    weighting VARCHAR, from_bucket VARCHAR, to_bucket VARCHAR, accounts BIGINT, from_accounts BIGINT,
    balance DECIMAL(18,2), from_balance DECIMAL(18,2), rate DOUBLE);
CREATE TABLE marts.lifetime_loss_rates (month_end DATE, portfolio VARCHAR, currency VARCHAR, window_months INTEGER,
    weighting VARCHAR, bucket VARCHAR, balance DECIMAL(18,2), charge_off_probability DOUBLE,
    closed_probability DOUBLE, open_probability DOUBLE, horizon_months INTEGER, horizon_limited BOOLEAN,
    recovery_rate DOUBLE, expected_loss DECIMAL(18,2));
CREATE TABLE marts.roll_rate_reserve (month_end DATE, portfolio VARCHAR, currency VARCHAR, window_months INTEGER,
    weighting VARCHAR, open_balance DECIMAL(18,2), expected_charge_off DECIMAL(18,2), recovery_rate DOUBLE,
    reserve DECIMAL(18,2), reserve_rate DOUBLE, horizon_limited_buckets INTEGER);
CREATE TABLE marts.loss_projection (month_end DATE, portfolio VARCHAR, currency VARCHAR, window_months INTEGER,
    weighting VARCHAR, months_ahead INTEGER, projected_month_end DATE,
    {', '.join(f'{b}_balance DECIMAL(18,2)' for b in OPEN)}, open_balance DECIMAL(18,2), charge_off DECIMAL(18,2),
    closed DECIMAL(18,2), cumulative_charge_off DECIMAL(18,2));
CREATE TABLE marts.loss_backtest (month_end DATE, portfolio VARCHAR, currency VARCHAR, window_months INTEGER,
    weighting VARCHAR, months_ahead INTEGER, forecast_month_end DATE, projected_charge_off DECIMAL(18,2),
    actual_charge_off DECIMAL(18,2), error DECIMAL(18,2), error_rate DOUBLE);
"""
SEP, OCT = date(2026, 9, 30), date(2026, 10, 31)
BOOKS = {("all", "USD"): Decimal(1), ("cards", "USD"): Decimal("0.6"), ("all", "CAD"): Decimal("0.5"),
         ("cards-ca", "CAD"): Decimal("0.5")}
CHOICES = {(12, "balance"): Decimal(1), (12, "accounts"): Decimal("0.9"), (3, "balance"): Decimal("1.1"),
           (3, "accounts"): Decimal("0.8")}
BALANCE = dict(zip(OPEN, map(Decimal, ("8000.00", "1000.00", "500.00", "200.00", "100.00", "100.00", "50.00",
                                       "50.00"))))
P = dict(zip(OPEN, map(Decimal, ("0.02", "0.10", "0.30", "0.50", "0.70", "0.85", "0.95", "1.00"))))
RECOVERY = Decimal("0.1")
LIMITED = {("cards", "USD", 12, "balance", "dpd_180_plus"): (Decimal(0), Decimal(0), Decimal(1)),
           ("cards-ca", "CAD", 3, "accounts", "dpd_150_179"): (Decimal("0.5"), Decimal("0.3"), Decimal("0.2"))}


def month_end_after(month: date, k: int) -> date:
    year, m = divmod(month.month - 1 + k, 12)
    return date(month.year + year, m + 1, calendar.monthrange(month.year + year, m + 1)[1])


def cents(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def forecast_rows():
    """The rows of the five tables (see the module docstring)."""
    averages, lifetime, reserve, projection, backtest = [], [], [], [], []
    for month in (SEP, OCT):
        late = Decimal(1) if month == OCT else Decimal("0.9")  # September's book is smaller
        for (portfolio, currency), scale in BOOKS.items():
            for (window, weighting), factor in CHOICES.items():
                key = (month, portfolio, currency, window, weighting)
                open_balance = expected = limited = Decimal(0)
                for b in OPEN:
                    balance = cents(BALANCE[b] * scale * late)
                    co, closed, still = LIMITED.get((portfolio, currency, window, weighting, b), (None,) * 3)
                    if co is None:
                        co = min(P[b] * factor, Decimal(1))
                        closed, still = 1 - co, Decimal(0)
                    horizon = 60 if still or (portfolio, currency, window, weighting, b) in LIMITED else None
                    lifetime.append((*key, b, balance, float(co), float(closed), float(still), horizon,
                                     horizon is not None, float(RECOVERY), cents(balance * co * (1 - RECOVERY))))
                    open_balance += balance
                    expected += balance * co
                    limited += horizon is not None and balance > 0
                    # the averaged matrix: each bucket rolls on to the next (or to charge-off from 180+) or stays
                    nxt = OPEN[OPEN.index(b) + 1] if b != OPEN[-1] else "charged_off"
                    averages += [(*key, b, b, 90, 100, cents(balance * Decimal("0.9")), balance, 0.9),
                                 (*key, b, nxt, 10, 100, cents(balance * Decimal("0.1")), balance, 0.1)]
                reserve.append((*key, open_balance, cents(expected), float(RECOVERY), cents(expected * (1 - RECOVERY)),
                                float(cents(expected * (1 - RECOVERY)) / open_balance), int(limited)))
                for k in range(1, 13):
                    runoff = Decimal("0.9") ** k
                    buckets = [cents(BALANCE[b] * scale * late * runoff) for b in OPEN]
                    charge_off = cents(Decimal("50.00") * scale * Decimal("0.9") ** (k - 1))
                    cumulative = sum(cents(Decimal("50.00") * scale * Decimal("0.9") ** (j - 1)) for j in range(1, k + 1))
                    projection.append((*key, k, month_end_after(month, k),
                                       *buckets, sum(buckets), charge_off, cents(Decimal("100.00") * scale), cumulative))
            # the backtest (each month's actual, projected 1 and 2 months before)
            for (window, weighting), factor in CHOICES.items():
                key = (month, portfolio, currency, window, weighting)
                actual = Decimal(0) if portfolio == "cards-ca" else cents((Decimal("40.00") if month == SEP
                                                                          else Decimal("60.00")) * scale)
                for ahead, projected in ((1, Decimal("50.00") if month == SEP else Decimal("45.00")),
                                         (2, None if month == SEP else Decimal("44.00"))):
                    if projected is None:
                        continue  # September 2 months ahead: projected in July, before the window
                    projected = cents(projected * scale * factor)
                    forecast = date(2026, 8, 31) if (month, ahead) in ((SEP, 1), (OCT, 2)) else date(2026, 9, 30)
                    backtest.append((*key, ahead, forecast, projected, actual, projected - actual,
                                     float((projected - actual) / actual) if actual else None))
    return averages, lifetime, reserve, projection, backtest


def make_forecast(con) -> None:
    con.execute(DDL)
    for table, rows in zip(("roll_rate_averages", "lifetime_loss_rates", "roll_rate_reserve", "loss_projection",
                            "loss_backtest"), forecast_rows()):
        con.executemany(f"INSERT INTO marts.{table} VALUES ({', '.join('?' * len(rows[0]))})", rows)


@pytest.fixture(scope="module")
def reports(hand_marts, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reports")
    hand_marts.build_reports(out, make_forecast)
    return out


@pytest.fixture(scope="module")
def page(reports) -> str:
    return (reports / "forecast.html").read_text("utf-8")


def menus(fig: dict) -> dict[str, dict]:
    """The dropdowns by the word their labels start with ("Window", "Book")."""
    return {m["buttons"][0]["label"].split(":")[0]: m for m in fig["layout"]["updatemenus"]}


def test_the_default_choice_and_its_fallback():
    assert loss_forecast.choices_of(pl.DataFrame(
        {"window_months": [3, 12, 3, 12], "weighting": ["accounts", "accounts", "balance", "balance"]})) == [
        (12, "balance"), (12, "accounts"), (3, "balance"), (3, "accounts")]
    assert loss_forecast.default_choice([(12, "balance"), (12, "accounts"), (3, "balance")]) == (12, "balance")
    # no 12-month window yet (fewer than 13 reporting months): the longest window, balance-weighted first
    assert loss_forecast.default_choice([(6, "balance"), (6, "accounts"), (3, "balance")]) == (6, "balance")
    assert loss_forecast.default_choice([(6, "accounts"), (3, "balance")]) == (6, "accounts")
    assert loss_forecast.default_choice([]) is None


def test_lifetime_bars_are_the_latest_month_with_horizon_limited_buckets_hatched(page):
    fig = figures(page)["fc-lifetime"]
    window, book = menus(fig)["Window"], menus(fig)["Book"]
    assert [b["label"] for b in window["buttons"]] == [
        "Window: 12 months, balance-weighted", "Window: 12 months, account-weighted",
        "Window: 3 months, balance-weighted", "Window: 3 months, account-weighted"]
    assert window["active"] == 0
    assert [b["label"] for b in book["buttons"]] == ["Book: All portfolios (CAD)", "Book: All portfolios (USD)",
                                                     "Book: cards (USD)", "Book: cards-ca (CAD)"]
    # one bar trace per choice, the default visible; drawn with the first book (All portfolios, CAD: scale 0.5)
    assert [t["visible"] for t in fig["data"]] == [True, False, False, False]
    assert fig["data"][0]["y"] == [0.02, 0.1, 0.3, 0.5, 0.7, 0.85, 0.95, 1.0]
    assert fig["data"][0]["customdata"][0][2] == 4000.0  # 8,000.00 × 0.5 at 2026-10-31 (not September's 3,600)
    # the book dropdown brings the book's figures: cards · USD (3rd book) at 12 months balance-weighted has
    # 180+ DPD horizon-limited (no account there: identity row, charge-off 0) -> hatched, labelled
    cards = book["buttons"][2]["args"][0]
    assert cards["y"][0] == [0.02, 0.1, 0.3, 0.5, 0.7, 0.85, 0.95, 0.0]
    assert cards["marker.pattern.shape"][0] == [""] * 7 + ["/"]
    assert cards["text"][0] == [""] * 7 + ["60-month horizon"]
    assert cards["customdata"][0][7][1:] == [1.0, 30.0, 0.0, 0.1, "within 60 months"]
    assert "USD" in cards["hovertemplate"][0] and "CAD" not in cards["hovertemplate"][0]
    # cards-ca · CAD, 3 months account-weighted (4th choice): 150–179 DPD within 60 months, 0.5 / 0.3 / 0.2
    ca = book["buttons"][3]["args"][0]
    assert ca["y"][3][6] == 0.5 and ca["marker.pattern.shape"][3][6] == "/"
    assert ca["customdata"][3][6][:2] == [0.3, 0.2]
    assert loss_forecast.HORIZON_LIMITED.split(":")[0] in page
    assert "charge-off 0, horizon-limited" in page


def test_the_window_dropdown_shows_one_choice(page):
    fig = figures(page)["fc-projection"]
    window = menus(fig)["Window"]
    # 8 bucket bars + 2 charge-off lines per choice
    assert len(fig["data"]) == 4 * 10
    for i, button in enumerate(window["buttons"]):
        assert button["args"][0]["visible"] == [j // 10 == i for j in range(40)]


def test_reserve_table_per_book(page):
    ids = re.findall(r'<table class="headline" id="([^"]+)"', page)
    assert ids == ["fc-reserve-0-all-cad", "fc-reserve-1-all-usd", "fc-reserve-2-cards-usd",
                   "fc-reserve-3-cards-ca-cad"]
    body = re.search(r'id="fc-reserve-1-all-usd">(.*?)</table>', page, re.DOTALL).group(1)
    rows = [re.findall(r"<t[dh]>(.*?)</t[dh]>", r) for r in re.findall(r"<tr>(.*?)</tr>", body)]
    assert rows[0] == ["Window", "Open balance", "Expected charge-off", "Recovery rate", "Reserve", "Reserve rate",
                       "Horizon-limited buckets"]
    # the hand-worked row (module docstring), the default first
    assert rows[1] == ["12 months, balance-weighted (shown in the charts)", "10,000.00 USD", "762.50 USD",
                       "10.00%", "686.25 USD", "6.86%", "0"]
    assert [r[0] for r in rows[2:]] == ["12 months, account-weighted", "3 months, balance-weighted",
                                        "3 months, account-weighted"]
    cards = re.search(r'id="fc-reserve-2-cards-usd">(.*?)</table>', page, re.DOTALL).group(1)
    assert "<td>1</td></tr>" in cards.split("</tr>")[1] + "</tr>"  # 180+ DPD horizon-limited, balance 30.00 > 0
    cad = re.search(r'id="fc-reserve-0-all-cad">(.*?)</table>', page, re.DOTALL).group(1)
    assert "CAD" in cad and "USD" not in cad  # never a figure of another currency


def test_projection_draws_the_mart_and_says_no_new_business(page):
    fig = figures(page)["fc-projection"]
    usd = menus(fig)["Book"]["buttons"][1]["args"][0]  # All portfolios (USD)
    # current balance 8,000.00 × 0.9^k, k = 1 … 12
    assert usd["y"][0] == [float(Decimal("8000.00") * Decimal("0.9") ** k).__round__(2) for k in range(1, 13)]
    assert fig["data"][0]["x"][:3] == ["2026-11-30", "2026-12-31", "2027-01-31"] and len(fig["data"][0]["x"]) == 12
    assert "x" not in usd  # every book has the same projected month ends: the dropdown restyles the figures only
    # the monthly charge-off line: 50.00 × 0.9^(k−1); cumulated
    assert usd["y"][8][:3] == [50.0, 45.0, 40.5]
    assert usd["y"][9][:3] == [50.0, 95.0, 135.5]
    assert fig["data"][8]["yaxis"] == "y2"
    assert loss_forecast.NO_NEW_BUSINESS in page


def test_backtest_one_horizon_shown_with_its_error(page):
    fig = figures(page)["fc-backtest"]
    default = fig["data"][:5]  # actual, then projected and error for 1 and 2 months ahead
    assert [t["name"] for t in default] == ["Actual charge-off", "Projected, 1 month ahead", "Error, 1 month ahead",
                                            "Projected, 2 months ahead", "Error, 2 months ahead"]
    assert [t["visible"] for t in default] == [True, True, True, "legendonly", "legendonly"]
    assert default[1]["legendgroup"] == default[2]["legendgroup"] == "h1"
    usd = menus(fig)["Book"]["buttons"][1]["args"][0]
    # All portfolios (USD), 12 months balance-weighted: Sep projected 50.00 against 40.00 (error 10.00, 25%),
    # Oct 45.00 against 60.00 (error −15.00, −25%); 2 months ahead only October: 44.00, error −16.00
    assert fig["data"][0]["x"] == ["2026-09-30", "2026-10-31"] and usd["y"][0] == [40.0, 60.0]
    assert fig["layout"]["xaxis"]["type"] == "category"
    assert usd["y"][1] == [50.0, 45.0] and usd["y"][2] == [10.0, -15.0]
    assert usd["customdata"][1] == [[40.0, 10.0, 0.25, "2026-08-31"], [60.0, -15.0, -0.25, "2026-09-30"]]
    assert usd["y"][3] == [None, 44.0] and usd["y"][4] == [None, -16.0]
    # cards-ca had no charge-off: actual 0.00, no error rate
    ca = menus(fig)["Book"]["buttons"][3]["args"][0]
    assert ca["y"][0] == [0.0, 0.0] and ca["customdata"][1][0][2] is None


def test_every_chart_and_table_links_its_csv(reports, page):
    charts = re.findall(r'Plotly\.newPlot\(\s*"([^"]+)"', page)
    tables = re.findall(r'<table class="headline" id="([^"]+)"', page)
    assert charts == ["fc-lifetime", "fc-projection", "fc-backtest"]
    for div_id in charts + tables:
        assert export_for(div_id) is not None and data_links(div_id) in page
    lifetime = (reports / "data" / "fc-lifetime.lifetime_loss_rates.csv").read_text("utf-8").splitlines()
    assert len(lifetime) == 1 + 4 * 4 * 8 and all(line.startswith("2026-10-31,") for line in lifetime[1:])
    matrix = (reports / "data" / "fc-lifetime.roll_rate_averages.csv").read_text("utf-8").splitlines()
    assert len(matrix) == 1 + 4 * 4 * 8 * 2
    backtest = (reports / "data" / "fc-backtest.loss_backtest.csv").read_text("utf-8").splitlines()
    assert len(backtest) == 1 + 4 * 4 * 3  # both months, every horizon
    assert 'href="definitions.html#forecast"' in page and "not a CECL or IFRS 9 model" in page


def test_without_a_12_month_window_the_longest_is_shown(hand_marts, tmp_path):
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    make_forecast(con)
    for table in loss_forecast.TABLES:
        con.execute(f"DELETE FROM {table} WHERE window_months = 12")
    build_reports(con, str(tmp_path))
    fig = figures((tmp_path / "forecast.html").read_text("utf-8"))["fc-lifetime"]
    window = menus(fig)["Window"]
    assert [b["label"] for b in window["buttons"]] == ["Window: 3 months, balance-weighted",
                                                       "Window: 3 months, account-weighted"]
    assert window["active"] == 0 and [t["visible"] for t in fig["data"]] == [True, False]
    # 3 months balance-weighted: P × 1.1, capped at 1
    assert fig["data"][0]["y"] == [0.022, 0.11, 0.33, 0.55, 0.77, 0.935, 1.0, 1.0]


def test_the_page_needs_its_five_tables(hand_marts, tmp_path):
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    make_forecast(con)
    con.execute("DROP TABLE marts.loss_backtest")
    written = {Path(p).name for p in build_reports(con, str(tmp_path))}
    assert "forecast.html" not in written
    assert loss_forecast.PAGE.optional and loss_forecast.PAGE.tables == (
        "marts.roll_rate_averages", "marts.lifetime_loss_rates", "marts.roll_rate_reserve", "marts.loss_projection",
        "marts.loss_backtest")


def test_one_window_no_window_dropdown(hand_marts, tmp_path):
    con = duckdb.connect(":memory:")
    hand_marts.make_marts(con)
    make_forecast(con)
    for table in loss_forecast.TABLES:  # the first months of a warehouse: one 3-month window, one weighting
        con.execute(f"DELETE FROM {table} WHERE window_months = 12 OR weighting = 'accounts'")
    build_reports(con, str(tmp_path))
    fig = figures((tmp_path / "forecast.html").read_text("utf-8"))["fc-lifetime"]
    assert list(menus(fig)) == ["Book"]  # nothing to switch with one window
    assert [t["visible"] for t in fig["data"]] == [True]
