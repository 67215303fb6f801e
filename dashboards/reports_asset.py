"""reports/dashboards, the Dagster asset that writes the dashboards: self-contained Plotly HTML pages from the
marts, for finance and compliance. It stands here, above the warehouse assets it depends on, so that the
assets never import the pages (layers import downward only)."""


import hashlib
import os

import dagster as dg

from assets.metadata import OWNERS
from assets.publishing import fault_point, reports_folder_problem, seal_draft, start_draft
from assets.registry import REPORTED
from assets.versioning import code_version_of
from assets.warehouse import WarehouseResource
from dashboards.build import build_reports


@dg.asset(
    key=dg.AssetKey(["reports", "dashboards"]),
    deps=[dg.AssetKey(t.split(".")) for t in REPORTED],
    group_name="reports",
    owners=OWNERS,
    code_version=code_version_of(build_reports.__module__),  # the pages: dashboards/build.py and its imports
    kinds={"plotly", "html"},
)
def dashboards(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Dashboards in the reports folder (index.html links the pages): aging, roll rates, cure rates,
    delinquency rates, charge-offs, complaints. Each page reads only the aggregated marts tables —
    no account id or any per-person value is read or written — and opens offline from disk (plotly.js
    is shipped once, beside the pages). Under each chart and table, a link to its data as a CSV file
    (data/: the mart rows it draws, as stored); on the index, one Excel workbook per reporting month
    (workbooks/: every aggregated mart's rows of that month, one sheet each). The same marts give
    byte-identical files; each file's sha256 is recorded here (by its path in the folder) so an auditor
    can compare a re-run.

    The pages are written into a draft folder beside the reports folder and replace the published
    pages only when the whole run passes, so a failed or killed run never leaves a mix of old and new
    pages."""
    problem = reports_folder_problem(warehouse.reports)  # the run replaces the whole folder
    if problem:
        raise ValueError(problem)
    draft = start_draft(warehouse.reports)
    with warehouse.connection() as con:
        paths = build_reports(con, draft, tuple((m, warehouse.restate_by, warehouse.restate_note)
                                                for m in warehouse.restating))
    hashes = {}
    for p in sorted(paths):
        with open(p, "rb") as fh:
            hashes[os.path.relpath(p, draft).replace(os.sep, "/")] = hashlib.sha256(fh.read()).hexdigest()
    fault_point("asset:reports.dashboards")
    seal_draft(warehouse.reports, context.run_id)
    index = os.path.abspath(os.path.join(warehouse.reports, "index.html"))
    context.log.info(f"dashboards drafted in {draft}; published to {index} when the run passes")
    return dg.MaterializeResult(metadata={
        "index": dg.MetadataValue.path(index),
        "files": dg.MetadataValue.int(len(paths)),
        "sha256": dg.MetadataValue.json(hashes),
    })


ASSETS = [dashboards]
