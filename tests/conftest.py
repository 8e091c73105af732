from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from etl.config import Settings

PROJECT = Path(__file__).resolve().parent.parent
SEEDS = PROJECT / "seeds"


def run_job(seeds_dir: Path, warehouse_dir: Path, **op_config) -> dg.ExecuteInProcessResult:
    """Run warehouse_job in-process exactly as the UI would, with launchpad-style resource config."""
    from assets.definitions import defs
    from assets.partitions import range_tags, sync_partitions

    run_config: dict = {
        "resources": {"warehouse": {"config": {"seeds_dir": str(seeds_dir), "warehouse_dir": str(warehouse_dir)}}},
        "loggers": {"console": {"config": {"log_level": "WARNING"}}},
    }
    if op_config:
        run_config["ops"] = {op: {"config": cfg} for op, cfg in op_config.items()}
    with dg.instance_for_test() as instance:
        keys = sync_partitions(instance, Path(seeds_dir))
        return defs.resolve_job_def("warehouse_job").execute_in_process(
            run_config=run_config, instance=instance, tags=range_tags(keys))


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Settings:
    """The whole graph, once, on a copy of the five seed pages."""
    root = tmp_path_factory.mktemp("built")
    seeds = root / "seeds"
    shutil.copytree(SEEDS, seeds)
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
