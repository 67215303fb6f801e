"""A table's checks as one Dagster step: its GX suite and its SQL invariants.

Each check is still its own Dagster asset check (own name, description, blocking flag, result and
metadata in the UI); they share one step because Dagster's bookkeeping costs the same for every
step, whatever the step does, and a table has up to seven checks. A check that cannot be evaluated
(GX raised, SQL failed) gets no result: the others still run, then the step fails naming it, so it
shows as an error and blocks what is downstream — never as a pass.
"""

import time

import dagster as dg

from assets.warehouse import WarehouseResource

from .gx import CheckError, gx_description, start_gx_result
from .sql import Invariant


def table_checks(table: str, gx_stage: str | None, invariants: list[Invariant]) -> dg.AssetChecksDefinition:
    """Dagster checks of `table`: the GX suite of checks/<gx_stage>/ (when gx_stage is given) and the
    invariants, run in that order in one step."""
    schema, name = table.split(".")
    key = dg.AssetKey([schema, name])
    specs, runs = [], []
    if gx_stage is not None:
        specs.append(dg.AssetCheckSpec("gx_suite", asset=key, blocking=True,
                                       description=gx_description(table, gx_stage)))
        # GX starts first and finishes last: it works in its worker, on the other core, while DuckDB
        # runs the SQL invariants (a started suite is always collected, even when one of those fails).
        runs.append(("gx_suite", lambda con: start_gx_result(con, table, gx_stage)))
    for inv in invariants:
        assert inv.table == table, (inv.table, table)
        specs.append(dg.AssetCheckSpec(inv.name, asset=key, blocking=inv.blocking and not inv.warn,
                                       description=inv.description))
        runs.append((inv.name, inv.result))

    @dg.multi_asset_check(specs=specs, name=f"checks_{schema}_{name}", can_subset=True,
                          description=f"The checks of {table}.")
    def _checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        selected = {k.name for k in context.selected_asset_check_keys}
        errors = []

        def evaluate(check_name, run, *args):
            t0 = time.monotonic()
            try:
                result = run(*args)
            except Exception as e:  # noqa: BLE001 - any error (GX raised, SQL failed) is reported, never a pass
                errors.append(f"{table}:{check_name} could not be evaluated: {e}")
                context.log.error(errors[-1])
                return None
            context.log.debug(f"{table}:{check_name} in {time.monotonic() - t0:.1f}s")
            return result

        finish_gx = None  # the started GX suite: collected after the SQL invariants, whatever happens
        with warehouse.connection() as con:
            try:
                for check_name, run in runs:
                    if check_name not in selected:
                        continue
                    result = evaluate(check_name, run, con)
                    if check_name == "gx_suite":
                        finish_gx = result
                    elif result is not None:
                        yield result
            finally:
                gx = evaluate("gx_suite", finish_gx) if finish_gx else None
            if gx is not None:
                yield gx
        if errors:
            raise CheckError("; ".join(errors))

    return _checks


def invariant_check(inv: Invariant) -> dg.AssetChecksDefinition:
    """One invariant as its own Dagster check (the pipeline groups a table's checks in table_checks)."""
    return table_checks(inv.table, None, [inv])
