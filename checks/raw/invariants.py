"""Raw-stage invariants: every file's rows are all accounted for."""

from checks.sql import Invariant

INVARIANTS = [
    Invariant(
        table=f"raw.{entity}",
        name="rows_accounted_for",
        description=f"For every {entity} file: records read = rows in raw.{entity} + rows in raw.malformed.",
        sql=f"""SELECT f.source_file, f.rows_read, coalesce(r.n, 0) AS in_raw, coalesce(m.n, 0) AS malformed
            FROM raw.files f
            LEFT JOIN (SELECT source_file, count(*) n FROM raw.{entity} GROUP BY 1) r USING (source_file)
            LEFT JOIN (SELECT source_file, count(*) n FROM raw.malformed GROUP BY 1) m USING (source_file)
            WHERE f.entity = '{entity}' AND f.rows_read <> coalesce(r.n, 0) + coalesce(m.n, 0)""",
    )
    for entity in ("accounts", "ledger", "complaints", "fx")
]
