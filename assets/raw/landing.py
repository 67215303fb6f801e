"""Finding the lender's export files in the landing folder and reading their headers, hashes and controls."""

from __future__ import annotations

import calendar
import csv
import gzip
import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

import pyarrow.parquet as pq

from .contract import ENTITIES


class ContractError(Exception):
    """A systemic problem with the landing folder: the run stops, naming the file and the rule."""


_NAME = re.compile(r"^(?P<entity>[a-z]+)_(?P<year>\d{4})-(?P<month>\d{2})\.(?P<ext>csv|csv\.gz|parquet)$")


@dataclass(frozen=True)
class LandingFile:
    entity: str
    path: str  # absolute
    source_file: str  # relative to the landing folder, e.g. ledger/ledger_2026-10.csv
    month_start: date
    month_end: date
    fmt: str  # csv | csv.gz | parquet

    @property
    def month(self) -> str:
        return self.month_start.strftime("%Y-%m")


def month_end_of(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def discover(landing: str, entity: str) -> list[LandingFile]:
    """The entity's files in month order. A file that does not follow the naming rule is an error."""
    if entity not in ENTITIES:
        raise ValueError(entity)
    folder = os.path.join(landing, entity)
    if not os.path.isdir(folder):
        return []
    found: dict[str, LandingFile] = {}
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if name.startswith(".") or os.path.isdir(path):
            continue
        m = _NAME.match(name)
        if not m or m["entity"] != entity:
            raise ContractError(
                f"{entity}/{name}: file name does not follow the contract "
                f"'{entity}_YYYY-MM.csv|csv.gz|parquet'; move it out of the landing folder or rename it")
        year, month = int(m["year"]), int(m["month"])
        if not 1 <= month <= 12:
            raise ContractError(f"{entity}/{name}: month {m['month']} in the file name is not a month")
        key = f"{year:04d}-{month:02d}"
        if key in found:
            raise ContractError(
                f"{entity}/{name}: month {key} is also delivered as {found[key].source_file}; "
                "exactly one file per month is allowed")
        start = date(year, month, 1)
        found[key] = LandingFile(entity, os.path.abspath(path), f"{entity}/{name}", start,
                                 month_end_of(start), m["ext"])
    return [found[k] for k in sorted(found)]


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(8 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_header(f: LandingFile) -> list[str]:
    """The file's column names, as written (a UTF-8 BOM is tolerated)."""
    if f.fmt == "parquet":
        return list(pq.read_schema(f.path).names)
    opener = gzip.open if f.fmt == "csv.gz" else open
    try:
        with opener(f.path, "rt", encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), None)
    except UnicodeDecodeError as e:
        raise ContractError(f"{f.source_file}: line 1: not UTF-8 ({e.reason})") from None
    if not header:
        raise ContractError(f"{f.source_file}: line 1: the header row is missing (empty file)")
    return header


def parquet_rows(path: str) -> int:
    """Rows in a Parquet file, from its metadata."""
    return pq.read_metadata(path).num_rows


def check_header(f: LandingFile, header: list[str]) -> None:
    seen: dict[str, str] = {}
    for col in header:
        key = col.strip().lower()
        if not key:
            raise ContractError(f"{f.source_file}: line 1: a column has an empty name")
        if key in seen:
            raise ContractError(
                f"{f.source_file}: line 1: column '{col.strip()}' appears twice (names are matched "
                "case-insensitively after trimming)")
        seen[key] = col


@dataclass(frozen=True)
class ControlEntry:
    control_file: str
    rows: int | None
    amount_sum: Decimal | None
    sha256: str | None


def read_controls(landing: str) -> dict[str, ControlEntry]:
    """All control totals in landing/control/, keyed by the data file they describe."""
    folder = os.path.join(landing, "control")
    out: dict[str, ControlEntry] = {}
    if not os.path.isdir(folder):
        return out
    for name in sorted(os.listdir(folder)):
        if name.startswith("."):
            continue
        rel = f"control/{name}"
        if not re.match(r"^control_\d{4}-\d{2}\.json$", name):
            raise ContractError(f"{rel}: file name does not follow the contract 'control_YYYY-MM.json'")
        try:
            with open(os.path.join(folder, name), encoding="utf-8-sig") as fh:
                doc = json.load(fh)
        except json.JSONDecodeError as e:
            raise ContractError(f"{rel}: line {e.lineno}: not valid JSON ({e.msg})") from None
        files = doc.get("files") if isinstance(doc, dict) else None
        if not isinstance(files, dict):
            raise ContractError(f"{rel}: expected an object with a 'files' object")
        for data_file, spec in files.items():
            if not isinstance(spec, dict):
                raise ContractError(f"{rel}: entry for {data_file} must be an object")
            try:
                amount = Decimal(str(spec["amount_sum"])) if spec.get("amount_sum") is not None else None
            except InvalidOperation:
                raise ContractError(f"{rel}: amount_sum of {data_file} is not a decimal") from None
            rows = spec.get("rows")
            if rows is not None and (not isinstance(rows, int) or rows < 0):
                raise ContractError(f"{rel}: rows of {data_file} must be a whole number")
            out[data_file.replace("\\", "/").lstrip("./")] = ControlEntry(rel, rows, amount, spec.get("sha256"))
    return out
