"""Dagster assets of the raw layer: the lender's files as read, hashed, with refusals enforced."""


import hashlib
import os
import warnings

import dagster as dg

from assets.metadata import KINDS, OWNERS, definition_metadata, table_metadata
from assets.versioning import code_version_of
from assets.warehouse import WarehouseResource

from .contract import ENTITIES, FOLDERS
from .landing import sha256
from .load import load_entity

# A run tagged so reads every landing file again (arrears run --rebuild); otherwise a CSV file whose
# bytes are those the warehouse's raw layer read before keeps the rows read then (load_entity, `reuse`).
REREAD_TAG = "arrears/reread"

DESCRIPTIONS = {
    "accounts": "account master exports (landing/accounts/accounts_YYYY-MM.*)",
    "ledger": "ledger exports, entries posted during each month (landing/ledger/ledger_YYYY-MM.*)",
    "complaints": "complaint exports (landing/complaints/complaints_YYYY-MM.*)",
    "fx": "optional month-end exchange rates (landing/fx/fx_YYYY-MM.csv)",
}


def _raw_asset(entity: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=dg.AssetKey(["raw", entity]),
        deps=[dg.AssetKey(["landing", entity])],
        group_name="raw",
        owners=OWNERS,
        code_version=code_version_of(load_entity.__module__),  # the reading: assets/raw/load.py and its imports
        kinds=KINDS | {"csv", "parquet"},
        metadata=definition_metadata(f"raw.{entity}"),
        description=f"""The {DESCRIPTIONS[entity]}, as read: raw.{entity} is a view of every row, the
contract's columns as text, with the file and line each row came from. CSV files are parsed once into
raw.{entity}_text; Parquet files are read in place (raw.files records their location, size,
modification time and hash, and staging refuses a file that changed since). Rows the CSV parser cannot
split are kept in raw.malformed.

Per data-contract.md: a file with a column describing or locating anyone but the account holder
(relative, employer, skip-trace, bureau, …) is refused whole and stops the run; personal-data columns the
reports do not need (name, address, phone, email, birth date, national id) are dropped on read and never
stored; other columns outside the contract are ignored. Both lists are in raw.files and in this
asset's metadata. Every file's sha256 is recorded; the data version of this asset is the hash of all file
hashes, so an unchanged landing folder gives an unchanged version. Control totals, when present,
must match (rows, amount sum, sha256) or the run stops naming the file and both figures.

A CSV file whose sha256 is that of the file the warehouse read under the same name keeps the rows
read from it then (the same bytes give the same rows); a run tagged `arrears/reread` (arrears run
--rebuild) parses every file again.

The landing folder is inspected whole before anything is read: every entry is either read or named
(raw.landing_entries). An unknown folder or file name is a warning (a refusal in strict mode), shown in
this asset's log and metadata and by the check landing_entries_read; a directory where a data file is
expected, a symbolic link, a control entry naming a file that is not read, or a landing with no ledger
file stops the run naming it.""",
    )
    def _asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        warnings: list[str] = []

        def warn(message: str) -> None:
            warnings.append(message)
            context.log.warning(message)

        reuse = context.run.tags.get(REREAD_TAG) != "true"
        with warehouse.connection() as con:
            loads = load_entity(con, warehouse.landing, entity, context.log.info, warehouse.strict_landing, warn,
                                reuse=reuse)
            meta = table_metadata(con, f"raw.{entity}")
        version = hashlib.sha256("".join(f"{l.file.source_file}:{l.sha256};" for l in loads).encode()).hexdigest()
        meta.update({
            "files": dg.MetadataValue.int(len(loads)),
            "rows read": dg.MetadataValue.int(sum(l.rows_read for l in loads)),
            "malformed rows": dg.MetadataValue.int(sum(l.rows_malformed for l in loads)),
            "file hashes": dg.MetadataValue.md("\n".join(
                f"- `{l.file.source_file}` sha256 `{l.sha256}`, {l.rows_read:,} rows" for l in loads) or "(none)"),
            "dropped personal-data columns": dg.MetadataValue.json(
                {l.file.source_file: l.dropped_personal for l in loads if l.dropped_personal}),
            "ignored columns": dg.MetadataValue.json({l.file.source_file: l.ignored for l in loads if l.ignored}),
            "landing warnings": dg.MetadataValue.json(warnings),
        })
        return dg.MaterializeResult(metadata=meta, data_version=dg.DataVersion(version[:32]))

    _asset.__name__ = f"raw_{entity}"
    return _asset


raw_accounts = _raw_asset("accounts")
raw_ledger = _raw_asset("ledger")
raw_complaints = _raw_asset("complaints")
raw_fx = _raw_asset("fx")
ASSETS = [raw_accounts, raw_ledger, raw_complaints, raw_fx]


def landing_source(entity: str, months: dg.PartitionsDefinition, landing: str) -> dg.SourceAsset:
    """The entity's landing files as an observable source asset, one partition per reporting month, whose
    data version is the month's file's sha256: observing it (in the UI) marks raw.<entity> and what is
    built from it stale when a file changed. A file of a month outside the reporting months (the
    ledger's months) has no partition and is not observed; raw.<entity> reads it all the same."""
    keys = set(months.get_partition_keys())

    @dg.observable_source_asset(
        key=dg.AssetKey(["landing", entity]),
        group_name="landing",
        partitions_def=months,
        description=f"""The lender's {DESCRIPTIONS[entity]}: one file per month, the partition of its
month. The data version of a month is its file's sha256, so a file delivered again with other content
shows what it makes stale. Read by raw.{entity}, which reads every file of the landing folder in each run.""",
    )
    def _observe(context) -> dg.DataVersionsByPartition:
        return dg.DataVersionsByPartition(landing_versions(landing, entity, keys))

    return _observe


def landing_versions(landing: str, entity: str, keys: set[str] | None = None) -> dict[str, str]:
    """{YYYY-MM: sha256} of the entity's files in the landing folder (file names fitting the contract's
    pattern; only the months in `keys` when given)."""
    folder = os.path.join(landing, entity)
    out = {}
    for name in sorted(os.listdir(folder)) if os.path.isdir(folder) else []:
        m = FOLDERS[entity].match(name)
        path = os.path.join(folder, name)
        if m and os.path.isfile(path) and not os.path.islink(path):
            key = f"{m['year']}-{m['month']}"
            if keys is None or key in keys:
                out[key] = sha256(path)
    return out


def landing_assets(months: dg.PartitionsDefinition, landing: str) -> list[dg.SourceAsset]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)  # observable_source_asset is beta in Dagster 1.13
        return [landing_source(e, months, landing) for e in ENTITIES]
