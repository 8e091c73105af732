"""One place for configuration.

Every path the product uses is derived here from two environment variables
(with defaults relative to the project root), so the same code runs on the
shipped seeds, a test folder, a second warehouse or a mounted volume:

- ``SEEDS_DIR``      input pages (default ``<project>/seeds``)
- ``WAREHOUSE_DIR``  DuckDB files, Parquet exports (default ``<project>/warehouse``):
  runs write ``staging/warehouse.duckdb`` and publish a copy as
  ``warehouse.duckdb`` (see docs/operations.md, "Concurrency")
- ``DAGSTER_HOME``   the Dagster instance (run history, partitions, pool slots);
  default ``<project>/.dagster_home`` for the default warehouse and
  ``<WAREHOUSE_DIR>/.dagster_home`` for any other, so two warehouses run from
  one checkout never share (and never delete) each other's file partitions
  (:func:`default_dagster_home`).

A relative path is relative to the working directory of whoever set it: the
scripts (``scripts/*.sh``) make these variables absolute against the caller's
directory before they change to the project root (:func:`script_environment`),
and Python code resolves them against its own working directory.

Dagster's resource config (launchpad) can override both folders per run; see
``assets/resources.py``.

The DuckLake backend's S3-compatible storage (``DUCKLAKE_DATA_PATH=s3://…``, see
``etl/lake.py``) takes the standard AWS variables, read here like every other setting:

- ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN`` (optional);
  kept out of ``repr(settings)``
- ``AWS_REGION`` (else ``AWS_DEFAULT_REGION``, else ``us-east-1``)
- ``AWS_ENDPOINT_URL_S3`` (else ``AWS_ENDPOINT_URL``): an S3-compatible server
  such as MinIO or Ceph, e.g. ``http://127.0.0.1:9000`` (``https://`` → TLS)
- ``DUCKLAKE_S3_URL_STYLE``: ``path`` or ``vhost`` (default ``path`` with an
  endpoint, else ``vhost``)
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DB_FILENAME = "warehouse.duckdb"
DEFAULT_SEEDS_DIR = PROJECT_ROOT / "seeds"
DEFAULT_WAREHOUSE_DIR = PROJECT_ROOT / "warehouse"
PROJECT_DAGSTER_HOME = PROJECT_ROOT / ".dagster_home"
# where a warehouse other than the default keeps its own Dagster instance
WAREHOUSE_DAGSTER_HOME = ".dagster_home"

# Bump when parsing/extraction logic changes so that already-processed files
# are re-derived on the next run (the cleaned/modeled layers store it per row).
PIPELINE_VERSION = "2026.11.29-3"


# Every environment variable the product reads, parsed here and nowhere else (tests/test_settings.py
# scans etl/ and assets/ for other readers).
BACKENDS = ("embedded", "ducklake")
TOKENIZERS = ("rjieba", "jieba")
TAGGERS = ("jieba_fast_dat", "jieba")
LOCK_WAIT_DEFAULT = 30.0
MEMORY_LIMIT_DEFAULT = "512MB"
MAX_PAGE_MB_DEFAULT = 20.0
S3_URL_STYLES = ("path", "vhost")
AWS_REGION_DEFAULT = "us-east-1"


class SettingsError(ValueError):
    """A setting has a value the product cannot use; the message names the variable."""


def _env(environ: Mapping[str, str], name: str) -> str:
    return environ.get(name, "").strip()


def _number(environ: Mapping[str, str], name: str, default: float, what: str) -> float:
    raw = _env(environ, name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {what}, got {raw!r}") from None
    if not value >= 0:  # also rejects NaN
        raise SettingsError(f"{name} must be >= 0 ({what}), got {raw!r}")
    return value


def _count(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = _env(environ, name)
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a whole number >= 1, got {raw!r}")
    return int(raw)


def _choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    value = value.strip().lower()
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything a run is configured by, read once (:meth:`from_env`) and passed down.

    Only ``seeds_dir`` and ``warehouse_dir`` are required; the rest default to
    the values documented in docs/guarantees.md ("Settings"). The Dagster
    resource (``assets/resources.py``) builds one per run, so the launchpad can
    override the folders and the backend of a single run.
    """

    seeds_dir: Path
    warehouse_dir: Path
    backend: str = "embedded"                # WAREHOUSE_BACKEND: embedded | ducklake
    lake_catalog: str | None = None          # DUCKLAKE_CATALOG (required by ducklake)
    lake_data_path: str | None = None        # DUCKLAKE_DATA_PATH (default <warehouse_dir>/lake/)
    lock_wait_seconds: float = LOCK_WAIT_DEFAULT   # WAREHOUSE_LOCK_WAIT_SECONDS
    memory_limit: str = MEMORY_LIMIT_DEFAULT        # WAREHOUSE_MEMORY_LIMIT
    max_page_mb: float = MAX_PAGE_MB_DEFAULT        # MAX_PAGE_MB (0 = no limit)
    tokenizer: str = "rjieba"                # ETL_TOKENIZER: rjieba | jieba
    tagger: str = "jieba_fast_dat"           # ETL_TAGGER: jieba_fast_dat (compiled POS Viterbi) | jieba
    lake_runs: int = 2                       # LAKE_RUNS: runs `assets.cli` starts on DuckLake
    lake_max_concurrent: int = 1             # LAKE_MAX_CONCURRENT: steps at once per DuckLake run (1: in-process)
    # S3-compatible storage of a DuckLake data path (etl/lake.py); the credentials stay out of repr()
    aws_access_key_id: str | None = field(default=None, repr=False)      # AWS_ACCESS_KEY_ID
    aws_secret_access_key: str | None = field(default=None, repr=False)  # AWS_SECRET_ACCESS_KEY
    aws_session_token: str | None = field(default=None, repr=False)      # AWS_SESSION_TOKEN (optional)
    aws_region: str = AWS_REGION_DEFAULT     # AWS_REGION, else AWS_DEFAULT_REGION
    s3_endpoint: str | None = None           # AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL (http(s)://host:port)
    s3_url_style: str = ""                   # DUCKLAKE_S3_URL_STYLE: path | vhost ('' = path with an endpoint)

    def __post_init__(self) -> None:
        if "?" in str(self.warehouse_dir):
            raise SettingsError(
                f"WAREHOUSE_DIR {str(self.warehouse_dir)!r} contains '?': DuckDB reads '?' in a database path as "
                "the start of URL parameters and would write the database's log elsewhere; "
                "choose a folder name without '?'")
        _choice(self.backend, "WAREHOUSE_BACKEND", BACKENDS)
        if self.backend == "ducklake" and not self.lake_catalog:
            raise SettingsError(
                "WAREHOUSE_BACKEND=ducklake needs DUCKLAKE_CATALOG, e.g. 'postgres:dbname=news host=127.0.0.1 "
                "port=5432' or 'sqlite:/srv/lake/catalog.sqlite' (see docs/deployment.md)")
        if not re.fullmatch(r"\d+(\.\d+)?\s*[KMGT]i?B", self.memory_limit, re.IGNORECASE):
            raise SettingsError(f"WAREHOUSE_MEMORY_LIMIT must be a size such as 512MB or 4GB, got {self.memory_limit!r}")
        if self.s3_endpoint:
            url = urlsplit(self.s3_endpoint)
            if url.scheme not in ("http", "https") or not url.netloc:
                raise SettingsError(f"AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) must be a URL such as "
                                    f"http://127.0.0.1:9000 or https://s3.example.com, got {self.s3_endpoint!r}")
        style = self.s3_url_style or ("path" if self.s3_endpoint else "vhost")
        object.__setattr__(self, "s3_url_style", _choice(style, "DUCKLAKE_S3_URL_STYLE", S3_URL_STYLES))

    @property
    def db_path(self) -> Path:
        """The published, read-only snapshot analysts and BI tools open."""
        return self.warehouse_dir / DB_FILENAME

    @property
    def staging_db_path(self) -> Path:
        """The working database runs write to (one writer at a time); never opened by readers."""
        return self.warehouse_dir / "staging" / DB_FILENAME

    @property
    def exports_dir(self) -> Path:
        return self.warehouse_dir / "exports"

    @property
    def cache_dir(self) -> Path:
        return self.warehouse_dir / ".cache"

    @property
    def is_lake(self) -> bool:
        return self.backend == "ducklake"

    @property
    def max_page_bytes(self) -> int | None:
        """The page size limit in bytes (MB = 2**20 bytes); None when disabled (0)."""
        return None if self.max_page_mb == 0 else int(self.max_page_mb * (1 << 20))

    @classmethod
    def from_env(cls, seeds_dir: str | None = None, warehouse_dir: str | None = None, backend: str | None = None,
                 lake_catalog: str | None = None, lake_data_path: str | None = None,
                 environ: Mapping[str, str] | None = None) -> "Settings":
        """Settings from the environment; the arguments (the launchpad's resource config) win over it."""
        env = os.environ if environ is None else environ
        seeds = seeds_dir or _env(env, "SEEDS_DIR") or str(DEFAULT_SEEDS_DIR)
        wh = warehouse_dir or _env(env, "WAREHOUSE_DIR") or str(DEFAULT_WAREHOUSE_DIR)
        lake_catalog = (lake_catalog or _env(env, "DUCKLAKE_CATALOG")).strip().removeprefix("ducklake:") or None
        return cls(
            seeds_dir=Path(seeds).expanduser().resolve(),
            warehouse_dir=Path(wh).expanduser().resolve(),
            backend=_choice(backend or _env(env, "WAREHOUSE_BACKEND") or "embedded", "WAREHOUSE_BACKEND", BACKENDS),
            lake_catalog=lake_catalog,
            lake_data_path=lake_data_path or _env(env, "DUCKLAKE_DATA_PATH") or None,
            lock_wait_seconds=_number(env, "WAREHOUSE_LOCK_WAIT_SECONDS", LOCK_WAIT_DEFAULT, "a number of seconds"),
            memory_limit=_env(env, "WAREHOUSE_MEMORY_LIMIT") or MEMORY_LIMIT_DEFAULT,
            max_page_mb=_number(env, "MAX_PAGE_MB", MAX_PAGE_MB_DEFAULT, "a number of megabytes (0 = no limit)"),
            tokenizer=_choice(_env(env, "ETL_TOKENIZER") or "rjieba", "ETL_TOKENIZER", TOKENIZERS),
            tagger=_choice(_env(env, "ETL_TAGGER") or "jieba_fast_dat", "ETL_TAGGER", TAGGERS),
            lake_runs=_count(env, "LAKE_RUNS", 2),
            lake_max_concurrent=_count(env, "LAKE_MAX_CONCURRENT", 1),
            aws_access_key_id=_env(env, "AWS_ACCESS_KEY_ID") or None,
            aws_secret_access_key=_env(env, "AWS_SECRET_ACCESS_KEY") or None,
            aws_session_token=_env(env, "AWS_SESSION_TOKEN") or None,
            aws_region=_env(env, "AWS_REGION") or _env(env, "AWS_DEFAULT_REGION") or AWS_REGION_DEFAULT,
            s3_endpoint=_env(env, "AWS_ENDPOINT_URL_S3") or _env(env, "AWS_ENDPOINT_URL") or None,
            s3_url_style=_env(env, "DUCKLAKE_S3_URL_STYLE"),
        )


def current() -> Settings:
    """The settings of the environment, for code called without a run's Settings (scripts, shells)."""
    return Settings.from_env()


def dagster_home_setting(environ: Mapping[str, str] | None = None) -> str:
    """``DAGSTER_HOME`` as set, or ''."""
    return _env(os.environ if environ is None else environ, "DAGSTER_HOME")


def set_dagster_home(home: Path) -> None:
    """Point this process (and the processes it starts) at a Dagster instance."""
    os.environ["DAGSTER_HOME"] = str(home)


def child_environment(**extra: str) -> dict[str, str]:
    """The environment for a child process: this one's, plus ``extra``."""
    return {**os.environ, **extra}


def pop_setting(name: str) -> str:
    """Remove a variable meant for this process only (e.g. a parent's PID) and return its value."""
    return os.environ.pop(name, "")


def default_dagster_home(warehouse_dir: str | os.PathLike | None = None) -> Path:
    """The Dagster instance a warehouse uses when ``DAGSTER_HOME`` is not set.

    The project's warehouse keeps ``<project>/.dagster_home`` (the one the UI,
    its sensor and its schedule use); any other warehouse gets
    ``<WAREHOUSE_DIR>/.dagster_home``: the instance holds the dynamic partitions
    (one per file of *that* warehouse's seeds folder), so a shared instance would
    make each warehouse's runs delete the other's partitions.
    """
    wh = Path(warehouse_dir or os.environ.get("WAREHOUSE_DIR") or DEFAULT_WAREHOUSE_DIR).expanduser().resolve()
    return PROJECT_DAGSTER_HOME if wh == DEFAULT_WAREHOUSE_DIR.resolve() else wh / WAREHOUSE_DAGSTER_HOME


# Variables holding a local path, made absolute by the scripts (DuckLake ones only when they name a file).
PATH_VARIABLES = ("SEEDS_DIR", "WAREHOUSE_DIR", "DAGSTER_HOME", "DUCKLAKE_DATA_PATH", "DUCKLAKE_CATALOG")


def _absolute(value: str, cwd: str | os.PathLike) -> str:
    return str(Path(cwd, Path(value).expanduser()).resolve())


def _local_catalog(value: str) -> tuple[str, str] | None:
    """(prefix, path) when a DUCKLAKE_CATALOG value names a local file (sqlite:PATH or a DuckDB file), else None."""
    body = value.removeprefix("ducklake:")
    prefix = value[: len(value) - len(body)]
    if body.startswith("sqlite:") and not body.startswith("sqlite::"):
        return prefix + "sqlite:", body.removeprefix("sqlite:")
    if ":" in body or "=" in body:  # postgres:…, a URL, :memory:, a connection string
        return None
    return prefix, body


def script_environment(environ: dict[str, str] | None = None, cwd: str | os.PathLike | None = None) -> dict[str, str]:
    """The path variables the scripts export: relative ones made absolute against ``cwd`` (the
    caller's directory, before the script changes to the project root), and ``DAGSTER_HOME``
    defaulted by :func:`default_dagster_home`. Unset variables stay unset (their defaults are
    the project's folders); URLs (``s3://…``) and PostgreSQL catalogs are left as they are."""
    environ = dict(os.environ if environ is None else environ)
    cwd = os.getcwd() if cwd is None else cwd
    out: dict[str, str] = {}
    for name in PATH_VARIABLES:
        value = environ.get(name, "").strip()
        if not value:
            continue
        if name == "DUCKLAKE_DATA_PATH" and "://" in value:
            continue
        if name == "DUCKLAKE_CATALOG":
            local = _local_catalog(value)
            if local is None or not local[1]:
                continue
            out[name] = local[0] + _absolute(local[1], cwd)
            continue
        out[name] = _absolute(value, cwd)
    if "DAGSTER_HOME" not in out:
        out["DAGSTER_HOME"] = str(default_dagster_home(out.get("WAREHOUSE_DIR") or DEFAULT_WAREHOUSE_DIR))
    return out
