"""Fixtures only; the shared helpers are in tests/support/ (re-exported here for older imports)."""

from __future__ import annotations

import dagster as dg
import pytest

from etl.config import Settings
from tests.support.jobs import run_job
from tests.support.seeds import PROJECT, SEEDS, copy_seeds

__all__ = ["PROJECT", "SEEDS", "run_job", "built", "db"]


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Settings:
    """The whole graph, once, on a copy of the five seed pages (graph depth: its users are ``e2e``)."""
    root = tmp_path_factory.mktemp("built")
    seeds = copy_seeds(root / "seeds")
    result = run_job(seeds, root / "warehouse")
    assert result.success
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in result.get_asset_check_evaluations()
              if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    assert failed == []
    return Settings(seeds_dir=seeds, warehouse_dir=root / "warehouse")


@pytest.fixture()
def db(built: Settings):
    import duckdb

    conn = duckdb.connect(str(built.db_path), read_only=True)
    yield conn
    conn.close()


def pytest_collection_modifyitems(items):
    """Every test that needs the ``built`` warehouse (directly or through ``db``) runs the whole job: ``e2e``."""
    for item in items:
        if "built" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
