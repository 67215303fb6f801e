"""Running the whole job in this process, with a progress line per asset and check on stderr."""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field

import dagster as dg
from dagster._time import get_current_datetime

from .settings import Settings


def _stderr(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _reason(event) -> str:
    """The message of the exception that failed a step or the run's start (Dagster wraps it; the user's
    error is the root cause)."""
    if event.event_type_value == "STEP_FAILURE":
        err = event.step_failure_data.error if event.step_failure_data else None
    else:
        err = getattr(event.event_specific_data, "error", None)
    if err is None:
        return event.message or "failed"
    while err.cause is not None:
        err = err.cause
    return err.message.strip()


class _ProgressHandler(logging.Handler):
    """Turns Dagster's structured events into one readable line per asset and per check."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.started: dict[str, float] = {}
        self.materialized: dict[str, str] = {}
        self.skipped = 0

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        step = meta.get("step_key") or ""
        if event is None:
            message = meta.get("orig_message") or ""
            if message.startswith("Dependencies for step"):
                self.skipped += 1  # Dagster's own "not executing" notes: summarised at the end
            elif step and record.levelno >= logging.INFO and message:
                _stderr(f"         {message}")
            return
        kind = event.event_type_value
        now = time.monotonic()
        took = f"{now - self.started.get(step, now):.1f}s"
        if kind == "STEP_START":
            self.started[step] = now
        elif kind == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            rows = mat.metadata.get("dagster/row_count")
            self.materialized[step] = mat.asset_key.to_user_string() + (
                f" ({rows.value:,} rows)" if rows is not None else "")
        elif kind == "STEP_SUCCESS" and step in self.materialized:
            _stderr(f"  asset  {self.materialized[step]} in {took}")
        elif kind == "STEP_FAILURE":
            _stderr(f"  FAILED {step}: {_reason(event)}")
        elif kind == "ASSET_CHECK_EVALUATION":
            ev = event.event_specific_data
            status = "passed" if ev.passed else ("WARNING" if ev.severity == dg.AssetCheckSeverity.WARN else "FAILED")
            extra = ""
            if not ev.passed:
                md = {k: getattr(v, "value", v) for k, v in (ev.metadata or {}).items()}
                extra = " " + ", ".join(f"{k}={md[k]}" for k in ("offending rows", "failed expectations") if k in md)
                if ev.description:
                    extra += f" — {ev.description}"
            _stderr(f"  check  {ev.asset_key.to_user_string()}:{ev.check_name} {status} in {took}{extra}")
            self.started[step] = now  # a table's checks share a step: time each from the previous one
        elif kind == "RUN_FAILURE" and self.skipped:
            _stderr(f"  not run: {self.skipped} steps downstream of the failure")


@dataclass
class RunOutcome:
    success: bool
    failed_steps: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    passed_checks: int = 0
    run_id: str | None = None
    result: object = None


@dg.logger(description="One line per step, check and progress message, on stderr.")
def progress_logger(_init_context) -> logging.Logger:
    log = logging.getLogger("arrears.progress")
    log.setLevel(logging.DEBUG)
    log.propagate = False
    if not any(isinstance(h, _ProgressHandler) for h in log.handlers):
        log.addHandler(_ProgressHandler())
    return log


TAG_PREFIX = "arrears/"
# The run tags by which Dagster runs a job over a range of partitions in one run.
RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"


def run_tags(settings: Settings) -> dict[str, str]:
    """The run's tags in Dagster: every parameter of the run, as audit.runs records them
    (`arrears/dpd_tolerance`, `arrears/landing`, …), and the code version (`arrears/code_version`)."""
    from assets.versioning import code_version_label

    from .definitions import warehouse_for

    tags = {f"{TAG_PREFIX}{k}": str(v) for k, v in warehouse_for(settings).parameters().items()}
    tags[f"{TAG_PREFIX}code_version"] = code_version_label()
    return tags


def run_pipeline(settings: Settings, quiet: bool = False, instance: dg.DagsterInstance | None = None,
                 months: tuple[str, str] | None = None, reread: bool = False,
                 dagster_home: str | None = None) -> RunOutcome:
    """Materialise every asset and run every check, in-process, as one run over the reporting months
    `months` (first and last partition key, YYYY-MM; None: every reporting month): the per-month tables
    rebuild those months, the others are rebuilt whole. `reread`: parse every landing file again, even
    one whose rows the warehouse holds from the same bytes. Success = no step failed and no ERROR-severity
    check failed.

    The run is recorded in `instance`, by default the persistent instance of the warehouse
    (pipelines/instance.py: `dagster_home`, else DAGSTER_HOME, else `<warehouse stem>.dagster/`), and
    carries the run's parameters and code version as tags (`run_tags`)."""
    # One "now" for the whole run: the month partitions lift Dagster's "not after today" cap with an
    # end_offset of 200 years (assets/partitions.py), and Dagster caches their windows per current time
    # only, so with a clock that moves it walked those 2,400 months again at every step (~40 % of a small
    # run's time). The partitions end at the last ledger month (end_date) whatever the time is: the same
    # partitions, the same run.
    with dg.partition_loading_context(effective_dt=get_current_datetime()):
        return _run_pipeline(settings, quiet, instance, months, reread, dagster_home)


def _run_pipeline(settings: Settings, quiet: bool, instance: dg.DagsterInstance | None,
                  months: tuple[str, str] | None, reread: bool, dagster_home: str | None) -> RunOutcome:
    from checks.gx_client import prewarm

    prewarm()  # GX loads in its worker process, on the other core (`arrears run` starts it even earlier)

    from .definitions import JOB_NAME, build_definitions

    defs = build_definitions(settings, loggers={"progress": progress_logger})
    job = defs.resolve_job_def(JOB_NAME)
    if instance is None:
        from .instance import dagster_home as home_of, persistent_instance

        instance = persistent_instance(home_of(settings.warehouse, dagster_home))
    run_config = {"loggers": {} if quiet else {"progress": {}}}
    keys = job.partitions_def.get_partition_keys()
    first, last = months or (keys[0], keys[-1])
    from assets.raw.assets import REREAD_TAG

    tags = {**run_tags(settings), RANGE_START: first, RANGE_END: last, **({REREAD_TAG: "true"} if reread else {})}
    result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config, tags=tags)
    out = RunOutcome(success=result.success, result=result, run_id=result.run_id)
    for ev in result.all_events:
        if ev.event_type_value == "STEP_FAILURE":
            out.failed_steps.append(f"{ev.step_key}: {_reason(ev)}")
        elif ev.event_type_value == "RESOURCE_INIT_FAILURE":  # e.g. the run lock is held by another run
            out.failed_steps.append(f"run start: {_reason(ev)}")
    for ev in result.get_asset_check_evaluations():
        name = f"{'/'.join(ev.asset_key.path)}:{ev.check_name}"
        if ev.passed:
            out.passed_checks += 1
        elif ev.severity == dg.AssetCheckSeverity.WARN:
            out.warnings.append(name)
        else:
            out.failed_checks.append(name)
    out.success = result.success and not out.failed_steps and not out.failed_checks
    return out
