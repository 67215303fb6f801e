"""`arrears verify DIR --landing L`: recompute an evidence pack (pipelines/evidence.py) and list every
difference.

1. Every file of the pack is checked against the sha256 its manifest lists (a changed, missing or extra
   file is a difference).
2. Every input file the manifest lists (data files and control files) is taken from L under its path
   into a scratch landing folder (hard-linked, or copied across file systems) and hashed there; a missing
   file or another sha256 is a difference naming the file and both hashes. Nothing else of L is used, so
   files of later months do not change the recomputed figures.
3. The whole pipeline runs in-process on that scratch landing, into a scratch warehouse and reports
   folder in a temporary folder (never the user's warehouse), with an ephemeral Dagster instance and the
   manifest's parameters (dpd_tolerance, reject_share, reject_min_rows, strict_landing, reporting_currency
   (the converted marts); memory_limit and
   threads are this machine's, as they change no figure).
4. Every figure of the pack's CSVs is compared, as text, with the recomputed row of the same key of the
   month (the pack writes figures so that they read back exactly), and so are the manifest's rows read /
   loaded / rejected and amount sums of every input file, and the rejected rows by file and rule.

The result lists each difference as one line; none means every figure and hash matches."""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date

import duckdb

from assets.manifest import input_files
from assets.publishing import manifest_sha256, rejection_summary

from .evidence import MANIFEST, PACK, EvidenceError, cell, mart_rows, pack_files, read_csv, sha256_of

COUNTS = ("rows_read", "rows_loaded", "rows_rejected", "amount_sum_loaded", "amount_sum_read")


@dataclass
class Verification:
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures_compared: int = 0
    inputs_checked: int = 0
    pack_files_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.differences


def read_manifest(pack: str) -> dict:
    path = os.path.join(pack, MANIFEST)
    try:
        with open(path, encoding="utf-8") as fh:
            manifest = json.load(fh)
    except FileNotFoundError:
        raise EvidenceError(f"{path}: no such file: {pack} is not an evidence pack") from None
    except (ValueError, UnicodeDecodeError) as e:
        raise EvidenceError(f"{path}: not readable JSON ({e})") from None
    if not isinstance(manifest, dict) or manifest.get("pack") != PACK:
        raise EvidenceError(f"{path}: not the manifest of an arrears evidence pack")
    return manifest


def check_pack_files(pack: str, manifest: dict, out: Verification) -> None:
    listed = manifest.get("files") or {}
    present = set(pack_files(pack)) - {MANIFEST}
    for rel in sorted(set(listed) | present):
        if rel not in present:
            out.differences.append(f"pack file {rel}: missing (sha256 in the manifest {listed[rel]})")
        elif rel not in listed:
            out.differences.append(f"pack file {rel}: not listed in the manifest (sha256 {sha256_of(os.path.join(pack, rel))})")
        else:
            now = sha256_of(os.path.join(pack, *rel.split("/")))
            if now != listed[rel]:
                out.differences.append(f"pack file {rel}: sha256 {listed[rel]} in the manifest, {now} in the pack")
        out.pack_files_checked += 1


def _safe(rel: str) -> bool:
    norm = posixpath.normpath(rel)
    return bool(rel) and not rel.startswith("/") and norm == rel and not norm.startswith("..") and ":" not in rel


def gather_inputs(manifest: dict, landing: str, scratch_landing: str, out: Verification) -> bool:
    """Link (or copy) every listed input file from `landing` into `scratch_landing`, each checked by its
    sha256. Returns whether every file was found (a changed file is found: the recomputation shows what
    it changes)."""
    complete = True
    inputs = list(manifest.get("inputs") or [])
    if manifest.get("inputs_sha256") != manifest_sha256(inputs):
        out.differences.append(f"manifest: the hash of its input file list is {manifest.get('inputs_sha256')}, "
                               f"but the files it lists hash to {manifest_sha256(inputs)}")
    listed = inputs + list(manifest.get("controls") or [])
    for f in listed:
        rel = f["source_file"]
        if not _safe(rel):
            out.differences.append(f"input {rel}: not a path inside a landing folder (manifest sha256 {f['sha256']})")
            complete = False
            continue
        src = os.path.join(landing, *rel.split("/"))
        if not os.path.isfile(src):
            out.differences.append(f"input {rel}: missing from {landing} (manifest sha256 {f['sha256']})")
            complete = False
            continue
        dst = os.path.join(scratch_landing, *rel.split("/"))
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        try:
            os.link(src, dst)
        except OSError:
            shutil.copyfile(src, dst)
        now = sha256_of(dst)
        if now != f["sha256"]:
            out.differences.append(f"input {rel}: sha256 {f['sha256']} in the manifest, {now} in {landing}")
        out.inputs_checked += 1
    return complete


def recompute(manifest: dict, scratch: str, scratch_landing: str, out: Verification) -> str | None:
    """Run the pipeline on the scratch landing; the scratch warehouse's path, or None when the run failed."""
    import dagster as dg

    from .runner import run_pipeline
    from .settings import Settings

    params = manifest.get("parameters") or {}
    given = {"dpd_tolerance": params.get("dpd_tolerance"), "reject_share": params.get("reject_share"),
             "reject_min_rows": params.get("reject_min_rows"), "strict": params.get("strict_landing"),
             "reporting_currency": params.get("reporting_currency")}
    for name in ("dpd_tolerance", "reject_share", "reject_min_rows", "strict_landing"):
        if name not in params:
            out.notes.append(f"the manifest gives no {name}: recomputed with the default")
    settings = Settings.from_env(landing=scratch_landing, warehouse=os.path.join(scratch, "warehouse.duckdb"),
                                 reports=os.path.join(scratch, "reports"), wait_for_lock=0, **given)
    outcome = run_pipeline(settings, instance=dg.DagsterInstance.ephemeral())  # progress lines on stderr
    if not outcome.success:
        why = "; ".join(outcome.failed_steps + [f"blocking check {c} failed" for c in outcome.failed_checks])
        out.differences.append(f"recomputation: the run on the listed files failed, so no figure could be "
                               f"recomputed: {why}")
        return None
    return settings.warehouse


def compare_figures(pack: str, manifest: dict, con: duckdb.DuckDBPyConnection, out: Verification) -> None:
    month_end = date.fromisoformat(manifest["month_end"])
    for table, spec in (manifest.get("figures") or {}).items():
        path = os.path.join(pack, *spec["file"].split("/"))
        if not os.path.isfile(path):
            continue  # reported as a missing pack file
        header, rows = read_csv(path)
        columns, recomputed = mart_rows(con, table, month_end)
        names = [c for c, _ in columns]
        if header != names:
            out.differences.append(f"{table}: the pack's columns {header} are not the recomputed columns {names}")
            continue
        key = [names.index(k) for k in spec["key"] if k in names]
        ours = {tuple(r[i] for i in key): r for r in recomputed}
        theirs = {}
        for r in rows:
            if len(r) != len(names):
                out.differences.append(f"{table}: a row of {spec['file']} has {len(r)} fields, not {len(names)}: {r}")
                continue
            theirs[tuple(r[i] for i in key)] = r

        def label(k, names=names, key=key):
            return ", ".join(f"{names[i]}={v}" for i, v in zip(key, k))

        for k in sorted(set(theirs) | set(ours)):
            if k not in ours:
                out.differences.append(f"{table} [{label(k)}]: in the pack, not recomputed")
            elif k not in theirs:
                out.differences.append(f"{table} [{label(k)}]: recomputed, not in the pack")
            else:
                for i, name in enumerate(names):
                    if i in key:
                        continue
                    out.figures_compared += 1
                    if theirs[k][i] != ours[k][i]:
                        out.differences.append(f"{table} [{label(k)}] {name}: pack {theirs[k][i] or '(null)'}, "
                                               f"recomputed {ours[k][i] or '(null)'}")


def compare_inputs(manifest: dict, con: duckdb.DuckDBPyConnection, out: Verification) -> None:
    """The manifest's rows read / loaded / rejected and amount sums of each input file, recomputed."""
    through = date.fromisoformat(manifest.get("data_through") or manifest["month_end"])
    ours = {f["source_file"]: f for f in input_files(con, through)}
    for f in manifest.get("inputs") or []:
        got = ours.get(f["source_file"])
        if got is None:
            out.differences.append(f"input {f['source_file']}: listed in the manifest, not read by the recomputation")
            continue
        for name in COUNTS:
            if f.get(name) is not None and cell(got.get(name)) != cell(f[name]):
                out.differences.append(f"input {f['source_file']} {name}: pack {f[name]}, recomputed {got.get(name)}")


def compare_rejections(pack: str, manifest: dict, con: duckdb.DuckDBPyConnection, out: Verification) -> None:
    rel = (manifest.get("rejections") or {}).get("file")
    path = os.path.join(pack, rel) if rel else None
    if not path or not os.path.isfile(path):
        return
    _, rows = read_csv(path)
    files = [f["source_file"] for f in manifest.get("inputs") or []]
    ours = [[r["entity"], r["file"], r["rule"], str(r["rows"])] for r in rejection_summary(con, files) or []]
    a, b = {tuple(r[:3]): r[3] for r in rows}, {tuple(r[:3]): r[3] for r in ours}
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            out.differences.append(f"rejections [{k[1]}: {k[2]}]: pack {a.get(k, 0)} row(s), recomputed {b.get(k, 0)}")


def verify_pack(pack: str, landing: str, log=lambda m: None) -> Verification:
    """Verify the pack in folder `pack` against the landing folder `landing` (see the module's docstring)."""
    manifest = read_manifest(pack)
    if not os.path.isdir(landing):
        raise EvidenceError(f"landing folder {landing} does not exist")
    out = Verification()
    check_pack_files(pack, manifest, out)
    scratch = tempfile.mkdtemp(prefix="arrears-verify-")
    try:
        scratch_landing = os.path.join(scratch, "landing")
        os.makedirs(scratch_landing)
        log(f"verify: {len(manifest.get('inputs') or [])} input files from {os.path.abspath(landing)}")
        if not gather_inputs(manifest, landing, scratch_landing, out):
            out.notes.append("not recomputed: an input file the manifest lists is missing")
            return out
        log(f"verify: recomputing month {manifest['month']} in the scratch warehouse {scratch}")
        warehouse = recompute(manifest, scratch, scratch_landing, out)
        if warehouse is None:
            return out
        con = duckdb.connect(warehouse, read_only=True)
        try:
            compare_figures(pack, manifest, con, out)
            compare_inputs(manifest, con, out)
            compare_rejections(pack, manifest, con, out)
        finally:
            con.close()
        from assets.versioning import code_summary

        run_code = ((manifest.get("code") or {}).get("run") or {}).get("code_hash")
        if run_code and run_code != code_summary()["code_hash"]:
            out.notes.append(f"recomputed with other code (code hash {code_summary()['code_hash']}) than the run "
                             f"of the pack ({run_code}): the figures are compared all the same")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out
