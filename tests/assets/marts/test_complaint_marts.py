"""Complaint marts on a hand-made book: every expected figure below was worked out by hand.

Reporting months: 2026-01-31, 2026-02-28, 2026-03-31 (L = 2026-03-31).

Accounts (marts.account_month, open unless said):
    A1 cards  Jan current       Feb dpd 35 (dpd_30_59)  Mar dpd 65 (dpd_60_89)
    A2 cards  Jan current       Feb current             Mar dpd 5 (dpd_1_29)
    A3 loans  Jan dpd 10        Feb charged_off         (no row after)
    A4 loans  Jan current       Feb current             Mar current
    A5 loans  opened in March                           Mar current
    A9        in staging.accounts but without any account_month row
Open accounts   Jan: cards 2, loans 2, all 4   Feb: cards 2, loans 1, all 3   Mar: cards 2, loans 2, all 4
Delinquent (open, dpd >= 1)   Jan: loans 1, all 1   Feb: cards 1, all 1   Mar: cards 2, all 2

Complaints (CT = Communication tactics, conduct; TT = Took or threatened ..., conduct;
FS = False statements or representation, conduct; AD = Attempts to collect debt not owed;
WN = Written notification about debt; other):
    id  acct recv        grp   responded   closed      response  notes
    C1  A1   2026-01-05  CT    2026-01-20  2026-01-20  CE   answered on day 15: timely
    C2  A1   2026-02-10  AD    2026-03-01  2026-04-15  CE   19 days: untimely; closed after L; repeat of C1
    C3  A2   2026-02-20  CT    2026-02-25  2026-03-05  CE   repeat of C11 (exactly 365 days earlier)
    C4  -    2026-02-14  other -           -           IP   15 days ran out by L: untimely; 60 days not
    C5  A3   2026-02-03  TT    2026-02-10  2026-02-27  CM
    C6  A4   2026-03-25  WN    -           -           IP   15 and 60 days not run out at L: left out
    C7  A2   2026-03-20  FS    2026-03-30  -           IP   repeat of C3
    C8  -    2025-11-10  CT    2025-11-12  2026-01-15  CE   before the reporting months; 66 days to close
    C9  A1   2026-03-31  CT    2026-04-02  -           IP   answered after L, 15 days not run out: left out
    C10 A4   2026-03-25  CT    2026-03-26  2026-03-28  CN   same day as C6: not a repeat; C12 is 366 days back
    C11 A2   2025-02-20  CT    2025-02-21  2025-02-22  CE
    C12 A4   2025-03-24  CT    2025-03-25  2025-03-26  CE
    C13 A9   2026-01-15  other 2026-01-16  2026-01-16  CE   account without rows: portfolio 'all' only
    C14 A5   2026-03-10  other 2026-03-11  2026-03-12  CE   no row at m-1: not in complaints_by_bucket
    C15 A3   2026-03-15  TT    2026-03-31  -           IP   16 days: untimely; portfolio from its Feb row
    C16 -    2026-03-16  other -           -           IP   15 days end exactly on L: run out, untimely
Responses: CE/CN/CM = Closed with explanation / non-monetary relief / monetary relief, IP = In progress,
UR = Untimely response. Every date above is known where the response needs one, so no date is unknown.

A second book (fixture `unknown`, same accounts and months) holds complaints whose response says answered
or closed but whose date is missing, as in CFPB imports (test_dates_unknown_*):
    id  acct recv        grp   responded   closed      response  notes
    D1  -    2026-01-05  AD    -           -           CE   answered and closed, dates unknown
    D2  -    2026-01-10  AD    -           -           CM   answered and closed, dates unknown
    D3  -    2026-01-12  CT    -           -           UR   answered late or never: not timely; not closed
    D4  A1   2026-01-20  CT    2026-01-25  2026-02-10  CE   dates known: 5 days to answer, 21 to close
    D5  -    2026-02-02  other 2026-02-05  -           CN   answered in 3 days; closed, date unknown
    D6  -    2026-02-15  other -           2026-02-20  CE   answered, date unknown; closed after 5 days
    D7  -    2026-02-20  CT    -           -           IP   unanswered, 15 days run out: not timely
    D8  -    2026-03-10  WN    -           -           CE   answered and closed, dates unknown
    D9  -    2026-03-25  CT    -           -           UR   15 days not run out at L, yet known not timely
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from assets.marts.complaint_metrics import build_complaint_metrics
from assets.marts.complaints_by_bucket import build_complaints_by_bucket

D = dt.date.fromisoformat
CT = "Communication tactics"
TT = "Took or threatened to take negative or legal action"
FS = "False statements or representation"
AD = "Attempts to collect debt not owed"
WN = "Written notification about debt"

ACCOUNT_MONTHS = [
    # account, month_end, portfolio, status, dpd, bucket
    ("A1", "2026-01-31", "cards", "open", 0, "current"),
    ("A1", "2026-02-28", "cards", "open", 35, "dpd_30_59"),
    ("A1", "2026-03-31", "cards", "open", 65, "dpd_60_89"),
    ("A2", "2026-01-31", "cards", "open", 0, "current"),
    ("A2", "2026-02-28", "cards", "open", 0, "current"),
    ("A2", "2026-03-31", "cards", "open", 5, "dpd_1_29"),
    ("A3", "2026-01-31", "loans", "open", 10, "dpd_1_29"),
    ("A3", "2026-02-28", "loans", "charged_off", None, "charged_off"),
    ("A4", "2026-01-31", "loans", "open", 0, "current"),
    ("A4", "2026-02-28", "loans", "open", 0, "current"),
    ("A4", "2026-03-31", "loans", "open", 0, "current"),
    ("A5", "2026-03-31", "loans", "open", 0, "current"),
]

CE, CN, CM = "Closed with explanation", "Closed with non-monetary relief", "Closed with monetary relief"
IP, UR = "In progress", "Untimely response"

COMPLAINTS = [
    # id, account, received, group, responded, closed, company_response
    ("C1", "A1", "2026-01-05", CT, "2026-01-20", "2026-01-20", CE),
    ("C2", "A1", "2026-02-10", AD, "2026-03-01", "2026-04-15", CE),
    ("C3", "A2", "2026-02-20", CT, "2026-02-25", "2026-03-05", CE),
    ("C4", None, "2026-02-14", "other", None, None, IP),
    ("C5", "A3", "2026-02-03", TT, "2026-02-10", "2026-02-27", CM),
    ("C6", "A4", "2026-03-25", WN, None, None, IP),
    ("C7", "A2", "2026-03-20", FS, "2026-03-30", None, IP),
    ("C8", None, "2025-11-10", CT, "2025-11-12", "2026-01-15", CE),
    ("C9", "A1", "2026-03-31", CT, "2026-04-02", None, IP),
    ("C10", "A4", "2026-03-25", CT, "2026-03-26", "2026-03-28", CN),
    ("C11", "A2", "2025-02-20", CT, "2025-02-21", "2025-02-22", CE),
    ("C12", "A4", "2025-03-24", CT, "2025-03-25", "2025-03-26", CE),
    ("C13", "A9", "2026-01-15", "other", "2026-01-16", "2026-01-16", CE),
    ("C14", "A5", "2026-03-10", "other", "2026-03-11", "2026-03-12", CE),
    ("C15", "A3", "2026-03-15", TT, "2026-03-31", None, IP),
    ("C16", None, "2026-03-16", "other", None, None, IP),
]

UNKNOWN_DATES = [
    ("D1", None, "2026-01-05", AD, None, None, CE),
    ("D2", None, "2026-01-10", AD, None, None, CM),
    ("D3", None, "2026-01-12", CT, None, None, UR),
    ("D4", "A1", "2026-01-20", CT, "2026-01-25", "2026-02-10", CE),
    ("D5", None, "2026-02-02", "other", "2026-02-05", None, CN),
    ("D6", None, "2026-02-15", "other", None, "2026-02-20", CE),
    ("D7", None, "2026-02-20", CT, None, None, IP),
    ("D8", None, "2026-03-10", WN, None, None, CE),
    ("D9", None, "2026-03-25", CT, None, None, UR),
]


def _book(complaints) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    for schema in ("staging", "marts"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CREATE TABLE staging.reporting_months (month_end DATE)")
    con.executemany("INSERT INTO staging.reporting_months VALUES (?)",
                    [(D(m),) for m in ("2026-01-31", "2026-02-28", "2026-03-31")])
    con.execute("""CREATE TABLE marts.account_month (account_id VARCHAR, month_end DATE, portfolio VARCHAR,
                   product_type VARCHAR, status VARCHAR, balance DECIMAL(18,2), past_due_amount DECIMAL(18,2),
                   dpd INTEGER, bucket VARCHAR)""")
    con.executemany(
        "INSERT INTO marts.account_month VALUES (?, ?, ?, 'installment', ?, 100.00, 0.00, ?, ?)",
        [(a, D(m), p, s, dpd, b) for a, m, p, s, dpd, b in ACCOUNT_MONTHS],
    )
    con.execute("""CREATE TABLE staging.complaints (complaint_id VARCHAR, account_id VARCHAR, received_on DATE,
                   submitted_via VARCHAR, product VARCHAR, issue VARCHAR, sub_issue VARCHAR, responded_on DATE,
                   closed_on DATE, company_response VARCHAR, issue_group VARCHAR, source_file VARCHAR,
                   line_number BIGINT)""")
    con.executemany(
        "INSERT INTO staging.complaints VALUES (?, ?, ?, 'web', 'Debt collection', ?, NULL, ?, ?, ?, ?, "
        "'complaints/test.csv', ?)",
        [(cid, acct, D(r), grp, resp and D(resp), closed and D(closed), response, grp, n)
         for n, (cid, acct, r, grp, resp, closed, response) in enumerate(complaints, start=2)],
    )
    build_complaint_metrics(con)
    build_complaints_by_bucket(con)
    return con


@pytest.fixture(scope="module")
def con():
    con = _book(COMPLAINTS)
    yield con
    con.close()


@pytest.fixture(scope="module")
def unknown():
    con = _book(UNKNOWN_DATES)
    yield con
    con.close()


COLUMNS = ("complaints", "complaints_per_1000", "timely_response_rate", "closed_within_60d_rate",
           "median_days_to_close", "open_backlog", "repeat_rate", "conduct_complaints",
           "conduct_per_1000_delinquent", "open_accounts", "delinquent_accounts", "dates_unknown",
           "backlog_unknown", "timely_response_denominator", "closed_within_60d_denominator")


def row(con, month_end, portfolio, issue_group):
    found = con.execute(
        f"SELECT {', '.join(COLUMNS)} FROM marts.complaint_metrics "
        "WHERE month_end = ? AND portfolio = ? AND issue_group = ?",
        [D(month_end), portfolio, issue_group],
    ).fetchall()
    assert len(found) == 1, (month_end, portfolio, issue_group, found)
    return dict(zip(COLUMNS, found[0]))


def same(actual: dict, expected: dict):
    for key, value in expected.items():
        if isinstance(value, float):
            assert actual[key] == pytest.approx(value), key
        else:
            assert actual[key] == value, key


# ---- marts.complaint_metrics -------------------------------------------------------------------------

def test_schema_and_types(con):
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'marts' AND table_name = 'complaint_metrics'").fetchall())
    assert types["month_end"] == "DATE"
    assert types["complaints"] == "BIGINT" and types["open_backlog"] == "BIGINT"
    for count in ("dates_unknown", "backlog_unknown", "timely_response_denominator",
                  "closed_within_60d_denominator"):
        assert types[count] == "BIGINT", count
    for rate in ("complaints_per_1000", "timely_response_rate", "closed_within_60d_rate",
                 "median_days_to_close", "repeat_rate", "conduct_per_1000_delinquent"):
        assert types[rate] == "DOUBLE", rate


def test_rows_only_for_slices_with_complaints(con):
    # 2025-02: 4 rows, 2025-03: 4, 2025-11: 2, 2026-01: 5, 2026-02: 10, 2026-03: 14 (counted by hand)
    per_month = dict(con.execute(
        "SELECT strftime(month_end, '%Y-%m'), count(*) FROM marts.complaint_metrics GROUP BY 1").fetchall())
    assert per_month == {"2025-02": 4, "2025-03": 4, "2025-11": 2, "2026-01": 5, "2026-02": 10, "2026-03": 14}
    assert con.execute("SELECT min(complaints) FROM marts.complaint_metrics").fetchall()[0][0] == 1
    assert con.execute("SELECT count(*) FROM marts.complaint_metrics WHERE portfolio IS NULL "
                       "OR issue_group IS NULL").fetchall()[0][0] == 0


def test_totals_reconcile_with_staging(con):
    by_month = con.execute(
        "SELECT strftime(month_end, '%Y-%m'), complaints FROM marts.complaint_metrics "
        "WHERE portfolio = 'all' AND issue_group = 'all' ORDER BY 1").fetchall()
    assert by_month == [("2025-02", 1), ("2025-03", 1), ("2025-11", 1), ("2026-01", 2), ("2026-02", 4),
                        ("2026-03", 7)]
    assert sum(n for _, n in by_month) == len(COMPLAINTS) == 16
    # issue groups add up to 'all' within every (month, portfolio)
    assert con.execute("""
        SELECT count(*) FROM (
            SELECT month_end, portfolio,
                   sum(complaints) FILTER (WHERE issue_group <> 'all') AS parts,
                   sum(complaints) FILTER (WHERE issue_group = 'all') AS whole
            FROM marts.complaint_metrics GROUP BY ALL) WHERE parts <> whole""").fetchall()[0][0] == 0


def test_february_all(con):
    # C2 C3 C4 C5; 3 open accounts. Timely: C3, C5 of 4. 60 days: C3, C5 of 2 (C2, C4 left out).
    # Days to close: 13, 24. Open at 02-28: C2, C3, C4. Repeats: C2, C3. Conduct: C3, C5; 1 delinquent.
    same(row(con, "2026-02-28", "all", "all"), dict(
        complaints=4, complaints_per_1000=4000 / 3, timely_response_rate=0.5, closed_within_60d_rate=1.0,
        median_days_to_close=18.5, open_backlog=3, repeat_rate=0.5, conduct_complaints=2,
        conduct_per_1000_delinquent=2000.0, open_accounts=3, delinquent_accounts=1,
        timely_response_denominator=4, closed_within_60d_denominator=2))


def test_february_portfolios(con):
    same(row(con, "2026-02-28", "cards", "all"), dict(
        complaints=2, complaints_per_1000=1000.0, timely_response_rate=0.5, closed_within_60d_rate=1.0,
        median_days_to_close=13.0, open_backlog=2, repeat_rate=1.0, conduct_complaints=1,
        conduct_per_1000_delinquent=1000.0, open_accounts=2, delinquent_accounts=1))
    same(row(con, "2026-02-28", "loans", "all"), dict(
        complaints=1, complaints_per_1000=1000.0, timely_response_rate=1.0, closed_within_60d_rate=1.0,
        median_days_to_close=24.0, open_backlog=0, repeat_rate=0.0, conduct_complaints=1,
        conduct_per_1000_delinquent=None, open_accounts=1, delinquent_accounts=0))
    # C4 has no account: only under 'all'; unanswered and 15 days run out -> untimely; 60 days not run out
    same(row(con, "2026-02-28", "all", "other"), dict(
        complaints=1, complaints_per_1000=1000 / 3, timely_response_rate=0.0, closed_within_60d_rate=None,
        median_days_to_close=None, open_backlog=1, repeat_rate=0.0, conduct_complaints=None,
        conduct_per_1000_delinquent=None, open_accounts=3, delinquent_accounts=None))


def test_march_latest_month(con):
    # C6 C7 C9 C10 C14 C15 C16. Timely: eligible C7 C10 C14 C15 C16 (C6, C9 left out), timely C7 C10 C14.
    # 60 days: eligible C10 C14 (closed by L), both within. Days: 3, 2. Open at L: C2 C4 C6 C7 C9 C15 C16.
    # Repeats: C7 C9 C15. Conduct: C7 C9 C10 C15; 2 delinquent.
    same(row(con, "2026-03-31", "all", "all"), dict(
        complaints=7, complaints_per_1000=1750.0, timely_response_rate=0.6, closed_within_60d_rate=1.0,
        median_days_to_close=2.5, open_backlog=7, repeat_rate=3 / 7, conduct_complaints=4,
        conduct_per_1000_delinquent=2000.0, open_accounts=4, delinquent_accounts=2,
        timely_response_denominator=5, closed_within_60d_denominator=2))
    # loans: C6 C10 C14 C15 (C15's account has no March row: portfolio from its February row)
    same(row(con, "2026-03-31", "loans", "all"), dict(
        complaints=4, complaints_per_1000=2000.0, timely_response_rate=2 / 3, closed_within_60d_rate=1.0,
        median_days_to_close=2.5, open_backlog=2, repeat_rate=0.25, conduct_complaints=2,
        conduct_per_1000_delinquent=None, open_accounts=2, delinquent_accounts=0))
    # cards: C7 C9; nothing closed yet and both 60-day windows still running -> NULL closure figures
    same(row(con, "2026-03-31", "cards", "all"), dict(
        complaints=2, complaints_per_1000=1000.0, timely_response_rate=1.0, closed_within_60d_rate=None,
        median_days_to_close=None, open_backlog=3, repeat_rate=1.0, conduct_complaints=2,
        conduct_per_1000_delinquent=1000.0, open_accounts=2, delinquent_accounts=2))
    # C9 alone: answered after L within 15 days -> left out of the denominator -> NULL
    same(row(con, "2026-03-31", "cards", CT), dict(
        complaints=1, complaints_per_1000=500.0, timely_response_rate=None, closed_within_60d_rate=None,
        median_days_to_close=None, open_backlog=1, repeat_rate=1.0, conduct_complaints=None,
        conduct_per_1000_delinquent=None, open_accounts=2, delinquent_accounts=None,
        timely_response_denominator=0, closed_within_60d_denominator=0))
    same(row(con, "2026-03-31", "all", CT), dict(
        complaints=2, complaints_per_1000=500.0, timely_response_rate=1.0, closed_within_60d_rate=1.0,
        median_days_to_close=3.0, open_backlog=1, repeat_rate=0.5))
    # C15: 16 days -> untimely
    same(row(con, "2026-03-31", "all", TT), dict(
        complaints=1, complaints_per_1000=250.0, timely_response_rate=0.0, closed_within_60d_rate=None,
        median_days_to_close=None, open_backlog=1, repeat_rate=1.0))
    # C14 timely; C16 unanswered with its 15 days ending exactly on L -> run out -> untimely
    same(row(con, "2026-03-31", "all", "other"), dict(
        complaints=2, complaints_per_1000=500.0, timely_response_rate=0.5, closed_within_60d_rate=1.0,
        median_days_to_close=2.0, open_backlog=2, repeat_rate=0.0))
    # C6 alone: both windows still running at L
    same(row(con, "2026-03-31", "loans", WN), dict(
        complaints=1, timely_response_rate=None, closed_within_60d_rate=None, open_backlog=1, repeat_rate=0.0))


def test_january(con):
    # C1 (answered and closed on day 15) and C13 (closed after 1 day; account without rows: 'all' only)
    same(row(con, "2026-01-31", "all", "all"), dict(
        complaints=2, complaints_per_1000=500.0, timely_response_rate=1.0, closed_within_60d_rate=1.0,
        median_days_to_close=8.0, open_backlog=0, repeat_rate=0.0, conduct_complaints=1,
        conduct_per_1000_delinquent=1000.0, open_accounts=4, delinquent_accounts=1))
    assert con.execute("SELECT list(portfolio ORDER BY portfolio) FROM marts.complaint_metrics "
                       "WHERE month_end = '2026-01-31' AND issue_group = 'other'").fetchall()[0][0] == ["all"]


def test_months_outside_reporting_range_keep_counts_without_account_rates(con):
    # C8: closed after 66 days -> not within 60; open at 2025-11-30
    same(row(con, "2025-11-30", "all", "all"), dict(
        complaints=1, complaints_per_1000=None, timely_response_rate=1.0, closed_within_60d_rate=0.0,
        median_days_to_close=66.0, open_backlog=1, repeat_rate=0.0, conduct_complaints=1,
        conduct_per_1000_delinquent=None, open_accounts=None, delinquent_accounts=None))
    # C11: portfolio of A2's earliest later row (cards)
    same(row(con, "2025-02-28", "cards", "all"), dict(
        complaints=1, complaints_per_1000=None, open_backlog=0, repeat_rate=0.0))


def test_rates_in_unit_interval(con):
    assert con.execute("""
        SELECT count(*) FROM marts.complaint_metrics
        WHERE timely_response_rate NOT BETWEEN 0 AND 1 OR closed_within_60d_rate NOT BETWEEN 0 AND 1
           OR repeat_rate NOT BETWEEN 0 AND 1""").fetchall()[0][0] == 0


def test_no_unknown_dates_in_the_first_book(con):
    # every complaint of the first book has the dates its response needs
    assert con.execute("SELECT sum(dates_unknown), max(backlog_unknown), count(*) FILTER (WHERE dates_unknown "
                       "IS NULL OR backlog_unknown IS NULL) FROM marts.complaint_metrics").fetchall() == [(0, 0, 0)]


# ---- answered / closed at an unknown date (second book) ---------------------------------------------

def test_dates_unknown_january(unknown):
    # D1 D2 D3 D4. Timely: D1, D2 answered at an unknown date -> left out; D3 'Untimely response' without
    # date -> in, not timely; D4 5 days -> timely: 1/2. 60 days: D1, D2 closed at an unknown date -> left
    # out; D3 not closed, 60 days run out by L -> in, not within; D4 21 days -> within: 1/2. Median: 21.
    # Open at 01-31: D3, D4 (D1, D2 closed at an unknown date -> backlog_unknown). Unknown dates: D1 D2 D3.
    same(row(unknown, "2026-01-31", "all", "all"), dict(
        complaints=4, complaints_per_1000=1000.0, timely_response_rate=0.5, closed_within_60d_rate=0.5,
        median_days_to_close=21.0, open_backlog=2, repeat_rate=0.0, conduct_complaints=2,
        conduct_per_1000_delinquent=2000.0, open_accounts=4, delinquent_accounts=1, dates_unknown=3,
        backlog_unknown=2, timely_response_denominator=2, closed_within_60d_denominator=2))
    # D1, D2 alone: nothing left for timeliness, closure or the median -> NULL (not 0); never open
    same(row(unknown, "2026-01-31", "all", AD), dict(
        complaints=2, timely_response_rate=None, closed_within_60d_rate=None, median_days_to_close=None,
        open_backlog=0, dates_unknown=2, backlog_unknown=2, timely_response_denominator=0,
        closed_within_60d_denominator=0))
    same(row(unknown, "2026-01-31", "all", CT), dict(
        complaints=2, timely_response_rate=0.5, closed_within_60d_rate=0.5, median_days_to_close=21.0,
        open_backlog=2, dates_unknown=1, backlog_unknown=0))
    # D4 (cards) has every date: the lender's own figures are untouched
    same(row(unknown, "2026-01-31", "cards", "all"), dict(
        complaints=1, complaints_per_1000=500.0, timely_response_rate=1.0, closed_within_60d_rate=1.0,
        median_days_to_close=21.0, open_backlog=1, dates_unknown=0, backlog_unknown=0))


def test_dates_unknown_february(unknown):
    # D5 D6 D7. Timely: D5 3 days -> timely; D6 answered at an unknown date -> left out; D7 in progress,
    # 15 days run out -> not timely: 1/2. 60 days: D5 closed at an unknown date -> left out; D6 5 days ->
    # within; D7 60 days not run out -> left out: 1/1. Median: 5. Open at 02-28: D3, D7 (D4, D6 closed);
    # closed at an unknown date by then: D1 D2 D5. Unknown dates: D5 (closing), D6 (answer).
    same(row(unknown, "2026-02-28", "all", "all"), dict(
        complaints=3, complaints_per_1000=1000.0, timely_response_rate=0.5, closed_within_60d_rate=1.0,
        median_days_to_close=5.0, open_backlog=2, dates_unknown=2, backlog_unknown=3))
    same(row(unknown, "2026-02-28", "all", "other"), dict(
        complaints=2, timely_response_rate=1.0, closed_within_60d_rate=1.0, median_days_to_close=5.0,
        open_backlog=0, dates_unknown=2, backlog_unknown=1))


def test_dates_unknown_march(unknown):
    # D8 D9. Timely: D8 left out; D9 'Untimely response' -> in as not timely although its 15 days had not
    # run out at L: 0/1. 60 days: D8 left out, D9's window still running -> NULL. Open at L: D3 D7 D9;
    # closed at an unknown date by then: D1 D2 D5 D8.
    same(row(unknown, "2026-03-31", "all", "all"), dict(
        complaints=2, complaints_per_1000=500.0, timely_response_rate=0.0, closed_within_60d_rate=None,
        median_days_to_close=None, open_backlog=3, dates_unknown=2, backlog_unknown=4,
        timely_response_denominator=1, closed_within_60d_denominator=0))
    same(row(unknown, "2026-03-31", "all", WN), dict(
        complaints=1, timely_response_rate=None, closed_within_60d_rate=None, median_days_to_close=None,
        open_backlog=0, dates_unknown=1, backlog_unknown=1))
    same(row(unknown, "2026-03-31", "all", CT), dict(
        complaints=1, timely_response_rate=0.0, closed_within_60d_rate=None, open_backlog=3, dates_unknown=1,
        backlog_unknown=0))


def test_dates_unknown_keep_the_totals(unknown):
    by_month = unknown.execute(
        "SELECT strftime(month_end, '%Y-%m'), complaints FROM marts.complaint_metrics "
        "WHERE portfolio = 'all' AND issue_group = 'all' ORDER BY 1").fetchall()
    assert by_month == [("2026-01", 4), ("2026-02", 3), ("2026-03", 2)]
    assert sum(n for _, n in by_month) == len(UNKNOWN_DATES)


# ---- marts.complaints_by_bucket ----------------------------------------------------------------------

def test_complaints_by_bucket(con):
    rows = con.execute(
        "SELECT strftime(month_end, '%Y-%m'), bucket, complaints, accounts, complaints_per_1000 "
        "FROM marts.complaints_by_bucket ORDER BY 1, 2").fetchall()
    # Feb (buckets at Jan): current A1 A2 A4 <- C2 C3; dpd_1_29 A3 <- C5.
    # Mar (buckets at Feb): current A2 A4 <- C6 C7 C10; dpd_30_59 A1 <- C9. Left out: C4, C16 (no
    # account), C14 (A5 had no February row), C15 (A3 charged off at February), January (no m-1).
    assert [r[:4] for r in rows] == [
        ("2026-02", "current", 2, 3),
        ("2026-02", "dpd_1_29", 1, 1),
        ("2026-03", "current", 3, 2),
        ("2026-03", "dpd_30_59", 1, 1),
    ]
    assert [r[4] for r in rows] == pytest.approx([2000 / 3, 1000.0, 1500.0, 1000.0])
    types = dict(con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'marts' AND table_name = 'complaints_by_bucket'").fetchall())
    assert types == {"month_end": "DATE", "bucket": "VARCHAR", "complaints": "BIGINT", "accounts": "BIGINT",
                     "complaints_per_1000": "DOUBLE"}


def test_rebuild_is_deterministic(con):
    before = con.execute("SELECT * FROM marts.complaint_metrics ORDER BY ALL").fetchall()
    build_complaint_metrics(con)
    assert con.execute("SELECT * FROM marts.complaint_metrics ORDER BY ALL").fetchall() == before
