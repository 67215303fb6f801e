"""Which of a file's columns feed the contract's columns: the header judged by the column-name rules
(third-party columns refuse the file, personal data is dropped, others ignored) and the select list that
names each contract column."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .contract import CONTRACT, classify
from .landing import ContractError, LandingFile, check_header


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


def plan_columns(f: LandingFile, header: list[str], entity: str) -> tuple[list[str], dict, FileLoad]:
    check_header(f, header)
    cls = classify(header, entity)
    if cls["third_party"]:
        raise ContractError(
            f"{f.source_file}: refused whole: column(s) {', '.join(c.strip() for c in cls['third_party'])} "
            "describe or locate someone other than the account holder (third-party / skip-tracing data is "
            "never ingested)")
    present = {v: k for k, v in cls["mapping"].items()}
    missing = [c.name for c in CONTRACT[entity] if c.required and c.name not in present]
    if missing:
        raise ContractError(f"{f.source_file}: line 1: required column(s) missing: {', '.join(missing)}")
    absent = [c.name for c in CONTRACT[entity] if not c.required and c.name not in present]
    info = FileLoad(f, "", 0, 0, [c.strip() for c in cls["personal"]], [c.strip() for c in cls["other"]], absent)
    only_contract = not cls["personal"] and not cls["other"]
    return header, {"present": present, "only_contract": only_contract}, info


def select_list(entity: str, present: dict[str, str], source: Callable[[str], str]) -> str:
    parts = []
    for c in CONTRACT[entity]:
        parts.append(f"{source(present[c.name])} AS {c.name}" if c.name in present else f"NULL::VARCHAR AS {c.name}")
    return ", ".join(parts)
