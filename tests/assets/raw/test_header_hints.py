"""Friendlier header refusals: a misspelt contract column gets a did-you-mean (difflib over the contract's
column names), a file separated by something else than commas is told to be saved as CSV UTF-8."""

from __future__ import annotations

import pytest

from assets.raw.landing import ContractError
from assets.raw.load import load_entity
from assets.warehouse import connect

LF = "ledger/ledger_2026-01.csv"
MATCHED = "columns are matched by name, case-insensitively after trimming"


def write_ledger(landing, header: list[str], sep: str = ","):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
    (landing.path / "ledger").mkdir(exist_ok=True)
    (landing.path / "ledger" / "ledger_2026-01.csv").write_text(
        sep.join(header) + "\n" + sep.join(["E1", "A1", "2026-01-20", "fee", "1.00", "", ""]) + "\n")


@pytest.mark.parametrize("written, contract", [
    ("acount_id", "account_id"), ("Account ID", "account_id"), ("entryid", "entry_id"),
    ("Posted-On", "posted_on"), ("entry type", "entry_type"), ("amout", "amount"),
])
def test_a_misspelt_required_column_gets_a_did_you_mean(landing, written, contract):
    header = [written if c == contract else c for c in landing.LED_COLS]
    write_ledger(landing, header)
    with pytest.raises(ContractError) as e:
        landing.ingest()
    assert str(e.value) == (f"{LF}: line 1: required column(s) missing: {contract} (did you mean '{written}'?); "
                            f"{MATCHED}")


def test_several_missing_columns_each_get_their_own_suggestion_or_none(landing):
    header = ["entry_id", "acount_id", "date", "entrytype", "amount", "promo_code"]
    write_ledger(landing, header)
    with pytest.raises(ContractError) as e:
        landing.ingest()
    assert str(e.value) == (f"{LF}: line 1: required column(s) missing: account_id (did you mean 'acount_id'?), "
                            f"posted_on, entry_type (did you mean 'entrytype'?); {MATCHED}")


def test_a_misspelt_optional_column_loads_with_a_warning(landing):
    write_ledger(landing, ["entry_id", "account_id", "posted_on", "entry_type", "amount", "due_onn",
                           "reverse_entry_id"])
    warnings: list[str] = []
    con = connect(":memory:")
    load_entity(con, str(landing.path), "ledger", warn=warnings.append)
    ignored = "is not in the contract and is ignored, so"
    assert warnings == [
        f"{LF}: line 1: column 'due_onn' {ignored} due_on is read as null: did you mean 'due_on'?",
        (f"{LF}: line 1: column 'reverse_entry_id' {ignored} reverses_entry_id is read as null: "
         "did you mean 'reverses_entry_id'?")]
    assert con.execute("SELECT ignored_columns, absent_optional_columns FROM raw.files").fetchall() == [
        (["due_onn", "reverse_entry_id"], ["due_on", "reverses_entry_id"])]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_a_file_not_separated_by_commas_is_told_to_be_saved_as_csv_utf8(landing, sep):
    write_ledger(landing, landing.LED_COLS, sep)
    with pytest.raises(ContractError) as e:
        landing.ingest()
    assert str(e.value) == (f"{LF}: line 1: required column(s) missing: entry_id, account_id, posted_on, entry_type, "
                            f"amount; the header is a single column holding {sep!r}: the file is not comma-separated; "
                            'save it as "CSV UTF-8 (comma delimited)"')
