"""Control totals: a file's rows, amount sum and sha256 must match its entry in control/control_YYYY-MM.json."""

from __future__ import annotations

from decimal import Decimal

from assets.sql import sql_ident, sql_literal

from .contract import AMOUNT_RE, CONTRACT
from .landing import ContractError


def amount_sum_sql(amount: str) -> str:
    """The SQL sum of a file's amounts as the contract reads them (staging's rule, assets/staging/rules.py):
    a value that is not an amount of the contract (`1_000.00`, `12.345`) adds nothing, as it loads
    nothing. The control totals' `amount_sum` is compared with it, and the evidence manifest records it."""
    text = f"trim(CAST({amount} AS VARCHAR))"
    return (f"coalesce(sum(CASE WHEN regexp_full_match({text}, {sql_literal(AMOUNT_RE)}) "
            f"THEN CAST({text} AS DECIMAL(38,2)) END), 0)")


def check_control(con, entity: str, load, controls: dict) -> None:
    ctl = controls.get(load.file.source_file)
    if ctl is None:
        return
    f = load.file
    if ctl.sha256 is not None and ctl.sha256.lower() != load.sha256:
        raise ContractError(f"{f.source_file}: control total mismatch ({ctl.control_file}): sha256 "
                            f"{load.sha256} read, {ctl.sha256} expected")
    if ctl.rows is not None and ctl.rows != load.rows_read:
        raise ContractError(f"{f.source_file}: control total mismatch ({ctl.control_file}): "
                            f"{load.rows_read} rows read, {ctl.rows} expected")
    if ctl.amount_sum is not None:
        if "amount" not in {c.name for c in CONTRACT[entity]}:
            raise ContractError(f"{f.source_file}: {ctl.control_file} gives an amount_sum but the file has no amount")
        if f.fmt == "parquet":
            amount = sql_ident(load.columns["amount"]["source"]) if "amount" in load.columns else "NULL"
            source = f"read_parquet({sql_literal(f.path)})"
        else:
            amount, source = "amount", f"raw.{entity}_text WHERE source_file = {sql_literal(f.source_file)}"
        got = con.execute(f"SELECT {amount_sum_sql(amount)} FROM {source}").fetchall()[0][0]
        if Decimal(got) != ctl.amount_sum:
            raise ContractError(f"{f.source_file}: control total mismatch ({ctl.control_file}): amount_sum "
                                f"{Decimal(got):.2f} read, {ctl.amount_sum} expected")
