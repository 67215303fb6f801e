"""File names and control files that a reviewer tried against the landing check: each is named, never a
traceback, never read silently."""

from __future__ import annotations

import json
import os

import pytest

from assets.raw.landing import ContractError, inspect_landing


def write(path, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def test_a_year_0000_file_is_refused_by_name(valid):
    write(valid.path / "ledger" / "ledger_0000-01.csv", "entry_id\n")
    with pytest.raises(ContractError, match=r"^ledger/ledger_0000-01\.csv: year 0000 in the file name is not a year$"):
        inspect_landing(str(valid.path), False)


def test_digits_of_other_scripts_do_not_make_a_month(valid):
    name = "ledger_\u0662\u0660\u0662\u0666-02.csv"  # Arabic-Indic digits: not the contract's YYYY-MM
    write(valid.path / "ledger" / name, "entry_id\n")
    inventory = inspect_landing(str(valid.path), False)
    assert [f.source_file for f in inventory.files["ledger"]] == ["ledger/ledger_2026-01.csv"]
    assert any(w.startswith(f"ledger/{name}: not read: the name does not fit") for w in inventory.warnings())


def test_a_hidden_data_file_is_named_and_refused_in_strict_mode(valid):
    write(valid.path / "ledger" / ".ledger_2026-02.csv", "entry_id\n")
    write(valid.path / "ledger" / ".DS_Store", "x")
    inventory = inspect_landing(str(valid.path), False)
    assert inventory.warnings("ledger") == [
        "ledger/.ledger_2026-02.csv: not read: hidden by its leading '.'; rename it ledger_2026-02.csv to have it read"]
    with pytest.raises(ContractError, match=r"ledger/\.ledger_2026-02\.csv: not read: hidden .* \(refused: strict mode\)"):
        inspect_landing(str(valid.path), True)


@pytest.mark.parametrize("doc,message", [
    ('{"files": ' + "[" * 200_000 + "]" * 200_000 + "}",
     "control/control_2026-01.json: not valid control totals: nested too deeply to read"),
    (json.dumps({"files": {"ledger/ledger_2026-01.csv": {"sha256": 12}}}),
     "control/control_2026-01.json: sha256 of ledger/ledger_2026-01.csv must be 64 hexadecimal digits"),
    (json.dumps({"files": {"ledger/ledger_2026-01.csv": {"sha256": "abc"}}}),
     "control/control_2026-01.json: sha256 of ledger/ledger_2026-01.csv must be 64 hexadecimal digits"),
])
def test_malformed_control_files_are_refused_by_name(valid, doc, message):
    write(valid.path / "control" / "control_2026-01.json", doc)
    with pytest.raises(ContractError) as e:
        inspect_landing(str(valid.path), False)
    assert message in str(e.value)
