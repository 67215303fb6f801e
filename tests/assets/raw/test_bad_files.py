"""Files that are not what their name says (not gzip, truncated or damaged, empty, an Excel workbook,
UTF-16 text, another format) are refused naming the file, the line and what is wrong, with what to do."""

from __future__ import annotations

import gzip
import io
import os
import zipfile

import pytest

from assets.raw.landing import ContractError

LF = "ledger/ledger_2026-01"
SAVE = 'save it as "CSV UTF-8 (comma delimited)"'
HEADER = "entry_id,account_id,posted_on,entry_type,amount,due_on,reverses_entry_id\n"
ROWS = ["E1,A1,2026-01-20,fee,1.00,,\n", "E2,A1,2026-01-21,fee,2.00,,\n", "E3,A1,2026-01-22,fee,3.00,,\n"]


@pytest.fixture
def bad(landing):
    """bad(ext, data): a landing with a valid accounts file and a ledger file ledger_2026-01.<ext> holding
    `data`; returns the message of the refusal."""
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
    (landing.path / "ledger").mkdir()

    def refusal(ext: str, data: bytes) -> str:
        (landing.path / "ledger" / f"ledger_2026-01.{ext}").write_bytes(data)
        with pytest.raises(ContractError) as e:
            landing.ingest()
        return str(e.value)

    return refusal


def stored_gzip(text: str) -> bytes:
    """gzip without compression (stored blocks): a cut after byte n of the text loses exactly the rest."""
    return gzip.compress(text.encode(), compresslevel=0, mtime=0)


def parquet_bytes(landing) -> bytes:
    path = landing.write_csv("complaints", "2026-01", ["a"], [["1"]], "parquet")
    with open(path, "rb") as fh:
        data = fh.read()
    os.remove(path)
    return data


def xlsx_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


def test_a_gz_that_is_not_gzip(bad, landing):
    text = (HEADER + ROWS[0]).encode()
    assert bad("csv.gz", text) == (f"{LF}.csv.gz: line 1: not a gzip file: it is uncompressed text; compress it "
                                   "with gzip, or name it .csv")
    assert bad("csv.gz", parquet_bytes(landing)) == (f"{LF}.csv.gz: line 1: not a gzip file: it is a Parquet file; "
                                                     "name it .parquet")
    assert bad("csv.gz", xlsx_bytes()) == (f"{LF}.csv.gz: line 1: not a gzip file: it is an Excel workbook (.xlsx); "
                                           f"open it in Excel and {SAVE}")


@pytest.mark.parametrize("ext, what", [
    ("csv", "the header row is missing"), ("csv.gz", "the header row is missing"), ("parquet", "it has no schema")])
def test_an_empty_file(bad, ext, what):
    assert bad(ext, b"") == f"{LF}.{ext}: line 1: the file is empty (0 bytes): {what}"


def test_an_empty_first_line(bad):
    assert bad("csv", b"\n" + HEADER.encode()) == (f"{LF}.csv: line 1: the header row is missing "
                                                  "(the first line is empty)")


def test_a_truncated_gzip_names_the_line_where_the_data_ends(bad):
    data = stored_gzip(HEADER + "".join(ROWS))
    cut = data.index(b"E3,A1") + 5  # ends inside line 4 (E3)
    assert bad("csv.gz", data[:cut]) == (f"{LF}.csv.gz: line 4: truncated gzip file: the compressed data ends inside "
                                         "this line; deliver the complete file")
    cut = data.index(b"E1,A1") + 3  # ends inside line 2
    assert bad("csv.gz", data[:cut]).startswith(f"{LF}.csv.gz: line 2: truncated gzip file")
    cut = data.index(b"posted_on")  # ends inside the header
    assert bad("csv.gz", data[:cut]).startswith(
        f"{LF}.csv.gz: line 1: the gzip data is damaged or truncated before the end of the header (")


def test_a_damaged_gzip_is_refused_not_read_as_text(bad):
    data = bytearray(stored_gzip(HEADER + "".join(ROWS)))
    at = data.index(b"E2,A1,") + 5
    data[at] = ord(";")  # the checksum no longer matches; line 3 loses a field
    assert bad("csv.gz", bytes(data)) == (f"{LF}.csv.gz: line 1: damaged gzip file: its checksum does not match its "
                                          "data, so any of its lines may be wrong; deliver the file again")


def test_a_truncated_or_false_parquet_file(bad, landing):
    data = parquet_bytes(landing)
    assert bad("parquet", data[:-20]) == (f"{LF}.parquet: line 1: truncated Parquet file: it ends before its footer "
                                          "(the schema and row counts), so none of it can be read; deliver the "
                                          "complete file")
    assert bad("parquet", data[:len(data) // 2]).startswith(f"{LF}.parquet: line 1: truncated Parquet file")
    assert bad("parquet", (HEADER + ROWS[0]).encode()) == (f"{LF}.parquet: line 1: not a Parquet file: it is text "
                                                           "(a CSV file? then name it .csv)")
    assert bad("parquet", gzip.compress(HEADER.encode())) == (f"{LF}.parquet: line 1: not a Parquet file: it is "
                                                              "gzip-compressed data")


def test_excel_files_named_csv_are_told_to_be_saved_as_csv_utf8(bad):
    assert bad("csv", xlsx_bytes()) == (f"{LF}.csv: line 1: the file is an Excel workbook (.xlsx), not CSV text: "
                                        f"open it in Excel and {SAVE}")
    ole2 = bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 504
    assert bad("csv", ole2) == (f"{LF}.csv: line 1: the file is an Excel 97-2003 workbook (.xls), not CSV text: "
                                f"open it in Excel and {SAVE}")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_is_named(bad, encoding):
    text = (HEADER + ROWS[0]).replace(",", "\t")  # Excel's "Unicode Text": UTF-16, tab-separated
    assert bad("csv", text.encode(encoding)) == (
        f'{LF}.csv: line 1: the file is UTF-16 text (what Excel saves as "Unicode Text"), not CSV text: '
        f"open it in Excel and {SAVE}")


def test_other_formats_named_csv(bad, landing):
    assert bad("csv", gzip.compress(HEADER.encode())) == (f"{LF}.csv: line 1: the file is gzip-compressed data, "
                                                          "not CSV text: name it .csv.gz")
    assert bad("csv", parquet_bytes(landing)) == (f"{LF}.csv: line 1: the file is a Parquet file, not CSV text: "
                                                  "name it .parquet")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("ledger_2026-01.csv", HEADER)
    assert bad("csv", buf.getvalue()) == (f"{LF}.csv: line 1: the file is a ZIP archive, not CSV text: extract the "
                                          "CSV file from it and deliver that file")


def test_a_header_that_is_not_utf8_names_its_physical_line(bad):
    cp1252 = HEADER.replace("reverses_entry_id", "remarque_\u00e9").encode("cp1252")
    assert bad("csv", cp1252) == f"{LF}.csv: line 1: not UTF-8 text (byte 0xe9 is not valid UTF-8 there); {SAVE}"
    quoted = ('entry_id,"note\n\u00e9",' + HEADER.split(",", 1)[1]).encode("cp1252")  # header over lines 1-2
    assert bad("csv", quoted) == f"{LF}.csv: line 2: not UTF-8 text (byte 0xe9 is not valid UTF-8 there); {SAVE}"


def test_a_good_gzip_still_loads(landing):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1")])
    (landing.path / "ledger").mkdir()
    (landing.path / "ledger" / "ledger_2026-01.csv.gz").write_bytes(stored_gzip(HEADER + "".join(ROWS) + "E4,A1\n"))
    con = landing.ingest()  # a malformed record in intact gzip data is a bad row, not a damaged file
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                       "WHERE entity = 'ledger'").fetchall() == [(4, 3, 1)]
