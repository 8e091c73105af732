"""The one resource: where the seeds are, where the warehouse lives, and on which backend.

Values come, in order, from the run's resource config (launchpad), the
environment (``SEEDS_DIR``, ``WAREHOUSE_DIR``, ``WAREHOUSE_BACKEND`` …) and the
project defaults, parsed once per run by ``etl.config.Settings``. The backend
(``etl.backends``: embedded DuckDB file or DuckLake) is a field like the
folders, so one run can be pointed at the lake from the launchpad. Nothing
reads the environment or connects at import time.

Runs write to the staging database (or the lake); only the publish step
touches what readers see (see ``etl/publish.py``, ``etl/backends.py``).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Optional

import dagster as dg
import duckdb
from pydantic import Field

from etl.backends import Backend, backend_for
from etl.config import Settings

# Pools are the same on both backends (a step's pool cannot change per run); what they protect differs:
# - WRITER_POOL: steps that rebuild whole tables (dimensions, publish and exports, the report). Limit 1
#   (the project's dagster.yaml): on DuckLake two runs must not rebuild a dimension at once.
# - PARTITION_POOL: the partitioned steps (raw, cleaned, facts). On DuckLake their writes are scoped to
#   the run's own files, so runs over different files write at once; the pool's limit is how many
#   (`dagster instance concurrency set partition_writer N`; `python -m assets.cli --runs N` raises it).
# On the embedded backend the staging file takes one writer at a time whatever the pools allow: every
# connection holds its writer lock (etl.backends.EmbeddedBackend), so a partitioned step of one run and
# a whole-table step of another take turns on the file.
WRITER_POOL = "duckdb_writer"
PARTITION_POOL = "partition_writer"
# Asset checks only read (DuckLake readers see committed snapshots; embedded readers take the file lock).
CHECK_POOL = None


class WarehouseResource(dg.ConfigurableResource):
    """DuckDB warehouse, its input folder and its backend."""

    seeds_dir: Optional[str] = Field(default=None, description="input pages (default SEEDS_DIR or <project>/seeds)")
    warehouse_dir: Optional[str] = Field(
        default=None, description="DuckDB files and Parquet exports (default WAREHOUSE_DIR or <project>/warehouse)")
    backend: Optional[str] = Field(
        default=None, description="embedded (one DuckDB file) or ducklake (DUCKLAKE_CATALOG, DUCKLAKE_DATA_PATH); "
                                  "default WAREHOUSE_BACKEND or embedded")
    lake_catalog: Optional[str] = Field(
        default=None, description="ducklake: the catalog, e.g. 'postgres:dbname=news host=db' or "
                                  "'sqlite:/srv/lake/catalog.sqlite' (default DUCKLAKE_CATALOG)")
    lake_data_path: Optional[str] = Field(
        default=None, description="ducklake: where the Parquet files go, a folder or s3://… "
                                  "(default DUCKLAKE_DATA_PATH or <warehouse_dir>/lake/)")

    @property
    def settings(self) -> Settings:
        return Settings.from_env(self.seeds_dir, self.warehouse_dir, self.backend, self.lake_catalog,
                                 self.lake_data_path)

    @property
    def backend_impl(self) -> Backend:
        return backend_for(self.settings)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short connection to the database runs write (staging file or lake), schema in place.
        A damaged staging database is set aside and rebuilt on open (etl.warehouse): said in the run log."""
        with self.backend_impl.session(read_only=read_only, warn=dg.get_dagster_logger().warning) as conn:
            yield conn
