"""Analyst views (schema ``marts``) and Parquet exports for BI tools.

Views: ``etl/sql/marts.sql`` holds the DDL and the comments of every view;
`etl.warehouse.ensure_schema` (re)creates them. They are plain views, so they cost
nothing to rebuild and are as fresh as the tables they read.

Exports (layout, types and manifest are documented in docs/analyst-guide.md):

- every modeled table as one flat file ``exports/<table>.parquet`` and every
  marts view as ``exports/marts/<view>.parquet``;
- the big date-bearing relations (:data:`HIVE_PARTITIONED`) also as Hive
  datasets ``exports/hive/<name>/year=YYYY/month=M/part-0.parquet`` that query
  engines prune by year/month; facts with an unknown date (date_key -1) land in
  ``year=__HIVE_DEFAULT_PARTITION__/month=__HIVE_DEFAULT_PARTITION__``, which
  Hive-aware readers (DuckDB, pyarrow, Spark, Trino) read back as NULL;
- explicit BI-friendly types (:func:`export_type`): every ``*_key`` BIGINT,
  counts INTEGER/BIGINT, values DOUBLE, dates DATE, strings UTF-8; no list,
  map or struct columns (the marts views carry '/'-joined strings instead);
- columns in the warehouse's column order, rows ordered by the key,
  zstd-compressed;
- ``_manifest.json``: schema version, build time, and per export its file(s),
  row count, columns with types, key columns and a checksum of the keys.

Atomicity: everything is written into ``exports/.staging-<pid>/`` first and
checked (row count and key checksum against the warehouse). Only when every
export is complete are they moved into place: files by ``os.replace`` (atomic),
Hive directories by an atomic directory exchange (Linux ``renameat2``; two
renames elsewhere), then the manifest. If anything fails before that, the
previous exports stay untouched.
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from etl.config import PIPELINE_VERSION
from etl.warehouse import MODELED_TABLES, marts_sql, transaction

SCHEMA_VERSION = 2
MANIFEST = "_manifest.json"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
NULL_TOKEN = "\u2205"  # how a NULL key is rendered in the key checksum

MARTS_VIEWS = [
    "district_ancestors",
    "metrics_by_district_month",
    "articles_by_district_month",
    "articles_by_outlet_day",
    "top_keywords_by_district_month",
    "articles_wide",
    "metrics_wide",
]

# Key columns: rows are written in this order and the manifest checksums them.
KEYS: dict[str, list[str]] = {
    "dim_date": ["date_key"],
    "dim_outlet": ["outlet_key"],
    "dim_district": ["district_key"],
    "fact_articles": ["article_id"],
    "fact_metrics": ["metric_id"],
    "article_districts": ["article_id", "district_key"],
    "article_outlets": ["article_id", "position"],
    "article_keywords": ["article_id", "rank"],
    "district_ancestors": ["descendant_key", "ancestor_key"],
    "metrics_by_district_month": ["year", "month", "district_key", "unit_kind", "base_unit"],
    "articles_by_district_month": ["year", "month", "district_key"],
    "articles_by_outlet_day": ["date_key", "outlet_key"],
    "top_keywords_by_district_month": ["year", "month", "district_key", "keyword"],
    "articles_wide": ["article_id"],
    "metrics_wide": ["metric_id"],
}
HIVE_PARTITIONED = {"fact_articles", "fact_metrics", "articles_wide", "metrics_wide"}
PARTITION_BY = ["year", "month"]

# DuckDB type → type in the Parquet exports. Anything else fails the export,
# so a new column type is a decision, not an accident.
_TYPE_MAP = {
    "BOOLEAN": "BOOLEAN",
    "TINYINT": "INTEGER", "SMALLINT": "INTEGER", "INTEGER": "INTEGER",
    "UTINYINT": "INTEGER", "USMALLINT": "INTEGER",
    "UINTEGER": "BIGINT", "BIGINT": "BIGINT", "HUGEINT": "BIGINT", "UBIGINT": "BIGINT",
    "FLOAT": "DOUBLE", "DOUBLE": "DOUBLE",
    "DATE": "DATE",
    "TIMESTAMP": "TIMESTAMP", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP",
    "VARCHAR": "VARCHAR",
}


# ------------------------------------------------------------------ marts views

def apply_marts(conn: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the marts views and their comments in one transaction (atomic, ~50 ms; as
    separate autocommits the ~200 statements would take ~0.4 s)."""
    with transaction(conn):
        conn.execute(marts_sql())


# ------------------------------------------------------------------ types and SQL

def export_type(column: str, duckdb_type: str) -> str:
    """The type a column gets in the exports: keys BIGINT, values DOUBLE, no nested types."""
    t = duckdb_type.upper()
    if t.startswith("DECIMAL"):
        return "DOUBLE"
    if t not in _TYPE_MAP:
        raise ValueError(f"column {column} has type {duckdb_type}, which the exports do not carry "
                         "(lists/maps/structs need a flat alternative in a marts view)")
    out = _TYPE_MAP[t]
    if column.endswith("_key") and out in ("INTEGER", "BIGINT"):
        return "BIGINT"
    return out


def relation_columns(conn: duckdb.DuckDBPyConnection, schema: str, name: str) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ? "
        "ORDER BY column_index", [schema, name]).fetchall()
    if not rows:
        raise LookupError(f"{schema}.{name} does not exist in the warehouse")
    return rows


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def export_select(conn: duckdb.DuckDBPyConnection, schema: str, name: str, hive: bool = False) -> str:
    """SELECT with explicit casts, in warehouse column order, ordered by the key.

    ``hive=True`` adds the partition columns year and month: a relation that
    has them already keeps them (NULL when the date is unknown); otherwise they
    are derived from date_key (-1 → NULL).
    """
    cols = relation_columns(conn, schema, name)
    exprs = [f"CAST({_q(c)} AS {export_type(c, t)}) AS {_q(c)}" for c, t in cols]
    names = {c for c, _ in cols}
    if hive and not {"year", "month"} <= names:
        if "date_key" not in names:
            raise ValueError(f"{schema}.{name} has neither year/month nor date_key to partition by")
        exprs += ["CAST(CASE WHEN date_key > 0 THEN date_key // 10000 END AS INTEGER) AS year",
                  "CAST(CASE WHEN date_key > 0 THEN date_key // 100 % 100 END AS INTEGER) AS month"]
    order = ", ".join(_q(k) for k in KEYS[name])
    return f"SELECT {', '.join(exprs)} FROM {schema}.{name} ORDER BY {order}"


def key_checksum(conn: duckdb.DuckDBPyConnection, relation: str, keys: list[str]) -> tuple[int, str]:
    """(rows, sha256 of the sorted, newline-joined '|'-joined key values; NULL rendered as ∅).

    ``relation`` is anything after FROM: a table, a view or ``read_parquet(...)``.
    :func:`python_key_checksum` computes the same value from Python rows.
    """
    parts = ", ".join(f"coalesce(CAST({_q(k)} AS VARCHAR), '{NULL_TOKEN}')" for k in keys)
    rows, digest = conn.execute(
        f"SELECT count(*), sha256(coalesce(string_agg(k, chr(10) ORDER BY k), '')) "
        f"FROM (SELECT concat_ws('|', {parts}) AS k FROM {relation})").fetchone()
    return rows, digest


def python_key_checksum(rows) -> str:
    """The :func:`key_checksum` digest of an iterable of key tuples (e.g. from pyarrow)."""
    keys = sorted("|".join(NULL_TOKEN if v is None else str(v) for v in r) for r in rows)
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()


def _parquet(path: Path, hive: bool = False) -> str:
    if hive:
        return f"read_parquet('{(path / '**' / '*.parquet').as_posix()}', hive_partitioning = true)"
    return f"read_parquet('{path.as_posix()}')"


# ------------------------------------------------------------------ writing

def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(exports_dir: Path) -> None:
    """Staging folders and temp files left by killed exports (their process is gone)."""
    for p in list(exports_dir.glob(".staging-*")) + list(exports_dir.glob(".*.tmp-*")):
        try:
            pid = int(p.name.rsplit("-", 1)[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and pid_alive(pid):
            continue
        if p.is_dir():
            _replay_journal(p / ".undo.jsonl")  # a run killed half way through installing: put the old set back
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)


def _copy(conn: duckdb.DuckDBPyConnection, select: str, target: Path, partition: bool) -> None:
    opts = "FORMAT parquet, COMPRESSION zstd"
    if partition:
        opts += ", PARTITION_BY (year, month), FILENAME_PATTERN 'part-{i}'"
    conn.execute(f"COPY ({select}) TO '{target.as_posix()}' ({opts})")


def _stage(conn: duckdb.DuckDBPyConnection, schema: str, name: str, staging: Path) -> dict:
    rel_file = f"{name}.parquet" if schema == "modeled" else f"marts/{name}.parquet"
    flat = staging / rel_file
    flat.parent.mkdir(parents=True, exist_ok=True)
    _copy(conn, export_select(conn, schema, name), flat, partition=False)
    keys = KEYS[name]
    expected = key_checksum(conn, f"{schema}.{name}", keys)
    got = key_checksum(conn, _parquet(flat), keys)
    if got != expected:
        raise RuntimeError(f"export of {schema}.{name} does not match the warehouse: {got} != {expected}")
    cols = conn.execute(f"DESCRIBE SELECT * FROM {_parquet(flat)}").fetchall()
    entry = {
        "table": name,
        "schema": schema,
        "file": rel_file,
        "rows": expected[0],
        "bytes": flat.stat().st_size,
        "columns": [{"name": c[0], "type": c[1]} for c in cols],
        "key_columns": keys,
        "key_checksum": expected[1],
    }
    if name in HIVE_PARTITIONED:
        rel_dir = f"hive/{name}"
        target = staging / rel_dir
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy(conn, export_select(conn, schema, name, hive=True), target, partition=True)
        target.mkdir(exist_ok=True)  # an empty table writes no partition at all
        parts = []
        if expected[0]:
            got = key_checksum(conn, _parquet(target, hive=True), keys)
            if got != expected:
                raise RuntimeError(f"Hive export of {schema}.{name} does not match the warehouse: {got} != {expected}")
            parts = conn.execute(
                f"SELECT year, month, count(*) FROM {_parquet(target, hive=True)} GROUP BY ALL "
                "ORDER BY year NULLS LAST, month NULLS LAST").fetchall()
        files = sorted(p for p in target.rglob("*.parquet"))
        entry["hive"] = {
            "path": rel_dir,
            "partition_by": PARTITION_BY,
            "null_partition": NULL_PARTITION,
            "files": len(files),
            "bytes": sum(p.stat().st_size for p in files),
            "partitions": [
                {"year": y, "month": m, "rows": n,
                 "path": f"{rel_dir}/year={NULL_PARTITION if y is None else y}/month={NULL_PARTITION if m is None else m}"}
                for y, m, n in parts
            ],
        }
    return entry


def _exchange_dirs(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0


def _replace_dir(new: Path, final: Path, trash: Path, undo: list) -> None:
    """Swap ``new`` in as ``final``; the previous folder is kept (for rollback) until the caller commits."""
    final.parent.mkdir(parents=True, exist_ok=True)
    if not final.exists():
        os.rename(new, final)
        undo.append(("rmtree", final, None))
        return
    if _exchange_dirs(new, final):
        undo.append(("exchange", new, final))  # `new` now holds the previous export
        return
    os.rename(final, trash)  # fallback: a reader may find the folder missing for an instant
    undo.append(("rename", trash, final))
    os.rename(new, final)
    undo.append(("rmtree", final, None))


class _Journal(list):
    """The undo log of an install, also appended (fsync'd) to ``staging/.undo.jsonl``.

    Each entry is written before the move it undoes, so a run killed between
    two moves leaves a journal that the next export replays (see
    :func:`_remove_stale`): the previous set comes back. A final ``commit`` line
    marks a complete install that must not be undone.
    """

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.fh = open(path, "a", encoding="utf-8")

    def _write(self, row: list) -> None:
        self.fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def append(self, entry) -> None:
        action, a, b = entry
        self._write([action, str(a) if a else None, str(b) if b else None])
        super().append(entry)

    def commit(self) -> None:
        self._write(["commit", None, None])
        self.fh.close()

    def close(self) -> None:
        if not self.fh.closed:
            self.fh.close()


def _replay_journal(journal: Path) -> bool:
    """Undo an install that a killed run left half done; True when something was rolled back."""
    try:
        rows = [json.loads(line) for line in journal.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, ValueError):
        return False
    if not rows or rows[-1][0] == "commit":
        return False
    _rollback([(a, Path(x) if x else None, Path(y) if y else None) for a, x, y in rows])
    return True


def _install(staging: Path, exports_dir: Path, entries: list[dict], undo: list | None = None) -> list:
    """Move every staged export into place, all or nothing.

    An existing file is first hard-linked into ``staging/.previous`` (so no
    reader ever finds it missing), then the new one is renamed over it. If any
    move fails (a permission error half way, say), everything already moved is
    put back and the error is raised: the previous exports stay a consistent set.
    Returns the undo log; the caller discards it (with the staging folder) on success.
    """
    previous = staging / ".previous"
    owned = undo is None  # a caller that passes its own log rolls it back itself (never twice)
    undo = [] if undo is None else undo
    try:
        for e in entries:
            final = exports_dir / e["file"]
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                keep = previous / e["file"]
                keep.parent.mkdir(parents=True, exist_ok=True)
                os.link(final, keep)
                undo.append(("replace", keep, final))
            else:
                undo.append(("unlink", final, None))
            os.replace(staging / e["file"], final)
            if "hive" in e:
                rel = e["hive"]["path"]
                _replace_dir(staging / rel, exports_dir / rel, staging / f".old-{e['table']}", undo)
    except BaseException:
        if owned:
            _rollback(undo)
        raise
    return undo


def _rollback(undo: list) -> None:
    for action, a, b in reversed(undo):
        with contextlib.suppress(OSError):
            if action == "replace":
                os.replace(a, b)
            elif action == "unlink":
                a.unlink(missing_ok=True)
            elif action == "exchange":
                _exchange_dirs(a, b)
            elif action == "rename":
                if b.exists():
                    shutil.rmtree(b)
                os.rename(a, b)
            elif action == "rmtree":
                shutil.rmtree(a, ignore_errors=True)


def write_manifest(exports_dir: Path, tables: list[dict], marts: list[dict]) -> Path:
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "pipeline_version": PIPELINE_VERSION,
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "format": {
            "compression": "zstd",
            "strings": "UTF-8",
            "keys": "BIGINT",
            "hive_null_partition": NULL_PARTITION,
            "key_checksum": "sha256 of the sorted, newline-joined key tuples; columns '|'-joined, NULL as \u2205",
        },
        "tables": sorted(tables, key=lambda e: e["table"]),
        "marts": sorted(marts, key=lambda e: e["table"]),
    }
    path = exports_dir / MANIFEST
    tmp = exports_dir / f".{MANIFEST}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path


def export_all(conn: duckdb.DuckDBPyConnection, exports_dir: Path,
               tables: list[str] | None = None, views: list[str] | None = None) -> dict:
    """Write every export (staged, verified, then swapped in) and the manifest; return the manifest."""
    tables = MODELED_TABLES if tables is None else tables
    views = MARTS_VIEWS if views is None else views
    exports_dir = Path(exports_dir)
    exports_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale(exports_dir)
    staging = exports_dir / f".staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir()
    try:
        t_entries = [_stage(conn, "modeled", t, staging) for t in tables]
        m_entries = [_stage(conn, "marts", v, staging) for v in views]
        # every export is complete and verified: move them into place, all or nothing
        journal = _Journal(staging / ".undo.jsonl")
        try:
            _install(staging, exports_dir, t_entries + m_entries, journal)
            manifest = exports_dir / MANIFEST
            if manifest.exists():
                keep = staging / ".previous" / MANIFEST
                keep.parent.mkdir(parents=True, exist_ok=True)
                os.link(manifest, keep)
                journal.append(("replace", keep, manifest))
            else:
                journal.append(("unlink", manifest, None))
            write_manifest(exports_dir, t_entries, m_entries)
        except BaseException:
            journal.close()
            _rollback(journal)
            raise
        journal.commit()
        # exports of views/partitioned tables that no longer exist (the manifest no longer lists them)
        if views == MARTS_VIEWS:
            current = {f"{v}.parquet" for v in views}
            for stale in (exports_dir / "marts").glob("*.parquet"):
                if stale.name not in current:
                    stale.unlink()
        if tables == MODELED_TABLES and views == MARTS_VIEWS and (exports_dir / "hive").is_dir():
            for stale in (exports_dir / "hive").iterdir():
                if stale.is_dir() and stale.name not in HIVE_PARTITIONED:
                    shutil.rmtree(stale)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return read_manifest(exports_dir)


def read_manifest(exports_dir: Path) -> dict:
    return json.loads((Path(exports_dir) / MANIFEST).read_text(encoding="utf-8"))


# ------------------------------------------------------------------ reading back

def open_exports(exports_dir: str | Path = "warehouse/exports") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose ``modeled.*`` and ``marts.*`` are views over the Parquet exports.

    It never touches warehouse.duckdb, so it can stay open as long as you like;
    the README's marts queries run on it unchanged.
    """
    exports_dir = Path(exports_dir).resolve()
    manifest = read_manifest(exports_dir)
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA modeled; CREATE SCHEMA marts")
    for section in ("tables", "marts"):
        for e in manifest.get(section, []):
            path = (exports_dir / e["file"]).as_posix()
            conn.execute(f"CREATE VIEW {e['schema']}.{e['table']} AS SELECT * FROM read_parquet('{path}')")
    return conn
