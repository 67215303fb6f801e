"""Complaint ingestion per data-contract.md: upsert by later files, each rejection reason, issue groups."""

from __future__ import annotations

import pytest

CMP_COLS = ["complaint_id", "account_id", "received_on", "submitted_via", "product", "issue", "sub_issue",
            "responded_on", "closed_on", "company_response", "narrative"]
F1 = "complaints/complaints_2026-01.csv"


def complaint(cid, aid="A1", received="2026-01-10", via="web", issue="Communication tactics",
              responded=None, closed=None, response="In progress", narrative="I was called 5 times, at night"):
    return [cid, aid, received, via, "Debt collection", issue, None, responded, closed, response, narrative]


@pytest.fixture
def complaints_landing(landing):
    """One account; January's complaints with one row per rejection reason, C1 updated in February."""
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [])
    landing.write_csv("ledger", "2026-02", landing.LED_COLS, [])
    landing.write_csv("complaints", "2026-01", CMP_COLS, [
        complaint("C1"),                                                        # 2 ok, later updated
        complaint("C2", via="carrier pigeon"),                                  # 3 unknown channel
        complaint("C3", responded="2026-01-05"),                                # 4 responded before received
        complaint("C4", closed="2026-01-09", response="Closed with explanation"),  # 5 closed before received
        complaint("C5", received="2026-02-01"),                                 # 6 received after month end
        complaint("C6", aid="NOPE"),                                            # 7 unknown account
        complaint("C1"),                                                        # 8 duplicate in file
        complaint("C7", aid=None, issue="Cont'd attempts collect debt not owed"),  # 9 ok, no account, legacy
        complaint("C8", received=""),                                           # 10 missing received_on
        complaint("C9", response="Closed"),                                     # 11 unknown response
        complaint("C10", issue="Problem with a purchase shown on your statement"),  # 12 ok -> other
    ])
    landing.write_csv("complaints", "2026-02", CMP_COLS, [
        complaint("C1", responded="2026-01-20", closed="2026-02-03", response="Closed with explanation"),
    ])
    return landing


def test_each_complaint_rejection_reason(complaints_landing):
    con = complaints_landing.ingest()
    rej = {n: r for (f, n), r in complaints_landing.rejected(con).items() if f == F1}
    assert "unknown submitted_via 'carrier pigeon'" in rej[3]
    assert "responded_on 2026-01-05 is before received_on 2026-01-10" in rej[4]
    assert "closed_on 2026-01-09 is before received_on 2026-01-10" in rej[5]
    assert "received_on 2026-02-01 is after the file's month end" in rej[6]
    assert "unknown account_id 'NOPE'" in rej[7]
    assert "duplicate complaint_id 'C1' in this file (first at line 2)" in rej[8]
    assert "missing required field received_on" in rej[10]
    assert "unknown company_response 'Closed'" in rej[11]
    assert set(rej) == {3, 4, 5, 6, 7, 8, 10, 11}


def test_later_file_supersedes_and_narratives_are_never_loaded(complaints_landing):
    con = complaints_landing.ingest()
    rows = con.execute("SELECT complaint_id, responded_on::VARCHAR, closed_on::VARCHAR, company_response, source_file "
                       "FROM staging.complaints ORDER BY complaint_id").fetchall()
    assert rows == [
        ("C1", "2026-01-20", "2026-02-03", "Closed with explanation", "complaints/complaints_2026-02.csv"),
        ("C10", None, None, "In progress", F1),
        ("C7", None, None, "In progress", F1),
    ]
    assert con.execute("SELECT count(*) FROM staging.complaint_versions WHERE complaint_id = 'C1'").fetchall() == [(2,)]
    for schema, table in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall():
        assert "at night" not in str(con.execute(f"SELECT * FROM {schema}.{table}").fetchall()), table
    assert con.execute("SELECT ignored_columns FROM audit.source_files WHERE source_file = ?", [F1]).fetchall() == [
        (["narrative"],)]


def test_issue_groups_with_legacy_wording_and_other(complaints_landing):
    con = complaints_landing.ingest()
    groups = dict(con.execute("SELECT complaint_id, issue_group FROM staging.complaints").fetchall())
    assert groups == {"C1": "Communication tactics", "C7": "Attempts to collect debt not owed", "C10": "other"}
    from checks.staging.issue_groups import evaluate

    passed, meta = evaluate(con)
    assert passed and meta["complaints in 'other'"] == 1
    assert meta["issues outside the taxonomy (sample)"] == ["Problem with a purchase shown on your statement"]
