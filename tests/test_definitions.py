"""The Definitions object the UI loads: a broken graph fails here before it fails in the UI."""

import dagster as dg

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


def test_writers_share_one_pool():
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if key.path[0] != "exports":
            assert node.pools == {"duckdb_writer"}, key


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
