"""The DuckLake backend: the same tables in a lakehouse (catalog in PostgreSQL/SQLite/DuckDB, data as Parquet).

Selected by ``WAREHOUSE_BACKEND=ducklake`` (default ``embedded``, the DuckDB
file) or per run by the warehouse resource's ``backend`` field (launchpad); see
docs/deployment.md and ``etl/backends.py``. Its settings (``etl.config.Settings``):

- ``DUCKLAKE_CATALOG``: the catalog after ``ducklake:``, e.g.
  ``postgres:dbname=news host=db.internal user=etl`` (many hosts, many
  writers), ``sqlite:/srv/lake/catalog.sqlite`` or ``/srv/lake/catalog.ducklake``
  (a DuckDB file: one host);
- ``DUCKLAKE_DATA_PATH``: where a NEW catalog's Parquet files go, a folder or
  ``s3://bucket/prefix/`` (default ``<WAREHOUSE_DIR>/lake/``). The catalog stores
  it, and every host then uses the stored path: leave it unset on the other
  hosts, or set it to the same path (a symlink to the same folder is the same);
  any other value is refused (:func:`attach`);
- ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (+ ``AWS_SESSION_TOKEN``,
  ``AWS_REGION``, ``AWS_ENDPOINT_URL_S3`` for MinIO/Ceph, ``DUCKLAKE_S3_URL_STYLE``)
  for an ``s3://`` data path: a temporary DuckDB secret made before attaching.

Extensions are loaded from the files inside the PyPI packages that ship them
for the pinned DuckDB (``duckdb-extension-ducklake``, ``-postgres-scanner``,
``-sqlite-scanner``, ``-httpfs`` for remote data paths); auto-install and
auto-load are off, so nothing is downloaded at run time and a missing package
is an error naming it. With ``DUCKLAKE_DATA_PATH`` unset the data path is only
known once attached, so httpfs (and the secret, given credentials) is loaded
whenever its package is installed, and the stored path is checked afterwards.

DuckLake has no PRIMARY KEY/UNIQUE constraints: :func:`lake_schema_sql`
drops them from ``schema.sql`` and the blocking key checks
(``assets/checks.py``) enforce uniqueness instead.
"""

from __future__ import annotations

import fcntl
import importlib.util
import os
import random
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

import duckdb

LAKE_ALIAS = "lake"

# extension name → the PyPI package that ships it
EXTENSION_PACKAGES = {
    "ducklake": "duckdb-extension-ducklake",
    "postgres_scanner": "duckdb-extension-postgres-scanner",
    "sqlite_scanner": "duckdb-extension-sqlite-scanner",
    "httpfs": "duckdb-extension-httpfs",
}
REMOTE_SCHEMES = ("s3://", "s3a://", "gs://", "gcs://", "r2://", "http://", "https://")
S3_SCHEMES = ("s3://", "s3a://")  # the ones the AWS_* settings' secret serves
SECRET_NAME = "lake_s3"
NEW_CATALOG = "data_path is not set"  # DuckLake's error for a catalog attached without DATA_PATH that does not exist
# what the losers see when several processes create one PostgreSQL catalog at once (creation is one
# transaction, so a retry finds the winner's complete catalog)
CREATION_RACE = ("Failed to initialize DuckLake", "duplicate key value", "already exists")
ATTACH_ATTEMPTS = 8


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


def is_remote(path: str) -> bool:
    """True for a data path on object storage or HTTP (read and written through httpfs)."""
    return path.strip().lower().startswith(REMOTE_SCHEMES)


def data_path(settings) -> str:
    """The configured data path: ``DUCKLAKE_DATA_PATH`` or ``<WAREHOUSE_DIR>/lake/``; used to create
    a catalog (an existing one keeps its own, :func:`catalog_data_path`). A local folder is made
    absolute but not symlink-resolved, so every host stores and compares the same spelling."""
    value = (settings.lake_data_path or "").strip()
    if value:
        return value if "://" in value else os.path.abspath(os.path.expanduser(value)) + "/"
    return os.path.join(os.path.abspath(settings.warehouse_dir), "lake") + "/"


def catalog_data_path(conn: duckdb.DuckDBPyConnection) -> str:
    """The data path stored in the attached lake's catalog (what every host writes to)."""
    row = conn.execute(f'SELECT value FROM "__ducklake_metadata_{LAKE_ALIAS}".ducklake_metadata '
                       "WHERE key = 'data_path' AND scope IS NULL").fetchone()
    return row[0]


def _same_path(a: str, b: str) -> bool:
    a, b = a.strip().rstrip("/"), b.strip().rstrip("/")
    if "://" in a or "://" in b:
        return a == b
    return os.path.realpath(os.path.expanduser(a)) == os.path.realpath(os.path.expanduser(b))


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


def _installed(name: str) -> bool:
    try:
        return _extension_file(name).is_file()
    except LakeConfigError:
        return False


def _kind(catalog_spec: str) -> str:
    return catalog_spec.split(":", 1)[0].lower() if ":" in catalog_spec else "duckdb"


def needed_extensions(catalog_spec: str, data_path: str | None = None) -> list[str]:
    """The extensions a catalog needs, plus httpfs when ``data_path`` is remote (:func:`is_remote`)."""
    scanner = {"postgres": ["postgres_scanner"], "postgresql": ["postgres_scanner"], "sqlite": ["sqlite_scanner"]}
    return ["ducklake"] + scanner.get(_kind(catalog_spec), []) + (["httpfs"] if data_path and is_remote(data_path)
                                                                   else [])


def load_extensions(conn: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    conn.execute("SET autoinstall_known_extensions = false")
    conn.execute("SET autoload_known_extensions = false")
    for name in names:
        conn.execute(f"LOAD '{_extension_file(name).as_posix()}'")


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _missing_credentials(settings, path: str) -> str | None:
    """The error for an ``s3://`` data path without credentials, else None."""
    if not path.strip().lower().startswith(S3_SCHEMES):
        return None
    missing = [n for n, v in (("AWS_ACCESS_KEY_ID", settings.aws_access_key_id),
                              ("AWS_SECRET_ACCESS_KEY", settings.aws_secret_access_key)) if not v]
    if not missing:
        return None
    return (f"the DuckLake data path {path} is on S3 but {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} not set: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(and AWS_ENDPOINT_URL_S3 for an S3-compatible server such as MinIO)")


def _create_secret(conn: duckdb.DuckDBPyConnection, settings) -> None:
    opts = ["TYPE s3", f"KEY_ID {_quote(settings.aws_access_key_id)}", f"SECRET {_quote(settings.aws_secret_access_key)}"]
    if settings.aws_session_token:
        opts.append(f"SESSION_TOKEN {_quote(settings.aws_session_token)}")
    opts.append(f"REGION {_quote(settings.aws_region)}")
    if settings.s3_endpoint:
        url = urlsplit(settings.s3_endpoint)
        opts += [f"ENDPOINT {_quote(url.netloc + url.path.rstrip('/'))}",
                 f"USE_SSL {'true' if url.scheme == 'https' else 'false'}"]
    opts.append(f"URL_STYLE {_quote(settings.s3_url_style)}")
    conn.execute(f"CREATE OR REPLACE TEMPORARY SECRET {SECRET_NAME} ({', '.join(opts)})")


def _new_duckdb_file(spec: str) -> bool:
    """A DuckDB-file catalog that does not exist yet (DuckLake would create it with its own default
    data path, ``<file>.files/``, if attached without DATA_PATH)."""
    if _kind(spec) != "duckdb":
        return False
    path = Path(spec.removeprefix("duckdb:")).expanduser()
    return not path.is_file() or path.stat().st_size == 0


def _attach_once(conn: duckdb.DuckDBPyConnection, spec: str, settings, opts: list[str]) -> None:
    target = f"ATTACH {_quote('ducklake:' + spec)} AS {LAKE_ALIAS}"
    if not _new_duckdb_file(spec):
        try:
            conn.execute(target + (f" ({', '.join(opts)})" if opts else ""))
            return
        except duckdb.Error as e:
            if NEW_CATALOG not in str(e):
                raise
    path = data_path(settings)  # a new catalog: create it with the configured (or default) data path
    if not is_remote(path):
        Path(path).mkdir(parents=True, exist_ok=True)
    try:
        conn.execute(f"{target} ({', '.join([f'DATA_PATH {_quote(path)}'] + opts)})")
    except duckdb.Error as e:
        if any(m in str(e) for m in CREATION_RACE):
            raise _LostRace() from e
        raise


class _LostRace(Exception):
    """Another process created the catalog while this one did (its error is the ``__cause__``)."""


def attach(conn: duckdb.DuckDBPyConnection, settings, read_only: bool = False,
           snapshot_version: int | None = None) -> None:
    """Attach the lake as ``lake`` and make it the default catalog (so ``raw.source_files`` resolves in it).

    An existing catalog is attached without DATA_PATH, so it brings its stored data path; a new one is
    created with :func:`data_path`. Processes that create the same catalog at once all succeed: the
    losers of the creation race retry and find the winner's catalog. ``DUCKLAKE_DATA_PATH`` set to
    another path than the catalog's is refused (:class:`LakeConfigError`). ``snapshot_version`` attaches
    that snapshot, read-only (readers of a published snapshot).
    """
    spec = _catalog(settings)
    configured = data_path(settings) if settings.lake_data_path else None
    names = needed_extensions(spec, configured)
    if configured is None and "httpfs" not in names and _installed("httpfs"):
        names.append("httpfs")  # the catalog's data path is learnt only by attaching, which needs httpfs if remote
    load_extensions(conn, names)
    problem = configured and _missing_credentials(settings, configured)
    if problem:
        raise LakeConfigError(problem)
    if "httpfs" in names and settings.aws_access_key_id and settings.aws_secret_access_key:
        _create_secret(conn, settings)
    opts = ["READ_ONLY"] if read_only or snapshot_version is not None else []
    if snapshot_version is not None:
        opts.append(f"SNAPSHOT_VERSION {int(snapshot_version)}")
    for attempt in range(1, ATTACH_ATTEMPTS + 1):
        try:
            _attach_once(conn, spec, settings, opts)
            break
        except _LostRace as race:
            if attempt == ATTACH_ATTEMPTS:
                raise race.__cause__ from None
            time.sleep(random.uniform(0.05, 0.25) * attempt)  # then the catalog exists: attach it as it is
        except duckdb.Error as e:
            if "requires the extension httpfs" in str(e):
                _extension_file("httpfs")  # raises LakeConfigError naming the package to install
            raise
    stored = catalog_data_path(conn)
    if configured and not _same_path(configured, stored):
        problem = (f"DUCKLAKE_DATA_PATH is {configured} but the catalog ducklake:{catalog_display(settings)} keeps "
                   f"its data at {stored}; every host must use the catalog's data path: unset DUCKLAKE_DATA_PATH on "
                   f"this host, or set it to {stored}")
    else:
        problem = _missing_credentials(settings, stored)
    if problem:
        conn.execute(f"DETACH {LAKE_ALIAS}")
        raise LakeConfigError(problem)
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


_VIEW_COLUMN_COMMENT = re.compile(r"^COMMENT ON COLUMN marts\.[^\n]*?';\s*$", re.MULTILINE)


def lake_marts_sql(sql: str) -> str:
    """marts.sql without column comments on views (DuckLake comments tables' columns, not views');
    the view comments stay, and the data dictionary is generated from the embedded backend."""
    return _VIEW_COLUMN_COMMENT.sub("", sql)
