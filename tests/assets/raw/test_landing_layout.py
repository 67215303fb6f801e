"""The landing folder inspected whole (data-contract.md, "Landing folder"): every entry is read or named.
Unknown names are warnings (refusals in strict mode) recorded in raw.landing_entries; a directory where a data
file is expected, a control entry naming a file that is not read, a symbolic link and a landing with no ledger
file stop the run naming them."""

from __future__ import annotations

import json
import os

import pytest

from assets.raw.landing import ContractError, inspect_landing
from assets.raw.load import load_entity
from assets.warehouse import connect

SAVE = 'save it as "CSV UTF-8 (comma delimited)"'
DATA = "{csv,csv.gz,parquet}"


def touch(path, text: str = "x\n"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as fh:
        fh.write(text)


def refusal(landing, strict: bool = False) -> str:
    with pytest.raises(ContractError) as e:
        inspect_landing(str(landing.path), strict)
    return str(e.value)


NOT_FIT = f"not read: the name does not fit ledger_YYYY-MM.{DATA}"
UNKNOWN = {  # path written -> the warning naming it
    "Ledger/ledger_2026-02.csv":
        "Ledger/: not read: not a folder of the contract, so nothing in it is read; did you mean ledger/?",
    "complaint/complaints_2026-01.csv":
        "complaint/: not read: not a folder of the contract, so nothing in it is read; did you mean complaints/?",
    "control/totals.json": "control/totals.json: not read: the name does not fit control_YYYY-MM.json",
    "fx/fx-2026-01.csv": "fx/fx-2026-01.csv: not read: the name does not fit fx_YYYY-MM.csv",
    "ledger/accounts_2026-02.csv": f"ledger/accounts_2026-02.csv: {NOT_FIT}; a file of accounts/: move it there",
    "ledger/ledger-2026-02.csv": f"ledger/ledger-2026-02.csv: {NOT_FIT}",
    "ledger/ledger_2026-02.CSV":
        f"ledger/ledger_2026-02.CSV: {NOT_FIT}; names are case-sensitive: rename it ledger_2026-02.csv",
    "ledger/ledger_2026-02.xlsx":
        f"ledger/ledger_2026-02.xlsx: {NOT_FIT}; an Excel workbook: {SAVE} as ledger/ledger_2026-02.csv",
    "ledger/ledger_2026-13.csv": f"ledger/ledger_2026-13.csv: {NOT_FIT}",
    "ledger_2026-03.csv": "ledger_2026-03.csv: not read: not a file of the contract; a file of ledger/: move it there",
    "misc/notes.txt": "misc/: not read: not a folder of the contract, so nothing in it is read",
    "notes.txt": "notes.txt: not read: not a file of the contract",
}


def test_unknown_names_are_warnings_naming_each_and_the_valid_files_load(valid):
    for path in UNKNOWN:
        touch(valid.path / path)
    touch(valid.path / ".arrears-sample")
    touch(valid.path / "ledger" / ".DS_Store")
    inventory = inspect_landing(str(valid.path))
    assert sorted(inventory.warnings()) == sorted(UNKNOWN.values())
    assert [f.source_file for f in inventory.files["ledger"]] == ["ledger/ledger_2026-01.csv"]
    con = valid.ingest()
    assert con.execute("SELECT entry_id FROM staging.ledger").fetchall() == [("E1",)]


def test_every_entry_is_recorded_with_what_was_done_and_the_asset_that_reports_it(valid):
    for path in ("complaint/c.csv", "ledger/ledger_2026-02.xlsx", ".arrears-sample",
                 "accounts/.~lock.accounts_2026-01.csv#"):
        touch(valid.path / path)
    valid.write_csv("fx", "2026-01", ["currency", "rate"], [["CAD", "0.73"]])  # read, by raw.fx
    con = valid.ingest()
    rows = con.execute("SELECT path, kind, action, reported_by FROM raw.landing_entries ORDER BY path").fetchall()
    assert rows == [
        (".arrears-sample", "file", "ignored (hidden)", "raw.ledger"),
        ("accounts/", "folder", "read", "raw.accounts"),
        ("accounts/.~lock.accounts_2026-01.csv#", "file", "ignored (hidden)", "raw.accounts"),
        ("accounts/accounts_2026-01.csv", "file", "read", "raw.accounts"),
        ("complaint/", "folder", "unknown", "raw.complaints"),
        ("fx/", "folder", "read", "raw.fx"),
        ("fx/fx_2026-01.csv", "file", "read", "raw.fx"),
        ("ledger/", "folder", "read", "raw.ledger"),
        ("ledger/ledger_2026-01.csv", "file", "read", "raw.ledger"),
        ("ledger/ledger_2026-02.xlsx", "file", "unknown", "raw.ledger"),
    ]


def test_warnings_go_to_the_asset_that_reports_them(valid):
    touch(valid.path / "complaint" / "complaints_2026-01.csv")
    touch(valid.path / "ledger" / "ledger_2026-02.xlsx")
    got = {}
    for entity in ("accounts", "ledger", "complaints"):
        got[entity] = []
        load_entity(connect(":memory:"), str(valid.path), entity, warn=got[entity].append)
    assert got == {
        "accounts": [],
        "ledger": [UNKNOWN["ledger/ledger_2026-02.xlsx"]],
        "complaints": [UNKNOWN["complaint/complaints_2026-01.csv"]],
    }


def test_strict_mode_refuses_every_unknown_name(valid):
    touch(valid.path / "complaint" / "c.csv")
    touch(valid.path / "ledger" / "ledger-2026-02.csv")
    touch(valid.path / "fx" / "fx_2026-01.csv")  # a file of the contract: read, nothing to refuse
    assert refusal(valid, strict=True) == (
        "complaint/: not read: not a folder of the contract, so nothing in it is read; did you mean complaints/? "
        "(refused: strict mode)\n"
        f"ledger/ledger-2026-02.csv: not read: the name does not fit ledger_YYYY-MM.{DATA} (refused: strict mode)")
    with pytest.raises(ContractError, match="complaint/: .* strict mode"):
        load_entity(connect(":memory:"), str(valid.path), "accounts", strict=True)


@pytest.mark.parametrize("path", ["ledger/ledger_2024-06.csv/ledger_2024-06.csv", "accounts/archive/a.csv",
                                  "control/control_2026-01.json/x", "fx/fx_2026-01.csv/x"])
def test_a_directory_where_a_data_file_belongs_stops_the_run(valid, path):
    touch(valid.path / path)
    folder = path.rsplit("/", 1)[0]
    top = folder.split("/")[0]
    assert refusal(valid) == (f"{folder}/: a directory where a data file is expected (an unpacked archive?): put the "
                              f"file itself in {top}/ and remove the directory")


def test_a_file_where_a_contract_folder_belongs_stops_the_run(valid):
    touch(valid.path / "complaints")
    assert refusal(valid) == "complaints: a file where the folder complaints/ is expected"


def test_control_entries_must_name_a_file_that_is_read(valid):
    os.makedirs(valid.path / "control")
    touch(valid.path / "ledger" / "ledger_2026-02.txt")
    (valid.path / "control" / "control_2026-01.json").write_text(json.dumps({"files": {
        "Ledger/ledger_2024-03.csv": {"rows": 1},
        "LEDGER/LEDGER_2026-01.CSV": {"rows": 1},
        "ledger/ledger_2026-02.txt": {"rows": 1},
        "../outside.csv": {"rows": 1},
        "./ledger/ledger_2026-01.csv": {"rows": 1},
    }}))
    c = "control/control_2026-01.json"
    assert refusal(valid) == (
        f"{c}: names Ledger/ledger_2024-03.csv, which is not in the landing folder: its control totals cannot be "
        "checked\n"
        f"{c}: names LEDGER/LEDGER_2026-01.CSV, which is not in the landing folder (file names are case-sensitive: "
        "the landing folder has ledger/ledger_2026-01.csv): its control totals cannot be checked\n"
        f"{c}: names ledger/ledger_2026-02.txt, which is not read (the name does not fit ledger_YYYY-MM.{DATA}): "
        "its control totals cannot be checked\n"
        f"{c}: names ../outside.csv, which is outside the landing folder")


def test_a_control_entry_for_a_file_of_another_month_that_is_missing_stops_the_run(valid):
    os.makedirs(valid.path / "control")
    (valid.path / "control" / "control_2026-02.json").write_text(json.dumps({"files": {
        "ledger/ledger_2026-02.csv": {"rows": 3}}}))
    with pytest.raises(ContractError) as e:
        load_entity(connect(":memory:"), str(valid.path), "accounts")  # stopped before any file is read
    assert str(e.value) == ("control/control_2026-02.json: names ledger/ledger_2026-02.csv, which is not in the "
                            "landing folder: its control totals cannot be checked")


def test_a_file_given_control_totals_twice_stops_the_run(valid):
    os.makedirs(valid.path / "control")
    for month in ("2026-01", "2026-02"):
        (valid.path / "control" / f"control_{month}.json").write_text(json.dumps({"files": {
            "ledger/ledger_2026-01.csv": {"rows": 1}}}))
    assert refusal(valid) == ("control/control_2026-02.json: gives control totals for ledger/ledger_2026-01.csv, "
                              "which control/control_2026-01.json also gives: one entry per file")


LAYOUT_LINES = [
    "  accounts/    accounts_YYYY-MM.{csv,csv.gz,parquet}     account master as of that month end",
    "  ledger/      ledger_YYYY-MM.{csv,csv.gz,parquet}       entries posted during that month",
    "  control/     control_YYYY-MM.json                      optional control totals",
]


@pytest.mark.parametrize("setup", ["empty", "accounts only", "ledger as xlsx", "empty ledger folder"])
def test_a_landing_with_no_ledger_file_is_refused_up_front_with_the_layout(landing, setup):
    if setup != "empty":
        landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
    if setup == "ledger as xlsx":
        touch(landing.path / "ledger" / "ledger_2026-01.xlsx")
    if setup == "empty ledger folder":
        os.makedirs(landing.path / "ledger")
    message = refusal(landing)
    root = os.path.realpath(landing.path)
    assert message.startswith(f"no ledger file in the landing folder {root}: a landing with no ledger file is "
                              "refused before anything runs. The contract's layout:\n<landing>/\n")
    assert all(line in message.splitlines() for line in LAYOUT_LINES)
    assert message.endswith(
        "\nIn this landing folder, not read:\n  ledger/ledger_2026-01.xlsx: not read: the name does not fit "
        f"ledger_YYYY-MM.{DATA}; an Excel workbook: {SAVE} as ledger/ledger_2026-01.csv"
        if setup == "ledger as xlsx" else "optional month-end exchange rates")
    with pytest.raises(ContractError, match="^no ledger file"):
        landing.ingest()  # the first raw step (accounts) stops: nothing is read


def test_every_blocking_entry_is_named_at_once(valid, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "accounts_2026-02.csv"
    touch(outside)
    os.symlink(outside, valid.path / "accounts" / "accounts_2026-02.csv")
    touch(valid.path / "ledger" / "ledger_2026-02.csv" / "ledger_2026-02.csv")
    assert refusal(valid).splitlines() == [
        ("accounts/accounts_2026-02.csv: a symbolic link (to a path outside the landing folder): symbolic links are "
         "refused; put the file or folder itself in the landing folder"),
        ("ledger/ledger_2026-02.csv/: a directory where a data file is expected (an unpacked archive?): put the file "
         "itself in ledger/ and remove the directory")]


def test_two_files_for_one_month_stop_the_run(valid):
    valid.write_csv("ledger", "2026-01", valid.LED_COLS, [], "parquet")
    assert refusal(valid) == ("ledger/ledger_2026-01.parquet: month 2026-01 is also delivered as "
                              "ledger/ledger_2026-01.csv; exactly one file per month is allowed")
