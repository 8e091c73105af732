"""The DuckLake backend: the same tables in a lakehouse (catalog in PostgreSQL/SQLite/DuckDB, data as Parquet).

Selected by ``WAREHOUSE_BACKEND=ducklake`` (default ``embedded``, the DuckDB
file) or per run by the warehouse resource's ``backend`` field (launchpad); see
docs/deployment.md and ``etl/backends.py``. Two more settings (``etl.config.Settings``):

- ``DUCKLAKE_CATALOG``: the catalog after ``ducklake:``, e.g.
  ``postgres:dbname=news host=db.internal user=etl`` (many hosts, many
  writers), ``sqlite:/srv/lake/catalog.sqlite`` or ``/srv/lake/catalog.ducklake``
  (a DuckDB file: one host);
- ``DUCKLAKE_DATA_PATH``: where DuckLake writes its Parquet files, a folder
  or ``s3://bucket/prefix/`` (credentials through DuckDB secrets; default
  ``<WAREHOUSE_DIR>/lake/``).

Extensions are loaded from the files inside the PyPI packages that ship them
for the pinned DuckDB (``duckdb-extension-ducklake``,
``duckdb-extension-postgres-scanner``, ``duckdb-extension-sqlite-scanner``);
auto-install and auto-load are switched off, so nothing is ever downloaded at
run time and a missing package is a clear error naming it.

DuckLake has no PRIMARY KEY/UNIQUE constraints: :func:`lake_schema_sql`
drops them from ``schema.sql`` and the blocking key checks
(``assets/checks.py``) enforce uniqueness instead.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

LAKE_ALIAS = "lake"

# extension name → the PyPI package that ships it
EXTENSION_PACKAGES = {
    "ducklake": "duckdb-extension-ducklake",
    "postgres_scanner": "duckdb-extension-postgres-scanner",
    "sqlite_scanner": "duckdb-extension-sqlite-scanner",
}


class LakeConfigError(RuntimeError):
    """The DuckLake backend is selected but not configured or not installed."""


def _catalog(settings) -> str:
    if not settings.lake_catalog:
        raise LakeConfigError(
            "WAREHOUSE_BACKEND=ducklake needs DUCKLAKE_CATALOG, e.g. 'postgres:dbname=news host=127.0.0.1 "
            "port=5432' or 'sqlite:/srv/lake/catalog.sqlite' (see docs/deployment.md)")
    return settings.lake_catalog


def single_writer_catalog(settings) -> bool:
    """True for a catalog that takes one writer at a time (SQLite, a DuckDB file): two steps
    committing at once fail with "database is locked", so their writers are serialised like the
    embedded backend's (:func:`catalog_writer_lock`). PostgreSQL catalogs take concurrent writers."""
    return not _catalog(settings).lower().startswith(("postgres:", "postgresql:"))


@contextmanager
def catalog_writer_lock(settings) -> Iterator[None]:
    """Hold the catalog's writer lock while a step writes a single-writer catalog (SQLite, DuckDB
    file); a no-op on PostgreSQL. SQLite cannot upgrade a reader to a writer while another
    connection writes (``database is locked`` at COMMIT, whatever the busy timeout: duckdb/ducklake
    #1309), so writers take turns on an ``flock`` beside the catalog file. The lock ends with the
    process that holds it, so a killed step never leaves it taken."""
    if not single_writer_catalog(settings):
        yield
        return
    path = Path(_catalog(settings).removeprefix("sqlite:").removeprefix("duckdb:")).expanduser()
    with file_lock(path.with_name(path.name + ".writer.lock")):
        yield


@contextmanager
def file_lock(lock_path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``lock_path`` (created if missing), released on exit or process death."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def catalog_display(settings) -> str:
    """The catalog setting with any password masked (for logs and metadata)."""
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", _catalog(settings), flags=re.IGNORECASE)


def data_path(settings) -> str:
    """Where the lake's Parquet files go: ``DUCKLAKE_DATA_PATH`` or ``<WAREHOUSE_DIR>/lake/``."""
    value = settings.lake_data_path
    if value:
        return value if "://" in value else str(Path(value).expanduser().resolve()) + "/"
    return str(Path(settings.warehouse_dir) / "lake") + "/"


def _extension_file(name: str) -> Path:
    package = EXTENSION_PACKAGES[name]
    module = package.replace("-", "_")
    spec = importlib.util.find_spec(module)
    version = duckdb.__version__
    if spec is None or not spec.submodule_search_locations:
        raise LakeConfigError(f"the DuckDB extension {name} is not installed: pip install '{package}=={version}' "
                              "(it ships the extension for this DuckDB version; nothing is downloaded at run time)")
    root = Path(list(spec.submodule_search_locations)[0])
    path = root / "extensions" / f"v{version}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.parent.name for p in root.glob("extensions/*/*.duckdb_extension"))
        raise LakeConfigError(f"{package} has no {name} extension for DuckDB {version} (it has: "
                              f"{', '.join(found) or 'none'}); install {package}=={version}")
    return path


def needed_extensions(catalog_spec: str) -> list[str]:
    kind = catalog_spec.split(":", 1)[0] if ":" in catalog_spec else "duckdb"
    return ["ducklake"] + {"postgres": ["postgres_scanner"], "sqlite": ["sqlite_scanner"]}.get(kind, [])


def load_extensions(conn: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    conn.execute("SET autoinstall_known_extensions = false")
    conn.execute("SET autoload_known_extensions = false")
    for name in names:
        conn.execute(f"LOAD '{_extension_file(name).as_posix()}'")


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def attach(conn: duckdb.DuckDBPyConnection, settings, read_only: bool = False) -> None:
    """Attach the lake as ``lake`` and make it the default catalog (so ``raw.source_files`` resolves in it)."""
    spec = _catalog(settings)
    load_extensions(conn, needed_extensions(spec))
    path = data_path(settings)
    if "://" not in path:
        Path(path).mkdir(parents=True, exist_ok=True)
    opts = [f"DATA_PATH {_quote(path)}"] + (["READ_ONLY"] if read_only else [])
    conn.execute(f"ATTACH {_quote('ducklake:' + spec)} AS {LAKE_ALIAS} ({', '.join(opts)})")
    conn.execute(f"USE {LAKE_ALIAS}")


_PK_INLINE = re.compile(r"\s+PRIMARY KEY(?=\s*[,\n])")
_PK_CLAUSE = re.compile(r",\s*PRIMARY KEY\s*\([^)]*\)")
_CHECK = re.compile(r"\s+CHECK\s*\((?:[^()]|\([^()]*\))*\)")


def lake_schema_sql(sql: str) -> str:
    """schema.sql without what DuckLake does not support (PRIMARY KEY, UNIQUE, CHECK constraints)."""
    sql = _PK_CLAUSE.sub("", sql)
    sql = _PK_INLINE.sub("", sql)
    sql = _CHECK.sub("", sql)
    return re.sub(r"\s+UNIQUE(?=\s*[,\n])", "", sql)


def snapshot_id(conn: duckdb.DuckDBPyConnection) -> int:
    """The lake's latest snapshot (what a reader attaching now sees)."""
    return conn.execute(f"SELECT max(snapshot_id) FROM ducklake_snapshots('{LAKE_ALIAS}')").fetchone()[0]


_VIEW_COLUMN_COMMENT = re.compile(r"^COMMENT ON COLUMN marts\.[^\n]*?';\s*$", re.MULTILINE)


def lake_marts_sql(sql: str) -> str:
    """marts.sql without column comments on views (DuckLake comments tables' columns, not views');
    the view comments stay, and the data dictionary is generated from the embedded backend."""
    return _VIEW_COLUMN_COMMENT.sub("", sql)


PUBLISHED_FILE = "published_snapshot.json"


def publish_lake_snapshot(conn: duckdb.DuckDBPyConnection, settings) -> dict:
    """Record the lake snapshot that passed the blocking checks (write-audit-publish on DuckLake).

    Readers that want only audited data attach at that version:
    ``ATTACH 'ducklake:<catalog>' AS lake (SNAPSHOT_VERSION n, READ_ONLY)``.
    Written to a temporary name and renamed (atomic).
    """
    import json
    from datetime import datetime, timezone

    sid = snapshot_id(conn)
    info = {
        "snapshot_id": sid,
        "published_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "catalog": "ducklake:" + catalog_display(settings),
        "data_path": data_path(settings),
        "attach": f"ATTACH 'ducklake:{catalog_display(settings)}' AS lake (SNAPSHOT_VERSION {sid}, READ_ONLY)",
    }
    path = Path(settings.warehouse_dir) / PUBLISHED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{PUBLISHED_FILE}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    info["path"] = str(path)
    return info
