"""Fault group ``orphans``: SIGKILL the real command while a process pool is up; no process of the run may survive.

The SIGKILL group kills runs of 1-3 pages, where no pool exists. Here the
seed folder has enough pages (and articles) that the cleaned build and the
facts build each start their process pool (``etl.clean.PARALLEL_MIN_PAGES``,
``etl.model.PARALLEL_MIN_ARTICLES``). The run is the real command,
``python -m assets.cli`` (what scripts/run.sh execs), as a fresh process; its
process tree is watched through /proc, and the run's top process is
SIGKILLed while the wanted pool's workers are alive. Every process that was
part of the run (every descendant seen, and every process whose environment
names the run's WAREHOUSE_DIR) must be gone within a few seconds. Survivors
are killed by the scenario (they are its own runs) so a failing row leaves
nothing behind. On DuckLake (multiprocess executor: ``--range`` runs, a
forkserver, step processes, their pools) the same is checked for the whole
tree. After the kills a normal run must complete.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

N_PAGES = 100         # ≥ 48 pages (cleaned pool; 2 × 48 for DuckLake's two runs), ≥ 400 articles (facts pool)
SURVIVE_WAIT = 5.0    # seconds a killed run's processes get to go away
POOL_WAIT = 600.0     # seconds to wait for the wanted pool before giving up
FULL_POOL = min(2, os.cpu_count() or 1)  # kill once this many workers are up (the runs use every core)


# ---------------------------------------------------------------- /proc

def _stat(pid: int) -> tuple[int, int] | None:
    """(ppid, start time in clock ticks) of ``pid``, or None when it is gone (zombies count as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return None
    fields = data[data.rindex(b")") + 2:].split()
    if fields[0] == b"Z":
        return None
    return int(fields[1]), int(fields[19])


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(d) for d in os.listdir("/proc") if d.isdigit()]


def _tree(root: int) -> dict[int, tuple[int, int]]:
    """pid → (ppid, start) of ``root`` and all its live descendants."""
    stats = {}
    for pid in _all_pids():
        s = _stat(pid)
        if s is not None:
            stats[pid] = s
    if root not in stats:
        return {}
    out = {root: stats[root]}
    grew = True
    while grew:
        grew = False
        for pid, (ppid, start) in stats.items():
            if pid not in out and ppid in out:
                out[pid] = (ppid, start)
                grew = True
    return out


def _alive(procs: dict[int, int]) -> dict[int, int]:
    """The (pid → start) entries that are still the same running process."""
    out = {}
    for pid, start in procs.items():
        s = _stat(pid)
        if s is not None and s[1] == start:
            out[pid] = start
    return out


class _Watch:
    """Everything that ever was a descendant of the run's top process, with its command line."""

    def __init__(self, root: int):
        self.root = root
        self.seen: dict[int, int] = {}        # pid → start time
        self.cmd: dict[int, str] = {}
        self.parent: dict[int, int] = {}

    def poll(self) -> dict[int, tuple[int, int]]:
        tree = _tree(self.root)
        for pid, (ppid, start) in tree.items():
            if self.seen.get(pid) != start:
                self.seen[pid] = start
                self.cmd[pid] = _cmdline(pid)
                self.parent[pid] = ppid
        return tree

    def pool_workers(self, tree: dict[int, tuple[int, int]], depth: int) -> set[int]:
        """Live processes that are forks of a fork … (``depth`` generations) of one command line:
        pool workers (embedded: a fork of the run, depth 1; DuckLake: a fork of a step process that
        is a fork of the forkserver, depth 2)."""
        out = set()
        for pid in tree:
            cmd, p, ok = self.cmd.get(pid), pid, True
            for _ in range(depth):
                p = tree.get(p, (None, None))[0]
                if p is None or p == self.root and depth > 1 or self.cmd.get(p) != cmd:
                    ok = False
                    break
            if ok and pid != self.root:
                out.add(pid)
        return out


def _describe(pids, watch: _Watch) -> str:
    """"2 assets.cli, 1 forkserver (pids …)": what survived, by command."""
    from collections import Counter

    kinds = Counter(_short(watch.cmd.get(p) or _cmdline(p)) for p in pids)
    return ", ".join(f"{n} {k}" for k, n in kinds.most_common()) + f" (pids {', '.join(map(str, sorted(pids)))})"


def _short(cmd: str) -> str:
    for key in ("assets.cli", "forkserver", "resource_tracker", "watch_orphans", "tail"):
        if key in cmd:
            return key
    return cmd[:40]


# ---------------------------------------------------------------- one kill

def _kill_at_pool(fs, label: str, e: dict, args: list[str], wh: Path, log: Path, generation: int,
                  depth: int):
    """Start the command, SIGKILL it while pool ``generation`` (1 = the first pool of the run) is up,
    and return an Outcome: did every process of the run go away within SURVIVE_WAIT seconds?"""
    expected = f"every process of the run gone ≤ {SURVIVE_WAIT:.0f}s after the kill"
    started = time.monotonic()
    with log.open("w") as out:
        proc = subprocess.Popen([fs.PYTHON, "-m", "assets.cli", *args], cwd=fs.PROJECT, env=e,
                                stdout=out, stderr=subprocess.STDOUT)
    watch = _Watch(proc.pid)
    gen, current, workers = 0, set(), set()
    try:
        while True:
            tree = watch.poll()
            if proc.poll() is not None:
                tail = log.read_text(errors="replace")[-300:]
                return fs.Outcome(label, expected, f"the run ended (exit {proc.returncode}) before pool {generation} "
                                  f"was seen (saw {gen}): {fs._clip(tail, 120)}", False)
            now = watch.pool_workers(tree, depth)
            if now and not (now & current):
                gen += 1        # workers none of which belong to the pool seen before: a new pool
            if now:
                current = now
            if gen >= generation and len(now) >= FULL_POOL:
                workers = now
                break
            if time.monotonic() - started > POOL_WAIT:
                proc.kill()
                return fs.Outcome(label, expected, f"pool {generation} not seen within {POOL_WAIT:.0f}s", False)
            time.sleep(0.05)
        tree = watch.poll()                      # the last look before the kill
        run = {pid: watch.seen[pid] for pid in tree}
        proc.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        proc.wait()
        secs = killed_at - started
        # everything of the run except the top process (it is gone: we reaped it)
        others = {pid: s for pid, s in run.items() if pid != proc.pid}
        deadline = killed_at + SURVIVE_WAIT
        while True:
            left = _alive(others)
            if not left or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        gone_in = time.monotonic() - killed_at
        # and anything else still running with the run's WAREHOUSE_DIR (forked after the last look)
        by_env = [p for p in fs._leftover_processes(wh, wait=max(0.5, deadline - time.monotonic()))
                  if p not in left]
        context = f"killed {secs:.0f}s in, {len(workers)} worker(s) of pool {generation} up"
        if left or by_env:
            observed = (f"{len(left)} of {len(others)} processes under the run SURVIVED {SURVIVE_WAIT:.0f}s: "
                        f"{_describe(left, watch)}" + (f"; others with its WAREHOUSE_DIR: {by_env}" if by_env else "")
                        + f"; {context}")
        else:
            observed = f"all {len(others)} processes under the run gone in {gone_in:.1f}s; {context}"
        return fs.Outcome(label, expected, observed, not left and not by_env)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        _cleanup(fs, watch, wh)


def _cleanup(fs, watch: _Watch, wh: Path) -> None:
    """SIGKILL whatever the killed run left (the scenario's own processes), so a FAIL leaves nothing behind."""
    for _ in range(3):
        left = set(_alive(watch.seen)) | set(fs._leftover_processes(wh, wait=0.0))
        left.discard(os.getpid())
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.3)


# ---------------------------------------------------------------- the group

def _write_pages(seeds: Path, n: int) -> None:
    from etl.corpus import pages

    for rel, text in pages(n):
        target = seeds / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(text.encode("utf-8"))


def _counts(fs, db: Path) -> tuple[int, int, int]:
    return fs.db_rows(db, "SELECT (SELECT count(*) FROM cleaned.pages), (SELECT count(*) FROM cleaned.articles), "
                          "(SELECT count(*) FROM modeled.fact_articles)")[0]


def _lake_available() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(m) is not None
               for m in ("duckdb_extension_ducklake", "duckdb_extension_sqlite_scanner"))


def scenario(work: Path, fs) -> list:
    """SIGKILL the real command while its cleaned / facts process pool is up: no process of the run may survive."""
    if not Path("/proc/self/stat").exists():
        return [fs.Outcome("orphans: process pools", "-", "skipped: needs /proc (Linux)", True)]
    seeds, wh, home = work / "orph-seeds", work / "orph-wh", work / "orph-home"
    for d in (seeds, home):
        d.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    _write_pages(seeds, N_PAGES)
    e = fs.cli_env(seeds, wh, home)
    e.pop("WAREHOUSE_BACKEND", None)
    out = [
        # a fresh warehouse: raw has no pool, so the run's first pool is the cleaned build's
        _kill_at_pool(fs, f"SIGKILL python -m assets.cli while the cleaned pool is up ({N_PAGES} new pages)",
                      e, [], wh, work / "run-1-cleaned.log", 1, 1),
        # --full-refresh re-parses every page (cleaned pool) and re-derives every article: the second pool is facts
        _kill_at_pool(fs, "SIGKILL python -m assets.cli --full-refresh while the facts pool is up",
                      e, ["--full-refresh"], wh, work / "run-2-facts.log", 2, 1),
    ]
    started = time.monotonic()
    run = subprocess.run([fs.PYTHON, "-m", "assets.cli"], cwd=fs.PROJECT, env=e, capture_output=True, text=True,
                         timeout=900)
    secs = time.monotonic() - started
    left = fs._leftover_processes(wh, wait=SURVIVE_WAIT)
    db = wh / "warehouse.duckdb"
    if run.returncode == 0 and db.exists():
        pages, articles, facts = _counts(fs, db)
        ok = pages == N_PAGES and articles > 0 and facts == articles and not left
        observed = (f"exit 0 after {secs:.0f}s; {pages} pages, {articles} articles, {facts} fact rows"
                    + (f"; processes left {left}" if left else ""))
    else:
        tail = fs._clip((run.stdout + run.stderr)[-400:], 160)
        ok, observed = False, f"exit {run.returncode} after {secs:.0f}s: {tail}"
    out.append(fs.Outcome("orphans: the next run completes", f"exit 0; all {N_PAGES} pages and their facts",
                          observed, ok))

    if _lake_available():
        lake_wh, lake_home = work / "lake-wh", work / "lake-home"
        lake_home.mkdir()
        (lake_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        le = fs.cli_env(seeds, lake_wh, lake_home)
        le.update(WAREHOUSE_BACKEND="ducklake", DUCKLAKE_CATALOG=f"sqlite:{work / 'lake-catalog.sqlite'}",
                  DUCKLAKE_DATA_PATH=str(work / "lake-data"), LAKE_RUNS="2", LAKE_MAX_CONCURRENT="2")
        out.append(_kill_at_pool(fs, "SIGKILL python -m assets.cli on DuckLake (--runs 2, step processes) "
                                 "while a cleaned pool is up", le, [], lake_wh, work / "run-3-lake.log", 1, 2))
    shutil.rmtree(seeds, ignore_errors=True)
    return out
