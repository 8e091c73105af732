"""Asset depth: the seeds sensor runs the shard of each new or changed file, and nothing else."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from assets.definitions import defs
from assets.partitions import SHARD_KEYS, all_shards_tags, shard_of
from assets.resources import WarehouseResource
from assets.sensors import seeds_folder_sensor
from tests.support.jobs import run_job
from tests.support.seeds import SEEDS, copy_seeds

PAGES = sorted(SEEDS.glob("*.txt"))


def tick(instance, warehouse, cursor):
    ctx = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": warehouse})
    result = seeds_folder_sensor(ctx)
    return result, ctx.cursor


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


def raw_shard_metadata(result: dg.ExecuteInProcessResult) -> dict[str, dict]:
    return {e.partition: {k: v.value for k, v in e.materialization.metadata.items()}
            for e in result.get_asset_materialization_events() if e.asset_key == dg.AssetKey(["raw", "source_files"])}


@pytest.mark.e2e
def test_add_change_remove_through_the_sensor(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    db = tmp_path / "wh" / "warehouse.duckdb"
    assert shard_of("a.txt") != shard_of("day3/b.txt")  # the test relies on two shards
    with dg.instance_for_test() as instance:
        # nothing there: nothing to do
        result, cursor = tick(instance, warehouse, None)
        assert isinstance(result, dg.SkipReason)

        # first file: one run for its shard alone
        shutil.copy(PAGES[0], seeds / "a.txt")
        result, cursor = tick(instance, warehouse, cursor)
        assert [r.partition_key for r in result.run_requests] == [shard_of("a.txt")]
        assert raw_partitions(execute(instance, warehouse, result.run_requests[0])) == {shard_of("a.txt")}

        # a second file in a subfolder: a run for its shard alone; a's rows untouched
        (seeds / "day3").mkdir()
        shutil.copy(PAGES[1], seeds / "day3" / "b.txt")
        result, cursor = tick(instance, warehouse, cursor)
        assert [r.partition_key for r in result.run_requests] == [shard_of("day3/b.txt")]
        run = execute(instance, warehouse, result.run_requests[0])
        meta = raw_shard_metadata(run)
        assert list(meta) == [shard_of("day3/b.txt")]
        assert (meta[shard_of("day3/b.txt")]["files_read"], meta[shard_of("day3/b.txt")]["files_added"]) == (1, 1)
        titles = titles_by_path(db)
        assert "西海岸新质生产力中心启动运行" in titles["day3/b.txt"]
        assert "上合示范区党工委第105次会议召开" in titles["a.txt"]

        # nothing changed: skip
        result, cursor = tick(instance, warehouse, cursor)
        assert isinstance(result, dg.SkipReason)

        # b changes (same path, new bytes): a run for b's shard; its rows are replaced
        (seeds / "day3" / "b.txt").write_bytes(PAGES[4].read_bytes())
        os.utime(seeds / "day3" / "b.txt", ns=(1_000_000_000, 1_000_000_000))
        result, cursor = tick(instance, warehouse, cursor)
        assert [r.partition_key for r in result.run_requests] == [shard_of("day3/b.txt")]
        execute(instance, warehouse, result.run_requests[0])
        titles = titles_by_path(db)
        assert "西海岸新质生产力中心启动运行" not in titles["day3/b.txt"]
        assert "青岛首单创新创业公司债券发行" in titles["day3/b.txt"]

        # a is removed: one catch-up run over every shard retires its rows
        (seeds / "a.txt").unlink()
        result, cursor = tick(instance, warehouse, cursor)
        assert len(result.run_requests) == 1 and result.run_requests[0].partition_key is None
        assert result.run_requests[0].tags["dagster/asset_partition_range_start"] == SHARD_KEYS[0]
        execute(instance, warehouse, result.run_requests[0])
        titles = titles_by_path(db)
        assert "a.txt" not in titles and "day3/b.txt" in titles
        with duckdb.connect(str(db), read_only=True) as c:
            assert c.execute("SELECT count(*) FROM modeled.fact_articles WHERE file_id NOT IN "
                             "(SELECT file_id FROM raw.source_files)").fetchone()[0] == 0


@pytest.mark.e2e
def test_a_new_file_reads_its_shard_and_skips_the_unchanged_files_there(tmp_path):
    """A shard's run reads every file of the shard, but only a new one is added: the other is unchanged
    (content hash), its rows and ingested_at kept."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    names = [n for n in (f"f{i}.txt" for i in range(200)) if shard_of(n) == shard_of("a.txt")][:2]
    shutil.copy(PAGES[0], seeds / names[0])
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        result, cursor = tick(instance, warehouse, None)
        execute(instance, warehouse, result.run_requests[0])
        with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as c:
            first = c.execute("SELECT ingested_at FROM raw.source_files WHERE path = ?", [names[0]]).fetchone()
        shutil.copy(PAGES[1], seeds / names[1])
        result, cursor = tick(instance, warehouse, cursor)
        [request] = result.run_requests
        meta = raw_shard_metadata(execute(instance, warehouse, request))[shard_of("a.txt")]
        assert (meta["files_read"], meta["files_added"], meta["files_unchanged"]) == (2, 1, 1)
        with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as c:
            assert c.execute("SELECT ingested_at FROM raw.source_files WHERE path = ?", [names[0]]).fetchone() == first
        assert set(titles_by_path(tmp_path / "wh" / "warehouse.duckdb")) == set(names)


def test_many_new_files_become_one_catch_up_run(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for i in range(25):
        (seeds / f"p{i:02d}.txt").write_text(f"# 标题{i}\n\n本报讯 第{i}条新闻。\n", encoding="utf-8")
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        result, _ = tick(instance, warehouse, None)
        assert len(result.run_requests) == 1
        assert result.run_requests[0].tags == {**all_shards_tags(), "trigger": "seeds_folder_sensor:catch-up"}


def test_a_few_new_files_get_one_run_per_shard(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    names = [f"p{i:02d}.txt" for i in range(6)]
    for n in names:
        (seeds / n).write_text("# 标题\n\n本报讯 新闻。\n", encoding="utf-8")
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        result, _ = tick(instance, warehouse, None)
        assert sorted(r.partition_key for r in result.run_requests) == sorted({shard_of(n) for n in names})


def accounted(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    [e] = [e for e in result.get_asset_check_evaluations() if e.check_name == "every_file_accounted"]
    return e


@pytest.mark.e2e
def test_two_files_at_once_each_run_answers_for_its_own_file(tmp_path):
    """Two new files in two shards → two runs; the first must not fail the accounting check over the
    second file, which is still waiting for its own shard's run."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(PAGES[0], seeds / "a.txt")
    shutil.copy(PAGES[1], seeds / "b.txt")
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        result, _ = tick(instance, warehouse, None)
        assert sorted(r.partition_key for r in result.run_requests) == sorted([shard_of("a.txt"), shard_of("b.txt")])
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
    assert result.success and check.passed, check.metadata  # late.txt arrived after the run started
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
        result, cursor = tick(instance, warehouse, None)
        assert isinstance(result, dg.SkipReason), result
        assert "5 already in the warehouse" in result.skip_message
        assert set(json.loads(cursor)) == {p.name for p in PAGES}  # remembered: the next tick is cheap
        # a file whose bytes differ from the warehouse's copy is still run, and a new one too
        (seeds / PAGES[0].name).write_bytes(PAGES[0].read_bytes() + "\n本报讯 补充一段。\n".encode())
        shutil.copy(PAGES[1], seeds / "new.txt")
        result, _ = tick(instance, warehouse, None)
        assert sorted(r.partition_key for r in result.run_requests) == sorted({shard_of("new.txt"),
                                                                                shard_of(PAGES[0].name)})


@pytest.mark.e2e
def test_a_shard_without_files_reads_nothing_and_retires_nothing(tmp_path):
    """A backfill of a shard that holds no file (selected in the UI): its run reads nothing, retires
    nothing of the other files, and its partition's metadata says 0 files."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    shutil.copy(PAGES[0], seeds / "a.txt")
    empty = next(k for k in SHARD_KEYS if k != shard_of("a.txt"))
    warehouse = WarehouseResource(seeds_dir=str(seeds), warehouse_dir=str(tmp_path / "wh"))
    with dg.instance_for_test() as instance:
        result, cursor = tick(instance, warehouse, None)
        execute(instance, warehouse, result.run_requests[0])
        run = execute(instance, warehouse, dg.RunRequest(partition_key=empty))
        meta = raw_shard_metadata(run)[empty]
        assert (meta["files_read"], meta["dagster/row_count"]) == (0, 0)
        assert set(titles_by_path(tmp_path / "wh" / "warehouse.duckdb")) == {"a.txt"}


@pytest.mark.e2e
def test_events_of_a_full_run_do_not_grow_with_the_number_of_files(tmp_path):
    """Issue 14: a run writes one materialization per asset per shard, whatever the number of files:
    5 files and 30 files give the same number of Dagster events of each kind that could scale."""
    small = copy_seeds(tmp_path / "small")
    large = tmp_path / "large"
    large.mkdir()
    for i in range(6):
        for p in PAGES:
            shutil.copy(p, large / f"{i}_{p.name}")
    counts = []
    for seeds in (small, large):
        run = run_job(seeds, tmp_path / f"wh-{seeds.name}")
        kinds = {}
        for e in run.all_events:
            kinds[e.event_type_value] = kinds.get(e.event_type_value, 0) + 1
        counts.append(kinds)
    assets = len(list(defs.resolve_asset_graph().get_all_asset_keys()))
    assert counts[0]["ASSET_MATERIALIZATION"] == counts[1]["ASSET_MATERIALIZATION"] == assets * len(SHARD_KEYS)
    assert counts[0] == counts[1]
