"""Code versions: which code built a table, so that a change of logic shows (in Dagster and in audit.runs).

* `code_version_of(module)` — the version of one asset's code: a hash of the source of the module that
  builds it and of every module of this project it imports, directly or through others, together with
  the data files beside those modules (the ISO 4217 list, the issue crosswalk, the GX suites). A change
  to the SQL of `marts.roll_rates` changes the version of that asset and of nothing that does not
  import it; a change to `assets/domain.py` (the buckets) changes every asset that imports it.
* `code_summary()` — what a run or an evidence pack records of the code as a whole: the package
  version, the git commit when the code is a git checkout (and whether it had uncommitted changes),
  and one hash over every module and data file of the project's packages.

Versions are computed from the files on disk, never from an in-memory edit, and are the same on every
machine for the same files."""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
from functools import lru_cache
from importlib import metadata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = ("assets", "checks", "dashboards", "pipelines")
DATA_SUFFIXES = (".csv", ".json", ".sql")


def _path_of(module: str) -> str | None:
    """The source file of a project module (`assets.marts.aging`), or None when it is not one."""
    if module.split(".")[0] not in PACKAGES:
        return None
    base = os.path.join(ROOT, *module.split("."))
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(candidate):
            return candidate
    return None


@lru_cache(maxsize=None)
def _imports(module: str) -> tuple[str, ...]:
    """The project modules `module` imports (absolute and relative imports, `from x import y` also
    tried as module x.y)."""
    path = _path_of(module)
    if path is None:
        return ()
    with open(path, encoding="utf-8") as fh:
        tree = ast.parse(fh.read(), filename=path)
    package = module if path.endswith("__init__.py") else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = ".".join(parts[:len(parts) - node.level + 1])
                base = f"{parent}.{base}" if base else parent
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        found.update(n for n in names if _path_of(n))
    return tuple(sorted(found - {module}))


def module_closure(module: str) -> tuple[str, ...]:
    """`module` and every project module it imports, transitively, sorted."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        m = todo.pop()
        if m in seen or _path_of(m) is None:
            continue
        seen.add(m)
        todo.extend(_imports(m))
    return tuple(sorted(seen))


def _files_of(modules: tuple[str, ...]) -> list[str]:
    """The modules' source files and the data files in their folders."""
    files = set()
    for m in modules:
        path = _path_of(m)
        files.add(path)
        folder = os.path.dirname(path)
        files.update(os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(DATA_SUFFIXES))
    return sorted(files)


def _hash_files(files: list[str]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(os.path.relpath(path, ROOT).replace(os.sep, "/").encode() + b"\0")
        with open(path, "rb") as fh:
            digest.update(hashlib.sha256(fh.read()).digest())
    return digest.hexdigest()


@lru_cache(maxsize=None)
def code_version_of(module: str) -> str:
    """The code version of the asset built by `module` (16 hex digits of the hash of its closure)."""
    if _path_of(module) is None:
        raise ValueError(f"{module!r} is not a module of this project ({', '.join(PACKAGES)})")
    return _hash_files(_files_of(module_closure(module)))[:16]


def _all_files() -> list[str]:
    files = []
    for package in PACKAGES:
        for folder, dirs, names in os.walk(os.path.join(ROOT, package)):
            dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
            files.extend(os.path.join(folder, n) for n in names if n.endswith((".py",) + DATA_SUFFIXES))
    return sorted(files)


def _git(*args: str) -> str | None:
    try:
        out = subprocess.run(["git", "-C", ROOT, *args], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


@lru_cache(maxsize=1)
def code_summary() -> dict:
    """Package version, git commit (None outside a git checkout) and whether the project's packages had
    uncommitted changes, and the hash of every module and data file of the packages."""
    try:
        version = metadata.version("arrears")
    except metadata.PackageNotFoundError:
        version = None
    commit = _git("rev-parse", "HEAD")
    dirty = None
    if commit:
        status = _git("status", "--porcelain", "--", *PACKAGES)
        dirty = bool(status) if status is not None else None
    return {"package_version": version, "git_commit": commit, "uncommitted_changes": dirty,
            "code_hash": _hash_files(_all_files())}


def code_version_label(summary: dict | None = None) -> str:
    """One string for a run's record: `0.1.0 git 66fb395 (+changes) code 1a2b3c4d5e6f7a8b`."""
    s = summary or code_summary()
    parts = [s["package_version"] or "unknown version"]
    if s["git_commit"]:
        parts.append(f"git {s['git_commit'][:12]}" + (" (+changes)" if s["uncommitted_changes"] else ""))
    parts.append(f"code {s['code_hash'][:16]}")
    return " ".join(parts)
