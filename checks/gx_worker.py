"""The process that runs Great Expectations: a suite dict and a pandas batch in, a summary out.

GX runs in a worker process of its own (checks/gx_client.py starts it at the beginning of a run)
because `import great_expectations` is a long stretch of Python that, in the pipeline's process, would
hold the GIL while the first assets run; in its own process it loads on another core. This module
imports only GX, pandas and assets/pipe.py (the pipe's framing), never Dagster or the warehouse.
"""

import functools
import os
import sys

from assets.pipe import receive, send


@functools.lru_cache(maxsize=1)
def context():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    batch_def = (ctx.data_sources.add_pandas("warehouse").add_dataframe_asset("table")
                 .add_batch_definition_whole_dataframe("whole"))
    return gx, batch_def


def serve(requests, replies) -> None:
    """The worker's loop: load GX, then answer each (name, args) request with (True, result) or
    (False, error text) until its input closes."""
    context()
    calls = {"run_suite": run_suite}
    while True:
        try:
            name, args = receive(requests)
        except EOFError:
            return
        try:
            reply = (True, calls[name](*args))
        except Exception as e:  # noqa: BLE001 - reported to the caller, which raises CheckError
            reply = (False, f"{type(e).__name__}: {e}")
        send(replies, reply)


def error_of(result) -> str | None:
    """The exception an expectation's result records (GX catches it and marks the result unsuccessful), or None."""
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return info.get("exception_message") or "raised an exception"
    for value in info.values():
        if isinstance(value, dict) and (value.get("raised_exception") or value.get("exception_message")):
            return value.get("exception_message") or "raised an exception"
    return None


def suite_expectations(suite: dict) -> list:
    """The GX Expectation objects of a suite dict (checks/<stage>/<schema>__<table>.json); GX must be importable."""
    from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

    return [ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta", {})).to_domain_obj()
            for e in suite["expectations"]]


def run_suite(df, suite: dict) -> tuple[list[dict], list[str]]:
    """Validate the batch (a pandas DataFrame) against the suite: (one entry per expectation, errors).
    An expectation that raised is an error, never a pass."""
    gx, batch_def = context()
    expectations = suite_expectations(suite)
    # BASIC: each expectation's unexpected count and up to 20 unexpected values, which is what the
    # check's metadata shows; GX's default (SUMMARY) also counts the unexpected values, work nothing
    # here reads.
    result = batch_def.get_batch(batch_parameters={"dataframe": df}).validate(
        gx.ExpectationSuite(name=suite["name"], expectations=expectations), result_format="BASIC")
    details, errors = [], []
    for r in result.results:
        cfg = r.expectation_config
        err = error_of(r)
        res = r.result or {}
        entry = {"expectation": cfg.type, "column": cfg.kwargs.get("column") or cfg.kwargs.get("column_list"),
                 "success": bool(r.success) and err is None}
        if "unexpected_count" in res:
            entry["unexpected_count"] = res["unexpected_count"]
            entry["sample"] = [str(x) for x in (res.get("partial_unexpected_list") or [])[:5]]
        if "observed_value" in res:
            entry["observed"] = str(res["observed_value"])[:200]
        if err:
            entry["error"] = err[:500]
            errors.append(f"{cfg.type}({entry['column']}): {err.splitlines()[0][:200]}")
        details.append(entry)
    return details, errors


if __name__ == "__main__":
    # The replies go to the real stdout; anything GX or pandas print goes to stderr instead.
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    serve(sys.stdin.buffer, replies)
    # Its input closed: the run is over. Exit without the interpreter's teardown: unloading GX and
    # pandas module by module is slow, and this process holds the run's stderr open meanwhile, so
    # `arrears run ... 2>&1 | tee log` would not end until it was done.
    replies.close()
    sys.stderr.flush()
    os._exit(0)
