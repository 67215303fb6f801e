"""The issue crosswalk: current and legacy CFPB debt-collection wording, variants, and 'other'."""

from __future__ import annotations

import csv
from collections import Counter

import duckdb
import pytest

from assets.staging.issue_groups import (
    CONDUCT_ISSUES,
    CROSSWALK_CSV,
    conduct_sql,
    issue_group_sql,
    load_crosswalk,
)

CURRENT = [  # metrics.md, CFPB debt-collection taxonomy
    "Attempts to collect debt not owed",
    "Written notification about debt",
    "False statements or representation",
    "Took or threatened to take negative or legal action",
    "Communication tactics",
    "Electronic communications",
    "Threatened to contact someone or share information improperly",
]


@pytest.fixture()
def con():
    con = duckdb.connect(":memory:")
    assert load_crosswalk(con) == 11
    yield con
    con.close()


def group_of(con, issues):
    con.execute("CREATE OR REPLACE TEMP TABLE probe (n INTEGER, issue VARCHAR)")
    con.executemany("INSERT INTO probe VALUES (?, ?)", list(enumerate(issues)))
    return [g for (g,) in con.execute(f"SELECT {issue_group_sql('issue')} FROM probe ORDER BY n").fetchall()]


def test_current_issues_map_to_themselves(con):
    assert group_of(con, CURRENT) == CURRENT
    assert sorted(r[0] for r in con.execute(
        "SELECT issue FROM staging.issue_crosswalk WHERE source = 'current'").fetchall()) == sorted(CURRENT)


def test_legacy_wording(con):
    assert group_of(con, [
        "Cont'd attempts collect debt not owed",
        "Disclosure verification of debt",
        "Taking/threatening an illegal action",
        "Improper contact or sharing of info",
    ]) == [
        "Attempts to collect debt not owed",
        "Written notification about debt",
        "Took or threatened to take negative or legal action",
        "Threatened to contact someone or share information improperly",
    ]


def test_case_and_space_variants(con):
    assert group_of(con, [
        "  communication TACTICS ",
        "Cont'd  attempts\tcollect debt not owed",
        "TAKING/THREATENING AN ILLEGAL ACTION\n",
    ]) == ["Communication tactics", "Attempts to collect debt not owed",
           "Took or threatened to take negative or legal action"]


def test_anything_else_is_other(con):
    assert group_of(con, ["Incorrect information on your report", "Communication", "", None]) == ["other"] * 4


def test_conduct_issues(con):
    assert CONDUCT_ISSUES == (
        "Communication tactics", "Electronic communications", "False statements or representation",
        "Took or threatened to take negative or legal action",
        "Threatened to contact someone or share information improperly",
    )
    conduct = dict(con.execute("SELECT issue, conduct FROM staging.issue_crosswalk").fetchall())
    assert conduct["Taking/threatening an illegal action"] is True
    assert conduct["Improper contact or sharing of info"] is True
    assert conduct["Disclosure verification of debt"] is False
    assert con.execute(f"SELECT {conduct_sql('NULL')}, {conduct_sql(repr('other'))}").fetchall() == [(False, False)]


def test_invalid_crosswalk_refused(tmp_path):
    con = duckdb.connect(":memory:")
    text = CROSSWALK_CSV.read_text(encoding="utf-8")
    dup = tmp_path / "dup.csv"
    dup.write_text(text + "COMMUNICATION TACTICS,Communication tactics,legacy,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="same match key"):
        load_crosswalk(con, dup)
    orphan = tmp_path / "orphan.csv"
    orphan.write_text(text + "Old wording,Not a current issue,legacy,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a current issue"):
        load_crosswalk(con, orphan)
    nosource = tmp_path / "nosource.csv"
    nosource.write_text("issue,issue_group\nA,A\n", encoding="utf-8")
    with pytest.raises(ValueError, match="source"):
        load_crosswalk(con, nosource)
    assert con.execute("SELECT count(*) FROM information_schema.tables "
                       "WHERE table_name = 'issue_crosswalk'").fetchall()[0][0] == 0


def test_every_debt_collection_issue_of_the_real_extract_is_mapped(con, cfpb_extract):
    # a cut of a real CFPB export, committed with the tests (tests/data/cfpb/README.md): every Debt collection row
    assert cfpb_extract.is_file(), f"{cfpb_extract} is committed with the tests and must be there"
    with open(cfpb_extract, newline="", encoding="utf-8-sig") as fh:
        issues = [r["Issue"] for r in csv.DictReader(fh) if r["Product"] == "Debt collection"]
    assert len(issues) == 1254
    groups = group_of(con, issues)
    assert "other" not in groups
    assert Counter(groups) == {
        "Attempts to collect debt not owed": 638 + 6,
        "Written notification about debt": 280 + 3,
        "Communication tactics": 123,
        "Took or threatened to take negative or legal action": 103 + 3,
        "False statements or representation": 78,
        "Threatened to contact someone or share information improperly": 18 + 2,
    }
