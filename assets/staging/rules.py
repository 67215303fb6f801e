"""Row rules of the input contract as SQL: typing each column and naming every rule a row breaks.

`typed_select(entity)` gives, per source row, the contract's columns typed (NULL where a value does not
parse) and `reason`, one text listing, '; '-separated, every rule the row breaks on its own (NULL when
it breaks none). Its source is the CSV rows as text (raw.<entity>_text) or one Parquet file read in
place, where a column the file already holds as DATE, as a DECIMAL with at most 2 decimals or as an
integer is taken as it is (`native`) and every other column is judged from its text exactly as a CSV
value would be. Rules that need other rows (duplicates, unknown accounts, …) live in the entity's
staging module.

Values are strict (data-contract.md, "File format and values"): surrounding spaces are trimmed from
every field before it is judged (the trimmed value is the one stored; a field of spaces only is empty,
so null); a date is exactly `YYYY-MM-DD`; an amount is digits with an optional point and at most two
decimals, below 10^16; a currency is an ISO 4217 code (ISO4217_CSV); enumerated values match exactly,
and a rejection lists the allowed ones, with a did-you-mean where only the case differs.
"""

from __future__ import annotations

import csv
from pathlib import Path

from assets.raw.contract import AMOUNT_RE, CONTRACT, RATE_DECIMALS, RATE_RE, RATE_TYPE, Column
from assets.sql import sql_literal

ISO4217_CSV = Path(__file__).with_name("iso4217.csv")


def _iso4217_codes(path: Path = ISO4217_CSV) -> tuple[str, ...]:
    """The alphabetic codes of ISO 4217 list one (the file's `#` lines name its source and date)."""
    with open(path, encoding="utf-8", newline="") as fh:
        return tuple(r["code"] for r in csv.DictReader(line for line in fh if not line.startswith("#")))


ISO4217_CODES = _iso4217_codes()

# Lower bounds of decimal columns: (operator, bound, wording)
DECIMAL_RANGES = {
    "amount": (">", "0", "must be > 0"),
    "credit_limit": (">=", "0", "must be >= 0"),
    "original_principal": (">", "0", "must be > 0"),
}
RESERVED_PORTFOLIO = "all"  # the marts' all-portfolios rows

# The value grammars. Each is an exact test on the trimmed text; the cast after it only decides a real
# calendar date, or an amount below 10^16 (an amount of this form has at most 2 decimals, so nothing is
# rounded). GLOB and RE2 classes are ASCII: full-width digits do not match [0-9].
DATE_GLOB = "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
NEGATIVE_AMOUNT_RE = r"-[0-9]+(\.[0-9]{1,2})?"
MANY_DECIMALS_RE = r"-?[0-9]+\.[0-9]{3,}"
AMOUNT_WORDS = ("digits with an optional point and at most two decimals "
                "(no sign, separators, underscores, exponents or inner spaces)")

NATIVE_DECIMAL_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")


def native_kind(c: Column, source_type: str) -> bool:
    """Whether a source column of this DuckDB type can be taken as the contract column's value as it is."""
    t = source_type.upper()
    if c.kind == "date":
        return t == "DATE"
    if c.kind == "decimal":
        if t in NATIVE_DECIMAL_TYPES:
            return True
        if t.startswith("DECIMAL(") and t.endswith(")"):
            return int(t[8:-1].split(",")[1]) <= 2  # DECIMAL(width,scale)
    return False


def trimmed(x: str) -> str:
    """SQL: the text `x` without surrounding spaces, as trim(x). Only a value holding a space is passed
    to trim(), which copies every value it is given; a value without one is taken as it is."""
    return f"CASE WHEN contains({x}, ' ') THEN trim({x}) ELSE {x} END"


def parsed_date(x: str) -> str:
    """SQL: the DATE written exactly `YYYY-MM-DD` in the text `x` (year 0001 on), NULL for anything else."""
    return f"CASE WHEN {x} GLOB '{DATE_GLOB}' AND {x} >= '0001' THEN TRY_CAST({x} AS DATE) END"


def parsed_amount(x: str) -> str:
    """SQL: the DECIMAL(18,2) written in the text `x` as the contract's amount, NULL for anything else."""
    return f"CASE WHEN regexp_full_match({x}, '{AMOUNT_RE}') THEN TRY_CAST({x} AS DECIMAL(18,2)) END"


def parsed_rate(x: str) -> str:
    """SQL: the RATE_TYPE written in the text `x` as the contract's exchange rate, NULL for anything else."""
    return f"CASE WHEN regexp_full_match({x}, '{RATE_RE}') THEN TRY_CAST({x} AS {RATE_TYPE}) END"


def _in_list(values) -> str:
    return ", ".join(sql_literal(s) for s in values)


def _t(c: Column) -> str:
    """The parsed value of a date or decimal column; the (trimmed) text itself for the other kinds."""
    return f"t_{c.name}" if c.kind in ("date", "decimal", "rate") else c.name


def _shown(c: Column, native: bool = False) -> str:
    """SQL: the column's value quoted for a reason."""
    value = f"CAST({c.name} AS VARCHAR)" if native else c.name
    return f"'''' || {value} || ''''"


def _typed_source(entity: str, inner: str | None, native: frozenset[str]) -> str:
    """FROM-clause subquery in two nested SELECTs: the inner one names each contract column after
    itself, trimmed, empty as null (a native column as it is); the outer one parses each date and
    decimal once into `t_<column>` (a native column is simply cast), so the reasons compare those and
    no value is parsed twice."""
    cols = CONTRACT[entity]
    inner = inner or f"SELECT * FROM raw.{entity}_text"
    values = ", ".join(c.name if c.name in native else f"nullif({trimmed(c.name)}, '') AS {c.name}" for c in cols)
    parsed = []
    for c in cols:
        if c.kind == "date":
            parsed.append(f"{c.name if c.name in native else parsed_date(c.name)} AS t_{c.name}")
        elif c.kind == "decimal":
            value = f"TRY_CAST({c.name} AS DECIMAL(18,2))" if c.name in native else parsed_amount(c.name)
            parsed.append(f"{value} AS t_{c.name}")
        elif c.kind == "rate":
            parsed.append(f"{parsed_rate(c.name)} AS t_{c.name}")
    return (f"(SELECT *, {', '.join(parsed)} FROM (SELECT source_file, file_month, line_number, {values} "
            f"FROM ({inner})))")


def typed_select(entity: str, inner: str | None = None, native: frozenset[str] = frozenset()) -> str:
    """SELECT of source_file, file_month, line_number, the typed contract columns and `reason`. `inner`
    is a SELECT of source_file, file_month, line_number and the contract's columns (default: the CSV
    rows, raw.<entity>_text); `native` names the columns it gives already typed."""
    return (f"SELECT source_file, file_month, line_number, {typed_columns(entity)}, "
            f"{row_reasons(entity, native)} AS reason FROM {_typed_source(entity, inner, native)}")


def typed_columns(entity: str) -> str:
    """Select list of the contract's columns, typed (dates DATE, money DECIMAL(18,2), rates RATE_TYPE, text
    trimmed)."""
    out = []
    for c in CONTRACT[entity]:
        e = _t(c)
        if c.kind == "decimal":
            e = f"CAST({e} AS DECIMAL(18,2))"
        if c.name == "hardship_flag":
            e = f"coalesce({e}, 'none')"
        out.append(f"{e} AS {c.name}")
    return ",\n        ".join(out)


def _amount_reason(c: Column) -> str:
    """SQL: why the text of a decimal column is not an amount (for a value that did not parse)."""
    x, name, shown = c.name, c.name, _shown(c)
    op, bound, words = DECIMAL_RANGES[name]
    return (f"CASE WHEN regexp_full_match({x}, '{MANY_DECIMALS_RE}') THEN '{name} has more than 2 decimals: ' || {shown} "
            f"WHEN regexp_full_match({x}, '{AMOUNT_RE}') THEN '{name} is not below 10^16: ' || {shown} "
            # a minus sign makes the amount non-positive (but -0 is not below a bound of 0: a sign, refused)
            f"WHEN regexp_full_match({x}, '{NEGATIVE_AMOUNT_RE}') AND NOT (TRY_CAST({x} AS DOUBLE) {op} {bound}) "
            f"THEN '{name} {words}: ' || {shown} "
            f"WHEN regexp_full_match({x}, '[0-9]+\\.') THEN '{name} has a point without decimals "
            f"(write two decimals, e.g. ' || {x} || '00): ' || {shown} "
            f"WHEN regexp_full_match({x}, '\\.[0-9]{{1,2}}') THEN '{name} has no digit before the point "
            f"(write e.g. 0' || {x} || '): ' || {shown} "
            f"ELSE '{name} is not {AMOUNT_WORDS}: ' || {shown} END")


def _did_you_mean(x: str, allowed) -> str:
    """SQL: '; did you mean 'v'?' when `x` differs from an allowed value v only by case, else ''."""
    whens = " ".join(f"WHEN {sql_literal(s.lower())} THEN {sql_literal(f'; did you mean {sql_literal(s)}?')}" for s in allowed)
    return f"CASE lower({x}) {whens} ELSE '' END"


def _column_reasons(c: Column, native: bool = False) -> list[str]:
    """The column's rules. A native column (a Parquet DATE, DECIMAL or integer) needs no parse rules:
    only presence, range and fit (a DECIMAL(38,2) may not fit DECIMAL(18,2))."""
    x, name, t, shown = c.name, c.name, _t(c), _shown(c, native)
    rules = []
    if c.required:
        rules.append(f"CASE WHEN {x} IS NULL THEN 'missing required field {name}' END")
    if c.kind == "date" and not native:
        rules.append(f"CASE WHEN {x} IS NOT NULL AND {t} IS NULL "
                     f"THEN '{name} is not an ISO date (YYYY-MM-DD): ' || {shown} END")
    elif c.kind == "decimal":
        why = f"'{name} is not below 10^16: ' || {shown}" if native else _amount_reason(c)
        rules.append(f"CASE WHEN {x} IS NOT NULL AND {t} IS NULL THEN {why} END")
        op, bound, words = DECIMAL_RANGES[name]
        rules.append(f"CASE WHEN NOT ({t} {op} {bound}) THEN '{name} {words}: ' || {shown} END")
    elif c.kind == "rate":
        rules.append(f"CASE WHEN {x} IS NOT NULL AND {t} IS NULL THEN CASE "
                     f"WHEN regexp_full_match({x}, '-?[0-9]+\\.[0-9]{{{RATE_DECIMALS + 1},}}') "
                     f"THEN '{name} has more than {RATE_DECIMALS} decimals: ' || {shown} "
                     f"WHEN regexp_full_match({x}, '{RATE_RE}') THEN '{name} is not below 10^8: ' || {shown} "
                     f"ELSE '{name} is not a decimal > 0 (digits with an optional point and at most "
                     f"{RATE_DECIMALS} decimals, no sign, separators or exponents): ' || {shown} END END")
        rules.append(f"CASE WHEN {t} = 0 THEN '{name} must be > 0: ' || {shown} END")
    elif c.kind == "enum":
        rules.append(f"CASE WHEN {x} IS NOT NULL AND {x} NOT IN ({_in_list(c.values)}) "
                     f"THEN 'unknown {name} ' || {shown} || ' (expected {' | '.join(c.values)}' "
                     f"|| {_did_you_mean(x, c.values)} || ')' END")
    return rules


ISO_CURRENCY_RULE = (
    f"CASE WHEN currency NOT IN ({_in_list(ISO4217_CODES)}) THEN 'currency is not an ISO 4217 code: ''' "
    f"|| currency || '''' || CASE WHEN upper(currency) IN ({_in_list(ISO4217_CODES)}) "
    "THEN ' (did you mean ''' || upper(currency) || '''?)' ELSE '' END END")


def _date(name: str) -> str:
    return _t(Column(name, "date"))


ENTITY_RULES: dict[str, list[str]] = {
    "accounts": [
        "CASE WHEN length(account_id) > 64 THEN 'account_id longer than 64 characters' END",
        # 'all' names the all-portfolios rows of every mart; 'All' or 'ALL' would read as that row too
        (f"CASE WHEN lower(portfolio) = '{RESERVED_PORTFOLIO}' THEN 'portfolio ''' || portfolio || ''' is reserved for "
         f"the all-portfolios rows' || CASE WHEN portfolio <> '{RESERVED_PORTFOLIO}' "
         f"THEN ' (''{RESERVED_PORTFOLIO}'', in any case)' ELSE '' END END"),
        ISO_CURRENCY_RULE,
        ("CASE WHEN product_type = 'revolving' AND credit_limit IS NULL "
         "THEN 'credit_limit is required for a revolving account' END"),
        ("CASE WHEN product_type = 'installment' AND original_principal IS NULL "
         "THEN 'original_principal is required for an installment account' END"),
        "CASE WHEN {c} < {o} THEN 'closed_on ' || {c} || ' is before opened_on ' || {o} END".format(
            c=_date("closed_on"), o=_date("opened_on")),
        "CASE WHEN {o} > last_day(file_month) THEN 'opened_on ' || {o} || ' is after the file''s month end ' "
        "|| last_day(file_month) || ' (the file is the master as of that month end)' END".format(o=_date("opened_on")),
    ],
    "ledger": [
        "CASE WHEN {p} NOT BETWEEN file_month AND last_day(file_month) THEN 'posted_on ' || {p} || "
        "' is outside the file''s month ' || strftime(file_month, '%Y-%m') END".format(p=_date("posted_on")),
        "CASE WHEN entry_type = 'due' AND due_on IS NULL THEN 'due_on is required for a due' END",
        "CASE WHEN entry_type <> 'due' AND due_on IS NOT NULL THEN 'due_on must be empty for entry_type ' || entry_type END",
        ("CASE WHEN entry_type = 'payment_reversal' AND reverses_entry_id IS NULL "
         "THEN 'reverses_entry_id is required for a payment_reversal' END"),
        ("CASE WHEN entry_type <> 'payment_reversal' AND reverses_entry_id IS NOT NULL "
         "THEN 'reverses_entry_id must be empty for entry_type ' || entry_type END"),
    ],
    "complaints": [
        "CASE WHEN {r} > last_day(file_month) THEN 'received_on ' || {r} || ' is after the file''s month end' END"
        .format(r=_date("received_on")),
        *[
            "CASE WHEN {d} < {r} THEN '{n} ' || {d} || ' is before received_on ' || {r} "
            "WHEN {d} > last_day(file_month) THEN '{n} ' || {d} || ' is after the file''s month end' END".format(
                d=_date(n), r=_date("received_on"), n=n)
            for n in ("responded_on", "closed_on")
        ],
    ],
    "fx": [ISO_CURRENCY_RULE],
}


def row_reasons(entity: str, native: frozenset[str] = frozenset()) -> str:
    rules = [r for c in CONTRACT[entity] for r in _column_reasons(c, c.name in native)] + ENTITY_RULES[entity]
    return "nullif(concat_ws('; ', " + ",\n            ".join(rules) + "), '')"


def raw_json(entity: str, alias: str = "r") -> str:
    """The row as read, contract columns only, as a JSON object (what audit.rejected_rows.raw holds)."""
    fields = ", ".join(f"{c.name} := {alias}.{c.name}" for c in CONTRACT[entity])
    return f"CAST(to_json(struct_pack({fields})) AS VARCHAR)"
