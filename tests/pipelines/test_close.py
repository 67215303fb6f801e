"""Closing a month (issue 15): `arrears close`, the published schema, restatements and maturing figures, on
books written by hand whose figures are worked out below."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

MARTS_COMPARED = ("account_month", "aging", "roll_rates", "cure_rates", "delinquency_rates", "charge_offs",
                  "roll_forward", "complaint_metrics", "complaints_by_bucket", "vintage_curves")


def three_months(book):
    """Two revolving accounts of portfolio p1, no dues (so every row is current):

    | entry | account | posted     | type     | amount |
    |-------|---------|------------|----------|--------|
    | E1    | A1      | 2026-08-05 | purchase | 100.00 |
    | E2    | A2      | 2026-08-06 | purchase | 200.00 |
    | E3    | A1      | 2026-09-10 | payment  |  40.00 |
    | E4    | A1      | 2026-10-10 | payment  |  30.00 |
    | E5    | A2      | 2026-10-12 | payment  |  50.00 |

    Balances: A1 100 / 60 / 30, A2 200 / 200 / 150 at the ends of August, September, October."""
    book.write("accounts", "2026-08", [book.account("A1", "2026-08-01"), book.account("A2", "2026-08-01")])
    book.write("ledger", "2026-08", [book.entry("E1", "A1", "2026-08-05", "purchase", "100.00"),
                                     book.entry("E2", "A2", "2026-08-06", "purchase", "200.00")])
    book.write("ledger", "2026-09", [book.entry("E3", "A1", "2026-09-10", "payment", "40.00")])
    book.write("ledger", "2026-10", [book.entry("E4", "A1", "2026-10-10", "payment", "30.00"),
                                     book.entry("E5", "A2", "2026-10-12", "payment", "50.00")])


def three_months_run(book, built_copy) -> None:
    """three_months(book) and its run (`arrears run`, which must pass), as a copy in the book's folder of
    the one build of the session (its audit.runs names the shared folder's paths)."""
    def build(folder):
        built = type(book)(folder)
        three_months(built)
        assert built.arrears("run") == 0

    built_copy("close-three-months", build, book.root)


def marts_of(book, month_end: str) -> dict:
    return {t: sorted(map(str, book.query(f"SELECT * EXCLUDE (close_id) FROM published.{t} WHERE close_id = ?",
                                          [month_end]))) for t in MARTS_COMPARED}


def partition_states(book, asset: str, month: str = "2026-10") -> list[str]:
    """The close states Dagster shows on the month's partition of `asset` (its observations' `state`)."""
    import dagster as dg

    from pipelines.instance import dagster_home, persistent_instance

    instance = persistent_instance(dagster_home(str(book.warehouse)))
    records = instance.fetch_observations(dg.AssetRecordsFilter(
        asset_key=dg.AssetKey(asset.split("/")), asset_partitions=[month]), limit=20).records
    return sorted(r.event_log_entry.asset_observation.metadata["state"].value for r in records)


@pytest.mark.persistent_dagster  # reads the close back from the warehouse's Dagster instance
def test_close_then_a_changed_file_of_the_closed_month_is_a_restatement(hand_book, capsys):
    book = hand_book()
    three_months(book)
    assert book.arrears("run") == 0
    assert book.arrears("close", "2026-10", "--by", "alice", "--note", "October close") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2026-10 v1"
    old_sha = book.sha256("ledger", "2026-10")
    # Dagster shows the close on October's partition of every per-month table
    assert partition_states(book, "marts/aging") == ["closed (2026-10 v1)"]
    assert partition_states(book, "marts/account_month") == ["closed (2026-10 v1)"]

    close = book.query("SELECT close_id, month_end, version, closed_by, note, run_id, restates_version, manifest, "
                       "manifest_sha256, parameters FROM published.closes")
    assert len(close) == 1
    close_id, month_end, version, by, note, run_id, restates, manifest, manifest_hash, parameters = close[0]
    assert (close_id, month_end, version, by, note, restates) == ("2026-10 v1", date(2026, 10, 31), 1, "alice",
                                                                 "October close", None)
    assert run_id == book.query("SELECT run_id FROM audit.runs WHERE outcome = 'published'")[0][0]
    assert json.loads(parameters)["dpd_tolerance"] == "5.00"
    manifest = json.loads(manifest)
    assert manifest["as_of"] == "2026-10-31"
    assert [(f["source_file"], f["sha256"], f["rows_read"], f["rows_loaded"], f["rows_rejected"])
            for f in manifest["files"]] == [
        ("accounts/accounts_2026-08.csv", book.sha256("accounts", "2026-08"), 2, 2, 0),
        ("ledger/ledger_2026-08.csv", book.sha256("ledger", "2026-08"), 2, 2, 0),
        ("ledger/ledger_2026-09.csv", book.sha256("ledger", "2026-09"), 1, 1, 0),
        ("ledger/ledger_2026-10.csv", old_sha, 2, 2, 0)]
    from assets.publishing import manifest_sha256

    assert manifest_hash == manifest_sha256(manifest["files"])
    # the month's rows of every mart, the pages as published, the run's checks
    assert book.query("SELECT account_id, balance FROM published.account_month ORDER BY 1") == [
        ("A1", Decimal("30.00")), ("A2", Decimal("150.00"))]
    assert book.query("SELECT portfolio, bucket, accounts, balance FROM published.aging ORDER BY 1") == [
        ("all", "current", 2, Decimal("180.00")), ("p1", "current", 2, Decimal("180.00"))]
    pages = dict(book.query("SELECT file, sha256 FROM published.dashboards"))
    assert {"index.html", "aging.html", "plotly.min.js", ".arrears-run"} <= set(pages)
    import hashlib

    assert pages["index.html"] == hashlib.sha256((book.reports / "index.html").read_bytes()).hexdigest()
    # the exports are published with the pages, by their path in the folder: what finance takes away
    exports = sorted(p.relative_to(book.reports).as_posix() for p in book.reports.rglob("*.*") if p.parent != book.reports)
    assert "data/aging-balance.aging.csv" in exports and "workbooks/arrears-2026-10.xlsx" in exports
    assert {f: pages[f] for f in exports} == {f: hashlib.sha256((book.reports / f).read_bytes()).hexdigest()
                                              for f in exports}
    assert book.query("SELECT count(*) FROM published.check_results") == book.query(
        "SELECT count(*) FROM audit.check_results WHERE run_id = ?", [run_id])
    published = marts_of(book, "2026-10 v1")
    pages_before = (book.reports / "index.html").read_bytes()

    # October's ledger re-sent with E4 paid 25.00 instead of 30.00: A1 ends October at 35.00, not 30.00
    book.write("ledger", "2026-10", [book.entry("E4", "A1", "2026-10-10", "payment", "25.00"),
                                     book.entry("E5", "A2", "2026-10-12", "payment", "50.00")])
    new_sha = book.sha256("ledger", "2026-10")
    assert book.arrears("run") == 1
    err = capsys.readouterr().err
    assert "closed month changed, not published: 2026-10 (closed, 2026-10 v1): files ledger/ledger_2026-10.csv changed" in err
    failed = book.query("SELECT run_id, message FROM audit.runs ORDER BY started_at DESC LIMIT 1")[0]
    assert "ledger/ledger_2026-10.csv changed" in failed[1] and "2026-10" in failed[1]

    # nothing moved: the marts and the pages are those the close published
    for table in MARTS_COMPARED:
        assert book.query(f"SELECT count(*) FROM (SELECT * FROM marts.{table} WHERE month_end = '2026-10-31' "
                          f"EXCEPT SELECT * EXCLUDE (close_id) FROM published.{table})") == [(0,)], table
    assert (book.reports / "index.html").read_bytes() == pages_before

    found = book.query("""SELECT run_id, month_end, close_id, cause_kind, source_file, old_sha256, new_sha256,
                                 approved_by_close_id FROM audit.restatements WHERE table_name IS NULL""")
    assert found == [(failed[0], date(2026, 10, 31), "2026-10 v1", "file changed", "ledger/ledger_2026-10.csv",
                      old_sha, new_sha, None)]
    moved = book.query("""SELECT table_name, row_key, column_name, published_value, recomputed_value
        FROM audit.restatements WHERE cause_kind = 'figures moved' AND run_id = ?
         AND NOT suffix(table_name, '_by_segment') ORDER BY ALL""", [failed[0]])
    # the by-segment marts move with them: A1's value of each of the five segments, in p1 and all
    by_segment = book.query("""SELECT table_name, column_name, count(*) FROM audit.restatements
        WHERE cause_kind = 'figures moved' AND run_id = ? AND suffix(table_name, '_by_segment')
        GROUP BY ALL ORDER BY ALL""", [failed[0]])
    assert by_segment == [("marts.aging_by_segment", "balance", 10), ("marts.charge_offs_by_segment", "average_balance", 10),
                          ("marts.delinquency_rates_by_segment", "open_balance", 10)]
    # A1's October balance 30.00 → 35.00 and its payments to date 70.00 → 65.00; p1 and all: balance
    # 180.00 → 185.00, October's credits 80.00 → 75.00, the average open balance (260 + 180) / 2 = 220.00
    # → (260 + 185) / 2 = 222.50. September → October roll rates weigh September's balances: unchanged.
    key = lambda p: f'{{"month_end":"2026-10-31","portfolio":"{p}","currency":"USD"}}'
    aging_key = lambda p: f'{{"month_end":"2026-10-31","portfolio":"{p}","currency":"USD","bucket":"current"}}'
    a1 = '{"month_end":"2026-10-31","account_id":"A1"}'
    vintage_key = lambda p: (f'{{"month_end":"2026-10-31","portfolio":"{p}","currency":"USD","vintage":"2026-08",'
                             '"months_on_book":"2"}')
    assert moved == sorted([
        ("marts.account_month", a1, "balance", "30.00", "35.00"),
        ("marts.account_month", a1, "qualifying_credits", "70.00", "65.00"),
        *[("marts.aging", aging_key(p), "balance", "180.00", "185.00") for p in ("all", "p1")],
        *[("marts.delinquency_rates", key(p), "open_balance", "180.00", "185.00") for p in ("all", "p1")],
        *[("marts.charge_offs", key(p), "average_balance", "220.00", "222.50") for p in ("all", "p1")],
        *[("marts.roll_forward", key(p), "closing_balance", "180.00", "185.00") for p in ("all", "p1")],
        *[("marts.roll_forward", key(p), "credits", "80.00", "75.00") for p in ("all", "p1")],
        # the vintage curves: A1's vintage (opened 2026-08) at age 2, its open balance
        *[("marts.vintage_curves", vintage_key(p), "open_balance", "180.00", "185.00") for p in ("all", "p1")],
    ])
    assert book.arrears("status") == 0
    status = capsys.readouterr().out
    assert "2026-10  v1  closed" in status and "by alice" in status
    assert "pending restatements:\n  2026-10 (closed, 2026-10 v1): files ledger/ledger_2026-10.csv changed" in status

    # approving it: a run with October allowed to change publishes, and version 2 is recorded
    assert book.arrears("close", "2026-11", "--restate") == 2  # not closed: nothing to restate
    assert book.arrears("close", "2026-10", "--restate", "--by", "bob", "--note", "E4 corrected to 25.00") == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2026-10 v2"
    closes = book.query("SELECT close_id, version, closed_by, note, restates_version, "
                        "json_extract_string(manifest, '$.files[3].sha256') FROM published.closes ORDER BY version")
    assert closes == [("2026-10 v1", 1, "alice", "October close", None, old_sha),
                      ("2026-10 v2", 2, "bob", "E4 corrected to 25.00", 1, new_sha)]
    assert book.query("SELECT close_id FROM published.current_closes") == [("2026-10 v2",)]
    assert partition_states(book, "marts/roll_forward") == ["closed (2026-10 v1)", "restated (2026-10 v2)"]
    # both versions query
    assert book.query("SELECT close_id, balance FROM published.aging WHERE portfolio = 'all' ORDER BY 1") == [
        ("2026-10 v1", Decimal("180.00")), ("2026-10 v2", Decimal("185.00"))]
    assert marts_of(book, "2026-10 v1") == published
    assert book.query("SELECT DISTINCT approved_by_close_id FROM audit.restatements") == [("2026-10 v2",)]
    # the pages mark the restated month
    today = book.query("SELECT strftime(closed_at, '%Y-%m-%d') FROM published.closes WHERE version = 2")[0][0]
    assert f"2026-10 restated (v2, {today}, by bob: E4 corrected to 25.00)" in (book.reports / "index.html").read_text()
    assert book.arrears("close", "2026-10", "--restate") == 2  # nothing pending any more
    assert "2026-10 has no pending restatement" in capsys.readouterr().err
    assert book.arrears("run") == 0  # the warehouse now agrees with version 2
    assert "2026-10 restated (v2" in (book.reports / "index.html").read_text()  # now read from published.closes


def test_close_refused_after_a_failed_blocking_check(hand_book, capsys, monkeypatch, built_copy):
    book = hand_book()
    three_months_run(book, built_copy)  # three_months(book), then book.arrears("run") == 0
    # one ledger row with an amount that is not an amount, and a threshold that one rejected row passes
    book.write("ledger", "2026-10", [book.entry("E4", "A1", "2026-10-10", "payment", "30.00"),
                                     book.entry("E5", "A2", "2026-10-12", "payment", "fifty")])
    monkeypatch.setenv("ARREARS_REJECT_SHARE", "0")
    monkeypatch.setenv("ARREARS_REJECT_MIN_ROWS", "1")
    assert book.arrears("run") == 1
    failed = book.query("SELECT run_id FROM audit.runs WHERE outcome = 'failed'")[0][0]
    capsys.readouterr()
    assert book.arrears("close", "2026-10") == 2
    err = capsys.readouterr().err
    assert f"refused: 2026-10 not closed: the warehouse's last run did not publish — run {failed} (failed" in err
    assert "audit/source_files:rejections_within_threshold — rejected rows over the threshold" in err
    assert not book.query("SELECT count(*) FROM information_schema.tables WHERE table_name = 'closes'")[0][0]


def test_closing_a_month_the_warehouse_does_not_hold_is_refused(hand_book, capsys, built_copy):
    book = hand_book()
    assert book.arrears("close", "2026-10") == 2
    assert "no warehouse at" in capsys.readouterr().err
    three_months_run(book, built_copy)  # three_months(book), then book.arrears("run") == 0
    capsys.readouterr()
    assert book.arrears("close", "2026-11") == 2
    assert "2026-11 not closed: the warehouse does not hold it (it holds 2026-08 … 2026-10)" in capsys.readouterr().err
    assert book.arrears("close", "2026-13") == 2
    assert book.arrears("close", "2026-08") == 0
    assert book.arrears("close", "2026-08") == 2
    assert "2026-08 is already closed (2026-08 v1" in capsys.readouterr().err


def test_a_later_month_that_only_matures_figures_is_not_a_restatement(hand_book, capsys):
    """A1 falls due on 2026-07-05 (50.00) and pays on 2026-08-10: 26 days past due at the end of July
    (dpd_1_29), cured at the end of August. Its complaint C1 of 2026-08-25 is unanswered when August is
    closed (its 15 days run to 2026-09-09, after L = 2026-08-31): the timely-response rate of August is
    NULL then, and so is cured_within_3m_rate (it needs October). September and October land, C1 comes
    again answered and closed on 2026-09-02 (8 days): both figures mature to 1.0, nothing else moves."""
    book = hand_book()
    book.write("accounts", "2026-07", [book.account("A1", "2026-07-01"), book.account("A2", "2026-07-01")])
    book.write("ledger", "2026-07", [book.entry("M1", "A1", "2026-07-01", "purchase", "100.00"),
                                     book.entry("M2", "A1", "2026-07-01", "due", "50.00", "2026-07-05"),
                                     book.entry("M3", "A2", "2026-07-02", "purchase", "80.00")])
    book.write("ledger", "2026-08", [book.entry("M4", "A1", "2026-08-10", "payment", "50.00")])
    book.write("complaints", "2026-08", [book.complaint("C1", "A1", "2026-08-25")])
    assert book.arrears("run") == 0
    assert book.arrears("close", "2026-08") == 0
    assert book.query("SELECT from_bucket, accounts, cured_accounts, cure_rate, cured_within_3m_rate "
                      "FROM published.cure_rates WHERE portfolio = 'all'") == [("dpd_1_29", 1, 1, 1.0, None)]

    book.write("ledger", "2026-09", [book.entry("M5", "A2", "2026-09-03", "purchase", "10.00")])
    book.write("ledger", "2026-10", [book.entry("M6", "A2", "2026-10-03", "purchase", "10.00")])
    book.write("complaints", "2026-09", [book.complaint("C1", "A1", "2026-08-25", "Closed with explanation",
                                                       "2026-09-02", "2026-09-02")])
    assert book.arrears("run") == 0
    assert book.query("SELECT count(*) FROM audit.restatements")[0][0] == 0
    maturing = book.query("""SELECT table_name, row_key, column_name, value_at_close, as_of_close, latest_value,
                                    latest_as_of FROM published.maturing_figures
                             WHERE row_key LIKE '%"portfolio":"all"%' AND (value_at_close IS NOT NULL OR latest_value IS NOT NULL)
                               AND NOT suffix(table_name, '_by_segment')
                             ORDER BY ALL""")
    aug, octo = date(2026, 8, 31), date(2026, 10, 31)
    cm = '{"month_end":"2026-08-31","portfolio":"all","issue_group":"%s"}'
    cure = '{"month_end":"2026-08-31","portfolio":"all","currency":"USD","from_bucket":"dpd_1_29"}'
    expected = []
    for group in ("Communication tactics", "all"):
        expected += [("marts.complaint_metrics", cm % group, "closed_within_60d_denominator", 0.0, aug, 1.0, octo),
                     ("marts.complaint_metrics", cm % group, "closed_within_60d_rate", None, aug, 1.0, octo),
                     ("marts.complaint_metrics", cm % group, "dates_unknown", 0.0, aug, 0.0, octo),
                     ("marts.complaint_metrics", cm % group, "median_days_to_close", None, aug, 8.0, octo),
                     ("marts.complaint_metrics", cm % group, "open_backlog", 1.0, aug, 1.0, octo),
                     ("marts.complaint_metrics", cm % group, "backlog_unknown", 0.0, aug, 0.0, octo),
                     ("marts.complaint_metrics", cm % group, "timely_response_denominator", 0.0, aug, 1.0, octo),
                     ("marts.complaint_metrics", cm % group, "timely_response_rate", None, aug, 1.0, octo)]
    expected.append(("marts.cure_rates", cure, "cured_within_3m_rate", None, aug, 1.0, octo))
    assert maturing == sorted(expected)

    # A complaint received in August but first delivered in October's file, and A2 moved to portfolio p2
    # in October's accounts file: August's figures move (its complaint count looks backward), a
    # restatement whose cause names both.
    book.write("complaints", "2026-10", [book.complaint("C2", "A2", "2026-08-20", "Closed with explanation",
                                                       "2026-08-21", "2026-08-21")])
    book.write("accounts", "2026-10", [book.account("A2", "2026-07-01", portfolio="p2")])
    assert book.arrears("run") == 1
    moved = book.query("""SELECT column_name, published_value, recomputed_value, cause_detail FROM audit.restatements
        WHERE table_name = 'marts.complaint_metrics' AND row_key = ? ORDER BY ALL""", [cm % "all"])
    # (all, all) in August: 1 → 2 complaints, per 1,000 of the 2 open accounts 500 → 1,000, both conduct
    # complaints (Communication tactics); no account delinquent at August's end, so no conduct rate
    assert [m[:3] for m in moved] == [("complaints", "1", "2"), ("complaints_per_1000", "500.0", "1000.0"),
                                      ("conduct_complaints", "1", "2")]
    assert ("account A2: accounts/accounts_2026-10.csv (portfolio p1 → p2); complaint C2 received 2026-08-20: "
            "complaints/complaints_2026-10.csv (first delivered after the close)") in moved[0][3]
    assert book.query("SELECT DISTINCT cause_kind FROM audit.restatements") == [("figures moved",)]
