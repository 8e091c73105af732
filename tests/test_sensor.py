"""Asset depth: the seeds sensor registers files as partitions and runs just what changed."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.definitions import defs
from assets.partitions import seed_files
from assets.resources import WarehouseResource
from assets.sensors import seeds_folder_sensor
from tests.support.jobs import run_job
from tests.support.seeds import SEEDS, copy_seeds

PAGES = sorted(SEEDS.glob("*.txt"))


def tick(instance, warehouse, cursor):
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": warehouse})
    result = seeds_folder_sensor(ctx)
    return result, ctx.cursor


def apply(instance, result: dg.SensorResult) -> None:
    for req in result.dynamic_partitions_requests or []:
        if isinstance(req, dg.AddDynamicPartitionsRequest):
            instance.add_dynamic_partitions(req.partitions_def_name, list(req.partition_keys))
        else:
            for key in req.partition_keys:
                instance.delete_dynamic_partition(req.partitions_def_name, key)


def execute(instance, warehouse, request: dg.RunRequest) -> dg.ExecuteInProcessResult:
    result = defs.resolve_job_def("warehouse_job").execute_in_process(
        instance=instance, partition_key=request.partition_key, tags=request.tags,
        resources={"warehouse": warehouse},
    )
    assert result.success
    return result


def raw_partitions(result: dg.ExecuteInProcessResult) -> set[str]:
    return {e.partition for e in result.get_asset_materialization_events()
            if e.asset_key == dg.AssetKey(["raw", "source_files"])} if result else set()


def titles_by_path(db: Path) -> dict[str, set[str]]:
    with duckdb.connect(str(db), read_only=True) as c:
        rows = c.execute("SELECT s.path, a.title FROM cleaned.articles a JOIN raw.source_files s USING (file_id)").fetchall()
    out: dict[str, set[str]] = {}
    for path, title in rows:
        out.setdefault(path, set()).add(title)
    return out


@pytest.mark.e2e
def test_add_change_remove_through_the_sensor(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    db = tmp_path / "wh" / "warehouse.duckdb"
    with dg.instance_for_test() as instance:
        # nothing there: nothing to do
        result, cursor = tick(instance, warehouse, None)
        assert isinstance(result, dg.SkipReason)

        # first file: registered as a partition, one run for it alone
        shutil.copy(PAGES[0], seeds / "a.txt")
        result, cursor = tick(instance, warehouse, cursor)
        apply(instance, result)
        assert instance.get_dynamic_partitions(seed_files.name) == ["a.txt"]
        assert [r.partition_key for r in result.run_requests] == ["a.txt"]
        assert raw_partitions(execute(instance, warehouse, result.run_requests[0])) == {"a.txt"}

        # a second file in a subfolder: a run for that file alone; a's rows untouched
        (seeds / "day2").mkdir()
        shutil.copy(PAGES[1], seeds / "day2" / "b.txt")
        result, cursor = tick(instance, warehouse, cursor)
        apply(instance, result)
        assert [r.partition_key for r in result.run_requests] == ["day2/b.txt"]
        run = execute(instance, warehouse, result.run_requests[0])
        assert raw_partitions(run) == {"day2/b.txt"}
        files_read = [e.materialization.metadata["files_read"].value for e in run.get_asset_materialization_events()
                      if e.asset_key == dg.AssetKey(["raw", "source_files"])]
        assert files_read == [1]
        titles = titles_by_path(db)
        assert "西海岸新质生产力中心启动运行" in titles["day2/b.txt"]
        assert "上合示范区党工委第105次会议召开" in titles["a.txt"]

        # nothing changed: skip
        result, cursor = tick(instance, warehouse, cursor)
        assert isinstance(result, dg.SkipReason)

        # b changes (same path, new bytes): a run for b; its rows are replaced
        (seeds / "day2" / "b.txt").write_bytes(PAGES[4].read_bytes())
        os.utime(seeds / "day2" / "b.txt", ns=(1_000_000_000, 1_000_000_000))
        result, cursor = tick(instance, warehouse, cursor)
        assert [r.partition_key for r in result.run_requests] == ["day2/b.txt"]
        execute(instance, warehouse, result.run_requests[0])
        titles = titles_by_path(db)
        assert "西海岸新质生产力中心启动运行" not in titles["day2/b.txt"]
        assert "青岛首单创新创业公司债券发行" in titles["day2/b.txt"]

        # a is removed: its partition is deleted and a catch-up run retires its rows
        (seeds / "a.txt").unlink()
        result, cursor = tick(instance, warehouse, cursor)
        apply(instance, result)
        assert instance.get_dynamic_partitions(seed_files.name) == ["day2/b.txt"]
        assert len(result.run_requests) == 1 and result.run_requests[0].partition_key is None
        execute(instance, warehouse, result.run_requests[0])
        titles = titles_by_path(db)
        assert "a.txt" not in titles and "day2/b.txt" in titles
        with duckdb.connect(str(db), read_only=True) as c:
            assert c.execute("SELECT count(*) FROM modeled.fact_articles WHERE file_id NOT IN "
                             "(SELECT file_id FROM raw.source_files)").fetchone()[0] == 0


def test_many_new_files_become_one_catch_up_run(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(25):
        (seeds / f"p{i:02d}.txt").write_text(f"# 标题{i}\n\n本报讯 第{i}条新闻。\n", encoding="utf-8")
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        result, _ = tick(instance, warehouse, None)
        assert len(result.run_requests) == 1
        tags = result.run_requests[0].tags
        assert (tags["dagster/asset_partition_range_start"], tags["dagster/asset_partition_range_end"]) == ("p00.txt", "p24.txt")


def accounted(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    [e] = [e for e in result.get_asset_check_evaluations() if e.check_name == "every_file_accounted"]
    return e


@pytest.mark.e2e
def test_two_files_at_once_each_run_answers_for_its_own_file(tmp_path):
    """Two new files → two per-file runs; the first must not fail the accounting check over the
    second file, which is still waiting for its own run."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(PAGES[0], seeds / "a.txt")
    shutil.copy(PAGES[1], seeds / "b.txt")
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        result, _ = tick(instance, warehouse, None)
        apply(instance, result)
        assert sorted(r.partition_key for r in result.run_requests) == ["a.txt", "b.txt"]
        first = execute(instance, warehouse, result.run_requests[0])
        check = accounted(first)
        assert check.passed, check.metadata
        assert check.metadata["missing_from_table"].value == ""
        assert accounted(execute(instance, warehouse, result.run_requests[1])).passed
        assert set(titles_by_path(tmp_path / "wh" / "warehouse.duckdb")) == {"a.txt", "b.txt"}


@pytest.mark.e2e
def test_a_file_arriving_mid_run_is_left_for_the_next_run_but_a_skipped_file_fails(tmp_path, monkeypatch):
    import assets.raw as raw_asset

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(PAGES[0], seeds / "a.txt")
    real_sync = raw_asset.sync_source_files

    def sync_then_a_file_lands(conn, seeds_dir, paths=None, **k):
        stats = real_sync(conn, seeds_dir, paths, **k)
        shutil.copy2(PAGES[1], Path(seeds_dir) / "late.txt")  # keeps the old mtime; ctime is now
        return stats

    monkeypatch.setattr(raw_asset, "sync_source_files", sync_then_a_file_lands)
    result = run_job(seeds, tmp_path / "wh")
    check = accounted(result)
    assert result.success and check.passed, check.metadata  # late.txt is not one of this run's partitions
    assert check.metadata["missing_from_table"].value == ""

    # a file that was there all along but never reached the table is a silent skip: blocking failure
    shutil.copy(PAGES[2], seeds / "skipped.txt")

    def sync_skipping(conn, seeds_dir, paths=None, **k):
        return real_sync(conn, seeds_dir, [p for p in (paths or []) if p != "skipped.txt"] or None, **k)

    monkeypatch.setattr(raw_asset, "sync_source_files", sync_skipping)
    with pytest.raises(Exception, match="every_file_accounted"):
        run_job(seeds, tmp_path / "wh2")


@pytest.mark.e2e
def test_first_tick_after_run_sh_runs_nothing_the_warehouse_holds(tmp_path):
    """Issue 16, item 7: starting the UI after run.sh must not re-run every file as new. The sensor's first
    tick (empty cursor) compares unseen files with the published warehouse by size and sha256."""
    seeds = copy_seeds(tmp_path / "seeds")
    assert run_job(seeds, tmp_path / "wh").success  # what scripts/run.sh does
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        for p in PAGES:  # run.sh registered the partitions in the project's instance
            instance.add_dynamic_partitions(seed_files.name, [p.name])
        result, cursor = tick(instance, warehouse, None)
        assert isinstance(result, dg.SkipReason), result
        assert "5 already in the warehouse" in result.skip_message
        assert set(json.loads(cursor)) == {p.name for p in PAGES}  # remembered: the next tick is cheap
        # a file whose bytes differ from the warehouse's copy is still run, and a new one too
        (seeds / PAGES[0].name).write_bytes(PAGES[0].read_bytes() + "\n本报讯 补充一段。\n".encode())
        shutil.copy(PAGES[1], seeds / "new.txt")
        result, _ = tick(instance, warehouse, None)
        assert sorted(r.partition_key for r in result.run_requests) == sorted(["new.txt", PAGES[0].name])


@pytest.mark.e2e
def test_a_partition_without_a_file_reads_nothing_and_says_so(tmp_path):
    """Issue 16, item 3: a key made with the UI's "Add a partition" names no file: its run reads nothing,
    retires nothing of the other files, and the partition's metadata says so; the sensor then deletes it."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(PAGES[0], seeds / "a.txt")
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        result, cursor = tick(instance, warehouse, None)
        apply(instance, result)
        execute(instance, warehouse, result.run_requests[0])
        instance.add_dynamic_partitions(seed_files.name, ["typo.txt"])
        run = execute(instance, warehouse, dg.RunRequest(partition_key="typo.txt"))
        [mat] = [e.materialization for e in run.get_asset_materialization_events()
                 if e.asset_key == dg.AssetKey(["raw", "source_files"])]
        assert mat.metadata["files_read"].value == 0
        assert mat.metadata["dagster/row_count"].value == 0
        assert mat.metadata["outcome"].value.startswith("no such file")
        assert set(titles_by_path(tmp_path / "wh" / "warehouse.duckdb")) == {"a.txt"}
        result, _ = tick(instance, warehouse, cursor)
        apply(instance, result)
        assert instance.get_dynamic_partitions(seed_files.name) == ["a.txt"]
