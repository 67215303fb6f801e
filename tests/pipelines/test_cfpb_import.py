"""CFPB export → contract complaint files: layout, mappings, refusals, row accounting, the real extract."""

from __future__ import annotations

import csv
from collections import Counter

import polars as pl
import pytest

from pipelines.cfpb_import import CONTRACT_COLUMNS, CfpbImportError, import_cfpb

HEADER = (
    "Date received,Product,Sub-product,Issue,Sub-issue,Consumer complaint narrative,Company public response,"
    "Company,State,ZIP code,Tags,Consumer consent provided?,Submitted via,Date sent to company,"
    "Company response to consumer,Timely response?,Consumer disputed?,Complaint ID"
)
NARRATIVE = 'They said, "pay today, or else".\nI asked, twice, for a letter;\r\nnothing came. "Nothing."'

# Physical lines: 1 header; 2-4 the multi-line narrative record; then one line per record.
SAMPLE = "\ufeff" + "\r\n".join([
    HEADER,
    # line 2 (to 4): Web, narrative with commas, quotes and line breaks
    '2019-09-24,Debt collection,I do not know,Attempts to collect debt not owed,Debt is not yours,"'
    + NARRATIVE.replace('"', '""')
    + '",,TRANSWORLD SYSTEMS INC,FL,335XX,,Consent provided,Web,2019-09-24,Closed with explanation,Yes,N/A,3384392',
    # line 5: legacy issue wording, legacy "Closed", Fax
    "2015-04-06,Debt collection,Medical,Cont'd attempts collect debt not owed,Debt is not mine,,,"
    "ACME COLLECTIONS,TX,75001,,N/A,Fax,2015-04-08,Closed,Yes,No,1330001",
    # line 6: Referral, monetary relief, sub-issue empty
    '2019-09-03,Credit card or prepaid card,General-purpose credit card or charge card,"Fees or interest",,,'
    "Company has responded to the consumer and the CFPB and chooses not to provide a public response,"
    "BIG BANK,NY,10001,Servicemember,Consent not provided,Referral,2019-09-05,Closed with monetary relief,Yes,N/A,3360000",
    # line 7: missing Date received -> refused
    ",Debt collection,Other debt,Communication tactics,Frequent or repeated calls,,,X CORP,CA,90001,,N/A,Phone,"
    "2019-09-10,Closed with explanation,Yes,N/A,3370000",
    # line 8: unknown channel -> refused
    "2019-09-11,Debt collection,Other debt,Communication tactics,Frequent or repeated calls,,,X CORP,CA,90001,,N/A,"
    "Carrier pigeon,2019-09-11,Closed with explanation,Yes,N/A,3370001",
    # line 9: duplicate of line 2's Complaint ID -> refused
    "2019-09-25,Debt collection,I do not know,Communication tactics,Frequent or repeated calls,,,Y CORP,FL,33101,,"
    "N/A,Phone,2019-09-25,In progress,Yes,N/A,3384392",
    # line 10: Phone, same day as line 6 with a higher id (sorts after it), Postal mail next
    "2019-09-03,Debt collection,Medical debt,Written notification about debt,Didn't receive notice of right to dispute,"
    ",,Z CORP,GA,30301,Older American,N/A,Phone,2019-09-03,Untimely response,No,N/A,3360001",
    # line 11: Postal mail, In progress, October
    "2019-10-01,Debt collection,Payday loan debt,False statements or representation,Attempted to collect wrong amount,"
    ",,Z CORP,GA,30301,,N/A,Postal mail,2019-10-02,In progress,Yes,N/A,3400000",
]) + "\r\n"


def read_rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


@pytest.fixture()
def sample(tmp_path):
    path = tmp_path / "complaints.csv"
    path.write_bytes(SAMPLE.encode("utf-8"))
    return path


def test_sample_import(sample, tmp_path):
    landing = tmp_path / "landing"
    result = import_cfpb(sample, landing)

    assert result["rows_read"] == 8
    assert result["rows_written"] == 5
    assert result["rows_refused"] == 3
    assert result["rows_read"] == result["rows_written"] + result["rows_refused"]
    assert [(r["line"], r["complaint_id"]) for r in result["refused"]] == [
        (7, "3370000"), (8, "3370001"), (9, "3384392")]
    reasons = [r["reason"] for r in result["refused"]]
    assert "Date received" in reasons[0]
    assert "Carrier pigeon" in reasons[1] and "Submitted via" in reasons[1]
    assert "duplicate" in reasons[2] and "line 2" in reasons[2]

    files = sorted(p.name for p in (landing / "complaints").iterdir())
    assert files == ["complaints_2015-04.csv", "complaints_2019-09.csv", "complaints_2019-10.csv"]
    assert [(f["month"], f["rows"]) for f in result["files"]] == [("2015-04", 1), ("2019-09", 3), ("2019-10", 1)]

    header, *sept = read_rows(landing / "complaints" / "complaints_2019-09.csv")
    assert tuple(header) == CONTRACT_COLUMNS
    assert sept == [
        ["3360000", "", "2019-09-03", "regulator", "Credit card or prepaid card", "Fees or interest", "",
         "", "", "Closed with monetary relief"],
        ["3360001", "", "2019-09-03", "phone", "Debt collection", "Written notification about debt",
         "Didn't receive notice of right to dispute", "", "", "Untimely response"],
        ["3384392", "", "2019-09-24", "web", "Debt collection", "Attempts to collect debt not owed",
         "Debt is not yours", "", "", "Closed with explanation"],
    ]
    assert read_rows(landing / "complaints" / "complaints_2015-04.csv")[1] == [
        "1330001", "", "2015-04-06", "letter", "Debt collection", "Cont'd attempts collect debt not owed",
        "Debt is not mine", "", "", "Closed with explanation"]
    assert read_rows(landing / "complaints" / "complaints_2019-10.csv")[1] == [
        "3400000", "", "2019-10-01", "letter", "Debt collection", "False statements or representation",
        "Attempted to collect wrong amount", "", "", "In progress"]

    written = "".join(p.read_text(encoding="utf-8") for p in (landing / "complaints").iterdir())
    assert "pay today" not in written and "TRANSWORLD" not in written and "335XX" not in written
    assert not written.startswith("\ufeff")
    assert result["submitted_via"]["Fax -> letter"] == 1
    assert result["company_response"]["Closed -> Closed with explanation"] == 1
    assert result["cfpb_timely_response"] == {"No": 1, "Yes": 4}
    assert "Consumer complaint narrative" in result["columns_ignored"]


def test_output_is_deterministic_and_protected(sample, tmp_path):
    landing = tmp_path / "landing"
    import_cfpb(sample, landing)
    first = {p.name: p.read_bytes() for p in (landing / "complaints").iterdir()}
    with pytest.raises(FileExistsError, match="complaints_2015-04.csv"):
        import_cfpb(sample, landing)
    import_cfpb(sample, landing, overwrite=True)
    assert {p.name: p.read_bytes() for p in (landing / "complaints").iterdir()} == first


def test_header_matched_case_insensitively_and_missing_columns_refused(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text(" COMPLAINT id ,date RECEIVED,product,issue,sub-issue,submitted via,"
                   "company response to consumer\n"
                   "7,2020-01-02,Debt collection,Communication tactics,,WEB,closed with explanation\n",
                   encoding="utf-8")
    result = import_cfpb(odd, tmp_path / "landing")
    assert (result["rows_read"], result["rows_written"]) == (1, 1)
    assert read_rows(tmp_path / "landing" / "complaints" / "complaints_2020-01.csv")[1] == [
        "7", "", "2020-01-02", "web", "Debt collection", "Communication tactics", "", "", "",
        "Closed with explanation"]

    bad = tmp_path / "bad.csv"
    bad.write_text("Date received,Product,Issue,Complaint ID\n2020-01-02,Debt collection,X,1\n", encoding="utf-8")
    with pytest.raises(CfpbImportError) as err:
        import_cfpb(bad, tmp_path / "landing2")
    message = str(err.value)
    assert str(bad) in message
    for column in ("Sub-issue", "Submitted via", "Company response to consumer"):
        assert column in message
    assert not (tmp_path / "landing2").exists()  # refused before anything is written

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes((HEADER + "\n2020-01-02,Debt collection,,Communication tactics,,Pay\xe9,,C,,,,,Web,,"
                        "In progress,Yes,,9\n").encode("latin-1"))
    with pytest.raises(CfpbImportError, match="latin1.csv"):
        import_cfpb(latin1, tmp_path / "landing3")


def test_bad_rows_are_refused_with_reasons(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(
        HEADER + "\n"
        "2020-13-01,Debt collection,,Communication tactics,,,,C,,,,,Web,,Closed with explanation,Yes,,1\n"
        "2020-01-01,Debt collection,,Communication tactics,,,,C,,,,,Web,,Closed with relief,Yes,,2\n"
        "01/31/2020,Debt collection,,,,,,C,,,,,Web,,In progress,Yes,,3\n"
        "01/31/2020,Debt collection,,Communication tactics,,,,C,,,,,Web,,In progress,Yes,,4\n"
        "\n"
        "2020-01-01,too,few\n",
        encoding="utf-8")
    result = import_cfpb(path, tmp_path / "landing")
    assert result["rows_read"] == 6 and result["rows_written"] == 1 and result["rows_refused"] == 5
    assert [r["line"] for r in result["refused"]] == [2, 3, 4, 6, 7]
    assert result["refused_by_reason"] == {"bad date": 1, "blank line": 1, "field count": 1,
                                           "missing value": 1, "unknown company response": 1}
    assert read_rows(tmp_path / "landing" / "complaints" / "complaints_2020-01.csv")[1][:3] == ["4", "", "2020-01-31"]


def test_real_extract(tmp_path, cfpb_extract):
    # a cut of a real CFPB export, committed with the tests (tests/data/cfpb/README.md: source, licence, cut)
    assert cfpb_extract.is_file(), f"{cfpb_extract} is committed with the tests and must be there"
    landing = tmp_path / "landing"
    result = import_cfpb(cfpb_extract, landing)

    assert result["rows_read"] == 1256
    assert result["rows_written"] + result["rows_refused"] == 1256
    assert result["rows_refused"] == 0, result["refused"][:5]

    # An independent reader (polars) agrees on the records and their months.
    source = pl.read_csv(cfpb_extract, infer_schema=False)
    assert source.height == 1256
    expected_months = Counter(d[:7] for d in source["Date received"].to_list())

    out = {}
    for path in sorted((landing / "complaints").iterdir()):
        header, *rows = read_rows(path)
        assert tuple(header) == CONTRACT_COLUMNS
        month = path.stem.removeprefix("complaints_")
        assert all(r[2][:7] == month for r in rows)
        assert rows == sorted(rows, key=lambda r: (r[2], r[0]))
        out[month] = rows
    assert {m: len(r) for m, r in out.items()} == dict(expected_months)
    assert len(out) == 44
    rows = [r for month_rows in out.values() for r in month_rows]
    assert len(rows) == 1256
    assert sorted(r[0] for r in rows) == sorted(source["Complaint ID"].to_list())
    assert all(r[1] == "" and r[7] == "" and r[8] == "" for r in rows)  # no account ids, no invented dates
    # letter = Postal mail 62 + Fax 9; regulator = Referral
    assert Counter(r[3] for r in rows) == {"web": 1024, "phone": 103, "letter": 62 + 9, "regulator": 56, "email": 2}
    assert Counter(r[4] for r in rows)["Debt collection"] == 1254
    assert {r[9] for r in rows} <= {"Closed with explanation", "Closed with non-monetary relief",
                                    "Closed with monetary relief", "In progress", "Untimely response"}
    assert min(r[2] for r in rows) == "2015-04-06" and max(r[2] for r in rows) == "2020-03-16"

    # No narrative text reaches the output.
    written = "".join(p.read_text(encoding="utf-8") for p in (landing / "complaints").iterdir())
    narratives = [n for n in source["Consumer complaint narrative"].to_list() if n and len(n) > 40]
    assert len(narratives) == 290  # the extract's narratives longer than 40 characters
    assert not any(n[:40] in written for n in narratives)
