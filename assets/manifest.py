"""The input manifest of a month's figures: every input file they were built from, with what the warehouse
read of it (sha256, rows read / loaded / rejected, the amount sums of a ledger file) and the control
totals the landing folder gives for it. The evidence pack (pipelines/evidence.py) records it, and
`arrears verify` recomputes the figures from exactly these files.

* `input_files(con, through)` — the files of months up to `through` that the warehouse's raw layer read,
  one dict each (one SQL statement over raw.files, audit.source_files and staging.ledger_entries);
* `control_files(landing, through)` — the control files (`control/control_YYYY-MM.json`) of those months
  in the landing folder, with their sha256 and their totals as written;
* `with_controls(files, controls)` — each input file with the control totals given for it, if any.

Amount sums are of ledger files only (the other entities have no amount): `amount_sum_loaded` is the
sum of the file's loaded entries (staging.ledger_entries), `amount_sum_read` the sum of every row read
whose amount is a contract amount (the rule the control totals' `amount_sum` is checked by). Both are
text to the cent. `amount_sum_read` is None where the rows read are no longer readable (a Parquet file
read in place that has moved since the run)."""

from __future__ import annotations

import json
import os
from datetime import date

import duckdb

from assets.raw.contract import FOLDERS
from assets.raw.controls import amount_sum_sql
from assets.raw.landing import sha256
from assets.sql import table_exists

# The fields of one input file, in the order the manifest lists them. The first seven are those a
# published close records (published.closes.manifest); the rest are added where the warehouse has them.
CLOSE_FIELDS = ("entity", "source_file", "file_month", "sha256", "rows_read", "rows_loaded", "rows_rejected")
FIELDS = CLOSE_FIELDS + ("format", "bytes", "amount_sum_loaded", "amount_sum_read")


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def input_files(con: duckdb.DuckDBPyConnection, through: date) -> list[dict]:
    """Every input file of a month up to `through` (a month end) that the warehouse read, in file order."""
    if not table_exists(con, "raw.files"):
        return []
    loaded = ("SELECT file_month, sum(amount) AS amount_sum FROM staging.ledger_entries GROUP BY 1"
              if table_exists(con, "staging.ledger_entries")
              else "SELECT NULL::DATE AS file_month, NULL::DECIMAL(38,2) AS amount_sum WHERE false")
    rows = con.execute(f"""
        WITH loaded AS ({loaded})
        SELECT f.entity, f.source_file, f.file_month, f.sha256, s.rows_read, s.rows_loaded, s.rows_rejected,
               f.format, f.bytes,
               CASE WHEN f.entity = 'ledger' THEN coalesce(l.amount_sum, 0) END AS amount_sum_loaded
        FROM raw.files f
        LEFT JOIN audit.source_files s USING (source_file)
        LEFT JOIN loaded l ON f.entity = 'ledger' AND l.file_month = f.file_month
        WHERE f.file_month <= ?
        ORDER BY f.source_file""", [through]).fetchall()
    read = _ledger_amounts_read(con)
    out = []
    for r in rows:
        f = dict(zip(FIELDS[:-1], r))
        f["file_month"] = str(f["file_month"])[:7]
        f["amount_sum_loaded"] = _money(f["amount_sum_loaded"])
        f["amount_sum_read"] = _money(read.get(f["source_file"], 0)) if f["entity"] == "ledger" and read is not None \
            else None
        out.append(f)
    return out


def _ledger_amounts_read(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The amount sum of every ledger row read, per file; None when the rows read cannot be read now."""
    if not table_exists(con, "raw.ledger"):
        return None
    try:
        return dict(con.execute(f"SELECT source_file, {amount_sum_sql('amount')} FROM raw.ledger GROUP BY 1")
                    .fetchall())
    except duckdb.Error:  # a Parquet file read in place is no longer where the run read it
        return None


def control_files(landing: str, through: date) -> list[dict]:
    """The control files of months up to `through` in the landing folder: path, month, sha256, totals
    (the file's `files` object as written). A control file that is not valid JSON is listed with its
    sha256 and totals None (the run that read it would have refused it)."""
    folder = os.path.join(landing, "control")
    if not os.path.isdir(folder):
        return []
    out = []
    for name in sorted(os.listdir(folder)):
        m = FOLDERS["control"].match(name)
        path = os.path.join(folder, name)
        if not m or not os.path.isfile(path) or os.path.islink(path):
            continue
        month = f"{m['year']}-{m['month']}"
        if month > f"{through:%Y-%m}":
            continue
        try:
            with open(path, encoding="utf-8-sig") as fh:
                totals = json.load(fh).get("files")
        except (ValueError, AttributeError, UnicodeDecodeError):
            totals = None
        out.append({"entity": "control", "source_file": f"control/{name}", "file_month": month,
                    "sha256": sha256(path), "totals": totals})
    return out


def with_controls(files: list[dict], controls: list[dict]) -> list[dict]:
    """Each input file with `control`: the control totals given for it (and by which control file), or None."""
    given = {}
    for c in controls:
        for named, spec in (c.get("totals") or {}).items():
            given[named.replace("\\", "/")] = {"control_file": c["source_file"], **(spec if isinstance(spec, dict) else {})}
    return [{**f, "control": given.get(f["source_file"])} for f in files]
