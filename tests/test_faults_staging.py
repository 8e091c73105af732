"""Issue 17, faults 7 and 11: a damaged staging database is set aside and rebuilt (never one that is
merely locked), and a COMMIT that fails for lack of space is the error reported, not the ROLLBACK after it.

The end-to-end rows are scripts/fault_groups/staging.py's (one definition for the script and the
suite); the unit tests below pin the pieces: what counts as damage, locked ≠ damaged, the
set-aside, the transaction wrapper, and the publish guard of a rebuild.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from etl.backends import open_warehouse
from etl.config import Settings
from etl.publish import IncompleteRebuildError, publish_snapshot
from etl.raw import sync_source_files
from etl.warehouse import (
    DatabaseDamagedError,
    WarehouseLockedError,
    commit_batch,
    connect,
    cut_short,
    damage_found_marker,
    ensure_schema,
    held_by_another_process,
    is_damage_error,
    read_rebuild_marker,
    rebuild_marker,
    set_aside_damaged,
    transaction,
)
from tests.support.scripts import fault_scenarios

fs = fault_scenarios()

# holds a fcntl lock on the file, as DuckDB does, whatever the file holds (a damaged file cannot be opened)
HOLD_LOCK = ("import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDWR); "
             "fcntl.lockf(fd, fcntl.LOCK_EX); print('ok', flush=True); time.sleep(120)")
HOLD_DUCKDB = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ok', flush=True); time.sleep(120)"


def _hold(code: str, path: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", code, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ok"
    return proc


def _small_db(path: Path) -> None:
    with duckdb.connect(str(path)) as c:
        c.execute("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(20000)")


def _settings(tmp_path: Path) -> Settings:
    seeds = tmp_path / "seeds"
    seeds.mkdir(exist_ok=True)
    return Settings(seeds, tmp_path / "wh")


# ------------------------------------------------------------------ the scenario group

@pytest.mark.e2e
def test_staging_scenarios(tmp_path):
    outcomes = fs.GROUPS["staging"](tmp_path)
    failed = [o for o in outcomes if o.failed]
    assert not failed, "\n" + fs.format_table(failed)
    assert len(outcomes) >= 10


# ------------------------------------------------------------------ what counts as damage

def _damage(db: Path, how: str) -> None:
    size = db.stat().st_size
    if how == "garbage":
        db.write_bytes(os.urandom(size))
    else:
        os.truncate(db, {"zero": 0, "half": size // 2, "header": 100}[how])


@pytest.mark.parametrize("damage", ["garbage", "zero", "header"])
def test_damaged_file_raises_damaged_not_locked(tmp_path, damage):
    db = tmp_path / "w.duckdb"
    _small_db(db)
    _damage(db, damage)
    with pytest.raises(DatabaseDamagedError) as info:
        with connect(db, wait_seconds=0):
            pass
    assert is_damage_error(info.value.__cause__)
    assert db.exists()  # connect only reports; setting aside is open_warehouse's decision


def test_lock_error_is_not_damage(tmp_path):
    db = tmp_path / "w.duckdb"
    _small_db(db)
    holder = _hold(HOLD_DUCKDB, db)
    try:
        assert held_by_another_process(db)
        with pytest.raises(duckdb.IOException) as info:
            duckdb.connect(str(db))
        assert not is_damage_error(info.value)
        with pytest.raises(WarehouseLockedError):
            with connect(db, wait_seconds=0.3):
                pass
    finally:
        holder.kill()
        holder.wait()
    assert not held_by_another_process(db)


def test_damaged_file_held_by_another_process_is_waited_for_and_never_moved(tmp_path):
    """A file another process holds is in use (being created, say): locked, not damaged."""
    settings = replace(_settings(tmp_path), lock_wait_seconds=0.5)  # WAREHOUSE_LOCK_WAIT_SECONDS=0.5
    db = settings.staging_db_path
    db.parent.mkdir(parents=True)
    db.write_bytes(b"")  # what a database being created looks like for a moment
    holder = _hold(HOLD_LOCK, db)
    try:
        with pytest.raises(WarehouseLockedError):
            with connect(db, wait_seconds=0.3):
                pass
        with pytest.raises(WarehouseLockedError):
            with open_warehouse(settings):
                pass
        with pytest.raises(WarehouseLockedError):
            set_aside_damaged(db, "test", wait_seconds=0.2)
    finally:
        holder.kill()
        holder.wait()
    assert db.exists() and sorted(p.name for p in db.parent.iterdir()) == [db.name]
    assert read_rebuild_marker(db) is None


def test_locked_good_database_is_never_moved(tmp_path):
    settings = replace(_settings(tmp_path), lock_wait_seconds=0.3)  # WAREHOUSE_LOCK_WAIT_SECONDS=0.3
    db = settings.staging_db_path
    db.parent.mkdir(parents=True)
    _small_db(db)
    holder = _hold(HOLD_DUCKDB, db)
    try:
        with pytest.raises(WarehouseLockedError):
            with open_warehouse(settings):
                pass
    finally:
        holder.kill()
        holder.wait()
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_cut_short_is_found_on_open(tmp_path):
    db = tmp_path / "w.duckdb"
    _small_db(db)
    with duckdb.connect(str(db), read_only=True) as c:
        assert cut_short(c, db) is None
    with duckdb.connect(str(db)) as c:
        c.execute("CREATE TABLE u AS SELECT range AS i, repeat('x', 200) AS s FROM range(200000)")
    size = db.stat().st_size
    os.truncate(db, size - 300_000)
    try:
        c = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:  # the cut reached the catalog: found by DuckDB itself
        assert is_damage_error(exc)
        return
    try:
        assert "cut short" in cut_short(c, db)
    finally:
        c.close()


# ------------------------------------------------------------------ set aside and rebuild

@pytest.mark.parametrize("damage", ["garbage", "zero", "half"])
def test_open_warehouse_sets_a_damaged_staging_aside_and_rereads_the_seeds(tmp_path, damage):
    settings = _settings(tmp_path)
    (settings.seeds_dir / "a.txt").write_text("# 标题\n\n本报讯 一段正文。\n", encoding="utf-8")
    db = settings.staging_db_path
    db.parent.mkdir(parents=True)
    with connect(db) as conn:
        ensure_schema(conn)
        conn.execute("CREATE TABLE main.filler AS SELECT range AS i, md5(range::VARCHAR) AS s FROM range(200000)")
    _damage(db, damage)
    db.with_name(db.name + ".wal").write_bytes(os.urandom(1000))
    said: list[str] = []
    with open_warehouse(settings, warn=said.append) as conn:
        ensure_schema(conn)
        assert conn.execute("SELECT path FROM raw.source_files").fetchall() == [("a.txt",)]
    names = sorted(p.name for p in db.parent.iterdir())
    aside = [n for n in names if n.startswith(f"{db.name}.damaged-") and n[-1] == "Z"]
    assert len(aside) == 1, names
    assert f"{aside[0]}.wal" in names and f"{aside[0]}.txt" in names
    assert "damaged" in (db.parent / f"{aside[0]}.txt").read_text(encoding="utf-8")
    assert any(aside[0] in m and "damaged" in m for m in said)
    assert any("rebuilt" in m for m in said)
    assert read_rebuild_marker(db) == {**read_rebuild_marker(db), "seeds_reread": True}
    # a second open neither sets anything aside nor re-reads the seeds
    said.clear()
    with open_warehouse(settings, warn=said.append):
        pass
    assert said == [] and sorted(p.name for p in db.parent.iterdir()) == names


def test_read_only_open_of_a_damaged_staging_explains_and_moves_nothing(tmp_path):
    settings = _settings(tmp_path)
    db = settings.staging_db_path
    db.parent.mkdir(parents=True)
    db.write_bytes(os.urandom(20_000))
    with pytest.raises(DatabaseDamagedError, match="rebuilds it"):
        with open_warehouse(settings, read_only=True):
            pass
    assert sorted(p.name for p in db.parent.iterdir()) == [db.name]


def test_damage_found_by_a_query_is_set_aside_by_the_next_open(tmp_path):
    settings = _settings(tmp_path)
    db = settings.staging_db_path
    db.parent.mkdir(parents=True)
    with pytest.raises(duckdb.Error):
        with open_warehouse(settings):
            raise duckdb.IOException("IO Error: Corrupt database file: computed checksum 1 does not match "
                                     "stored checksum 2 in block at location 4096")
    assert damage_found_marker(db).exists()
    said: list[str] = []
    with open_warehouse(settings, warn=said.append):
        pass
    assert not damage_found_marker(db).exists()
    assert any("damaged" in m for m in said)
    assert any(p.name.startswith(f"{db.name}.damaged-") for p in db.parent.iterdir())


def test_publish_refuses_an_incomplete_rebuild_and_clears_the_marker_when_complete(tmp_path):
    settings = _settings(tmp_path)
    staging, published = settings.staging_db_path, settings.db_path
    staging.parent.mkdir(parents=True)
    published.write_bytes(b"last good snapshot")
    (settings.seeds_dir / "a.txt").write_text("# 标题\n\n本报讯 一段正文。\n", encoding="utf-8")
    with connect(staging) as conn:
        ensure_schema(conn)
        sync_source_files(conn, settings.seeds_dir)  # a page read, not yet cleaned
    rebuild_marker(staging).write_text('{"set_aside": "x.damaged-1", "seeds_reread": true}', encoding="utf-8")
    with pytest.raises(IncompleteRebuildError, match="not yet in cleaned.pages"):
        publish_snapshot(staging, published)
    assert published.read_bytes() == b"last good snapshot"
    with connect(staging) as conn:
        conn.execute("DELETE FROM raw.source_files")
    publish_snapshot(staging, published)
    assert not rebuild_marker(staging).exists()
    assert published.read_bytes() != b"last good snapshot"


def test_publish_of_a_damaged_staging_says_what_happens_next(tmp_path):
    settings = _settings(tmp_path)
    staging, published = settings.staging_db_path, settings.db_path
    staging.parent.mkdir(parents=True)
    staging.write_bytes(os.urandom(30_000))
    published.write_bytes(b"last good snapshot")
    with pytest.raises(DatabaseDamagedError, match="next run moves it aside"):
        publish_snapshot(staging, published)
    assert published.read_bytes() == b"last good snapshot"


# ------------------------------------------------------------------ fault 11: COMMIT fails, ROLLBACK after it

def test_failed_commit_is_the_error_raised_not_the_rollback(tmp_path):
    db = tmp_path / "w.duckdb"
    with connect(db) as conn:
        conn.execute("CREATE TABLE t (i INT, s VARCHAR)")
        conn.execute("CHECKPOINT")
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        old = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, hard))
        try:
            with pytest.raises(duckdb.Error) as info:
                with transaction(conn):
                    conn.execute("INSERT INTO t SELECT range, repeat('z', 100) FROM range(1000)")
                    commit_batch(conn)
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
            signal.signal(signal.SIGXFSZ, old)
        assert "File too large" in str(info.value) and "cannot rollback" not in str(info.value)
        assert any("cannot rollback" in n for n in getattr(info.value, "__notes__", []))
        # the connection is usable and the next transaction commits
        with transaction(conn):
            conn.execute("INSERT INTO t VALUES (1, 'a')")
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 1


def test_error_inside_a_transaction_still_rolls_back(tmp_path):
    with connect(tmp_path / "w.duckdb") as conn:
        conn.execute("CREATE TABLE t (i INT)")
        with pytest.raises(ValueError):
            with transaction(conn):
                conn.execute("INSERT INTO t VALUES (1)")
                raise ValueError("boom")
        assert conn.execute("SELECT count(*) FROM t").fetchone()[0] == 0
