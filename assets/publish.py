import dagster as dg

from assets.resources import WRITER_POOL, WarehouseResource
from etl.lake import is_lake, publish_lake_snapshot
from etl.publish import publish_snapshot
from etl.warehouse import MODELED_TABLES


@dg.asset(
    key=["exports", "warehouse_snapshot"],
    group_name="exports",
    pool=WRITER_POOL,
    deps=[["modeled", t] for t in MODELED_TABLES] + [["cleaned", "paragraphs"], ["raw", "source_files"]],
    kinds={"duckdb"},
    description="Publishes the staging database as WAREHOUSE_DIR/warehouse.duckdb, the read-only snapshot "
                "analysts open; blocking checks upstream keep a failing build from being published.",
)
def warehouse_snapshot(warehouse: WarehouseResource) -> dg.MaterializeResult:
    s = warehouse.settings
    if is_lake():  # the lake is already shared; what is published is the snapshot that passed the checks
        with warehouse.connect(read_only=True) as conn:
            info = publish_lake_snapshot(conn, s.warehouse_dir)
        return dg.MaterializeResult(metadata={
            "ducklake_snapshot": info["snapshot_id"],
            "path": dg.MetadataValue.path(info["path"]),
            "attach": info["attach"],
        })
    info = publish_snapshot(s.staging_db_path, s.db_path)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(s.db_path)),
        "bytes": info["bytes"],
        "publish_seconds": info["seconds"],
        "swap_seconds": info["swap_seconds"],
    })
