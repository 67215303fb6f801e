"""Row rules of the input contract as SQL: typing each text column and naming every rule a row breaks.

`typed_columns(entity)` turns raw.<entity>'s text into typed values (NULL where a value does not parse);
`row_reasons(entity)` is one text expression listing, '; '-separated, every rule the row breaks on its
own (NULL when it breaks none). Rules that need other rows (duplicates, unknown accounts, …) live in the
entity's staging module.
"""

from __future__ import annotations

from assets.raw.contract import CONTRACT, Column

DATE_RE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
NUMBER_RE = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)$"
MONEY_MAX = "10000000000000000"  # DECIMAL(18,2) holds amounts below 10^16

# Lower bounds of decimal columns: (operator, bound, wording)
DECIMAL_RANGES = {
    "amount": (">", "0", "must be > 0"),
    "credit_limit": (">=", "0", "must be >= 0"),
    "original_principal": (">", "0", "must be > 0"),
}


def v(col: str) -> str:
    """The raw text value, trimmed; empty means null (data-contract: empty field = null)."""
    return f"nullif(trim({col}), '')"


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def typed_expr(c: Column) -> str:
    x = v(c.name)
    if c.kind == "date":
        return f"CASE WHEN regexp_full_match({x}, '{DATE_RE}') THEN TRY_CAST({x} AS DATE) END"
    if c.kind == "decimal":
        return (f"CASE WHEN regexp_full_match({x}, '{NUMBER_RE}') AND abs(TRY_CAST({x} AS DECIMAL(38,10))) "
                f"< {MONEY_MAX} THEN TRY_CAST({x} AS DECIMAL(38,10)) END")
    return x


def typed_columns(entity: str) -> str:
    """Select list of the contract's columns, typed (dates DATE, money DECIMAL(18,2), text trimmed)."""
    out = []
    for c in CONTRACT[entity]:
        e = typed_expr(c)
        if c.kind == "decimal":
            e = f"CAST({e} AS DECIMAL(18,2))"
        if c.name == "hardship_flag":
            e = f"coalesce({e}, 'none')"
        out.append(f"{e} AS {c.name}")
    return ",\n        ".join(out)


def _column_reasons(c: Column) -> list[str]:
    x, name = v(c.name), c.name
    shown = f"'''' || {c.name} || ''''"
    rules = []
    if c.required:
        rules.append(f"CASE WHEN {x} IS NULL THEN 'missing required field {name}' END")
    if c.kind == "date":
        rules.append(f"CASE WHEN {x} IS NOT NULL AND ({typed_expr(c)}) IS NULL "
                     f"THEN '{name} is not an ISO date (YYYY-MM-DD): ' || {shown} END")
    elif c.kind == "decimal":
        t = typed_expr(c)
        rules.append(f"CASE WHEN {x} IS NOT NULL AND ({t}) IS NULL "
                     f"THEN '{name} is not a decimal number (point, no thousands separator): ' || {shown} END")
        if name in DECIMAL_RANGES:
            op, bound, words = DECIMAL_RANGES[name]
            rules.append(f"CASE WHEN NOT (({t}) {op} {bound}) THEN '{name} {words}: ' || {shown} END")
        rules.append(f"CASE WHEN ({t}) <> round(({t}), 2) THEN '{name} has more than 2 decimals: ' || {shown} END")
    elif c.kind == "enum":
        values = ", ".join(_lit(s) for s in c.values)
        rules.append(f"CASE WHEN {x} IS NOT NULL AND {x} NOT IN ({values}) "
                     f"THEN 'unknown {name} ' || {shown} || ' (expected {' | '.join(c.values)})' END")
    return rules


ENTITY_RULES: dict[str, list[str]] = {
    "accounts": [
        f"CASE WHEN length({v('account_id')}) > 64 THEN 'account_id longer than 64 characters' END",
        f"CASE WHEN NOT regexp_full_match({v('currency')}, '^[A-Z]{{3}}$') "
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


def row_reasons(entity: str) -> str:
    rules = [r for c in CONTRACT[entity] for r in _column_reasons(c)] + ENTITY_RULES[entity]
    return "nullif(concat_ws('; ', " + ",\n            ".join(rules) + "), '')"


def raw_json(entity: str, alias: str = "r") -> str:
    """The row as read, contract columns only, as a JSON object (what audit.rejected_rows.raw holds)."""
    fields = ", ".join(f"{c.name} := {alias}.{c.name}" for c in CONTRACT[entity])
    return f"CAST(to_json(struct_pack({fields})) AS VARCHAR)"
