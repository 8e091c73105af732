"""Issue 17, faults 7 and 11: a damaged staging database, and a COMMIT that fails for lack of space.

- the staging database (derived entirely from the seeds) overwritten with garbage, cut to half its
  size, cut to 0 bytes, or beside a WAL whose entries fail their checksums used to make every later
  run fail at its first step, forever. The next run must move the damaged file (and its WAL) aside
  to ``staging/warehouse.duckdb.damaged-<UTC time>``, say so in the run log, rebuild the staging
  database from the seeds (also when that run is a one-file sensor run) and publish what a clean
  build publishes;
- a data block that fails its checksum only when read (the file opens): the run whose step reads it
  fails saying the next run rebuilds the database, nothing is published, and the next run does;
- a garbage WAL beside a good database (DuckDB ignores it) and a damaged *published* snapshot
  (publish replaces it without reading it) must not stop a run either;
- a COMMIT in the staging database that fails for lack of space (``RLIMIT_FSIZE`` while the raw
  step writes, as in ``disk_full_while_exporting``) used to surface as ``cannot rollback - no
  transaction is active``; the top error must be the space error, and the next run must complete.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

SPACE_WORDS = ("File too large", "No space left")


def _error_chain(err) -> list[str]:
    """'Type: message' of a SerializableErrorInfo and its causes, outermost first."""
    out = []
    while err is not None and len(out) < 8:
        out.append(err.message.strip())  # "module.Class: message" already, then any notes
        err = err.cause or err.context
    return out


def run_logged(seeds: Path, wh: Path, partition: str | None = None) -> tuple[object, str | None, str | None, list[str]]:
    """One warehouse_job run as tests.conftest.run_job makes it (every file, or one partition as the
    sensor does), keeping its log: (result, error chain or None, top user-code error or None, log messages)."""
    import dagster as dg

    from assets.definitions import defs
    from assets.partitions import all_shards_tags, shard_of

    run_config = {
        "resources": {"warehouse": {"config": {"seeds_dir": str(seeds), "warehouse_dir": str(wh)}}},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    with dg.instance_for_test() as instance:
        scope = {"partition_key": shard_of(partition)} if partition else {"tags": all_shards_tags()}
        result = defs.resolve_job_def("warehouse_job").execute_in_process(
            run_config=run_config, instance=instance, raise_on_error=False, **scope)
        logs = [e.user_message for e in instance.all_logs(result.run_id) if e.user_message]
    if result.success:
        return result, None, None, logs
    chains = [_error_chain(ev.event_specific_data.error) for ev in result.all_events
              if ev.event_type_value == "STEP_FAILURE" and ev.event_specific_data is not None]
    chains = [c for c in chains if c]
    if not chains:
        return result, "run failed", "run failed", logs
    # Dagster wraps the step's exception ("Error occurred while executing op …"): the top error is the
    # first one raised by the project's code
    top = next((m for m in chains[0] if "DagsterExecutionStepExecutionError" not in m.split(":")[0]), chains[0][0])
    return result, " <- ".join(" ".join(m.split()) for m in chains[0]), top.splitlines()[0], logs


def _set_aside(staging: Path) -> set[str]:
    return {p.name for p in staging.parent.glob(f"{staging.name}.damaged-*")}


def _make_wal(db: Path) -> None:
    """Leave a real WAL of several transactions beside ``db`` (a process that exits without checkpointing)."""
    code = (
        "import duckdb, os, sys\n"
        "c = duckdb.connect(sys.argv[1])\n"
        "c.execute(\"SET wal_autocheckpoint = '1GB'\")\n"
        "c.execute('PRAGMA disable_checkpoint_on_shutdown')\n"
        "c.execute('CREATE TABLE main._wal_filler (i BIGINT, s VARCHAR)')\n"
        "for k in range(12):\n"
        "    c.execute(\"INSERT INTO main._wal_filler SELECT range, repeat('w', 60) FROM range(2000)\")\n"
        "c.execute('DROP TABLE main._wal_filler')\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(db)], check=True, timeout=120)


def _damage_wal_entries(db: Path) -> str:
    wal = db.with_name(db.name + ".wal")
    _make_wal(db)
    data = wal.read_bytes()
    mid = len(data) // 3
    wal.write_bytes(data[:mid] + os.urandom(4096) + data[mid + 4096:])
    return f"WAL of {len(data)} bytes, 4 KB of garbage at byte {mid}"


def _damage_block_read_by_raw(db: Path, probe: Path) -> str:
    """Corrupt one data block of ``db`` that the raw step's first query reads while the file still
    opens (found by trying each block on a copy): damage DuckDB sees only when a step reads it."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as c:
        block = c.execute("SELECT block_size FROM pragma_database_size() WHERE database_name = current_database()"
                          ).fetchone()[0]
    data = db.read_bytes()
    for off in (b + rel for b in range(3 * 4096, len(data), block) for rel in (8, 1000)):
        probe.write_bytes(data[:off] + b"\xff" * 16 + data[off + 16:])
        try:
            c = duckdb.connect(str(probe))
        except duckdb.Error:
            continue
        try:
            c.execute("SELECT path, file_id, status, encoding, error FROM raw.source_files").fetchall()
            continue
        except duckdb.Error:
            db.write_bytes(probe.read_bytes())
            return f"16 bytes at byte {off} overwritten"
        finally:
            c.close()
            probe.unlink(missing_ok=True)
            probe.with_name(probe.name + ".wal").unlink(missing_ok=True)
    raise RuntimeError("no block of raw.source_files found that fails only when read")


def disk_full_in_raw_commit(fs, limit_bytes: int):
    """Writes past ``limit_bytes`` fail for real (EFBIG) while the raw step writes the staging database:
    the batch's COMMIT cannot write its WAL. Applied only around ``sync_source_files``."""
    import assets.raw as raw_asset

    return fs.disk_full_around(raw_asset, "sync_source_files", limit_bytes)


def scenario(work: Path, fs) -> list:
    """A damaged staging database (garbage, cut short, 0 bytes, bad WAL) or published snapshot, and a COMMIT failing for lack of space."""
    Outcome, clip = fs.Outcome, fs._clip
    setup = fs.one_page_warehouse(work, "stg", "damaged staging database")
    if isinstance(setup, Outcome):
        return [setup]
    seeds, wh, settings, pages = setup
    staging, published = settings.staging_db_path, settings.db_path
    shutil.copy(pages[1], seeds / "b.txt")  # the runs below have a new page to commit

    # what a clean build of the same seeds publishes
    ref_seeds, ref_wh = work / "ref-seeds", work / "ref-wh"
    shutil.copytree(seeds, ref_seeds)
    _, err, _, _ = run_logged(ref_seeds, ref_wh)
    if err:
        return [Outcome("damaged staging database", "-", f"reference build failed: {err}", False)]
    reference = fs.snapshot(ref_wh / "warehouse.duckdb")
    out: list = []

    def equals_clean() -> str | None:
        try:
            snap = fs.snapshot(published)
        except Exception as exc:  # noqa: BLE001 - an unreadable published file is the finding
            return f"published database unreadable: {exc}"
        diff = sorted(t for t in reference if snap.get(t) != reference[t])
        return f"published differs from a clean build in {diff}" if diff else None

    # (e) a COMMIT that fails for lack of space, then the next run
    with disk_full_in_raw_commit(fs, 8 << 10):
        _, err, top, _ = run_logged(seeds, wh)
    named = top is not None and any(w in top for w in SPACE_WORDS) and "cannot rollback" not in top
    out.append(Outcome("staging: COMMIT fails for lack of space (RLIMIT_FSIZE)",
                       "run fails; top error names the space error, not 'cannot rollback'",
                       f"run {'failed' if err else 'SUCCEEDED'}; top error: "
                       f"{clip((top or '-').replace('_duckdb.TransactionException: TransactionContext Error: ', ''), 150)}",
                       err is not None and named))
    _, err, _, _ = run_logged(seeds, wh)
    problem = err or equals_clean()
    out.append(Outcome("staging: next run after the failed COMMIT", "completes; equals a clean build",
                       problem or "completed; published = clean build", problem is None))

    def damaged(name: str, damage, partition: str | None = None, expect_aside: bool = True,
                target: Path = staging) -> None:
        before = _set_aside(staging)
        # each case starts from a good staging database (a clean build's), whatever the last case left
        for f in (staging, staging.with_name(staging.name + ".wal")):
            f.unlink(missing_ok=True)
        shutil.copyfile(ref_wh / "staging" / staging.name, staging)
        try:
            how = damage(target)
        except Exception as exc:  # noqa: BLE001
            out.append(Outcome(name, "-", f"could not damage the file: {type(exc).__name__}: {exc}", False))
            return
        result, err, top, logs = run_logged(seeds, wh, partition)
        new = sorted(_set_aside(staging) - before)
        told = [m for m in logs if "damaged" in m and any(n in m for n in new)]
        pending = sorted(p.name for p in staging.parent.glob("*") if p.name.endswith((".rebuilding", ".damage-found")))
        problem = (f"run failed: {top}" if err else None) or equals_clean()
        if problem is None and expect_aside:
            if not any(n.endswith(tuple("0123456789Z")) for n in new):
                problem = f"no damaged copy kept aside (staging/ holds {sorted(p.name for p in staging.parent.iterdir())})"
            elif not told:
                problem = "the run log does not say the database was set aside"
        if problem is None and not expect_aside and new:
            problem = f"a readable database was set aside: {new}"
        if problem is None and pending:
            problem = f"rebuild marker left behind: {pending}"
        scope = f"one-file run ({partition})" if partition else "run"
        aside = next((n for n in new if n.endswith(tuple("0123456789Z"))), None)
        observed = ((f"{scope} completed, = clean build; " + (f"kept {aside} (+{'/'.join(n[len(aside):] for n in new if n != aside)}), logged; " if aside else
                                                              "nothing set aside; ") + how)
                    if problem is None else f"{clip(problem, 400)}; {how}")
        out.append(Outcome(name, ("next run rebuilds staging: = clean build; damaged file kept aside, logged"
                                  if expect_aside else "next run completes: = clean build; nothing set aside"),
                           observed, problem is None))

    def garbage(p: Path) -> str:
        n = p.stat().st_size
        p.write_bytes(os.urandom(n))
        return f"{n} bytes of garbage"

    def half(p: Path) -> str:
        n = p.stat().st_size
        os.truncate(p, n // 2)
        return f"cut from {n} to {n // 2} bytes"

    def zero(p: Path) -> str:
        os.truncate(p, 0)
        return "cut to 0 bytes"

    def garbage_wal(p: Path) -> str:
        p.with_name(p.name + ".wal").write_bytes(os.urandom(64 << 10))
        return "64 KB garbage .wal beside a good database"

    def garbage_published(p: Path) -> str:
        garbage(p)
        p.with_name(p.name + ".wal").write_bytes(os.urandom(4096))
        return "published file and a .wal beside it overwritten with garbage"

    # a block the raw step reads fails its checksum: the file opens, a query fails; that run fails saying
    # so (nothing published), and the next run sets the file aside and rebuilds it
    before = _set_aside(staging)
    for f in (staging, staging.with_name(staging.name + ".wal")):
        f.unlink(missing_ok=True)
    shutil.copyfile(ref_wh / "staging" / staging.name, staging)
    published_before = hashlib.sha256(published.read_bytes()).hexdigest()
    try:
        how = _damage_block_read_by_raw(staging, work / "probe.duckdb")
    except Exception as exc:  # noqa: BLE001
        how = f"NOT DAMAGED ({type(exc).__name__}: {exc})"
    _, err, top, _ = run_logged(seeds, wh)
    kept = hashlib.sha256(published.read_bytes()).hexdigest() == published_before
    said = top is not None and "Corrupt database file" in top and "next run moves it aside" in (err or "")
    out.append(Outcome("staging: a block read by the raw step fails its checksum",
                       "that run fails naming the damage; published unchanged",
                       f"run {'failed' if err else 'SUCCEEDED'}, published {'unchanged' if kept else 'CHANGED'}, "
                       f"{'says the next run rebuilds it' if said else 'does NOT say what happens next'}: "
                       f"{clip((top or '-').replace('_duckdb.IOException: IO Error: ', ''), 110)}; {how}",
                       err is not None and said and kept))
    _, err, top, logs = run_logged(seeds, wh)
    new = sorted(_set_aside(staging) - before)
    told = [m for m in logs if "damaged" in m and any(n in m for n in new)]
    problem = (f"run failed: {top}" if err else None) or equals_clean() or (
        None if new and told else f"damaged copy kept: {new}; logged: {bool(told)}")
    out.append(Outcome("staging: the run after the failed checksum",
                       "rebuilds staging from the seeds; equals a clean build; damaged file kept aside",
                       problem or f"completed, = clean build; kept {new[0]} (+.txt), logged", problem is None))

    damaged("staging: overwritten with garbage, then a one-file (sensor) run", garbage, partition="a.txt")
    damaged("staging: truncated to half its size", half)
    damaged("staging: truncated to 0 bytes", zero)
    damaged("staging: WAL entries fail their checksums", _damage_wal_entries)
    damaged("staging: garbage .wal beside a good database", garbage_wal, expect_aside=False)
    damaged("published snapshot overwritten with garbage", garbage_published, expect_aside=False, target=published)
    return out
