"""The issue-group check of staging.complaints: every complaint has a known group; 'other' is counted."""

import dagster as dg
import duckdb

from assets.staging.issue_groups import CROSSWALK_TABLE, OTHER
from assets.warehouse import WarehouseResource


def evaluate(con: duckdb.DuckDBPyConnection) -> tuple[bool, dict]:
    """Passes when every complaint's issue_group is a current CFPB debt-collection issue or 'other'.
    The metadata counts complaints per group and lists the issue texts that fell into 'other'."""
    unknown = con.execute(f"""SELECT count(*) FROM staging.complaints
        WHERE issue_group IS NULL OR (issue_group <> '{OTHER}' AND issue_group NOT IN
              (SELECT issue_group FROM {CROSSWALK_TABLE} WHERE source = 'current'))""").fetchall()[0][0]
    counts = dict(con.execute("SELECT issue_group, count(*) FROM staging.complaints GROUP BY 1 ORDER BY 1").fetchall())
    outside = [r[0] for r in con.execute(f"""SELECT issue FROM staging.complaints WHERE issue_group = '{OTHER}'
        GROUP BY issue ORDER BY count(*) DESC, issue LIMIT 10""").fetchall()]
    return unknown == 0, {
        "complaints with an unknown group": unknown,
        "complaints in 'other'": counts.get(OTHER, 0),
        "complaints per issue_group": counts,
        "issues outside the taxonomy (sample)": outside,
    }


@dg.asset_check(asset=dg.AssetKey(["staging", "complaints"]), name="issue_groups_known", blocking=True,
                description="Every complaint maps to a current CFPB debt-collection issue or to 'other' "
                            "(through assets/staging/issue_crosswalk.csv); the count of 'other' and the "
                            "issue texts behind it are in the metadata.")
def issue_groups_known(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connection() as con:
        passed, meta = evaluate(con)
    return dg.AssetCheckResult(passed=passed, metadata={
        k: dg.MetadataValue.json(v) if isinstance(v, (dict, list)) else v for k, v in meta.items()})
