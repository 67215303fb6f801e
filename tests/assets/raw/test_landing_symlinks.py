"""Paths that escape: symbolic links anywhere in the landing folder are refused before anything is read,
whether they point outside the landing folder or inside it; the landing folder itself may be reached
through a link."""

from __future__ import annotations

import os

import pytest

from assets.raw.landing import ContractError, inspect_landing
from assets.raw.load import load_entity
from assets.warehouse import connect

PUT = "symbolic links are refused; put the file or folder itself in the landing folder"


@pytest.fixture
def valid(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
    landing.write_csv("ledger", "2026-01", landing.LED_COLS, [landing.entry("E1", "A1", "2026-01-20", "fee", "1.00")])
    return landing


@pytest.fixture
def outside(tmp_path_factory, landing_at):
    """A second landing folder, outside the first, holding a ledger for February with entry X1."""
    other = landing_at(tmp_path_factory.mktemp("outside"))
    other.write_csv("ledger", "2026-02", other.LED_COLS, [other.entry("X1", "A1", "2026-02-03", "fee", "9.00")])
    return other


def refusal(landing) -> str:
    with pytest.raises(ContractError) as e:
        inspect_landing(str(landing.path))
    return str(e.value)


def test_a_linked_file_pointing_outside_is_refused_and_never_read(valid, outside):
    os.symlink(outside.path / "ledger" / "ledger_2026-02.csv", valid.path / "ledger" / "ledger_2026-02.csv")
    assert refusal(valid) == f"ledger/ledger_2026-02.csv: a symbolic link (to a path outside the landing folder): {PUT}"
    con = connect(":memory:")
    with pytest.raises(ContractError):
        load_entity(con, str(valid.path), "ledger")
    assert con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'raw'").fetchall() == [(0,)]


def test_a_linked_entity_folder_is_refused(landing, outside):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
    os.symlink(outside.path / "ledger", landing.path / "ledger")
    assert refusal(landing).splitlines()[0] == f"ledger: a symbolic link (to a path outside the landing folder): {PUT}"


def test_a_link_pointing_inside_the_landing_folder_is_refused_too(valid):
    os.symlink(valid.path / "ledger" / "ledger_2026-01.csv", valid.path / "ledger" / "ledger_2026-02.csv")
    os.symlink(valid.path / "accounts", valid.path / "complaints")
    os.makedirs(valid.path / "control")
    os.symlink("control_2026-01.json", valid.path / "control" / "control_2026-02.json")  # relative, dangling
    assert refusal(valid).splitlines() == [
        f"complaints: a symbolic link (to a path inside the landing folder): {PUT}",
        f"control/control_2026-02.json: a symbolic link (to a path inside the landing folder): {PUT}",
        f"ledger/ledger_2026-02.csv: a symbolic link (to a path inside the landing folder): {PUT}"]


def test_links_outside_the_contract_folders_and_hidden_ones_are_refused(valid, outside):
    os.symlink(outside.path, valid.path / "old_exports")
    os.symlink(outside.path / "ledger" / "ledger_2026-02.csv", valid.path / "accounts" / ".cache")
    assert refusal(valid).splitlines() == [
        f"accounts/.cache: a symbolic link (to a path outside the landing folder): {PUT}",
        f"old_exports: a symbolic link (to a path outside the landing folder): {PUT}"]


def test_the_landing_folder_itself_may_be_a_link(valid, tmp_path_factory):
    link = tmp_path_factory.mktemp("links") / "landing"
    os.symlink(valid.path, link)
    inventory = inspect_landing(str(link))
    assert [f.source_file for f in inventory.files["ledger"]] == ["ledger/ledger_2026-01.csv"]
    assert inventory.warnings() == []
