"""Which of a file's columns feed the contract's columns: the header judged by the column-name rules
(third-party columns refuse the file, personal data is dropped, others ignored) and the select list that
names each contract column. A refusal of the header names the file and line 1."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field

from .contract import CONTRACT, SAVE_AS_CSV, classify, words
from .landing import ContractError, LandingFile


@dataclass
class FileLoad:
    file: LandingFile
    sha256: str
    rows_read: int
    rows_malformed: int
    dropped_personal: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    absent_optional: list[str] = field(default_factory=list)
    columns: dict = field(default_factory=dict)  # contract column -> {"source": name in the file, "type": as read}
    # ignored column -> the absent contract column its name is close to (a likely misspelling)
    did_you_mean: dict[str, str] = field(default_factory=dict)


def check_header(f: LandingFile, header: list[str]) -> None:
    """Every column has a name, and no name appears twice (after trimming and lower-casing)."""
    seen: set[str] = set()
    for col in header:
        key = col.strip().lower()
        if not key:
            raise ContractError(f"{f.source_file}: line 1: a column has an empty name")
        if key in seen:
            raise ContractError(
                f"{f.source_file}: line 1: column '{col.strip()}' appears twice (names are matched "
                "case-insensitively after trimming)")
        seen.add(key)


def close_contract_names(absent: list[str], ignored: list[str]) -> dict[str, str]:
    """For each ignored column whose name is close to an absent contract column (difflib over the names
    split into words and joined by `_`, so `Account ID` and `acount_id` both suggest `account_id`), that
    contract column; each contract column is suggested for one column at most."""
    out: dict[str, str] = {}
    left = list(absent)
    for col in ignored:
        hit = difflib.get_close_matches("_".join(words(col)), left, n=1, cutoff=0.8)
        if hit:
            out[col] = hit[0]
            left.remove(hit[0])
    return out


def _refusal(f: LandingFile, refused) -> ContractError:
    listed = "; ".join(f"'{col.strip()}' ({v.term.replace('_', ' ')}: {v.why})" for col, v in refused)
    return ContractError(
        f"{f.source_file}: line 1: refused whole: {len(refused)} column(s) describe someone other than the "
        f"account holder or locate a person, and third-party and skip-tracing data is never ingested: {listed}")


def _missing(f: LandingFile, header: list[str], missing: list[str], suggest: dict[str, str]) -> ContractError:
    by_contract = {v: k for k, v in suggest.items()}
    names = ", ".join(m + (f" (did you mean '{by_contract[m].strip()}'?)" if m in by_contract else "")
                      for m in missing)
    msg = f"{f.source_file}: line 1: required column(s) missing: {names}"
    if any(m in by_contract for m in missing):
        msg += "; columns are matched by name, case-insensitively after trimming"
    if len(header) == 1 and any(sep in header[0] for sep in (";", "\t", "|")):
        sep = next(s for s in (";", "\t", "|") if s in header[0])
        msg += (f"; the header is a single column holding {sep!r}: the file is not comma-separated; "
                f"{SAVE_AS_CSV}")
    return ContractError(msg)


def plan_columns(f: LandingFile, header: list[str], entity: str) -> tuple[list[str], dict, FileLoad]:
    check_header(f, header)
    cls = classify(header, entity)
    if cls.refused:
        raise _refusal(f, cls.refused)
    present = {v: k for k, v in cls.mapping.items()}
    absent_all = [c.name for c in CONTRACT[entity] if c.name not in present]
    suggest = close_contract_names(absent_all, cls.ignored)
    missing = [c.name for c in CONTRACT[entity] if c.required and c.name not in present]
    if missing:
        raise _missing(f, header, missing, suggest)
    absent = [c.name for c in CONTRACT[entity] if not c.required and c.name not in present]
    info = FileLoad(f, "", 0, 0, [c.strip() for c in cls.dropped], [c.strip() for c in cls.ignored], absent,
                    did_you_mean={k.strip(): v for k, v in suggest.items()})
    return header, {"present": present}, info


def select_list(entity: str, present: dict[str, str], source: Callable[[str], str]) -> str:
    parts = []
    for c in CONTRACT[entity]:
        parts.append(f"{source(present[c.name])} AS {c.name}" if c.name in present else f"NULL::VARCHAR AS {c.name}")
    return ", ".join(parts)
