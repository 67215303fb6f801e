"""assets/restatements.py on hand-made tables: which files of a closed month changed, went or came, and which
figures moved (a maturing figure that changes is not one)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from assets.published import KEYS, MATURING
from assets.registry import MARTS
from assets.restatements import closes_to_compare, figure_changes, file_changes
from assets.warehouse import connect


@pytest.fixture
def con():
    con = connect(":memory:")
    con.execute("CREATE TABLE raw.files (entity VARCHAR, source_file VARCHAR, file_month DATE, sha256 VARCHAR)")
    con.execute("CREATE TABLE published.closes (close_id VARCHAR, month_end DATE, version INTEGER, "
                "manifest VARCHAR)")
    manifest = {"files": [{"source_file": "accounts/accounts_2026-09.csv", "sha256": "a9"},
                          {"source_file": "ledger/ledger_2026-09.csv", "sha256": "l9"},
                          {"source_file": "ledger/ledger_2026-10.csv", "sha256": "l10"}]}
    con.execute("INSERT INTO published.closes VALUES ('2026-10 v1', '2026-10-31', 1, '{}'), "
                "('2026-10 v2', '2026-10-31', 2, ?)", [json.dumps(manifest)])
    yield con
    con.close()


def test_files_changed_removed_and_added_against_the_latest_close(con):
    con.execute("""INSERT INTO raw.files VALUES
        ('accounts', 'accounts/accounts_2026-09.csv', '2026-09-01', 'a9'),  -- as closed
        ('ledger', 'ledger/ledger_2026-09.csv', '2026-09-01', 'l9-new'),    -- changed
        ('complaints', 'complaints/complaints_2026-10.csv', '2026-10-01', 'c10'),  -- added: month <= October
        ('ledger', 'ledger/ledger_2026-11.csv', '2026-11-01', 'l11')""")  # a later month: not the close's
    closes = closes_to_compare(con)
    assert [c["close_id"] for c in closes] == ["2026-10 v2"]  # the latest version is the one compared
    base = {"month_end": date(2026, 10, 31), "close_id": "2026-10 v2"}
    assert file_changes(con, closes) == [
        base | {"cause_kind": "file changed", "source_file": "ledger/ledger_2026-09.csv", "old_sha256": "l9",
                "new_sha256": "l9-new"},
        base | {"cause_kind": "file removed", "source_file": "ledger/ledger_2026-10.csv", "old_sha256": "l10"},
        base | {"cause_kind": "file added", "source_file": "complaints/complaints_2026-10.csv", "new_sha256": "c10"},
    ]


def test_moved_figures_rows_gone_and_come_and_maturing_figures_left_out(con):
    con.execute("""CREATE TABLE marts.cure_rates (month_end DATE, portfolio VARCHAR, currency VARCHAR, from_bucket VARCHAR,
        accounts BIGINT, cure_rate DOUBLE, cured_within_3m_rate DOUBLE, redefault_6m_rate DOUBLE)""")
    con.execute("CREATE TABLE published.cure_rates AS SELECT 'x' AS close_id, * FROM marts.cure_rates LIMIT 0")
    con.execute("""INSERT INTO published.cure_rates VALUES
        ('2026-10 v2', '2026-10-31', 'all', 'USD', 'dpd_1_29', 4, 0.5, NULL, NULL),
        ('2026-10 v2', '2026-10-31', 'all', 'USD', 'dpd_30_59', 1, 0.0, NULL, NULL),
        ('2026-10 v1', '2026-10-31', 'all', 'USD', 'dpd_1_29', 9, 0.9, NULL, NULL)""")  # an older version: not compared
    con.execute("""INSERT INTO marts.cure_rates VALUES
        ('2026-10-31', 'all', 'USD', 'dpd_1_29', 4, 0.25, 0.75, NULL),   -- cure_rate moved; cured_within_3m matured
        ('2026-10-31', 'all', 'USD', 'dpd_60_89', 2, 1.0, NULL, NULL),   -- a row the close did not have
        ('2026-09-30', 'all', 'USD', 'dpd_1_29', 7, 0.1, NULL, NULL)""")  # a month not closed
    count, moved = figure_changes(con, "marts.cure_rates", closes_to_compare(con))
    key = '{"month_end":"2026-10-31","portfolio":"all","currency":"USD","from_bucket":"%s"}'
    assert count == 3
    assert [(m["row_key"], m["column_name"], m["published_value"], m["recomputed_value"]) for m in moved] == [
        (key % "dpd_1_29", "cure_rate", "0.5", "0.25"),
        (key % "dpd_30_59", None, '{"accounts":1,"cure_rate":0.0}', None),
        (key % "dpd_60_89", None, None, '{"accounts":2,"cure_rate":1.0}'),
    ]
    assert {m["close_id"] for m in moved} == {"2026-10 v2"}


def test_every_mart_has_a_key_and_maturing_names_its_columns():
    assert set(KEYS) == {m.name for m in MARTS}
    assert set(MATURING) <= set(KEYS)
    assert all(k[0] == "month_end" for k in KEYS.values())
