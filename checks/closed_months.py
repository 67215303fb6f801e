"""Closed months stay closed: the checks that compare a run with the latest version of every close.

One step, after the marts are built: `audit.source_files:closed_month_files_unchanged` (the input files
of months up to each closed month against the close's manifest) and, on every mart,
`closed_months_unchanged` (its rows of the closed months against `published.<mart>`, the maturing
figures aside). They are ERROR checks that do not block what is downstream, so that every mart is
built and compared even when a file changed; any failure fails the run, which then rolls back. The
findings go to the warehouse resource, which writes them into audit.restatements after the rollback
(assets/restatements.py). Months the run is allowed to restate (`arrears close MONTH --restate`) pass,
and their findings are still recorded."""


import dagster as dg

from assets.registry import MARTS
from assets.restatements import (closes_to_compare, figure_changes, file_changes, later_versions,
                                 settings_changes, summary)
from assets.versioning import code_version_label
from assets.warehouse import WarehouseResource

FILES_KEY = dg.AssetKey(["audit", "source_files"])
FILES_CHECK = "closed_month_files_unchanged"
FIGURES_CHECK = "closed_months_unchanged"
SAMPLE = 20  # moved figures shown in a check's metadata (all are in audit.restatements)

SPECS = [
    dg.AssetCheckSpec(FILES_CHECK, asset=FILES_KEY, blocking=False,
                      description="The input files of every closed month (and of the months before it) are "
                                  "those its close recorded: none changed (another sha256), removed, or added. "
                                  "A difference fails the run and is recorded in audit.restatements; the "
                                  "close's figures stay published until `arrears close MONTH --restate` "
                                  "approves a new version."),
    *[dg.AssetCheckSpec(FIGURES_CHECK, asset=dg.AssetKey(m.name.split(".")), blocking=False,
                        description=f"The rows of {m.name} in every closed month equal those the close's latest "
                                    "version published (every column except the figures that mature, "
                                    "docs/spec/metrics.md); a moved figure fails the run and is recorded in "
                                    "audit.restatements with its published and recomputed value.")
      for m in MARTS],
]


@dg.multi_asset_check(specs=SPECS, name="checks_closed_months", can_subset=True,
                      description="Closed months stay closed: files and figures against the published closes.")
def closed_months(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    selected = {(k.asset_key, k.name) for k in context.selected_asset_check_keys}
    allowed = set(warehouse.restating)
    with warehouse.connection() as con:
        closes = closes_to_compare(con)
        causes: dict = {}
        for close in closes:
            named = settings_changes(close, warehouse.parameters(), code_version_label()) + later_versions(
                con, close["month_end"])
            causes[close["close_id"]] = "; ".join(named) or None
        if (FILES_KEY, FILES_CHECK) in selected:
            found = file_changes(con, closes)
            warehouse.report_restatements(found)
            yield _result(FILES_KEY, FILES_CHECK, found, allowed, {})
        for mart in MARTS:
            key = dg.AssetKey(mart.name.split("."))
            if (key, FIGURES_CHECK) not in selected:
                continue
            count, found = figure_changes(con, mart.name, closes)
            for f in found:
                f["cause_detail"] = causes.get(f["close_id"])
            warehouse.report_restatements(found)
            counts = {}
            for f in found:
                counts[(f["close_id"], mart.name)] = counts.get((f["close_id"], mart.name), 0) + 1
            if count > len(found):  # only the first ones were listed: the summary says how many there are
                counts = {k: count for k in counts}
            yield _result(key, FIGURES_CHECK, found, allowed, counts)


def _result(key: dg.AssetKey, name: str, found: list[dict], allowed: set[str], counts: dict) -> dg.AssetCheckResult:
    refused = [f for f in found if f"{f['month_end']:%Y-%m}" not in allowed]
    approved = [f for f in found if f"{f['month_end']:%Y-%m}" in allowed]
    description = None
    if refused:
        description = ("closed months changed, not published (approve with `arrears close MONTH --restate`): "
                       + summary(refused, counts))
    elif approved:
        description = "restated with approval: " + summary(approved, counts)
    sample = [{k: str(v) for k, v in f.items() if v is not None} for f in (refused or approved)[:SAMPLE]]
    return dg.AssetCheckResult(
        asset_key=key, check_name=name, passed=not refused, severity=dg.AssetCheckSeverity.ERROR,
        description=description,
        metadata={"changes": len(refused), "approved changes": len(approved),
                  "sample": dg.MetadataValue.json(sample)})
