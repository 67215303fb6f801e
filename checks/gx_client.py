"""The client side of the GX worker (checks/gx_worker.py), standard library only: `arrears run` starts
the worker before it imports Dagster, so GX's slow import runs on another core while Dagster's import
and start-up, which use one, go on here."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

from assets.pipe import receive, send

_LOCK = threading.Lock()
_WORKER = None
_ROOT = str(Path(__file__).resolve().parents[1])


class _Worker:
    """The GX worker: `python -m checks.gx_worker`, spoken to over its stdin/stdout with length-prefixed
    pickles (a plain subprocess, so nothing of the caller's __main__ is re-run in it). It exits when its
    stdin closes, which happens at the latest when this process ends."""

    def __init__(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_ROOT, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen([sys.executable, "-m", "checks.gx_worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, env=env, cwd=_ROOT)

    def alive(self) -> bool:
        return self.proc.poll() is None


def prewarm() -> None:
    """Start the GX worker (once per process, again if it died); it imports GX at once, so that import
    runs on another core while Dagster starts and the first assets are built."""
    global _WORKER
    with _LOCK:
        if _WORKER is None or not _WORKER.alive():
            _WORKER = _Worker()


def submit(name: str, *args) -> "Pending":
    """Send gx_worker.<name>(*args) to the worker and return at once: the caller goes on (e.g. with the
    SQL checks of the same table, in DuckDB) while GX works on the other core, then calls the returned
    Pending for the result. One call is outstanding at a time: the next waits until this one's result
    has been collected, so every Pending must be called (table.py does so in a `finally`)."""
    prewarm()
    _LOCK.acquire()
    try:
        send(_WORKER.proc.stdin, (name, args))
    except BaseException:
        _LOCK.release()
        raise
    return Pending(_WORKER)


class Pending:
    """The result of a call sent to the worker: calling it waits for the result (once; later calls give
    the same) and raises RuntimeError when the call raised or the worker died."""

    def __init__(self, worker: _Worker):
        self._worker, self._outcome = worker, None

    def __call__(self):
        if self._outcome is None:
            try:
                self._outcome = receive(self._worker.proc.stdout)
            except Exception as e:  # noqa: BLE001 - the worker died (EOFError) or its reply was unreadable
                self._outcome = (False, f"no reply from the GX worker: {type(e).__name__}: {e}")
            finally:
                _LOCK.release()
        ok, value = self._outcome
        if not ok:
            raise RuntimeError(value)
        return value
