"""The one resource: where the seeds are and where the warehouse lives.

Values come, in order, from the run's resource config (launchpad), the
environment (``SEEDS_DIR``, ``WAREHOUSE_DIR``) and the project defaults; see
``etl/config.py``. Nothing connects at import time.

Runs write to the staging database; only the publish step touches the
published snapshot (``warehouse.duckdb``), and only by renaming a finished copy
over it (see ``etl/publish.py``).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

import dagster as dg
import duckdb

from etl.config import Settings
from etl.warehouse import connect, ensure_schema

WRITER_POOL = "duckdb_writer"


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB warehouse and its input folder."""

    seeds_dir: Optional[str] = None
    warehouse_dir: Optional[str] = None

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.seeds_dir, self.warehouse_dir)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short connection to the staging database (the one runs write)."""
        path = self.settings.staging_db_path
        if read_only and not path.exists():
            with connect(path) as conn:
                ensure_schema(conn)
        with connect(path, read_only=read_only) as conn:
            if not read_only:
                ensure_schema(conn)
            yield conn
