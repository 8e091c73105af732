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

Atomicity (the versioned folder, the link swap, pruning and migration): see
:mod:`etl.export_versions`.

Order: the Dagster step (``assets/exports.py``) publishes ``warehouse.duckdb``
first and calls :func:`export_all` only once that succeeded, on the same
connection, so the ``exports`` link never points at data the published
database lacks.

Paths never appear in SQL text: targets and files are bound parameters, and
files read back are explicit, glob-escaped lists (see "paths in SQL" below),
so a WAREHOUSE_DIR with a quote, ``[1]``, ``*`` or ``?`` exports like any other.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from etl import contract
from etl.config import PIPELINE_VERSION
from etl.export_versions import (  # noqa: F401 - CURRENT_LINK, KEEP_VERSIONS, pid_alive, prune_versions: API
    CURRENT_LINK,
    KEEP_VERSIONS,
    _drop_dangling_links,
    _entry_links,
    _is_layout,
    _migrate,
    _remove_stale,
    _rm,
    _swap_link,
    _version_name,
    current_version,
    pid_alive,
    prune_versions,
    versions_root,
)
from etl.warehouse import marts_sql, transaction

SCHEMA_VERSION = 3
MANIFEST = "_manifest.json"
NULL_PARTITION = "__HIVE_DEFAULT_PARTITION__"
NULL_TOKEN = "\u2205"  # how a NULL key is rendered in the key checksum

# What is exported, from the contract (etl.contract), in DDL order. Rows are written in the order of
# their etl.contract.row_key (a table's PRIMARY KEY, a view's grain), and the manifest checksums it.
MARTS_VIEWS = list(contract.view_names("marts"))
MODELED = list(contract.table_names("modeled"))
HIVE_PARTITIONED = {"fact_articles", "fact_metrics", "articles_wide", "metrics_wide"}
PARTITION_BY = ["year", "month"]


def hive_partitioning():
    """The partitioning to give pyarrow for a Hive dataset, so that it reads year and month as the
    BIGINT (int64) they are in the flat files and in DuckDB and polars::

        pq.read_table("warehouse/exports/hive/fact_metrics", partitioning=hive_partitioning())

    A bare ``pq.read_table(folder)`` infers ``dictionary<int32>`` from the folder names, and its
    ``group_by(["year", "month"])`` fails on the unknown-date partition ("Unifying differing
    dictionaries"); that is pyarrow's default for any Hive folder, not something a file can change.
    The same as a literal: ``pyarrow.dataset.partitioning(pa.schema([("year", pa.int64()),
    ("month", pa.int64())]), flavor="hive")``.
    """
    import pyarrow as pa
    import pyarrow.dataset as ds

    return ds.partitioning(pa.schema([(c, pa.int64()) for c in PARTITION_BY]), flavor="hive")


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
    """The type a column gets in the exports: keys BIGINT, values DOUBLE, no nested types.

    ``year`` and ``month`` are BIGINT in every file, flat or Hive: it is the type DuckDB
    (``hive_types_autocast``) and polars infer for a ``year=2024`` folder, and the type
    :func:`hive_partitioning` gives pyarrow, so all three read one type everywhere.
    """
    t = duckdb_type.upper()
    if t.startswith("DECIMAL"):
        return "DOUBLE"
    if t not in _TYPE_MAP:
        raise ValueError(f"column {column} has type {duckdb_type}, which the exports do not carry "
                         "(lists/maps/structs need a flat alternative in a marts view)")
    out = _TYPE_MAP[t]
    if (column.endswith("_key") or column in PARTITION_BY) and out in ("INTEGER", "BIGINT"):
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
        exprs += ["CAST(CASE WHEN date_key > 0 THEN date_key // 10000 END AS BIGINT) AS year",
                  "CAST(CASE WHEN date_key > 0 THEN date_key // 100 % 100 END AS BIGINT) AS month"]
    order = ", ".join(_q(k) for k in contract.row_key(f"{schema}.{name}"))
    return f"SELECT {', '.join(exprs)} FROM {schema}.{name} ORDER BY {order}"


def key_checksum(conn: duckdb.DuckDBPyConnection, relation: str, keys: list[str],
                 params: list | None = None) -> tuple[int, str]:
    """(rows, sha256 of the sorted, newline-joined '|'-joined key values; NULL rendered as ∅).

    ``relation`` is anything after FROM: a table, a view or ``read_parquet(?)``
    (with its ``params``, e.g. from :func:`parquet_source`).
    :func:`python_key_checksum` computes the same value from Python rows.
    """
    parts = ", ".join(f"coalesce(CAST({_q(k)} AS VARCHAR), '{NULL_TOKEN}')" for k in keys)
    rows, digest = conn.execute(
        f"SELECT count(*), sha256(coalesce(string_agg(k, chr(10) ORDER BY k), '')) "
        f"FROM (SELECT concat_ws('|', {parts}) AS k FROM {relation})", params or []).fetchone()
    return rows, digest


def python_key_checksum(rows) -> str:
    """The :func:`key_checksum` digest of an iterable of key tuples (e.g. from pyarrow)."""
    keys = sorted("|".join(NULL_TOKEN if v is None else str(v) for v in r) for r in rows)
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ paths in SQL
#
# No path is ever pasted into SQL: WAREHOUSE_DIR may hold a quote (it would end the string
# literal) or glob syntax. DuckDB expands *, ? and [...] in every path read_parquet is given,
# a list of files included, so a folder named ``wh[1]`` would read ``wh1``'s files (or none).
# Paths go in as bound parameters (COPY … TO ?, read_parquet(?)) and the files read back are
# an explicit list, each path glob-escaped; where a literal cannot be avoided (a view's
# definition cannot hold parameters) it is quoted with :func:`sql_literal`.

def glob_escape(path: str | Path) -> str:
    """``path`` as a DuckDB glob pattern that matches only itself: ``[`` → ``[[]``, ``*`` → ``[*]``,
    ``?`` → ``[?]`` (a one-character class; DuckDB has no backslash escape)."""
    return "".join(f"[{ch}]" if ch in "[*?" else ch for ch in Path(path).as_posix())


def sql_literal(value: str) -> str:
    """A SQL string literal (single quotes doubled), for the few places that cannot bind a parameter."""
    return "'" + value.replace("'", "''") + "'"


def parquet_files(path: Path) -> list[Path]:
    """The Parquet files below ``path`` (a file, or a Hive folder read recursively), sorted."""
    path = Path(path)
    return [path] if path.is_file() else sorted(p for p in path.rglob("*.parquet") if p.is_file())


def parquet_source(path: Path, hive: bool = False) -> tuple[str, list]:
    """(``read_parquet(?…)``, its parameters) over the explicit file list of ``path``.

    Raises FileNotFoundError when there is no file to read (read_parquet of an
    empty list is a binder error, and no rows is never what the caller expected).
    """
    files = parquet_files(path)
    if not files:
        raise FileNotFoundError(f"no Parquet file in {path}")
    opts = ", hive_partitioning = true" if hive else ""
    return f"read_parquet(?{opts})", [[glob_escape(f) for f in files]]


# ------------------------------------------------------------------ writing

# Rows a PARTITION_BY write buffers before flushing to its open files (DuckDB's default, 524,288,
# would hold a whole wide table such as articles_wide in memory at 3000x and exceed memory_limit).
PARTITIONED_FLUSH_ROWS = 20_000


def _copy(conn: duckdb.DuckDBPyConnection, select: str, target: Path, partition: bool) -> None:
    """``COPY (select) TO ?``: the target is a bound parameter (written as is, never globbed).
    ``select`` must have no parameters of its own (the target would bind to the first one)."""
    opts = "FORMAT parquet, COMPRESSION zstd"
    if partition:
        opts += ", PARTITION_BY (year, month), FILENAME_PATTERN 'part-{i}'"
        conn.execute(f"SET partitioned_write_flush_threshold = {PARTITIONED_FLUSH_ROWS}")
    conn.execute(f"COPY ({select}) TO ? ({opts})", [target.as_posix()])


def _partition_rows(conn: duckdb.DuckDBPyConnection, root: Path, params: list) -> list[tuple]:
    """[(year, month, rows)] of the Hive dataset at ``root`` (files ``params``), year and month read from
    each file's path *below* ``root``: DuckDB's own Hive parsing looks at the whole path and would take a
    ``year=…`` folder above the warehouse for the partition."""
    counts: dict[tuple, int] = {}
    for filename, n in conn.execute(
            "SELECT filename, count(*) FROM read_parquet(?, filename = true) GROUP BY ALL", params).fetchall():
        below = Path(filename).resolve().relative_to(root.resolve())
        values = dict(part.split("=", 1) for part in below.parts[:-1])
        key = tuple(None if values[c] == NULL_PARTITION else int(values[c]) for c in PARTITION_BY)
        counts[key] = counts.get(key, 0) + n
    return sorted(((y, m, n) for (y, m), n in counts.items()),
                  key=lambda r: (r[0] is None, r[0] or 0, r[1] is None, r[1] or 0))


def _stage(conn: duckdb.DuckDBPyConnection, schema: str, name: str, staging: Path) -> dict:
    rel_file = f"{name}.parquet" if schema == "modeled" else f"marts/{name}.parquet"
    flat = staging / rel_file
    flat.parent.mkdir(parents=True, exist_ok=True)
    _copy(conn, export_select(conn, schema, name), flat, partition=False)
    keys = list(contract.row_key(f"{schema}.{name}"))
    expected = key_checksum(conn, f"{schema}.{name}", keys)
    source, params = parquet_source(flat)
    got = key_checksum(conn, source, keys, params)
    if got != expected:
        raise RuntimeError(f"export of {schema}.{name} does not match the warehouse: {got} != {expected}")
    cols = conn.execute(f"DESCRIBE SELECT * FROM {source}", params).fetchall()
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
            source, params = parquet_source(target, hive=True)  # the files written, not a glob
            got = key_checksum(conn, source, keys, params)
            if got != expected:
                raise RuntimeError(f"Hive export of {schema}.{name} does not match the warehouse: {got} != {expected}")
            parts = _partition_rows(conn, target, params)
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


def write_manifest(folder: Path, tables: list[dict], marts: list[dict], version: str | None = None) -> Path:
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "version": version,
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
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def export_all(conn: duckdb.DuckDBPyConnection, exports_dir: Path,
               tables: list[str] | None = None, views: list[str] | None = None) -> dict:
    """Write a new export version (staged, verified, manifest) and link it as ``exports_dir/.current``.

    Readers of ``exports_dir`` see the previous version until the link is
    swapped and the new one after, never a mix: a run killed or failing at any
    point before the swap leaves the previous version linked.
    """
    tables = MODELED if tables is None else tables
    views = MARTS_VIEWS if views is None else views
    exports_dir = Path(exports_dir)
    exports_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(exports_dir)
    if not _is_layout(exports_dir):
        _migrate(exports_dir)
    root = versions_root(exports_dir)
    staging = root / f".staging-{os.getpid()}"
    _rm(staging)
    staging.mkdir()
    version = root / _version_name()
    try:
        t_entries = [_stage(conn, "modeled", t, staging) for t in tables]
        m_entries = [_stage(conn, "marts", v, staging) for v in views]
        write_manifest(staging, t_entries, m_entries, version=version.name)
        os.replace(staging, version)  # complete and verified: now a version
        _entry_links(exports_dir, version)
        _swap_link(exports_dir, version)
    except BaseException:
        if current_version(exports_dir) != version.resolve():
            _rm(version)
            _drop_dangling_links(exports_dir)
        raise
    finally:
        _rm(staging)
        _rm(exports_dir / f"{CURRENT_LINK}.tmp-{os.getpid()}")
    _drop_dangling_links(exports_dir)
    prune_versions(exports_dir)
    return read_manifest(exports_dir)


def read_manifest(exports_dir: Path) -> dict:
    return json.loads((Path(exports_dir) / MANIFEST).read_text(encoding="utf-8"))


# ------------------------------------------------------------------ reading back

def open_exports(exports_dir: str | Path = "warehouse/exports") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB whose ``modeled.*`` and ``marts.*`` are views over the Parquet exports.

    It never touches warehouse.duckdb, so it can stay open as long as you like;
    the README's marts queries run on it unchanged.
    """
    exports_dir = Path(exports_dir)
    version = current_version(exports_dir)
    exports_dir = (version or exports_dir).resolve()  # pinned: a later swap does not move it
    manifest = read_manifest(exports_dir)
    conn = duckdb.connect()
    conn.execute("CREATE SCHEMA modeled; CREATE SCHEMA marts")
    for section in ("tables", "marts"):
        for e in manifest.get(section, []):
            # a view cannot hold a bound parameter: a quoted literal of the glob-escaped path
            files = sql_literal(glob_escape(exports_dir / e["file"]))
            conn.execute(f"CREATE VIEW {_q(e['schema'])}.{_q(e['table'])} AS SELECT * FROM read_parquet([{files}])")
    return conn
