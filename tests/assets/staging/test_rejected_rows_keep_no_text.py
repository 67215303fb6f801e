"""Rejected rows keep only the contract's columns: a row rejected by a rule keeps them as read (JSON), a
record that cannot be split keeps its file, line, length in bytes and reason but no text. A national id
planted in every place outside the contract (a dropped personal-data column, an ignored column, an
extra unnamed field, a malformed record, a quoted line break inside one, an unterminated quote) appears
nowhere in the warehouse."""

from __future__ import annotations

import json

import pytest

from assets.raw.landing import ContractError

SSN = "536271849"
LF = "ledger/ledger_2026-01.csv"
HEAD = "entry_id,account_id,posted_on,entry_type,amount,due_on,reverses_entry_id,ssn,memo"
UNCLOSED = ("malformed CSV record: a quoted field is not closed, or text follows its closing quote "
            "(RFC 4180 quoting)")


def test_a_national_id_outside_the_contract_is_stored_nowhere(landing):
    # the accounts file has only the contract's columns; one record has an extra, unnamed field
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1", opened="2026-01-02"),
                                                                 landing.account("A2") + [SSN]])
    lines = [
        HEAD,                                                        # 1
        f"E1,A1,2026-01-20,fee,1.00,,,{SSN},",                       # 2 loaded (ssn dropped)
        f"E2,A1,2026-01-20,fee,0.00,,,{SSN},",                       # 3 rejected by a row rule
        f"E3,A1,2026-01-20,fee,1.00,,,{SSN},,{SSN}",                 # 4 an extra unnamed field
        f"E4,A1,{SSN}",                                              # 5 too few fields
        f'E5,"A1\n{SSN}"',                                           # 6-7 too few, a quoted line break
        f'E6,A1,2026-01-20,fee,1.00,,,,"note {SSN}"',                # 8 loaded (memo ignored)
        f'E7,A1,"2026-01-20,fee,1.00,,,{SSN},',                      # 9-10 a quote never closed
        f"E8,A1,2026-01-20,fee,1.00,,,{SSN},",                       # 10 (inside the record of line 9)
    ]
    (landing.path / "ledger").mkdir()
    (landing.path / "ledger" / "ledger_2026-01.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con = landing.ingest()

    rows = con.execute("SELECT line_number, reason, raw, entity, length_bytes FROM audit.rejected_rows "
                       "WHERE source_file = ? ORDER BY line_number", [LF]).fetchall()
    assert [(n, reason, length) for n, reason, _, _, length in rows] == [
        (3, "amount must be > 0: '0.00'", None),
        (4, "malformed CSV record: expected 9 fields, found 10", len(lines[3])),
        (5, "malformed CSV record: expected 9 fields, found 3", len(lines[4])),
        (6, "malformed CSV record: expected 9 fields, found 2", len(lines[5])),
        (9, UNCLOSED, len(lines[7]) + 1 + len(lines[8])),
    ]
    assert json.loads(rows[0][2]) == {"entry_id": "E2", "account_id": "A1", "posted_on": "2026-01-20",
                                      "entry_type": "fee", "amount": "0.00", "due_on": None,
                                      "reverses_entry_id": None}
    assert [r[2] for r in rows[1:]] == [None] * 4 and {r[3] for r in rows} == {"ledger"}
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                       "WHERE source_file = ?", [LF]).fetchall() == [(7, 2, 5)]
    account_line = f"A2,cards-us,revolving,2026-01-15,,USD,1000.00,,NY,,{SSN}"  # line 3 as written
    assert con.execute("SELECT line_number, reason, raw, length_bytes FROM audit.rejected_rows "
                       "WHERE source_file = 'accounts/accounts_2026-01.csv'").fetchall() == [
        (3, "malformed CSV record: expected 10 fields, found 11", None, len(account_line))]

    scanned = set()
    for catalog, schema, table in con.execute(
            "SELECT table_catalog, table_schema, table_name FROM information_schema.tables").fetchall():
        name = f'"{catalog}"."{schema}"."{table}"'
        hits = con.execute(f"SELECT count(*) FROM {name} t WHERE CAST(t AS VARCHAR) LIKE '%{SSN}%'").fetchall()[0][0]
        assert hits == 0, name
        scanned.add(f"{schema}.{table}")
    # the scan saw the tables that hold rejected and loaded rows (so it cannot pass by seeing nothing)
    assert {"raw.malformed", "raw.ledger_text", "raw.ledger", "audit.rejected_rows", "staging.ledger_entries",
            "staging.ledger_rejected", "raw.files"} <= scanned
    assert SSN in (landing.path / "ledger" / "ledger_2026-01.csv").read_text()


@pytest.mark.parametrize("record", [
    f"E2,A1,2026-01-20,fee,1.00,,,{SSN}\r,",   # a CR outside quotes
    f"E2,A1,2026-01-20,fee,1.00,,,{SSN},caf\xe9",  # not UTF-8 (written as latin-1 below)
], ids=["stray-cr", "latin-1"])
def test_a_refusal_names_the_line_not_the_values(landing, record):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1", opened="2026-01-02")])
    (landing.path / "ledger").mkdir()
    text = "\n".join([HEAD, f"E1,A1,2026-01-20,fee,1.00,,,{SSN},", record, ""])
    (landing.path / "ledger" / "ledger_2026-01.csv").write_bytes(text.encode("latin-1"))
    with pytest.raises(ContractError) as e:
        landing.ingest()
    assert str(e.value).startswith(f"{LF}: line 3: ") and SSN not in str(e.value)
