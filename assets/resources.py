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
from etl.lake import is_lake
from etl.warehouse import ensure_schema, open_warehouse

WRITER_POOL = "duckdb_writer"
# The partitioned steps (raw, cleaned, facts). Embedded: the same single-writer pool. DuckLake: their
# writes are scoped to the run's own files, so runs over different files write at once; the pool's
# limit is how many (`dagster instance concurrency set lake_partition_writer N`; `python -m assets.cli
# --runs N` raises it to N).
PARTITION_POOL = "lake_partition_writer" if is_lake() else WRITER_POOL
# Asset checks only read. Embedded: they open the staging file, so they queue with the writers.
# DuckLake: readers see committed snapshots, so checks need no pool.
CHECK_POOL = None if is_lake() else WRITER_POOL


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB warehouse and its input folder."""

    seeds_dir: Optional[str] = None
    warehouse_dir: Optional[str] = None

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.seeds_dir, self.warehouse_dir)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short connection to the database runs write: the staging file, or the lake."""
        settings = self.settings
        # a damaged staging database is set aside and rebuilt on open (etl.warehouse): say so in the run log
        warn = dg.get_dagster_logger().warning
        if read_only and not is_lake() and not settings.staging_db_path.exists():
            with open_warehouse(settings, warn=warn) as conn:
                ensure_schema(conn)
        with open_warehouse(settings, read_only=read_only, warn=warn) as conn:
            if not read_only:
                ensure_schema(conn)
            yield conn
