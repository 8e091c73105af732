"""Issue 17, "Nothing lost, nothing left behind": where the scripts put things (faults 4, 5, 6).

Every scenario runs the real command, ``scripts/run.sh`` of this checkout, as a
subprocess, the way a user would, on temporary folders:

- (a) two warehouses (different SEEDS_DIR / WAREHOUSE_DIR, DAGSTER_HOME left
  unset) one after another, then two fresh ones at the same time: every run
  succeeds, each warehouse holds exactly its own files, and the Dagster
  instance each warehouse uses records its own runs; and two warehouses
  forced onto one explicit DAGSTER_HOME both succeed (the partitions are fixed
  shards, so neither can delete the other's), each with its own rows;
- (b) ``cd <tmp>/data && SEEDS_DIR=seeds WAREHOUSE_DIR=wh run.sh`` reads
  ``<tmp>/data/seeds`` and writes ``<tmp>/data/wh``; a relative DAGSTER_HOME
  is the caller's too; nothing appears in the project (no ``wh/``, ``dh/``,
  same ``warehouse/`` and ``seeds/`` entries);
- (c) HOME is a regular file (root ignores ``chmod``, and a path below a file
  can never be created): with a current ``.venv`` the run succeeds without
  calling uv; and with a stale one (in a sandbox copy of ``bootstrap.sh``
  whose ``.tools/bin/uv`` is a stub that, like uv, needs a writable cache)
  uv is given a writable cache and the next bootstrap does not call it.

The project's own ``warehouse/`` and ``.dagster_home/`` are not written: every
run here names a temporary WAREHOUSE_DIR (and so, with the fix, its own
Dagster instance inside it).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent.parent
RUN = PROJECT / "scripts" / "run.sh"
BOOTSTRAP = PROJECT / "scripts" / "bootstrap.sh"
# what the scenarios set themselves; inherited values would change what is tested
_OWN = ("SEEDS_DIR", "WAREHOUSE_DIR", "DAGSTER_HOME", "WAREHOUSE_BACKEND", "DUCKLAKE_CATALOG", "DUCKLAKE_DATA_PATH",
        "UV_CACHE_DIR", "XDG_CACHE_HOME", "PIP_CACHE_DIR", "CALLER_DIR")


def _env(**values: str) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k not in _OWN}
    e.update(values)
    return e


def _reason(output: str) -> str:
    """The telling line of a run's output: an error, else its last line."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for pat in ("not a valid range", "error:", "Error", "RUN FAILED", "Traceback"):
        hits = [ln for ln in lines if pat in ln]
        if hits:
            return hits[-1] if pat != "Traceback" else lines[-1]
    return lines[-1] if lines else "(no output)"


def _run(env: dict[str, str], cwd: Path, timeout: float = 900) -> tuple[int, str]:
    p = subprocess.run([str(RUN)], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout


def _run_together(envs: list[dict[str, str]], cwd: Path, timeout: float = 900) -> list[tuple[int, str]]:
    procs = [subprocess.Popen([str(RUN)], cwd=cwd, env=e, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for e in envs]
    out = []
    for p in procs:
        try:
            text, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            text, _ = p.communicate()
        out.append((p.returncode, text))
    return out


def _home_for(env: dict[str, str], cwd: Path) -> str:
    """The DAGSTER_HOME the scripts use with this environment and working directory."""
    p = subprocess.run(["bash", "-c", 'source "$0" >/dev/null; printf %s "$DAGSTER_HOME"', str(BOOTSTRAP)],
                       cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    return p.stdout.strip()


def _runs(home: str, fs) -> int | str:
    """Successful runs recorded in the Dagster instance at ``home``."""
    import dagster as dg

    if not home:
        return "no DAGSTER_HOME"
    try:
        with fs.env(DAGSTER_HOME=home), dg.DagsterInstance.get() as instance:
            return len(instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.SUCCESS])))
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {fs._clip(str(exc), 60)}"


def _files(wh: Path, fs) -> list[str] | str:
    db = wh / "warehouse.duckdb"
    if not db.exists():
        return "no warehouse.duckdb"
    try:
        return [r[0] for r in fs.db_rows(db, "SELECT path FROM raw.source_files ORDER BY path")]
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {fs._clip(str(exc), 60)}"


def _short(names) -> str:
    if isinstance(names, str):
        return names
    return "[" + ", ".join(n.split("_")[0] for n in names) + "]"


def _seeds(folder: Path, pages: list[Path]) -> list[str]:
    folder.mkdir(parents=True)
    for p in pages:
        shutil.copy(p, folder / p.name)
    return sorted(p.name for p in pages)


# ====================================================================== (a) two warehouses

def _two_warehouses(work: Path, fs) -> list:
    pages = fs.seed_pages()
    seeds_a, seeds_b = work / "seeds-a", work / "seeds-b"
    own = {"A": _seeds(seeds_a, pages[0:2]), "B": _seeds(seeds_b, pages[2:4])}
    out = []

    def judge(label: str, whs: dict[str, Path], codes: list[tuple[str, int, str]], expected: str,
              runs: dict[str, int]):
        parts, ok = [], True
        for name, code, text in codes:
            parts.append(f"{name} exit {code}" + ("" if code == 0 else f" ({fs._clip(_reason(text), 90)})"))
            ok &= code == 0
        for name, wh in whs.items():
            env = _env(SEEDS_DIR=str(seeds_a if name == "A" else seeds_b), WAREHOUSE_DIR=str(wh))
            files, runs_ = _files(wh, fs), _runs(_home_for(env, work), fs)
            good_files, good_runs = files == own[name], runs_ == runs[name]
            ok &= good_files and good_runs
            parts.append(f"{name}: rows of {_short(files)}{'' if good_files else ' (WRONG)'}, "
                         f"{runs_} run(s) in its instance{'' if good_runs else ' (WRONG)'}")
        out.append(fs.Outcome(label, expected, "; ".join(parts), ok))

    env_a = _env(SEEDS_DIR=str(seeds_a), WAREHOUSE_DIR=str(work / "wh-a"))
    env_b = _env(SEEDS_DIR=str(seeds_b), WAREHOUSE_DIR=str(work / "wh-b"))
    codes = []
    for name, e in (("A", env_a), ("B", env_b), ("A again", env_a)):
        code, text = _run(e, work)
        codes.append((name, code, text))
    judge("two warehouses, one checkout, one after the other", {"A": work / "wh-a", "B": work / "wh-b"}, codes,
          "A, B, A all exit 0; each has only its own files' rows and its own instance its runs (A 2, B 1)",
          {"A": 2, "B": 1})

    env_a2 = _env(SEEDS_DIR=str(seeds_a), WAREHOUSE_DIR=str(work / "wh-a2"))
    env_b2 = _env(SEEDS_DIR=str(seeds_b), WAREHOUSE_DIR=str(work / "wh-b2"))
    (ca, ta), (cb, tb) = _run_together([env_a2, env_b2], work)
    judge("two warehouses, one checkout, at the same time", {"A": work / "wh-a2", "B": work / "wh-b2"},
          [("A", ca, ta), ("B", cb, tb)],
          "both exit 0; each has only its own files' rows and its own instance its run",
          {"A": 1, "B": 1})

    # one DAGSTER_HOME forced on both: fixed shards, nothing of one warehouse can be deleted by the other
    shared = work / "shared-home"
    shared.mkdir()
    (shared / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    env_a3 = _env(SEEDS_DIR=str(seeds_a), WAREHOUSE_DIR=str(work / "wh-a3"), DAGSTER_HOME=str(shared))
    env_b3 = _env(SEEDS_DIR=str(seeds_b), WAREHOUSE_DIR=str(work / "wh-b3"), DAGSTER_HOME=str(shared))
    code_a, text_a = _run(env_a3, work)
    code_b, text_b = _run(env_b3, work)
    runs_ = _runs(str(shared), fs)
    files_a, files_b = _files(work / "wh-a3", fs), _files(work / "wh-b3", fs)
    ok = code_a == 0 and code_b == 0 and runs_ == 2 and files_a == own["A"] and files_b == own["B"]
    observed = (f"A exit {code_a}, rows of {_short(files_a)}; B exit {code_b}"
                + ("" if code_b == 0 else f" ({fs._clip(_reason(text_b), 110)})")
                + f", rows of {_short(files_b)}; the shared instance has {runs_} successful run(s)")
    out.append(fs.Outcome("two warehouses forced onto one explicit DAGSTER_HOME",
                          "both exit 0, each with only its own files' rows; the shared instance records both runs",
                          observed, ok))
    return out


# ====================================================================== (b) relative paths

def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _relative_paths(work: Path, fs) -> list:
    data = work / "data"
    (data / "seeds").mkdir(parents=True)
    shutil.copy(fs.seed_pages()[0], data / "seeds" / "only-here.txt")
    watched = {name: _listing(PROJECT / name) for name in ("warehouse", "seeds")}
    strays = [PROJECT / "wh", PROJECT / "dh"]
    before = [p for p in strays if p.exists()]
    db = PROJECT / "warehouse" / "warehouse.duckdb"
    mtime = db.stat().st_mtime_ns if db.exists() else None

    def project_untouched() -> tuple[bool, str]:
        new = [p.name + "/" for p in strays if p.exists() and p not in before]
        changed = [f"{name}/ entries" for name, names in watched.items() if _listing(PROJECT / name) != names]
        note = "" if mtime is None or (db.exists() and db.stat().st_mtime_ns == mtime) else \
            " (project warehouse.duckdb mtime changed: another run of the project's own warehouse?)"
        if new or changed:
            return False, f"project CHANGED: {', '.join(new + changed)}{note}"
        return True, f"project: no wh/ or dh/, warehouse/ and seeds/ entries unchanged{note}"

    out = []
    code, text = _run(_env(SEEDS_DIR="seeds", WAREHOUSE_DIR="wh"), data)
    files = _files(data / "wh", fs)
    own_home = data / "wh" / ".dagster_home"
    recorded = (own_home / "history" / "runs.db").exists()
    clean, note = project_untouched()
    ok = code == 0 and files == ["only-here.txt"] and recorded and clean
    out.append(fs.Outcome(
        "cd data && SEEDS_DIR=seeds WAREHOUSE_DIR=wh run.sh",
        "reads data/seeds, writes data/wh (run history in data/wh/.dagster_home); project untouched",
        f"exit {code}" + ("" if code == 0 else f" ({fs._clip(_reason(text), 80)})")
        + f"; data/wh rows of {files}; data/wh/.dagster_home {'has the run' if recorded else 'MISSING'}; {note}",
        ok))

    code, text = _run(_env(SEEDS_DIR="seeds", WAREHOUSE_DIR="wh", DAGSTER_HOME="dh"), data)
    recorded = (data / "dh" / "history" / "runs.db").exists()
    clean, note = project_untouched()
    ok = code == 0 and recorded and clean
    out.append(fs.Outcome(
        "cd data && … DAGSTER_HOME=dh run.sh (relative DAGSTER_HOME)",
        "exit 0; the run is recorded in data/dh; project untouched",
        f"exit {code}" + ("" if code == 0 else f" ({fs._clip(_reason(text), 80)})")
        + f"; data/dh {'has the run' if recorded else 'MISSING'}; {note}", ok))
    return out


# ====================================================================== (c) HOME that cannot be written

STUB_UV = """#!/usr/bin/env bash
# stands in for uv: like uv, it needs a writable cache ($UV_CACHE_DIR, else $XDG_CACHE_HOME/uv or $HOME/.cache/uv)
set -u
here="$(cd "$(dirname "$0")/../.." && pwd)"
if [ "${1:-}" = "--version" ]; then echo "uv @VERSION@"; exit 0; fi
cache="${UV_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/uv}"
echo "$*|$cache" >> "$here/uv-calls.log"
mkdir -p "$cache" 2>/dev/null && touch "$cache/probe" 2>/dev/null || {
  echo "error: Failed to initialize cache at \\`$cache\\`" >&2; exit 2; }
mkdir -p "$UV_PROJECT_ENVIRONMENT/bin"
ln -sf "@PYTHON@" "$UV_PROJECT_ENVIRONMENT/bin/python"
"""


def _sandbox(work: Path) -> Path:
    """A copy of what bootstrap.sh reads, with a stub uv in .tools/ and no .venv (a stale environment)."""
    box = work / "sandbox"
    for rel in ("scripts/bootstrap.sh", "etl/config.py", "uv.lock", "pyproject.toml", ".dagster_home/dagster.yaml"):
        (box / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT / rel, box / rel)
    version = re.search(r'UV_VERSION="([^"]+)"', BOOTSTRAP.read_text()).group(1)
    uv = box / ".tools" / "bin" / "uv"
    uv.parent.mkdir(parents=True)
    uv.write_text(STUB_UV.replace("@VERSION@", version).replace("@PYTHON@", sys.executable))
    uv.chmod(uv.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return box


def _unwritable_home(work: Path, fs) -> list:
    home = work / "home-is-a-file"
    home.write_text("HOME points at a file: nothing can be created below it\n")
    out = []
    # (c1) the real run.sh with a current .venv: make sure it is current first (normal HOME)
    subprocess.run(["bash", "-c", 'source "$0" >/dev/null', str(BOOTSTRAP)], cwd=work,
                   env=_env(WAREHOUSE_DIR=str(work / "c-wh")), capture_output=True, timeout=900)
    seeds = work / "c-seeds"
    own = _seeds(seeds, fs.seed_pages()[:1])
    code, text = _run(_env(HOME=str(home), SEEDS_DIR=str(seeds), WAREHOUSE_DIR=str(work / "c-wh")), work)
    files = _files(work / "c-wh", fs)
    uv_ran = "cannot be written" in text or "Failed to initialize cache" in text
    ok = code == 0 and files == own and not uv_ran
    out.append(fs.Outcome(
        "HOME unwritable (a file), .venv current: run.sh",
        "exit 0 with the file's rows; uv not called",
        f"exit {code}" + ("" if code == 0 else f" ({fs._clip(_reason(text), 90)})")
        + f"; rows of {_short(files)}; uv {'CALLED' if uv_ran else 'not called'}", ok))

    # (c2) a stale environment: uv must run, with a cache it can write
    box = _sandbox(work)
    env = _env(HOME=str(home))
    runs = []
    for _ in range(2):
        p = subprocess.run(["bash", "-c", 'source "$0"', str(box / "scripts" / "bootstrap.sh")], cwd=work, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
        runs.append(p)
    log = box / "uv-calls.log"
    calls = log.read_text().splitlines() if log.exists() else []
    caches = sorted({c.split("|", 1)[1] for c in calls})
    ok = (all(p.returncode == 0 for p in runs) and len(calls) == 1
          and all(c.startswith(str(box / ".cache")) for c in caches))
    shown = [c.replace(str(box), "<sandbox>").replace(str(home), "$HOME") for c in caches]
    observed = (f"bootstrap exits {[p.returncode for p in runs]}; uv called {len(calls)}x with cache {shown}"
                + ("" if runs[0].returncode == 0 else f"; {fs._clip(_reason(runs[0].stdout), 80)}"))
    out.append(fs.Outcome(
        "HOME unwritable, .venv stale: bootstrap runs uv (stub)",
        "uv runs once, caching under the project's .cache/; the 2nd bootstrap skips uv", observed, ok))
    return out


def scenario(work: Path, fs) -> list:
    """Two warehouses from one checkout, relative SEEDS_DIR/WAREHOUSE_DIR/DAGSTER_HOME, an unwritable HOME (run.sh)."""
    out = []
    for name, part in (("two", _two_warehouses), ("rel", _relative_paths), ("home", _unwritable_home)):
        sub = work / name
        sub.mkdir()
        try:
            out += part(sub, fs)
        except Exception as exc:  # noqa: BLE001 - one broken part must not hide the others' rows
            out.append(fs.Outcome(f"paths ({name})", "runs", f"crashed: {type(exc).__name__}: {exc}", False))
    return out
