"""Row rules of the input contract as SQL: typing each column and naming every rule a row breaks.

`typed_columns(entity)` gives the typed values (NULL where a value does not parse); `row_reasons(entity)`
is one text expression listing, '; '-separated, every rule the row breaks on its own (NULL when it
breaks none). `typed_select()` puts both over one source: the CSV rows as text (raw.<entity>_text) or
one Parquet file read in place, where a column the file already holds as DATE, as a DECIMAL with at
most 2 decimals or as an integer is taken as it is (`native`) and every other column is parsed from its
text exactly as a CSV value would be. Rules that need other rows (duplicates, unknown accounts, …) live
in the entity's staging module.
"""

from __future__ import annotations

from assets.raw.contract import CONTRACT, Column

MONEY_MAX = "10000000000000000"  # DECIMAL(18,2) holds amounts below 10^16

# Lower bounds of decimal columns: (operator, bound, wording)
DECIMAL_RANGES = {
    "amount": (">", "0", "must be > 0"),
    "credit_limit": (">=", "0", "must be >= 0"),
    "original_principal": (">", "0", "must be > 0"),
}

# The typing runs in two nested SELECTs over a source: the inner one names each contract column after
# itself, empty text as null (data-contract: "empty field = null"; values are not trimmed, so
# " revolving" is not an enum value), the outer one parses each date and decimal once into `t_<column>`
# (a native column is simply renamed); the row reasons then compare those, so no value is parsed twice.
# Only cheap string tests are used: this runs on every ledger row.

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


def v(col: str) -> str:
    """The text value of a contract column, empty as null (the inner SELECT names it after the column)."""
    return col


def t(c: Column) -> str:
    """The parsed value of a date or decimal column; the text itself for the other kinds."""
    return f"t_{c.name}" if c.kind in ("date", "decimal") else c.name


def _parse(c: Column) -> str:
    x = c.name
    if c.kind == "date":  # strictly YYYY-MM-DD, and a real date (2026-02-31 is not)
        return (f"CASE WHEN length({x}) = 10 AND substr({x}, 5, 1) = '-' AND substr({x}, 8, 1) = '-' "
                f"THEN TRY_CAST({x} AS DATE) END")
    # A decimal with a point, no exponent and no thousands separator (DuckDB's cast rejects the
    # separator; the exponent is excluded here). At most 2 decimals is checked on the text, so nothing is
    # rounded; the value must fit DECIMAL(18,2). (Cheap string tests only: this runs on every ledger row.)
    return (f"CASE WHEN strpos({x}, 'e') = 0 AND strpos({x}, 'E') = 0 "
            f"AND (strpos({x}, '.') = 0 OR length({x}) - strpos({x}, '.') <= 2) "
            f"THEN TRY_CAST({x} AS DECIMAL(18,2)) END")


def _native(c: Column) -> str:
    return f"TRY_CAST({c.name} AS DECIMAL(18,2))" if c.kind == "decimal" else c.name


def _too_many_decimals(x: str) -> str:
    return f"(strpos({x}, '.') > 0 AND length({x}) - strpos({x}, '.') > 2 AND TRY_CAST({x} AS DOUBLE) IS NOT NULL)"


def typed_source(entity: str, inner: str | None = None, native: frozenset[str] = frozenset()) -> str:
    """FROM-clause subquery giving, per source row, the columns (text, empty as null; or native values)
    and the parsed `t_` columns. `inner` is a SELECT of source_file, file_month, line_number and the
    contract's columns (default: the CSV rows, raw.<entity>_text); `native` names the columns it
    gives already typed."""
    cols = CONTRACT[entity]
    inner = inner or f"SELECT * FROM raw.{entity}_text"
    values = ", ".join(c.name if c.name in native else f"nullif({c.name}, '') AS {c.name}" for c in cols)
    parsed = ", ".join(f"{_native(c) if c.name in native else _parse(c)} AS t_{c.name}"
                       for c in cols if c.kind in ("date", "decimal"))
    return (f"(SELECT *, {parsed} FROM (SELECT source_file, file_month, line_number, {values} "
            f"FROM ({inner})))")


def typed_expr(c: Column) -> str:
    return t(c)


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def typed_select(entity: str, inner: str | None = None, native: frozenset[str] = frozenset()) -> str:
    """SELECT of source_file, file_month, line_number, the typed contract columns and `reason`."""
    return (f"SELECT source_file, file_month, line_number, {typed_columns(entity)}, "
            f"{row_reasons(entity, native)} AS reason FROM {typed_source(entity, inner, native)}")


def typed_columns(entity: str) -> str:
    """Select list of the contract's columns, typed (dates DATE, money DECIMAL(18,2), text trimmed)."""
    out = []
    for c in CONTRACT[entity]:
        e = t(c)
        if c.kind == "decimal":
            e = f"CAST({e} AS DECIMAL(18,2))"
        if c.name == "hardship_flag":
            e = f"coalesce({e}, 'none')"
        out.append(f"{e} AS {c.name}")
    return ",\n        ".join(out)


def _column_reasons(c: Column, native: bool = False) -> list[str]:
    """The column's rules. A native column (a Parquet DATE, DECIMAL or integer) needs no parse rules:
    only presence, range and fit (a DECIMAL(38,2) may not fit DECIMAL(18,2))."""
    x, name = v(c.name), c.name
    quote = "''''"  # SQL for a single quote character
    value = f"CAST({c.name} AS VARCHAR)" if native else c.name
    shown = f"{quote} || {value} || {quote}"
    too_many_decimals = "false" if native else _too_many_decimals(x)
    rules = []
    if c.required:
        rules.append(f"CASE WHEN {x} IS NULL THEN 'missing required field {name}' END")
    if c.kind == "date" and not native:
        rules.append(f"CASE WHEN {x} IS NOT NULL AND ({typed_expr(c)}) IS NULL "
                     f"THEN '{name} is not an ISO date (YYYY-MM-DD): ' || {shown} END")
    elif c.kind == "decimal":
        t = typed_expr(c)
        rules.append(f"CASE WHEN {x} IS NOT NULL AND ({t}) IS NULL AND NOT {too_many_decimals} "
                     f"THEN '{name} is not a decimal number (point, no thousands separator, below 10^16): ' "
                     f"|| {shown} END")
        if name in DECIMAL_RANGES:
            op, bound, words = DECIMAL_RANGES[name]
            rules.append(f"CASE WHEN NOT (({t}) {op} {bound}) THEN '{name} {words}: ' || {shown} END")
        if not native:
            rules.append(f"CASE WHEN {too_many_decimals} THEN '{name} has more than 2 decimals: ' || {shown} END")
    elif c.kind == "enum":
        values = ", ".join(_lit(s) for s in c.values)
        rules.append(f"CASE WHEN {x} IS NOT NULL AND {x} NOT IN ({values}) "
                     f"THEN 'unknown {name} ' || {shown} || ' (expected {' | '.join(c.values)})' END")
    return rules


ENTITY_RULES: dict[str, list[str]] = {
    "accounts": [
        f"CASE WHEN length({v('account_id')}) > 64 THEN 'account_id longer than 64 characters' END",
        f"CASE WHEN NOT regexp_full_match({v('currency')}, '[A-Z]{{3}}') "
        f"THEN 'currency is not an ISO 4217 code (three capital letters): ''' || currency || '''' END",
        f"CASE WHEN {v('product_type')} = 'revolving' AND {v('credit_limit')} IS NULL "
        "THEN 'credit_limit is required for a revolving account' END",
        f"CASE WHEN {v('product_type')} = 'installment' AND {v('original_principal')} IS NULL "
        "THEN 'original_principal is required for an installment account' END",
        "CASE WHEN {c} < {o} THEN 'closed_on ' || {c} || ' is before opened_on ' || {o} END".format(
            c=typed_expr(Column("closed_on", "date")), o=typed_expr(Column("opened_on", "date"))),
        "CASE WHEN {o} > last_day(file_month) THEN 'opened_on ' || {o} || ' is after the file''s month end ' "
        "|| last_day(file_month) || ' (the file is the master as of that month end)' END".format(
            o=typed_expr(Column("opened_on", "date"))),
    ],
    "ledger": [
        "CASE WHEN {p} NOT BETWEEN file_month AND last_day(file_month) THEN 'posted_on ' || {p} || "
        "' is outside the file''s month ' || strftime(file_month, '%Y-%m') END".format(
            p=typed_expr(Column("posted_on", "date"))),
        f"CASE WHEN {v('entry_type')} = 'due' AND {v('due_on')} IS NULL THEN 'due_on is required for a due' END",
        f"CASE WHEN {v('entry_type')} <> 'due' AND {v('due_on')} IS NOT NULL "
        f"THEN 'due_on must be empty for entry_type ' || {v('entry_type')} END",
        f"CASE WHEN {v('entry_type')} = 'payment_reversal' AND {v('reverses_entry_id')} IS NULL "
        "THEN 'reverses_entry_id is required for a payment_reversal' END",
        f"CASE WHEN {v('entry_type')} <> 'payment_reversal' AND {v('reverses_entry_id')} IS NOT NULL "
        f"THEN 'reverses_entry_id must be empty for entry_type ' || {v('entry_type')} END",
    ],
    "complaints": [
        "CASE WHEN {r} > last_day(file_month) THEN 'received_on ' || {r} || ' is after the file''s month end' END"
        .format(r=typed_expr(Column("received_on", "date"))),
        *[
            "CASE WHEN {d} < {r} THEN '{n} ' || {d} || ' is before received_on ' || {r} "
            "WHEN {d} > last_day(file_month) THEN '{n} ' || {d} || ' is after the file''s month end' END".format(
                d=typed_expr(Column(n, "date")), r=typed_expr(Column("received_on", "date")), n=n)
            for n in ("responded_on", "closed_on")
        ],
    ],
}


def row_reasons(entity: str, native: frozenset[str] = frozenset()) -> str:
    rules = [r for c in CONTRACT[entity] for r in _column_reasons(c, c.name in native)] + ENTITY_RULES[entity]
    return "nullif(concat_ws('; ', " + ",\n            ".join(rules) + "), '')"


def raw_json(entity: str, alias: str = "r") -> str:
    """The row as read, contract columns only, as a JSON object (what audit.rejected_rows.raw holds)."""
    fields = ", ".join(f"{c.name} := {alias}.{c.name}" for c in CONTRACT[entity])
    return f"CAST(to_json(struct_pack({fields})) AS VARCHAR)"
