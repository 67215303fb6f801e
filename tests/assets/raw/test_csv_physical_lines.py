"""CSV line numbers are physical lines (header = line 1), whatever came before a record: malformed
records, quoted line breaks, blank lines, CRLF, gzip. Loaded rows (raw and staging), rejected rows and
refusals all name the line on which the record starts. Each file below is written byte by byte; the
expected lines are counted by hand in the comments."""

from __future__ import annotations

import gzip

import pytest

from assets.raw.landing import ContractError

LF = "ledger/ledger_2026-01.csv"
HEAD = "entry_id,account_id,posted_on,entry_type,amount,due_on,reverses_entry_id"
MEMO = HEAD + ",memo"  # memo: a column outside the contract (ignored), so it may hold line breaks
FIELDS = "malformed CSV record: expected {} fields, found {}"
QUOTE = ("malformed CSV record: a quoted field is not closed, or text follows its closing quote "
         "(RFC 4180 quoting)")


def row(eid: str, memo: str | None = None) -> str:
    """A valid ledger row (fee of 1.00 on an account opened before), with a memo field when given."""
    return f"{eid},A1,2026-01-20,fee,1.00,," + ("" if memo is None else "," + memo)


def write_ledger(landing, lines: list[str], nl: str = "\n", fmt: str = "csv", end: str | None = None) -> None:
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1", opened="2026-01-02")])
    data = (nl.join(lines) + (nl if end is None else end)).encode()
    (landing.path / "ledger").mkdir(exist_ok=True)
    path = landing.path / "ledger" / f"ledger_2026-01.{fmt}"
    path.write_bytes(gzip.compress(data) if fmt == "csv.gz" else data)


def outcome(landing, fmt: str = "csv"):
    """(entry -> line in raw.ledger, entry -> line in staging.ledger, line -> reason rejected,
    (rows read, loaded, rejected)) of the ledger file."""
    con = landing.ingest()
    name = LF.replace(".csv", "." + fmt)
    raw = dict(con.execute("SELECT entry_id, line_number FROM raw.ledger").fetchall())
    staged = dict(con.execute("SELECT entry_id, line_number FROM staging.ledger").fetchall())
    rejected = {n: r for (f, n), r in landing.rejected(con).items() if f == name}
    counts = con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                         "WHERE source_file = ?", [name]).fetchall()[0]
    return raw, staged, rejected, counts


@pytest.mark.parametrize("nl", ["\n", "\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("fmt", ["csv", "csv.gz"])
def test_malformed_records_one_after_another_shift_nothing(landing, nl, fmt):
    write_ledger(landing, [
        HEAD,                       # 1
        row("E1"),                  # 2
        "E2,A1",                    # 3 too few fields
        "E3,A1,2026-01-20",         # 4 too few, right after
        row("E4") + ",x",           # 5 one field too many
        row("E5") + ",,x,",         # 6 three too many (empty ones count)
        row("E6"),                  # 7
        "E7",                       # 8 one field
        row("E8"),                  # 9
    ], nl, fmt)
    raw, staged, rejected, counts = outcome(landing, fmt)
    assert raw == staged == {"E1": 2, "E6": 7, "E8": 9}
    assert rejected == {3: FIELDS.format(7, 2), 4: FIELDS.format(7, 3), 5: FIELDS.format(7, 8), 6: FIELDS.format(7, 10),
                        8: FIELDS.format(7, 1)}
    assert counts == (8, 3, 5)


@pytest.mark.parametrize("nl", ["\n", "\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("fmt", ["csv", "csv.gz"])
def test_quoted_line_breaks_before_and_after_malformed_records(landing, nl, fmt):
    write_ledger(landing, [
        MEMO,                                   # 1
        row("E1", f'"a{nl}b"'),                 # 2-3
        "E2,A1",                                # 4 too few fields
        row("E3", f'"x{nl}y{nl}{nl}z"'),        # 5-8 (an empty line inside quotes is no blank line)
        "E4",                                   # 9 one field
        row("E5", ""),                          # 10 (memo empty)
        f'"E6{nl}",A1',                         # 11-12 malformed, holding a quoted line break
        row("E7", '""'),                        # 13
    ], nl, fmt)
    raw, staged, rejected, counts = outcome(landing, fmt)
    assert raw == staged == {"E1": 2, "E3": 5, "E5": 10, "E7": 13}
    assert rejected == {4: FIELDS.format(8, 2), 9: FIELDS.format(8, 1), 11: FIELDS.format(8, 2)}
    assert counts == (7, 4, 3)


def test_blank_lines_anywhere_are_counted(landing):
    write_ledger(landing, [
        HEAD,               # 1
        "",                 # 2
        row("E1"),          # 3
        "",                 # 4
        "",                 # 5
        row("E2"),          # 6
        "E3,A1",            # 7 too few fields
        "",                 # 8
        row("E4"),          # 9
        "",                 # 10 (blank lines at the end)
    ], end="\n\n")
    raw, staged, rejected, counts = outcome(landing)
    assert raw == staged == {"E1": 3, "E2": 6, "E4": 9}
    assert rejected == {7: FIELDS.format(7, 2)}
    assert counts == (4, 3, 1)


def test_blank_lines_alone_move_the_rows_after_them(landing):
    """No record is rejected and none holds a line break: the blank lines alone must not be dropped from
    the count."""
    write_ledger(landing, [HEAD, row("E1"), "", row("E2"), "", "", row("E3")], "\r\n")
    raw, staged, rejected, counts = outcome(landing)
    assert raw == staged == {"E1": 2, "E2": 4, "E3": 7}
    assert rejected == {} and counts == (3, 3, 0)


def test_issue_example_line_925(landing):
    """The issue's file: line 925 has too few fields, 926 too; every later row keeps its own line, loaded
    ones and one rejected by a row rule (line 931) alike."""
    lines = [HEAD] + [row(f"E{n}") for n in range(2, 925)]              # lines 2..924
    lines += ["E925,A1", "E926,A1,2026-01-20,fee"]                       # 925, 926 malformed
    lines += [row(f"E{n}") for n in range(927, 931)]                     # 927..930
    lines += ["E931,A1,2026-01-20,fee,1.0.0,,"]                          # 931 amount not a decimal
    lines += [row("E932")]                                               # 932
    write_ledger(landing, lines)
    raw, staged, rejected, counts = outcome(landing)
    assert raw["E924"] == 924 and raw["E927"] == 927 and raw["E930"] == 930 and raw["E932"] == 932
    assert staged == {f"E{n}": n for n in [*range(2, 925), *range(927, 931), 932]}
    assert set(rejected) == {925, 926, 931}
    assert rejected[925] == FIELDS.format(7, 2) and rejected[926] == FIELDS.format(7, 4)
    assert rejected[931].startswith("amount ")
    assert counts == (931, 928, 3)


def test_unterminated_quote_is_one_record_to_the_end_of_the_file(landing):
    write_ledger(landing, [
        HEAD,                                   # 1
        row("E1"),                              # 2
        'E2,A1,"2026-01-20,fee,1.00,,',         # 3: the quote never closes: lines 3-5 are one record
        row("E3"),                              # 4
        row("E4"),                              # 5
    ])
    con = landing.ingest()
    assert dict(con.execute("SELECT entry_id, line_number FROM raw.ledger").fetchall()) == {"E1": 2}
    assert con.execute("SELECT line_number, reason, raw, length_bytes FROM audit.rejected_rows "
                       "WHERE source_file = ?", [LF]).fetchall() == [
        (3, QUOTE, None, len('E2,A1,"2026-01-20,fee,1.00,,\n' + row("E3") + "\n" + row("E4")))]
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM audit.source_files "
                       "WHERE source_file = ?", [LF]).fetchall() == [(2, 1, 1)]


def test_text_after_a_closing_quote_rejects_that_record_only(landing):
    write_ledger(landing, [
        MEMO,                                   # 1
        row("E1", '"m\nn"'),                    # 2-3
        'E2,A1,"2026-01-20"x,fee,1.00,,,',      # 4: text after the closing quote
        'E3,A1,2026-01-20,fee,1.00,,,"a" "b"',  # 5: a quote reopened after a space: one field, loaded
        row("E4", '"p\nq"'),                    # 6-7
    ])
    raw, staged, rejected, counts = outcome(landing)
    assert raw == staged == {"E1": 2, "E3": 5, "E4": 6}
    assert rejected == {4: QUOTE}
    assert counts == (4, 3, 1)


@pytest.mark.parametrize("nl", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_a_bare_cr_inside_quotes_is_data(landing, nl):
    write_ledger(landing, [MEMO, row("E1", '"a\rb"'), "E2", row("E3", '"c\r\rd"'), row("E4", "")], nl)
    raw, staged, rejected, counts = outcome(landing)
    assert raw == staged == {"E1": 2, "E3": 4, "E4": 5}
    assert rejected == {3: FIELDS.format(8, 1)} and counts == (4, 3, 1)


CR = ("a carriage return (CR) outside a quoted field that does not end the line as CRLF (CSV: RFC 4180 "
      "quoting: a CR is data only inside quotes)")
LF_ALONE = "a line break LF where the file's line breaks are CRLF (CSV: RFC 4180: one kind of line break per file)"


@pytest.mark.parametrize("lines, nl, line, rule", [
    # a CR inside an unquoted field, after a record spanning lines 2-3: the file is refused at line 4
    ([MEMO, row("E1", '"a\nb"'), row("E2", "x\ry"), row("E3")], "\n", 4, CR),
    ([MEMO, row("E1", '"a\r\nb"'), row("E2", "x\ry"), row("E3")], "\r\n", 4, CR),
    # a CR right after a delimiter, and one ending a line of an LF file
    ([HEAD, row("E1"), "E2,A1,\r2026-01-20,fee,1.00,,", row("E3")], "\n", 3, CR),
    ([HEAD, "", row("E1") + "\r", row("E2")], "\n", 3, CR),
    # lines ending in a bare CR (an old Mac file): the header's line break is already one
    ([HEAD, row("E1"), row("E2")], "\r", 1, CR),
    # a CRLF file with a line ending in LF alone (after a delimiter, where the reader itself would go on)
    ([HEAD, row("E1"), row("E2") + "\n" + row("E3"), row("E4")], "\r\n", 3, LF_ALONE),
], ids=["unquoted", "unquoted-crlf", "after-delimiter", "line-end", "cr-only-file", "lf-in-crlf-file"])
def test_a_cr_or_lf_outside_quotes_refuses_the_file_naming_its_line(landing, lines, nl, line, rule):
    write_ledger(landing, lines, nl)
    with pytest.raises(ContractError) as e:
        landing.ingest()
    assert str(e.value) == f"{LF}: line {line}: {rule}; the file is refused whole (its records cannot be told apart)"


def test_extra_fields_that_are_all_empty_are_read_as_the_first_fields(landing):
    write_ledger(landing, [HEAD, row("E1") + ",", row("E2") + ',,""', row("E3") + ",,x", row("E4")])
    raw, staged, rejected, counts = outcome(landing)
    assert raw == staged == {"E1": 2, "E2": 3, "E4": 5}
    assert rejected == {4: FIELDS.format(7, 9)} and counts == (4, 3, 1)


@pytest.mark.parametrize("fmt", ["csv", "csv.gz"])
@pytest.mark.parametrize("bad, line, reason, col", [
    # latin-1 'é' in an ignored column, after a record spanning lines 2-3 and a malformed one
    (b"caf\xe9", 5, "invalid continuation byte", 32),
    # a lone continuation byte
    (b"\x80", 5, "invalid start byte", 29),
    # an overlong encoding of '/'
    (b"\xc0\xaf", 5, "invalid start byte", 29),
])
def test_a_file_not_utf8_is_refused_at_the_line_and_byte(landing, fmt, bad, line, reason, col):
    landing.write_csv("accounts", "2026-01", landing.ACC_COLS, [landing.account("A1", opened="2026-01-02")])
    data = ("\n".join([MEMO, row("E1", '"a\nb"'), "E2,A1", ""]).encode()
            + row("E3").encode() + b"," + bad + b"\n" + row("E4").encode() + b"\n")
    (landing.path / "ledger").mkdir()
    (landing.path / "ledger" / f"ledger_2026-01.{fmt}").write_bytes(gzip.compress(data) if fmt == "csv.gz" else data)
    with pytest.raises(ContractError) as e:
        landing.ingest()
    assert str(e.value) == (f"ledger/ledger_2026-01.{fmt}: line {line}: not UTF-8 ({reason} at byte {col} of "
                            "the line); CSV: UTF-8, so the file is refused whole")


def test_a_file_ending_inside_a_utf8_sequence_is_refused_at_its_last_line(landing):
    write_ledger(landing, [HEAD, row("E1"), "E2,A1,2026-01-20,fee,1.00,,"], end="")
    with open(landing.path / "ledger" / "ledger_2026-01.csv", "ab") as fh:
        fh.write(b"\xe2\x82")
    with pytest.raises(ContractError, match=rf"^{LF}: line 3: not UTF-8 \(truncated sequence at the end of the "
                                            r"file at byte 28 of the line\)"):
        landing.ingest()
