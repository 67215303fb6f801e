"""The hand-made marts the dashboard tests draw: every marts table a page reads, three month ends
(2026-08-31 .. 2026-10-31), portfolios all / cards / loans, a known roll-rate cell, complaint slices on
both sides of the suppression threshold, and account ids planted in per-account tables no page may read.

    def test_something(hand_marts):
        con = duckdb.connect(":memory:")
        hand_marts.make_marts(con)          # or con.execute(hand_marts.MARTS_DDL): the tables, empty
        ... hand_marts.AS_OF, hand_marts.SECRET_IDS, hand_marts.SUPPRESSED_VALUES ...
"""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest

AS_OF = "2026-10-31"
MONTHS = ("2026-08-31", "2026-09-30", "2026-10-31")
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
CREATE TABLE marts.roll_forward (month_end DATE, portfolio VARCHAR, opening_balance DECIMAL(18,2),
    debits DECIMAL(18,2), credits DECIMAL(18,2), charge_offs DECIMAL(18,2), closing_balance DECIMAL(18,2),
    difference DECIMAL(18,2));
CREATE TABLE marts.complaint_metrics (month_end DATE, portfolio VARCHAR, issue_group VARCHAR, complaints BIGINT,
    complaints_per_1000 DOUBLE, timely_response_rate DOUBLE, closed_within_60d_rate DOUBLE,
    median_days_to_close DOUBLE, open_backlog BIGINT, repeat_rate DOUBLE, conduct_complaints BIGINT,
    conduct_per_1000_delinquent DOUBLE, open_accounts BIGINT, delinquent_accounts BIGINT, dates_unknown BIGINT,
    backlog_unknown BIGINT, timely_response_denominator BIGINT, closed_within_60d_denominator BIGINT);
CREATE TABLE marts.complaints_by_bucket (month_end DATE, bucket VARCHAR, complaints BIGINT, accounts BIGINT,
    complaints_per_1000 DOUBLE);
CREATE TABLE marts.account_month (account_id VARCHAR, month_end DATE, portfolio VARCHAR, product_type VARCHAR,
    status VARCHAR, balance DECIMAL(18,2), past_due_amount DECIMAL(18,2), dpd INTEGER, bucket VARCHAR);
CREATE TABLE staging.accounts (account_id VARCHAR, portfolio VARCHAR, region VARCHAR);
CREATE TABLE marts.vintage_curves (month_end DATE, portfolio VARCHAR, currency VARCHAR, vintage VARCHAR,
    months_on_book INTEGER, accounts BIGINT, origination_exposure DECIMAL(18,2), ever_30_accounts BIGINT,
    ever_60_accounts BIGINT, ever_90_accounts BIGINT, ever_30_rate DOUBLE, ever_60_rate DOUBLE, ever_90_rate DOUBLE,
    cum_gross_charge_off DECIMAL(18,2), cum_recoveries DECIMAL(18,2), cum_net_loss DECIMAL(18,2),
    cum_net_loss_rate DOUBLE, open_accounts BIGINT, open_balance DECIMAL(18,2));
"""


CT, EC = "Communication tactics", "Electronic communications"
# Complaint slices: (portfolio, issue_group, complaints, complaints_per_1000) each month; fewer than 5
# complaints -> suppressed on the page. The per-1000 values of suppressed slices are distinctive numbers
# that must appear nowhere in the page.
COMPLAINT_SLICES = (
    ("all", CT, 6, 17.09), ("all", EC, 3, 8.5471), ("cards", CT, 5, 21.2), ("cards", "other", 3, 12.7119),
    ("loans", CT, 1, 8.1234),
)
SUPPRESSED_VALUES = ("8.5471", "12.7119", "8.1234", "45.6789", "34.188", "66.6667", "0.6667", "0.4321")
# (bucket, complaints, accounts at the previous month end, per 1,000) in 2026-09 and 2026-10
COMPLAINT_BUCKETS = (("current", 7, 300, 23.3333), ("dpd_1_29", 2, 30, 66.6667), ("dpd_30_59", 5, 15, 333.3333))

# marts.roll_forward: (month_end, portfolio, opening, debits, credits, charge_offs, closing, difference).
# The first month has no opening balance; every later row reconciles (opening + debits − credits −
# charge_offs = closing, worked out by hand; 'all' = cards + loans), except loans (and so 'all') in the latest
# month, whose closing balance is 0.05 short.
ROLL_FORWARD = (
    ("2026-08-31", "all", None, 30000.00, 21000.00, 1500.00, 174002.25, None),
    ("2026-08-31", "cards", None, 20000.00, 14000.00, 1000.00, 116001.50, None),
    ("2026-08-31", "loans", None, 10000.00, 7000.00, 500.00, 58000.75, None),
    # all: 174002.25 + 30500.10 − 27800.35 − 2466.75 = 174235.25
    ("2026-09-30", "all", 174002.25, 30500.10, 27800.35, 2466.75, 174235.25, 0.00),
    # cards: 116001.50 + 20333.40 − 18533.57 − 1644.50 = 116156.83
    ("2026-09-30", "cards", 116001.50, 20333.40, 18533.57, 1644.50, 116156.83, 0.00),
    # loans: 58000.75 + 10166.70 − 9266.78 − 822.25 = 58078.42
    ("2026-09-30", "loans", 58000.75, 10166.70, 9266.78, 822.25, 58078.42, 0.00),
    # all: 174235.25 + 31234.56 − 29876.54 − 1234.56 = 174358.71; the row (cards + loans) says 174358.66
    ("2026-10-31", "all", 174235.25, 31234.56, 29876.54, 1234.56, 174358.66, 0.05),
    # cards: 116156.83 + 20823.04 − 19917.69 − 823.04 = 116239.14
    ("2026-10-31", "cards", 116156.83, 20823.04, 19917.69, 823.04, 116239.14, 0.00),
    # loans: 58078.42 + 10411.52 − 9958.85 − 411.52 = 58119.57; the row says 58119.52: difference 0.05
    ("2026-10-31", "loans", 58078.42, 10411.52, 9958.85, 411.52, 58119.52, 0.05),
)


def _complaint_metrics() -> list[tuple]:
    """marts.complaint_metrics rows; columns in the table's order (see MARTS_DDL)."""
    rows = []
    for i, m in enumerate(MONTHS):
        # 'all', all issues: 12, 13, 14 complaints; the latest month's 60-day closure rests on 3 complaints
        rows.append((m, "all", "all", 12 + i, (34.19, 35.19, 36.19)[i], 0.9, 0.6667 if i == 2 else 0.8, 12.0,
                     (7, 9, 11)[i], 0.1, 6, (120.5, 121.5, 123.45)[i], 351 + i, 40, 2, (0, 5, 6)[i], 10,
                     3 if i == 2 else 10))
        # 'other' in 'all' reaches 5 complaints (shown) in the latest month only
        rows.append((m, "all", "other", 3 + i, (8.55, 11.4, 14.25)[i], 1.0, 1.0, 5.0, 2, 0.0, None, None,
                     351 + i, None, 0, 0, 3 + i, 3 + i))
        # cards: timely rate over 4 complaints, 2 conduct complaints -> suppressed
        rows.append((m, "cards", "all", 8, 33.9, 0.75, 0.5, 20.0, 6, 0.0, 2, 45.6789, 236, 20, 0, 0, 4, 6))
        # loans: 4 complaints -> everything suppressed
        rows.append((m, "loans", "all", 4, 34.188, 0.4321, 0.4321, 9.0, 3, 0.0, 1, 0.4321, 117, 10, 0, 0, 4, 4))
        for p, g, n, rate in COMPLAINT_SLICES:
            rows.append((m, p, g, n, rate, 1.0, 1.0, 3.0, n, 0.0, None, None, 100, None, 0, 0, n, n))
    return rows


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
    _insert(con, "marts.roll_forward", list(ROLL_FORWARD))
    _insert(con, "marts.complaint_metrics", _complaint_metrics())
    _insert(con, "marts.complaints_by_bucket", [
        (m, bucket, n, accounts, rate) for m in MONTHS[1:] for bucket, n, accounts, rate in COMPLAINT_BUCKETS])
    # per-account tables a dashboard must never read
    _insert(con, "marts.account_month",
            [(SECRET_IDS[0], AS_OF, "cards", "revolving", "open", 999.99, 0.00, 0, "current")])
    _insert(con, "staging.accounts", [(SECRET_IDS[1], "loans", "North")])
    _insert(con, "marts.vintage_curves", _vintage_curves())
    # the converted figures (no fx file here: empty, as the warehouse holds them without a reporting currency)
    for mart in ("aging", "roll_rates", "cure_rates", "delinquency_rates", "charge_offs", "roll_forward"):
        con.execute(f"""CREATE TABLE marts.{mart}_converted AS SELECT *, 'USD' AS currency, NULL::VARCHAR AS converted_from,
                        NULL::VARCHAR AS fx_rates, NULL::VARCHAR AS not_converted FROM marts.{mart} LIMIT 0""")


# marts.vintage_curves (the vintages page, tests/dashboards/test_vintage_curves.py): USD book p1 with vintages
# 2026-08 (ages 0–2) and 2026-09 (ages 0–1), and a CAD book p2 holding only vintage 2026-09 (ages 0–1); each
# currency's 'all' holds the same rows as its one portfolio. (month_end, portfolio, currency, vintage, age,
# accounts, exposure, ever 30/60/90 accounts, gross charge-off, recoveries, open accounts, open balance)
VINTAGE_CURVES = (
    ("2026-08-31", "p1", "USD", "2026-08", 0, 4, "4000.00", 0, 0, 0, "0.00", "0.00", 4, "3000.00"),
    ("2026-09-30", "p1", "USD", "2026-08", 1, 4, "4000.00", 1, 0, 0, "0.00", "0.00", 4, "2900.00"),
    ("2026-10-31", "p1", "USD", "2026-08", 2, 4, "4000.00", 1, 1, 1, "400.00", "40.00", 3, "2500.00"),
    ("2026-09-30", "p1", "USD", "2026-09", 0, 2, "1000.00", 0, 0, 0, "0.00", "0.00", 2, "800.00"),
    ("2026-10-31", "p1", "USD", "2026-09", 1, 2, "1000.00", 1, 0, 0, "0.00", "0.00", 2, "750.00"),
    ("2026-09-30", "p2", "CAD", "2026-09", 0, 5, "5000.00", 0, 0, 0, "0.00", "0.00", 5, "4321.09"),
    ("2026-10-31", "p2", "CAD", "2026-09", 1, 5, "5000.00", 2, 1, 0, "0.00", "0.00", 5, "4100.00"),
)


def _vintage_curves() -> list[tuple]:
    """The rows of marts.vintage_curves: each VINTAGE_CURVES row for its portfolio and for 'all', the rates
    and the net loss worked out from its figures."""
    rows = []
    for me, portfolio, cur, v, age, n, exp, e30, e60, e90, gross, rec, n_open, bal in VINTAGE_CURVES:
        net = Decimal(gross) - Decimal(rec)
        for book in (portfolio, "all"):
            rows.append((me, book, cur, v, age, n, exp, e30, e60, e90, e30 / n, e60 / n, e90 / n, gross, rec,
                         str(net), float(net / Decimal(exp)), n_open, bal))
    return rows


def _build_reports(out, *extra) -> list[str]:
    """build_reports into `out` from the hand-made marts in a new in-memory DuckDB, after each `extra(con)`
    (more tables, more rows); returns the paths written."""
    import duckdb

    from dashboards import build_reports

    con = duckdb.connect(":memory:")
    try:
        _make_marts(con)
        for add in extra:
            add(con)
        return build_reports(con, str(out))
    finally:
        con.close()


@pytest.fixture(scope="session")
def hand_marts() -> SimpleNamespace:
    """make_marts(con) fills `con` with the hand-made marts; MARTS_DDL creates the tables, empty; AS_OF (the
    latest month end), SECRET_IDS (planted in per-account tables) and SUPPRESSED_VALUES (the values of
    slices with fewer than 5 complaints, which no page may show) are what the tests look for;
    build_reports(out, *extra) writes the reports folder of the hand-made marts (and of what each
    `extra(con)` adds) into `out`."""
    return SimpleNamespace(make_marts=_make_marts, MARTS_DDL=MARTS_DDL, AS_OF=AS_OF, build_reports=_build_reports,
                           SECRET_IDS=SECRET_IDS, SUPPRESSED_VALUES=SUPPRESSED_VALUES, VINTAGE_CURVES=VINTAGE_CURVES)


# ---- the by-segment marts (marts.<mart>_by_segment), hand-made ------------------------------------------
# Columns: month_end, portfolio, currency, segment, segment_value, then the base mart's columns in its order.
# Four books (two currencies): b = the index in SEGMENT_BOOKS. Each (segment, value) has a base count C;
# its row in month i (0..2 over MONTHS) of book b is built over N = C + 10·b + i accounts. 'bankrupt'
# (C = 2) is a small cell in every book but cards-ca · CAD (N = 32..34); '25,000+' exists in the CAD books only.
SEGMENT_BOOKS = (("all", "USD"), ("cards", "USD"), ("all", "CAD"), ("cards-ca", "CAD"))
SEGMENT_VALUES = {  # segment -> ((value, C), ...), values in the order the tables list them (not the page's)
    "product_type": (("revolving", 100), ("installment", 60)),
    "region": (("North", 120), ("(none)", 40)),
    "vintage_year": (("2024", 80), ("2023", 80)),
    "hardship_flag": (("none", 150), ("bankrupt", 2)),
    "limit_band": (("5,000–9,999.99", 70), ("10,000–24,999.99", 50), ("1,000–4,999.99", 40), ("25,000+", 30)),
}
SEGMENT_DDL = """
CREATE TABLE marts.aging_by_segment (month_end DATE, portfolio VARCHAR, currency VARCHAR, segment VARCHAR,
    segment_value VARCHAR, bucket VARCHAR, accounts BIGINT, balance DECIMAL(18,2), past_due_amount DECIMAL(18,2));
CREATE TABLE marts.delinquency_rates_by_segment (month_end DATE, portfolio VARCHAR, currency VARCHAR,
    segment VARCHAR, segment_value VARCHAR, open_accounts BIGINT, open_balance DECIMAL(18,2),
    dq30_account_rate DOUBLE, dq30_balance_rate DOUBLE, dq60_account_rate DOUBLE, dq60_balance_rate DOUBLE,
    dq90_account_rate DOUBLE, dq90_balance_rate DOUBLE);
CREATE TABLE marts.roll_rates_by_segment (month_end DATE, portfolio VARCHAR, currency VARCHAR, segment VARCHAR,
    segment_value VARCHAR, from_bucket VARCHAR, to_bucket VARCHAR, accounts BIGINT, balance DECIMAL(18,2),
    account_rate DOUBLE, balance_rate DOUBLE);
CREATE TABLE marts.cure_rates_by_segment (month_end DATE, portfolio VARCHAR, currency VARCHAR, segment VARCHAR,
    segment_value VARCHAR, from_bucket VARCHAR, accounts BIGINT, balance DECIMAL(18,2), cured_accounts BIGINT,
    cure_rate DOUBLE, balance_cure_rate DOUBLE, cured_within_3m_rate DOUBLE, redefault_6m_rate DOUBLE);
CREATE TABLE marts.charge_offs_by_segment (month_end DATE, portfolio VARCHAR, currency VARCHAR, segment VARCHAR,
    segment_value VARCHAR, gross_charge_off DECIMAL(18,2), recoveries DECIMAL(18,2), net_charge_off DECIMAL(18,2),
    average_balance DECIMAL(18,2), nco_rate_annualized DOUBLE);
"""


def _segment_rows():
    """(i, month_end, b, portfolio, currency, segment, value, k, N) for every row of the by-segment marts: k is
    the value's index in SEGMENT_VALUES."""
    for i, m in enumerate(MONTHS):
        for b, (p, cur) in enumerate(SEGMENT_BOOKS):
            for segment, values in SEGMENT_VALUES.items():
                for k, (value, c) in enumerate(values):
                    if value == "25,000+" and cur != "CAD":
                        continue
                    yield i, m, b, p, cur, segment, value, k, c + 10 * b + i


def _make_segment_marts(con) -> None:
    """The five by-segment marts (SEGMENT_DDL), filled by hand-checkable formulas (N as in SEGMENT_VALUES):
    - aging: current N accounts, 1,000.00·N; dpd_1_29 2 accounts, 500.00 + 100·k; dpd_30_59 1, 250.25;
      closed 1, 0.00. Open accounts N + 3, open balance 1,000·N + 750.25 + 100·k, 1+ DPD 750.25 + 100·k.
    - delinquency: open accounts N, open balance 1,000.00·N + i, dq30 balance rate 0.01·(k+1) + 0.001·i +
      0.0001·b (rounded to 6 places).
    - roll rates (months 2 and 3): current → current N, current → dpd_1_29 k + 1 + i accounts: the entry rate
      (k + 1 + i) / (N + k + 1 + i) over N + k + 1 + i current accounts; dpd_1_29 → current 1.
    - cure rates (months 2 and 3): dpd_1_29 N accounts, k + 1 + i cured; dpd_30_59 5 accounts, 1 cured: the
      cure rate (k + 2 + i) / (N + 5).
    - charge-offs: gross 100.00·(k+1) + 10·b + i, recoveries 10.00, net gross − 10, average balance 1,000·N
      and NCO rate round(net·12 / (1,000·N), 6), both NULL in the first month."""
    con.execute(SEGMENT_DDL)
    aging, dq, roll, cure, co = [], [], [], [], []
    for i, m, b, p, cur, segment, value, k, n in _segment_rows():
        key = (m, p, cur, segment, value)
        aging += [(*key, "current", n, 1000.00 * n, 0.00), (*key, "dpd_1_29", 2, 500.00 + 100 * k, 80.00),
                  (*key, "dpd_30_59", 1, 250.25, 120.00), (*key, "closed", 1, 0.00, 0.00)]
        dq.append((*key, n, 1000.00 * n + i, 0.05, round(0.01 * (k + 1) + 0.001 * i + 0.0001 * b, 6),
                   0.02, 0.03, 0.01, 0.015))
        gross = 100.00 * (k + 1) + 10 * b + i
        co.append((*key, gross, 10.00, gross - 10.00, None if i == 0 else 1000.00 * n,
                   None if i == 0 else round((gross - 10.00) * 12 / (1000.00 * n), 6)))
        if i == 0:
            continue
        rolled = k + 1 + i
        roll += [(*key, "current", "current", n, 1000.00 * n, n / (n + rolled), n / (n + rolled)),
                 (*key, "current", "dpd_1_29", rolled, 900.00, rolled / (n + rolled), 0.01),
                 (*key, "dpd_1_29", "current", 1, 500.00, 1.0, 1.0)]
        cure += [(*key, "dpd_1_29", n, 400.00 * n, k + 1 + i, (k + 1 + i) / n, 0.5, None, None),
                 (*key, "dpd_30_59", 5, 250.25, 1, 0.2, 0.2, None, None)]
    for table, rows in (("aging", aging), ("delinquency_rates", dq), ("roll_rates", roll), ("cure_rates", cure),
                        ("charge_offs", co)):
        _insert(con, f"marts.{table}_by_segment", rows)


@pytest.fixture(scope="session")
def hand_segment_marts() -> SimpleNamespace:
    """make(con) adds the five hand-made by-segment marts to a warehouse filled by `hand_marts.make_marts`;
    BOOKS and VALUES are what they hold (see SEGMENT_VALUES), DDL creates them empty."""
    return SimpleNamespace(make=_make_segment_marts, DDL=SEGMENT_DDL, BOOKS=SEGMENT_BOOKS, VALUES=SEGMENT_VALUES)
