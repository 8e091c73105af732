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
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Settings:
    seeds_dir: Path
    warehouse_dir: Path

    def __post_init__(self) -> None:
        if "?" in str(self.warehouse_dir):
            raise ValueError(
                f"WAREHOUSE_DIR {str(self.warehouse_dir)!r} contains '?': DuckDB reads '?' in a database path as "
                "the start of URL parameters and would write the database's log elsewhere; "
                "choose a folder name without '?'")

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

    @classmethod
    def from_env(cls, seeds_dir: str | None = None, warehouse_dir: str | None = None) -> "Settings":
        seeds = seeds_dir or os.environ.get("SEEDS_DIR") or str(DEFAULT_SEEDS_DIR)
        wh = warehouse_dir or os.environ.get("WAREHOUSE_DIR") or str(DEFAULT_WAREHOUSE_DIR)
        return cls(seeds_dir=Path(seeds).expanduser().resolve(), warehouse_dir=Path(wh).expanduser().resolve())


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
