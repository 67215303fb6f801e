"""A landing file's header, read only after its first bytes show the file is what its name says: a CSV
that is really an Excel workbook, UTF-16 text or a Parquet file, a `.gz` that is not gzip, a Parquet
file without its footer, or an empty file is refused naming the file and what it is, because read as
CSV such a file would fail far from its cause or with a misleading message. Every check here reads a
few bytes, except `gzip_problem`, which is run only after the CSV reader failed on a `.csv.gz`."""

from __future__ import annotations

import csv
import gzip
import io
import os
import zipfile
import zlib

import pyarrow as pa
import pyarrow.parquet as pq

from .contract import SAVE_AS_CSV
from .landing import ContractError, LandingFile

GZIP_MAGIC = b"\x1f\x8b"
PARQUET_MAGIC = b"PAR1"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Excel 97-2003 (.xls) and other old Office files
HEADER_LIMIT = 1 << 20  # bytes of a header row; a longer "header" is not one


def what_it_is(head: bytes, path: str | None = None) -> tuple[str, str] | None:
    """(what the file is, what to do) when its first bytes show a format that is not CSV text; None for text.
    `path` lets a ZIP archive be told apart from an Excel workbook (which is one)."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except (zipfile.BadZipFile, OSError, TypeError, ValueError):
            names = []
        if any(n.startswith("xl/") for n in names):
            return "an Excel workbook (.xlsx)", f"open it in Excel and {SAVE_AS_CSV}"
        return "a ZIP archive", "extract the CSV file from it and deliver that file"
    if head.startswith(OLE2_MAGIC):
        return "an Excel 97-2003 workbook (.xls)", f"open it in Excel and {SAVE_AS_CSV}"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 4 and (
            head[1:2] == head[3:4] == b"\0" or head[0:1] == head[2:3] == b"\0")):  # without a BOM
        return ('UTF-16 text (what Excel saves as "Unicode Text")', f"open it in Excel and {SAVE_AS_CSV}")
    if head.startswith(GZIP_MAGIC):
        return "gzip-compressed data", "name it .csv.gz"
    if head.startswith(PARQUET_MAGIC):
        return "a Parquet file", "name it .parquet"
    return None


def _parquet_header(f: LandingFile, head: bytes, size: int) -> list[str]:
    if not head.startswith(PARQUET_MAGIC):
        kind = what_it_is(head, f.path)
        what = kind[0] if kind else "text (a CSV file? then name it .csv)"
        raise ContractError(f"{f.source_file}: line 1: not a Parquet file: it is {what}")
    with open(f.path, "rb") as fh:
        fh.seek(max(0, size - 4))
        tail = fh.read(4)
    if size < 12 or tail != PARQUET_MAGIC:
        raise ContractError(f"{f.source_file}: line 1: truncated Parquet file: it ends before its footer (the "
                            "schema and row counts), so none of it can be read; deliver the complete file")
    try:
        return list(pq.read_schema(f.path).names)
    except (pa.ArrowException, OSError) as e:
        raise ContractError(f"{f.source_file}: line 1: damaged Parquet file, its footer cannot be read "
                            f"({str(e).splitlines()[0]})") from None


def _first_record(f: LandingFile) -> bytes:
    """The bytes of the file's first record: its first line, and the lines after it while a quote is open."""
    opener = gzip.open if f.fmt == "csv.gz" else open
    raw = b""
    try:
        with opener(f.path, "rb") as fh:
            while len(raw) < HEADER_LIMIT:
                line = fh.readline(HEADER_LIMIT)
                raw += line
                if not line or (line.endswith(b"\n") and raw.count(b'"') % 2 == 0):
                    break
    except (EOFError, OSError, zlib.error) as e:
        raise ContractError(f"{f.source_file}: line 1: the gzip data is damaged or truncated before the end of "
                            f"the header ({e}); deliver the complete file") from None
    return raw


def read_header(f: LandingFile) -> list[str]:
    """The file's column names, as written (a UTF-8 BOM is tolerated), after checking that the file is
    what its name says."""
    size = os.path.getsize(f.path)
    if size == 0:
        missing = "it has no schema" if f.fmt == "parquet" else "the header row is missing"
        raise ContractError(f"{f.source_file}: line 1: the file is empty (0 bytes): {missing}")
    with open(f.path, "rb") as fh:
        head = fh.read(8)
    if f.fmt == "parquet":
        return _parquet_header(f, head, size)
    if f.fmt == "csv.gz" and not head.startswith(GZIP_MAGIC):
        kind = what_it_is(head, f.path) or ("uncompressed text", "compress it with gzip, or name it .csv")
        raise ContractError(f"{f.source_file}: line 1: not a gzip file: it is {kind[0]}; {kind[1]}")
    raw = _first_record(f)
    kind = what_it_is(raw[:8], f.path if f.fmt == "csv" else None)
    if kind:
        raise ContractError(f"{f.source_file}: line 1: the file is {kind[0]}, not CSV text: {kind[1]}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = 1 + raw[:e.start].count(b"\n")
        raise ContractError(f"{f.source_file}: line {line}: not UTF-8 text (byte {raw[e.start]:#04x} is not "
                            f"valid UTF-8 there); {SAVE_AS_CSV}") from None
    header = next(csv.reader(io.StringIO(text, newline="")), None)
    if not header:
        raise ContractError(f"{f.source_file}: line 1: the header row is missing (the first line is empty)")
    return header


def gzip_problem(f: LandingFile) -> str | None:
    """What is wrong with a `.csv.gz` file's compressed data (truncated, damaged, or a checksum that does not
    match), or None when it decompresses whole. Reads the whole file: for the failure path only."""
    d, lines = zlib.decompressobj(zlib.MAX_WBITS | 16), 0
    with open(f.path, "rb") as fh:
        try:
            for chunk in iter(lambda: fh.read(64 << 10), b""):
                lines += d.decompress(chunk).count(b"\n")
                while d.eof and d.unused_data:  # a file of several gzip members
                    rest, d = d.unused_data, zlib.decompressobj(zlib.MAX_WBITS | 16)
                    lines += d.decompress(rest).count(b"\n")
        except zlib.error as e:
            if "incorrect data check" in str(e) or "incorrect length check" in str(e):
                return (f"{f.source_file}: line 1: damaged gzip file: its checksum does not match its data, so "
                        "any of its lines may be wrong; deliver the file again")
            return (f"{f.source_file}: line {lines + 1}: damaged gzip file: the compressed data cannot be decoded "
                    f"at or after this line ({e}); deliver the file again")
    if not d.eof:
        return (f"{f.source_file}: line {lines + 1}: truncated gzip file: the compressed data ends inside this "
                "line; deliver the complete file")
    return None
