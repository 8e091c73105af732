"""The Definitions object the UI loads: a broken graph fails here before it fails in the UI."""

import dagster as dg
import pytest

from assets.definitions import defs


def test_definitions_load_and_validate():
    dg.Definitions.validate_loadable(defs)


def test_asset_graph_layers():
    graph = defs.resolve_asset_graph()
    groups = {key.to_user_string(): graph.get(key).group_name for key in graph.get_all_asset_keys()}
    assert {g for g in groups.values()} == {"raw", "cleaned", "modeled", "exports"}
    # the asset key prefix is the DuckDB schema (or 'exports' for Parquet)
    for key, group in groups.items():
        assert key.split("/")[0] == group
    for table in ["raw/source_files", "cleaned/articles", "cleaned/pages", "cleaned/paragraphs",
                  "modeled/dim_date", "modeled/dim_outlet", "modeled/dim_district",
                  "modeled/fact_articles", "modeled/fact_metrics", "exports/fact_metrics"]:
        assert table in groups


def test_writers_are_in_two_pools_whatever_the_backend():
    """Pools are static (the backend is chosen per run): the partitioned steps (raw, cleaned, facts) in
    partition_writer, whole-table steps in duckdb_writer; checks take none (etl.backends serialises the
    embedded staging file itself)."""
    from assets.modeled import FACT_NAMES

    graph = defs.resolve_asset_graph()
    partitioned = {("raw", "source_files")} | {("cleaned", t) for t in ("pages", "articles", "paragraphs")} | \
        {("modeled", t) for t in FACT_NAMES}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if key.path == ["exports", "report"]:  # reads the published snapshot, writes only its own folder
            expected = set()
        else:
            expected = {"partition_writer"} if tuple(key.path) in partitioned else {"duckdb_writer"}
        assert node.pools == expected, key
    job = defs.resolve_job_def("warehouse_job")
    assert {n.pool for n in job.graph.node_defs if "_checks" in n.name} == {None}


def test_job_schedule_sensor():
    job = defs.resolve_job_def("warehouse_job")
    assert job is not None
    schedule = defs.resolve_schedule_def("daily_warehouse_refresh")
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    sensor = defs.resolve_sensor_def("seeds_folder_sensor")
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_exports_follow_the_publish_in_one_step():
    """The Parquet exports are written by the step that publishes warehouse.duckdb, after it: a failed
    publish never lets the `exports` link move ahead of the published database (issue 17, fault 9)."""
    from etl.export import MARTS_VIEWS
    from etl.warehouse import MODELED_TABLES

    snapshot = dg.AssetKey(["exports", "warehouse_snapshot"])
    step = defs.resolve_assets_def(snapshot)
    exports = [dg.AssetKey(["exports", n]) for n in MODELED_TABLES + MARTS_VIEWS]
    assert set(exports) | {snapshot} == set(step.keys)
    assert not step.can_subset  # no way to run the exports without the publish
    assert step.op.name == "publish_and_export"
    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["exports", "report"])).parent_keys & set(step.keys)  # the report comes after


def test_every_asset_shares_the_file_partitions_and_the_single_run_policy():
    """A backfill or "Materialize all" from the UI is one run: Dagster never runs an unpartitioned asset, or
    one with another backfill policy, in the same run as its partitioned parents (issue 16, item 1)."""
    from assets.partitions import SINGLE_RUN, file_shards

    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.partitions_def == file_shards, key
        assert node.backfill_policy == SINGLE_RUN, key


def test_the_ui_runs_with_the_jobs_executor():
    """The asset graph's own buttons launch __ASSET_JOB, which runs with the Definitions' executor: the
    same as warehouse_job's (in-process on the embedded backend), not one process per step."""
    from assets.jobs import EXECUTOR

    assert defs.executor is EXECUTOR
    job = defs.resolve_implicit_global_asset_job_def()
    assert job.executor_def.name == defs.resolve_job_def("warehouse_job").executor_def.name == EXECUTOR.name


def test_checks_run_in_one_step_per_layer_with_a_key_check_per_table():
    """Issue 16, item 4: one check step per layer (and dependency level), not one per check. The unique_* checks are defined on both backends
    (chosen per run) and query only on DuckLake; embedded runs pass them as enforced by the PRIMARY KEYs."""
    from etl import contract

    job = defs.resolve_job_def("warehouse_job")
    check_ops = sorted(n.name for n in job.graph.node_defs if "_checks" in n.name)
    # one multi-asset check per layer; Dagster runs the modeled one as 3 steps, because its blocking key
    # checks on the dimensions gate the fact build, whose own checks come after it
    assert check_ops == ["cleaned_checks", "modeled_checks", "modeled_checks", "modeled_checks", "raw_checks"]
    names = {k.name for k in defs.resolve_asset_graph().asset_check_keys}
    unique = {k for k in defs.resolve_asset_graph().asset_check_keys if k.name.startswith("unique_")}
    assert {k.asset_key.to_user_string().replace("/", ".") for k in unique} == \
        {t for s in ("raw", "cleaned", "modeled") for t in contract.tables(s)}
    assert {"every_file_accounted", "year_known", "keys_resolve", "surface_in_text"} <= names


@pytest.mark.e2e
def test_partition_metadata_is_the_files_own_and_never_sums_across_units(tmp_path):
    """Issue 16, items 2 and 6 (partitions are shards since issue 14): a partition's materialization reports
    its shard's files' rows and counts (the whole table under table_rows); metrics per unit are split by unit
    kind and base unit, percentages not added."""
    import duckdb

    from assets.partitions import SHARD_KEYS, shard_of
    from tests.support.jobs import run_job
    from tests.support.seeds import copy_seeds

    seeds = copy_seeds(tmp_path / "seeds")
    result = run_job(seeds, tmp_path / "wh")
    assert result.success
    mats: dict[str, dict[str, dict]] = {}
    for e in result.get_asset_materialization_events():
        m = e.materialization
        mats.setdefault(m.asset_key.to_user_string(), {})[m.partition] = {k: v.value for k, v in m.metadata.items()}
    names = sorted(p.name for p in seeds.glob("*.txt"))
    assert sorted(mats["raw/source_files"]) == SHARD_KEYS  # every shard, those without files too
    files = {k: [n for n in names if shard_of(n) == k] for k in SHARD_KEYS}
    for key in SHARD_KEYS:
        raw = mats["raw/source_files"][key]
        n = len(files[key])
        assert (raw["files_read"], raw["files_ok"], raw["dagster/row_count"], raw["files_added"]) == (n, n, n, n)
        assert raw["table_rows"] == len(names)
    with duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True) as c:
        for table, asset in [("cleaned.articles", "cleaned/articles"), ("modeled.fact_articles", "modeled/fact_articles")]:
            per_file = dict(c.execute(f"SELECT s.path, count(*) FROM raw.source_files s JOIN {table} USING (file_id) "
                                      "GROUP BY 1").fetchall())
            per_shard = {k: sum(per_file.get(n, 0) for n in files[k]) for k in SHARD_KEYS}
            total = c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert {k: v["dagster/row_count"] for k, v in mats[asset].items()} == per_shard
            assert {v["table_rows"] for v in mats[asset].values()} == {total}
        per_file = dict(c.execute("SELECT s.path, count(*) FROM raw.source_files s JOIN cleaned.articles a "
                                  "USING (file_id) JOIN modeled.fact_metrics m ON m.article_id = a.article_id "
                                  "GROUP BY 1").fetchall())
        assert {k: v["dagster/row_count"] for k, v in mats["modeled/fact_metrics"].items()} == {
            k: sum(per_file.get(n, 0) for n in files[k]) for k in SHARD_KEYS}
    assert sum(v["dagster/row_count"] for v in mats["modeled/fact_metrics"].values()) == 157
    for key in SHARD_KEYS:
        units = mats["modeled/fact_metrics"][key]["metrics_per_unit"]
        for line in units.splitlines()[2:]:
            kind, base, n, written, summed = [c.strip() for c in line.strip("|").split("|")][:5]
            if kind == "percent":
                assert "not added" in summed
            elif kind == "count":
                assert written == base  # 个 and 家 are separate rows: a count is summed per measure word
            if summed and "not added" not in summed:
                assert summed.endswith(base)
