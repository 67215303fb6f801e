"""Convert a CFPB Consumer Complaint Database export into contract complaint files.

``import_cfpb(csv_path, landing_dir)`` reads a CSV in the CFPB's own layout (its 18 public columns,
named as the CFPB names them) and writes ``<landing_dir>/complaints/complaints_YYYY-MM.csv`` files in
the input contract's layout (docs/spec/data-contract.md, complaints), one file per month of
``Date received``. The rules, field by field, and what each complaint metric means for the rows it
writes are in ``docs/cfpb-import.md``; in short:

- ``complaint_id`` ← ``Complaint ID``; ``received_on`` ← ``Date received``; ``product``, ``issue``,
  ``sub_issue`` ← ``Product``, ``Issue``, ``Sub-issue`` verbatim (the issue crosswalk is applied later,
  in staging, so the landing file keeps the CFPB's wording).
- ``account_id`` is always empty: the export has no account, and none is ever guessed.
- ``responded_on`` and ``closed_on`` are always empty: the export does not publish either date.
  (``Date sent to company`` is when the CFPB forwarded the complaint; ``Timely response?`` says whether
  the company answered within the CFPB's window. Neither is a response or closing date.)
- ``submitted_via`` and ``company_response`` are mapped onto the contract's enums by
  ``CHANNELS`` and ``RESPONSES`` below; a value outside those tables refuses its row.
- Every other column (narrative, public response, company, state, ZIP code, tags, consent, dispute, …)
  is ignored and never written.

Accounting: every data record of the input is either written to exactly one output file or refused
with its line number and reason; ``rows_read == rows_written + rows_refused`` always, and the function
raises if it ever does not hold. Output is deterministic: rows sorted by (``received_on``,
``complaint_id``), UTF-8 without BOM, ``\\n`` line ends, minimal RFC 4180 quoting.

Refused rows (reported in the result, never written): a blank line; a record whose field count
differs from the header's, or with an empty ``Complaint ID``, ``Date received``, ``Product``,
``Issue``, ``Submitted via`` or ``Company response to consumer``; a ``Date received`` that is not
``YYYY-MM-DD`` or ``MM/DD/YYYY``; an unmapped channel or company response; a ``Complaint ID`` already
written from an earlier line (the first occurrence is kept). A file missing a required column, or not
readable as UTF-8 CSV, is refused whole with ``CfpbImportError`` naming it, before any output file is
written or replaced.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Callable

COMPLAINT_ID = "Complaint ID"
DATE_RECEIVED = "Date received"
PRODUCT = "Product"
ISSUE = "Issue"
SUB_ISSUE = "Sub-issue"
SUBMITTED_VIA = "Submitted via"
COMPANY_RESPONSE = "Company response to consumer"
TIMELY = "Timely response?"

#: CFPB columns the import reads; a file without any of them is refused whole.
REQUIRED_COLUMNS = (DATE_RECEIVED, PRODUCT, ISSUE, SUB_ISSUE, SUBMITTED_VIA, COMPANY_RESPONSE, COMPLAINT_ID)
#: Read only to report the CFPB's own timeliness counts in the result (never written).
OPTIONAL_COLUMNS = (TIMELY,)

#: The contract's columns, in the order written.
CONTRACT_COLUMNS = (
    "complaint_id", "account_id", "received_on", "submitted_via", "product", "issue", "sub_issue",
    "responded_on", "closed_on", "company_response",
)

#: CFPB "Submitted via" (how the consumer brought the complaint to the CFPB) → contract channel.
#: Keys are compared case-insensitively after trimming. Reasons in docs/cfpb-import.md.
CHANNELS = {
    "web": "web",
    "phone": "phone",
    "email": "email",
    "postal mail": "letter",
    "fax": "letter",          # a written complaint sent on paper by fax
    "referral": "regulator",  # another government agency referred it to the CFPB
    "web referral": "regulator",  # submitted on another agency's web form, referred to the CFPB
}

#: CFPB "Company response to consumer" → contract company_response. Case-insensitive after trimming.
RESPONSES = {
    "closed with explanation": "Closed with explanation",
    "closed with non-monetary relief": "Closed with non-monetary relief",
    "closed with monetary relief": "Closed with monetary relief",
    "in progress": "In progress",
    "untimely response": "Untimely response",
    # Legacy values (CFPB, before 2017): closed with neither relief nor, as far as the export says, an
    # explanation. The contract's only closed value that claims no relief is "Closed with explanation".
    "closed": "Closed with explanation",
    "closed without relief": "Closed with explanation",
    # Legacy "Closed with relief" is deliberately absent: the contract would force a choice between
    # monetary and non-monetary relief that the export does not make, so such rows are refused.
}

_PROGRESS_EVERY = 100_000


class CfpbImportError(ValueError):
    """The input file as a whole cannot be imported (unreadable header, missing required columns)."""


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _parse_date(text: str) -> dt.date | None:
    """ISO ``YYYY-MM-DD`` (the CFPB bulk export) or ``MM/DD/YYYY`` (its older web export); else None."""
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return dt.date.fromisoformat(text)
        if len(text) == 10 and text[2] == "/" and text[5] == "/":
            return dt.date(int(text[6:]), int(text[:2]), int(text[3:5]))
    except ValueError:
        return None
    return None


def import_cfpb(
    csv_path: str | os.PathLike,
    landing_dir: str | os.PathLike,
    progress: Callable[[str], None] | None = None,
    *,
    overwrite: bool = False,
) -> dict:
    """Write ``landing_dir/complaints/complaints_YYYY-MM.csv`` files from a CFPB export; return a summary.

    Parameters
        csv_path     the CFPB CSV (UTF-8, a BOM tolerated, RFC 4180 quoting: narratives may hold
                     commas, double quotes and line breaks).
        landing_dir  the landing folder; files go to its ``complaints/`` sub-folder (created if needed).
        progress     optional callable receiving a short status line (every 100,000 rows and at the end).
        overwrite    an output file that already exists is an error unless this is true (a lender's own
                     complaint file of the same month would otherwise be replaced). Checked for all
                     months before any file is written.

    Returns a dict:
        ``source``, ``rows_read``, ``rows_written``, ``rows_refused`` (read = written + refused),
        ``files`` (list of ``{"path", "month", "rows"}``, by month), ``refused`` (list of
        ``{"line", "complaint_id", "reason"}``; ``line`` is the physical line of the file on which the
        record starts, the header being line 1), ``refused_by_reason`` (reason class → count),
        ``submitted_via`` and ``company_response`` (``"CFPB value -> contract value"`` → count),
        ``cfpb_timely_response`` (``Timely response?`` value → count, written rows only; not carried
        into the contract files), ``columns_ignored`` (input columns not read).

    Raises ``CfpbImportError`` naming the file when its header is missing or lacks required columns or
    the file is not readable as UTF-8 CSV, and ``FileExistsError`` naming the files when outputs exist
    and ``overwrite`` is false (in both cases no output file has been written or replaced).
    """
    csv_path = Path(csv_path)
    out_dir = Path(landing_dir) / "complaints"
    say = progress or (lambda _msg: None)
    csv.field_size_limit(1 << 30)  # CFPB narratives run to tens of thousands of characters

    with open(csv_path, newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
            if header is None:
                raise CfpbImportError(f"{csv_path}: empty file, no header row")
            index: dict[str, int] = {}
            for i, name in enumerate(header):
                index.setdefault(_norm(name), i)
            missing = [c for c in REQUIRED_COLUMNS if _norm(c) not in index]
            if missing:
                raise CfpbImportError(
                    f"{csv_path}: not a CFPB complaint export: missing required column(s) "
                    + ", ".join(repr(c) for c in missing)
                )
            col = {c: index[_norm(c)] for c in REQUIRED_COLUMNS + OPTIONAL_COLUMNS if _norm(c) in index}
            ignored = [name for i, name in enumerate(header) if i not in set(col.values())]

            out_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(prefix=".cfpb-import-", dir=out_dir) as tmp:
                return _convert(csv_path, reader, header, col, ignored, out_dir, Path(tmp), say, overwrite)
        except (csv.Error, UnicodeDecodeError) as err:  # not UTF-8, or not CSV: the file as a whole
            raise CfpbImportError(f"{csv_path}: unreadable near line {reader.line_num + 1}: {err}") from err


def _convert(csv_path, reader, header, col, ignored, out_dir, tmp, say, overwrite) -> dict:
    """The row loop of ``import_cfpb``: refuse or spill each record, then sort and write each month."""
    rows_read = 0
    refused: list[dict] = []
    refused_by_reason: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    responses: Counter[str] = Counter()
    timely: Counter[str] = Counter()
    seen_ids: dict[str, int] = {}
    month_rows: Counter[str] = Counter()
    writers: dict[str, object] = {}  # month -> csv writer of its spill file (unsorted rows)

    def refuse(line: int, cid: str, reason_class: str, detail: str) -> None:
        refused.append({"line": line, "complaint_id": cid or None, "reason": detail})
        refused_by_reason[reason_class] += 1

    with contextlib.ExitStack() as stack:  # the spill files, closed before they are read back
        line = reader.line_num + 1  # physical line on which the next record starts
        for record in reader:
            start, line = line, reader.line_num + 1
            rows_read += 1
            if rows_read % _PROGRESS_EVERY == 0:
                say(f"{csv_path.name}: {rows_read:,} rows read")
            if not record:
                refuse(start, "", "blank line", "blank line (no fields)")
                continue
            if len(record) != len(header):
                cid = record[col[COMPLAINT_ID]].strip() if len(record) > col[COMPLAINT_ID] else ""
                refuse(start, cid, "field count",
                       f"record has {len(record)} fields, the header has {len(header)}")
                continue
            value = {c: record[i].strip() for c, i in col.items()}
            cid = value[COMPLAINT_ID]
            empty = [c for c in (COMPLAINT_ID, DATE_RECEIVED, PRODUCT, ISSUE, SUBMITTED_VIA, COMPANY_RESPONSE)
                     if not value[c]]
            if empty:
                refuse(start, cid, "missing value", "missing " + ", ".join(repr(c) for c in empty))
                continue
            received = _parse_date(value[DATE_RECEIVED])
            if received is None:
                refuse(start, cid, "bad date",
                       f"{DATE_RECEIVED!r} {value[DATE_RECEIVED]!r} is not YYYY-MM-DD or MM/DD/YYYY")
                continue
            channel = CHANNELS.get(_norm(value[SUBMITTED_VIA]))
            if channel is None:
                refuse(start, cid, "unknown Submitted via",
                       f"unknown {SUBMITTED_VIA!r} value {value[SUBMITTED_VIA]!r}")
                continue
            response = RESPONSES.get(_norm(value[COMPANY_RESPONSE]))
            if response is None:
                refuse(start, cid, "unknown company response",
                       f"unknown {COMPANY_RESPONSE!r} value {value[COMPANY_RESPONSE]!r}")
                continue
            if cid in seen_ids:
                refuse(start, cid, "duplicate Complaint ID",
                       f"duplicate {COMPLAINT_ID!r} {cid!r}, first on line {seen_ids[cid]}")
                continue
            seen_ids[cid] = start

            month = received.strftime("%Y-%m")
            if month not in writers:
                spill = stack.enter_context(open(tmp / f"{month}.csv", "w", newline="", encoding="utf-8"))
                writers[month] = csv.writer(spill, lineterminator="\n")
            writers[month].writerow((
                cid, "", received.isoformat(), channel, value[PRODUCT], value[ISSUE], value[SUB_ISSUE],
                "", "", response,
            ))
            month_rows[month] += 1
            channels[f"{value[SUBMITTED_VIA]} -> {channel}"] += 1
            responses[f"{value[COMPANY_RESPONSE]} -> {response}"] += 1
            if TIMELY in value:
                timely[value[TIMELY] or "(empty)"] += 1

    rows_written = sum(month_rows.values())
    if rows_read != rows_written + len(refused):  # the accounting identity; never expected to fail
        raise RuntimeError(
            f"{csv_path}: {rows_read} rows read but {rows_written} written + {len(refused)} refused"
        )

    targets = {m: out_dir / f"complaints_{m}.csv" for m in sorted(month_rows)}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{csv_path}: not imported, output file(s) already exist (--overwrite replaces them): "
            + ", ".join(existing)
        )

    files = []
    for month, target in targets.items():
        with open(tmp / f"{month}.csv", newline="", encoding="utf-8") as spill:
            rows = list(csv.reader(spill))
        rows.sort(key=lambda r: (r[2], r[0]))
        staged = tmp / f"out-{month}.csv"
        with open(staged, "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(CONTRACT_COLUMNS)
            writer.writerows(rows)
        os.replace(staged, target)
        files.append({"path": str(target), "month": month, "rows": len(rows)})

    say(f"{csv_path.name}: {rows_read:,} rows read, {rows_written:,} written to {len(files)} file(s), "
        f"{len(refused):,} refused")
    return {
        "source": str(csv_path),
        "rows_read": rows_read,
        "rows_written": rows_written,
        "rows_refused": len(refused),
        "files": files,
        "refused": refused,
        "refused_by_reason": dict(sorted(refused_by_reason.items())),
        "submitted_via": dict(sorted(channels.items())),
        "company_response": dict(sorted(responses.items())),
        "cfpb_timely_response": dict(sorted(timely.items())),
        "columns_ignored": ignored,
    }
