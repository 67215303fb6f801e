"""The persistent Dagster instance a run is recorded in (so `make ui` shows it).

By default each warehouse has its own: the folder `<warehouse stem>.dagster/` beside the warehouse file
(`data/warehouse.duckdb` → `data/warehouse.dagster/`), so two warehouses never share a run history.
`--dagster-home` (arrears run) or the environment's DAGSTER_HOME chooses another folder. The folder is
created on first use with a `dagster.yaml` that turns Dagster's telemetry off; an existing dagster.yaml
is left as it is. A run is never recorded in a throwaway (ephemeral) instance.

Dagster's SQLite storage commits every event of a run (a few hundred) on its own, and SQLite waits for
the disk at each commit: on a busy disk that was 10-15 s of a 6 s run. In the process of a run, the
SQLite files of its instance are therefore written without that wait (`PRAGMA synchronous = OFF`, set
on each connection to a file inside the instance folder, and only there), like the warehouse itself
(docs/architecture.md): a killed process loses nothing it wrote, and only a crash of the machine itself
could damage the run history, which is a display (audit.runs in the warehouse is the record of runs).
"""

from __future__ import annotations

import os
import threading

DAGSTER_YAML = "telemetry:\n  enabled: false\n"


def dagster_home(warehouse: str, override: str | None = None) -> str:
    """The absolute folder of the warehouse's Dagster instance: `override`, else DAGSTER_HOME, else
    `<warehouse stem>.dagster` beside the warehouse."""
    chosen = override or os.environ.get("DAGSTER_HOME")
    if chosen:
        return os.path.abspath(chosen)
    warehouse = os.path.abspath(warehouse)
    home = os.path.splitext(warehouse)[0] + ".dagster"
    return home if home != warehouse else warehouse + ".home"  # a warehouse itself named *.dagster


def prepare_home(home: str) -> str:
    """Create the instance folder and its dagster.yaml (telemetry off) when missing; returns `home`."""
    os.makedirs(home, exist_ok=True)
    config = os.path.join(home, "dagster.yaml")
    if not os.path.exists(config):
        with open(config, "w", encoding="utf-8") as fh:
            fh.write(DAGSTER_YAML)
    return home


_UNSYNCED: set[str] = set()  # instance folders whose SQLite files this process writes without waiting
_GUARD = threading.Lock()


def _without_disk_wait(dbapi_connection, _record) -> None:
    """SQLAlchemy connect hook: `synchronous = OFF` for a SQLite file inside an instance folder of _UNSYNCED."""
    if type(dbapi_connection).__module__ != "sqlite3" or not _UNSYNCED:
        return
    cursor = dbapi_connection.cursor()
    try:
        files = [row[2] for row in cursor.execute("PRAGMA database_list").fetchall() if row[2]]
        if any(os.path.abspath(f).startswith(home + os.sep) for f in files for home in _UNSYNCED):
            cursor.execute("PRAGMA synchronous = OFF")
    finally:
        cursor.close()


def persistent_instance(home: str):
    """The Dagster instance stored in `home` (prepared first), its SQLite files written without waiting
    for the disk at every commit."""
    import dagster as dg
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    home = os.path.abspath(prepare_home(home))
    with _GUARD:
        if not event.contains(Engine, "connect", _without_disk_wait):
            event.listen(Engine, "connect", _without_disk_wait)
        _UNSYNCED.add(home)
    return dg.DagsterInstance.from_config(home)
