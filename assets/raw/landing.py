"""The landing folder, inspected whole before anything is read: every entry is either read or named.

`inspect_landing` looks at every entry of the landing folder and of its contract folders once and
returns the data files to read, the control totals and a record of every entry with what was done with
it. An entry that is only named (an unknown folder or file name) is a warning, or a refusal in strict
mode; what would make the run report less than was delivered, or read something other than what was
delivered, stops the run before anything is read, naming every such entry: a directory or special file
where a data file is expected, a symbolic link, a control entry naming a file that is not read, two
files for one month, and a landing with no ledger file (its message shows the layout the contract
expects). Also here: each file's hash and the control totals."""

from __future__ import annotations

import calendar
import difflib
import hashlib
import json
import os
import posixpath
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

import pyarrow.parquet as pq

from .contract import ENTITIES, FILE_NAMES, FOLDERS, LAYOUT, SAVE_AS_CSV


class ContractError(Exception):
    """A systemic problem with the landing folder: the run stops, naming the file and the rule."""


# What was done with an entry of the landing folder (raw.landing_entries.action).
READ = "read"
UNKNOWN = "unknown"        # a name outside the contract: named in a warning, not read
NOT_READ = "not read"      # a name of the contract this version does not read: named in a warning (none today)
HIDDEN = "ignored (hidden)"  # a name starting with "." (.DS_Store, the sample's marker): recorded only

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


@dataclass(frozen=True)
class LandingEntry:
    """One entry of the landing folder or of one of its contract folders."""
    path: str    # relative to the landing folder; a folder ends with "/"
    kind: str    # file | folder
    action: str  # READ | UNKNOWN | NOT_READ | HIDDEN
    note: str    # why it is not read and what to do ("" when read)
    asset: str   # the entity whose raw asset records and reports it

    @property
    def warning(self) -> str | None:
        return f"{self.path}: {self.note}" if self.action in (UNKNOWN, NOT_READ) else None


@dataclass(frozen=True)
class ControlEntry:
    control_file: str
    rows: int | None
    amount_sum: Decimal | None
    sha256: str | None


@dataclass
class LandingInventory:
    """What `inspect_landing` found: the data files per entity in month order, the control totals keyed
    by the data file they describe, and every entry with what was done with it."""
    root: str
    files: dict[str, list[LandingFile]]
    controls: dict[str, ControlEntry]
    entries: list[LandingEntry] = field(default_factory=list)

    def warnings(self, entity: str | None = None) -> list[str]:
        """The warnings of every entry (or of the entries the raw asset of `entity` reports)."""
        return [e.warning for e in self.entries if e.warning and entity in (None, e.asset)]


def month_end_of(d: date) -> date:
    return date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def _scan(path: str) -> list[os.DirEntry]:
    with os.scandir(path) as it:
        return sorted(it, key=lambda e: e.name)


def _kind(e: os.DirEntry) -> str:
    return "folder" if e.is_dir(follow_symlinks=False) else "file"


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def _symlink(root: str, rel: str, path: str) -> str:
    target = os.path.realpath(path)
    where = "inside" if _inside(root, target) else "outside"
    return (f"{rel}: a symbolic link (to a path {where} the landing folder): symbolic links are refused; "
            "put the file or folder itself in the landing folder")


def _name_hint(folder: str, name: str) -> str:
    """What an unknown name in a contract folder probably is, and what to do."""
    stem, _, ext = name.partition(".")
    if name.lower() != name and FOLDERS[folder].match(name.lower()):
        return f"; names are case-sensitive: rename it {name.lower()}"
    if ext.lower() in ("xlsx", "xls", "xlsm"):
        return f"; an Excel workbook: {SAVE_AS_CSV} as {folder}/{stem}.csv"
    if ext.lower() in ("zip", "tar", "tar.gz", "tgz", "7z"):
        return "; an archive: extract the file it holds into this folder"
    for other, pattern in FOLDERS.items():
        if other != folder and pattern.match(name):
            return f"; a file of {other}/: move it there"
    return ""


def _unknown_top(e: os.DirEntry) -> tuple[str, str]:
    """(note, asset) for an entry of the landing folder that is not a contract folder."""
    if e.is_dir(follow_symlinks=False):
        note = "not read: not a folder of the contract, so nothing in it is read"
        guess = next((f for f in FOLDERS if f == e.name.lower()), None) or next(
            iter(difflib.get_close_matches(e.name.lower(), list(FOLDERS), n=1, cutoff=0.6)), None)
        if guess:
            note += f"; did you mean {guess}/?"
    else:
        note = "not read: not a file of the contract"
        guess = next((f for f, p in FOLDERS.items() if p.match(e.name)), None)
        if guess:
            note += f"; a file of {guess}/: move it there"
    return note, guess if guess in ENTITIES else "ledger"


def _read_control(rel: str, path: str) -> dict[str, ControlEntry]:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as e:
        raise ContractError(f"{rel}: line {e.lineno}: not valid JSON ({e.msg})") from None
    except UnicodeDecodeError:
        raise ContractError(f"{rel}: line 1: not UTF-8 text") from None
    except RecursionError:
        raise ContractError(f"{rel}: not valid control totals: nested too deeply to read") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, dict):
        raise ContractError(f"{rel}: expected an object with a 'files' object")
    out = {}
    for data_file, spec in files.items():
        if not isinstance(spec, dict):
            raise ContractError(f"{rel}: entry for {data_file} must be an object")
        try:
            amount = Decimal(str(spec["amount_sum"])) if spec.get("amount_sum") is not None else None
        except InvalidOperation:
            raise ContractError(f"{rel}: amount_sum of {data_file} is not a decimal") from None
        rows = spec.get("rows")
        if rows is not None and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 0):
            raise ContractError(f"{rel}: rows of {data_file} must be a whole number")
        digest = spec.get("sha256")
        if digest is not None and not (isinstance(digest, str) and re.fullmatch(r"[0-9a-fA-F]{64}", digest)):
            raise ContractError(f"{rel}: sha256 of {data_file} must be 64 hexadecimal digits")
        out[data_file] = ControlEntry(rel, rows, amount, digest)
    return out


def _check_controls(controls: list[tuple[str, ControlEntry]], read: set[str], entries: list[LandingEntry],
                    problems: list[str]) -> dict[str, ControlEntry]:
    """Every control entry must name a data file that is read, once; returns them keyed by that file."""
    out: dict[str, ControlEntry] = {}
    for named, ctl in controls:
        key = named.replace("\\", "/")
        norm = posixpath.normpath(key)
        if key.startswith("/") or (len(key) > 1 and key[1] == ":") or norm == ".." or norm.startswith("../"):
            problems.append(f"{ctl.control_file}: names {named}, which is outside the landing folder")
            continue
        if norm not in read:
            unread = next((e for e in entries if e.path == norm), None)
            if unread:
                problems.append(f"{ctl.control_file}: names {named}, which is not read "
                                f"({unread.note.removeprefix('not read: ')}): its control totals cannot be checked")
                continue
            hint = next((f" (file names are case-sensitive: the landing folder has {r})" for r in sorted(read)
                         if r.lower() == norm.lower()), "")
            problems.append(f"{ctl.control_file}: names {named}, which is not in the landing folder{hint}: "
                            "its control totals cannot be checked")
            continue
        if norm in out:
            problems.append(f"{ctl.control_file}: gives control totals for {norm}, which "
                            f"{out[norm].control_file} also gives: one entry per file")
            continue
        out[norm] = ctl
    return out


def _no_ledger(root: str, entries: list[LandingEntry]) -> str:
    unread = [e.warning for e in entries if e.warning]
    return (f"no ledger file in the landing folder {root}: a landing with no ledger file is refused before "
            f"anything runs. The contract's layout:\n{LAYOUT}"
            + ("\nIn this landing folder, not read:\n  " + "\n  ".join(unread) if unread else ""))


def inspect_landing(landing: str, strict: bool = False) -> LandingInventory:
    """Inspect every entry of the landing folder (see the module); raises ContractError naming every
    entry that stops the run, and in strict mode every unknown one too."""
    root = os.path.realpath(landing)
    if not os.path.isdir(root):
        raise ContractError(f"landing folder {landing} does not exist or is not a folder")
    base = os.path.abspath(landing)
    entries: list[LandingEntry] = []
    problems: list[str] = []
    found: dict[str, dict[str, LandingFile]] = {e: {} for e in ENTITIES}
    controls: list[tuple[str, ControlEntry]] = []  # (file named, its entry), from every control file
    for top in _scan(root):
        if top.is_symlink():
            problems.append(_symlink(root, top.name, top.path))
            continue
        slash = "/" if top.is_dir(follow_symlinks=False) else ""
        if top.name.startswith("."):
            entries.append(LandingEntry(top.name + slash, _kind(top), HIDDEN, "not read: hidden", "ledger"))
            continue
        if top.name not in FOLDERS:
            note, asset = _unknown_top(top)
            entries.append(LandingEntry(top.name + slash, _kind(top), UNKNOWN, note, asset))
            continue
        folder = top.name
        asset = folder if folder in ENTITIES else "ledger"
        if not slash:
            problems.append(f"{folder}: a file where the folder {folder}/ is expected")
            continue
        entries.append(LandingEntry(folder + "/", "folder", READ, "", asset))
        for e in _scan(top.path):
            rel = f"{folder}/{e.name}"
            if e.is_symlink():
                problems.append(_symlink(root, rel, e.path))
            elif e.name.startswith(".") and FOLDERS[folder].match(e.name[1:]):
                # a data file hidden by its name is named, not passed over: its month would vanish
                entries.append(LandingEntry(rel, _kind(e), UNKNOWN, f"not read: hidden by its leading '.'; "
                                            f"rename it {e.name[1:]} to have it read", asset))
            elif e.name.startswith("."):
                entries.append(LandingEntry(rel + ("/" if _kind(e) == "folder" else ""), _kind(e), HIDDEN,
                                            "not read: hidden", asset))
            elif e.is_dir(follow_symlinks=False):
                problems.append(f"{rel}/: a directory where a data file is expected (an unpacked archive?): "
                                f"put the file itself in {folder}/ and remove the directory")
            elif not e.is_file(follow_symlinks=False):
                problems.append(f"{rel}: not a regular file")
            elif not (m := FOLDERS[folder].match(e.name)):
                note = f"not read: the name does not fit {FILE_NAMES[folder]}" + _name_hint(folder, e.name)
                entries.append(LandingEntry(rel, "file", UNKNOWN, note, asset))
            elif not _inside(root, os.path.realpath(e.path)):
                problems.append(f"{rel}: resolves outside the landing folder: refused")
            elif folder == "control":
                entries.append(LandingEntry(rel, "file", READ, "", asset))
                controls.extend(_read_control(rel, e.path).items())
            else:
                year, month = int(m["year"]), int(m["month"])
                key = f"{year:04d}-{month:02d}"
                if year < 1:
                    problems.append(f"{rel}: year 0000 in the file name is not a year")
                    continue
                if key in found[folder]:
                    problems.append(f"{rel}: month {key} is also delivered as {found[folder][key].source_file}; "
                                    "exactly one file per month is allowed")
                    continue
                start = date(year, month, 1)
                found[folder][key] = LandingFile(folder, os.path.join(base, folder, e.name), rel, start,
                                                 month_end_of(start), m["ext"])
                entries.append(LandingEntry(rel, "file", READ, "", asset))
    if strict:
        problems.extend(f"{e.warning} (refused: strict mode)" for e in entries if e.action == UNKNOWN)
    files = {entity: [found[entity][k] for k in sorted(found[entity])] for entity in ENTITIES}
    read = {f.source_file for fs in files.values() for f in fs}
    checked = _check_controls(controls, read, entries, problems)
    if not files["ledger"]:
        problems.append(_no_ledger(root, entries))
    if problems:
        raise ContractError("\n".join(problems))
    return LandingInventory(root, files, checked, entries)


def sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(8 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parquet_rows(path: str) -> int:
    """Rows in a Parquet file, from its metadata."""
    return pq.read_metadata(path).num_rows
