"""One place for configuration.

Every path the product uses is derived here from two environment variables
(with defaults relative to the project root), so the same code runs on the
shipped seeds, a test folder, a second warehouse or a mounted volume:

- ``SEEDS_DIR``      input pages (default ``<project>/seeds``)
- ``WAREHOUSE_DIR``  DuckDB files, Parquet exports (default ``<project>/warehouse``):
  runs write ``staging/warehouse.duckdb`` and publish a copy as
  ``warehouse.duckdb`` (see docs/operations.md, "Concurrency")

Dagster's resource config (launchpad) can override both per run; see
``assets/resources.py``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DB_FILENAME = "warehouse.duckdb"

# Bump when parsing/extraction logic changes so that already-processed files
# are re-derived on the next run (the cleaned/modeled layers store it per row).
PIPELINE_VERSION = "2026.11.29-2"


@dataclass(frozen=True)
class Settings:
    seeds_dir: Path
    warehouse_dir: Path

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
        seeds = seeds_dir or os.environ.get("SEEDS_DIR") or str(PROJECT_ROOT / "seeds")
        wh = warehouse_dir or os.environ.get("WAREHOUSE_DIR") or str(PROJECT_ROOT / "warehouse")
        return cls(seeds_dir=Path(seeds).expanduser().resolve(), warehouse_dir=Path(wh).expanduser().resolve())
