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

Atomicity: ``exports/`` is a real folder that holds its own versions, so
``cp -r exports elsewhere/`` copies a readable set (every link in it is relative
and stays inside it)::

    exports/.current -> .versions/v<UTC build time>-<pid>   (the one link that is swapped)
    exports/_manifest.json -> .current/_manifest.json         (one fixed link per top-level entry:
    exports/<table>.parquet -> .current/<table>.parquet        *.parquet, marts/, hive/)
    exports/marts -> .current/marts
    exports/hive -> .current/hive
    exports/.versions/v…/                                     (the linked version and the one before)

A run writes the next version into ``exports/.versions/.staging-<pid>/``, checks
every file (row count and key checksum against the warehouse), writes the
manifest, renames the folder to its version name, adds the fixed link of any
new top-level entry, and then swaps ``.current`` by renaming a new symlink over
it (one atomic rename). Every path a reader opens goes through ``.current``, so
readers see the previous version or the new one, never a mix, even when the
run is killed between any two steps. The linked version and the one before it
are kept (:data:`KEEP_VERSIONS`); older ones, and versions or staging folders of
killed runs, are removed by the next export. An ``exports`` left by an older
build (a link to ``WAREHOUSE_DIR/.exports/v…``, or a plain folder) is replaced by
the new layout in one atomic exchange (Linux renameat2), once.

Order: the Dagster step (``assets/exports.py``) publishes ``warehouse.duckdb``
first and calls :func:`export_all` only once that succeeded, on the same
connection, so the ``exports`` link never points at data the published
database lacks.

Paths never appear in SQL text: targets and files are bound parameters, and
files read back are explicit, glob-escaped lists (see "paths in SQL" below),
so a WAREHOUSE_DIR with a quote, ``[1]``, ``*`` or ``?`` exports like any other.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from etl.config import PIPELINE_VERSION
from etl.warehouse import MODELED_TABLES, marts_sql, transaction

SCHEMA_VERSION = 3
VERSIONS_DIR = ".versions"  # export versions, inside the exports folder
CURRENT_LINK = ".current"  # the link to the current version, inside the exports folder
LEGACY_VERSIONS_DIR = ".exports"  # where builds before schema 3 kept their versions, next to an `exports` link
KEEP_VERSIONS = 2  # the linked version and the one before it (readers mid-way through a read keep theirs)
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
    "dim_reporter": ["reporter_key"],
    "article_reporters": ["article_id", "role", "position"],
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
    order = ", ".join(_q(k) for k in KEYS[name])
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

def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def versions_root(exports_dir: Path) -> Path:
    """Where the export versions live: ``<exports>/.versions/``, inside the exports folder."""
    return Path(exports_dir) / VERSIONS_DIR


def current_version(exports_dir: Path) -> Path | None:
    """The version folder ``exports_dir/.current`` points at (None before the first export, or for
    an ``exports`` an older build left: a link to ``.exports/v…`` or a plain folder)."""
    link = Path(exports_dir) / CURRENT_LINK
    if Path(exports_dir).is_symlink() or not link.is_symlink():
        return None
    return (link.parent / os.readlink(link)).resolve()


def _owner_pid(p: Path) -> int | None:
    try:
        return int(p.name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return None


def _dead(p: Path) -> bool:
    """True when the process named by ``p``'s ``-<pid>`` suffix is gone (or is this one)."""
    pid = _owner_pid(p)
    return pid is not None and (pid == os.getpid() or not pid_alive(pid))


def _rm(p: Path) -> None:
    if p.is_symlink() or p.is_file():
        p.unlink(missing_ok=True)
    elif p.is_dir():
        shutil.rmtree(p, ignore_errors=True)


def _remove_stale(exports_dir: Path) -> None:
    """What killed exports left: staging folders, half-made links, versions never linked."""
    root = versions_root(exports_dir)
    # prefixes, not glob patterns: the exports folder's own name could hold glob syntax
    candidates = [p for p in (root.iterdir() if root.is_dir() else []) if p.name.startswith(".staging-")]
    candidates += [p for p in (exports_dir.iterdir() if _is_layout(exports_dir) else [])
                   if p.name.startswith(f"{CURRENT_LINK}.tmp-")]
    candidates += [p for p in exports_dir.parent.iterdir() if p.name.startswith(f".{exports_dir.name}.tmp-")]
    for p in candidates:
        if _dead(p):
            _rm(p)
    prune_versions(exports_dir)


def prune_versions(exports_dir: Path, keep: int = KEEP_VERSIONS) -> list[str]:
    """Delete old export versions: keep the linked one and the ``keep - 1`` newest before it.

    A version newer than the linked one is removed only when its builder is
    gone (a live one is between its rename and its link swap). Returns the
    names removed.
    """
    root = versions_root(exports_dir)
    if not root.is_dir():
        return []
    current = current_version(exports_dir)
    versions = sorted((p for p in root.iterdir() if p.is_dir() and p.name.startswith("v")), key=lambda p: p.name)
    if current is not None and current in versions:
        older = [p for p in versions if p.name < current.name]
        newer = [p for p in versions if p.name > current.name and _dead(p)]  # never linked: a killed export
        doomed = older[:max(0, len(older) - (keep - 1))] + newer
    else:
        doomed = [p for p in versions[:max(0, len(versions) - keep)] if _dead(p) or _owner_pid(p) is None]
    for p in doomed:
        shutil.rmtree(p, ignore_errors=True)
    return [p.name for p in doomed]


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
    keys = KEYS[name]
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


def _exchange_dirs(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0


def _version_name() -> str:
    """Sortable by build time; the pid suffix tells a live builder from a dead one."""
    return f"v{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%fZ')}-{os.getpid()}"


def _is_layout(exports_dir: Path) -> bool:
    """True when ``exports_dir`` is a folder of this layout (a real folder holding ``.versions``)."""
    return exports_dir.is_dir() and not exports_dir.is_symlink() and versions_root(exports_dir).is_dir()


def _symlink(target: str, link: Path) -> None:
    try:
        os.symlink(target, link, target_is_directory=not target.endswith((".parquet", ".json")))
    except OSError as exc:
        if exc.errno in (errno.EPERM, errno.EACCES, errno.ENOSPC, errno.EROFS):
            raise
        raise OSError(exc.errno, f"the exports need symbolic links (Windows: enable Developer Mode): {exc}") from exc


def _entry_links(exports_dir: Path, version: Path) -> None:
    """Give every top-level entry of ``version`` its fixed link ``exports/<name> -> .current/<name>``
    (before the swap: a link the new version adds dangles until the swap, and no manifest names it yet)."""
    for entry in sorted(version.iterdir()):
        link, target = exports_dir / entry.name, f"{CURRENT_LINK}/{entry.name}"
        if link.is_symlink() and os.readlink(link) == target:
            continue
        tmp = exports_dir / f"{CURRENT_LINK}.tmp-{os.getpid()}"
        _rm(tmp)
        _symlink(target, tmp)
        os.replace(tmp, link)


def _drop_dangling_links(exports_dir: Path) -> None:
    """After the swap: remove the fixed links of entries the linked version no longer has."""
    for p in exports_dir.iterdir():
        if p.is_symlink() and os.readlink(p).startswith(f"{CURRENT_LINK}/") and not p.exists():
            p.unlink(missing_ok=True)


def _swap_link(exports_dir: Path, version: Path) -> None:
    """Point ``exports_dir/.current`` at ``version`` in one atomic rename of a symlink."""
    tmp = exports_dir / f"{CURRENT_LINK}.tmp-{os.getpid()}"
    _rm(tmp)
    _symlink(os.path.relpath(version, exports_dir), tmp)
    os.replace(tmp, exports_dir / CURRENT_LINK)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _migrate(exports_dir: Path) -> None:
    """Replace an ``exports`` an older build left (a link to ``WAREHOUSE_DIR/.exports/v…``, or a plain
    folder) by an empty folder of this layout that still shows the old files until the first swap.

    The new folder is made beside it (``.exports.tmp-<pid>``): the old set moved into its
    ``.versions/`` and linked as ``.current``, with its fixed links. Then one atomic exchange
    (Linux renameat2) puts it in place, so a reader never finds ``exports`` missing; without
    renameat2 the name is missing for an instant, once.
    """
    parent = exports_dir.parent
    tmp = parent / f".{exports_dir.name}.tmp-{os.getpid()}"
    _rm(tmp)
    root = versions_root(tmp)
    root.mkdir(parents=True)
    legacy_root = parent / LEGACY_VERSIONS_DIR
    if exports_dir.is_symlink():
        old = (parent / os.readlink(exports_dir)).resolve()
        if old.is_dir():
            # hard links (a copy where they cannot be made): readers that resolved the old link keep theirs
            shutil.copytree(old, root / old.name, copy_function=_link_or_copy)
            _entry_links(tmp, root / old.name)
            _swap_link(tmp, root / old.name)
    elif exports_dir.is_dir():
        keep = root / "v00000000T000000000000Z-legacy"
        shutil.copytree(exports_dir, keep, ignore=shutil.ignore_patterns(".*"), copy_function=_link_or_copy)
        _entry_links(tmp, keep)
        _swap_link(tmp, keep)
    if exports_dir.is_symlink() or exports_dir.exists():
        if _exchange_dirs(tmp, exports_dir):
            _rm(tmp)  # now the old link or folder
        else:
            _rm(exports_dir)
            os.rename(tmp, exports_dir)
    else:
        os.rename(tmp, exports_dir)
    if legacy_root.is_dir() and legacy_root != exports_dir:
        shutil.rmtree(legacy_root, ignore_errors=True)


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
    tables = MODELED_TABLES if tables is None else tables
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
