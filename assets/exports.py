import dagster as dg

from assets.resources import WRITER_POOL, WarehouseResource
from etl.export import export_table, write_manifest
from etl.warehouse import MODELED_TABLES


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["exports", t], deps=[["modeled", t]], group_name="exports", kinds={"parquet"},
                     description=f"modeled.{t} as zstd Parquet under WAREHOUSE_DIR/exports/{t}.parquet")
        for t in MODELED_TABLES
    ],
    pool=WRITER_POOL,
)
def parquet_exports(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    exports_dir = warehouse.settings.exports_dir
    entries = []
    with warehouse.connect(read_only=True) as conn:
        for t in MODELED_TABLES:
            entries.append(export_table(conn, t, exports_dir))
    manifest = write_manifest(exports_dir, entries)
    for e in entries:
        yield dg.MaterializeResult(asset_key=["exports", e["table"]], metadata={
            "dagster/row_count": e["rows"],
            "path": dg.MetadataValue.path(str(exports_dir / e["file"])),
            "bytes": e["bytes"],
            "manifest": dg.MetadataValue.path(str(manifest)),
        })
