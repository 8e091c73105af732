import dagster as dg

from assets.resources import WRITER_POOL, WarehouseResource
from etl.export import HIVE_PARTITIONED, MARTS_VIEWS, export_all
from etl.warehouse import MODELED_TABLES


def _description(schema: str, name: str) -> str:
    file = f"{name}.parquet" if schema == "modeled" else f"marts/{name}.parquet"
    hive = f"; Hive dataset exports/hive/{name}/year=…/month=…/" if name in HIVE_PARTITIONED else ""
    return f"{schema}.{name} as zstd Parquet with BI-friendly types: exports/{file}{hive}"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["exports", t], deps=[["modeled", t]], group_name="exports", kinds={"parquet"},
                     description=_description("modeled", t))
        for t in MODELED_TABLES
    ] + [
        dg.AssetSpec(["exports", v], deps=[["modeled", t] for t in MODELED_TABLES] + [["cleaned", "articles"]],
                     group_name="exports", kinds={"parquet"}, description=_description("marts", v))
        for v in MARTS_VIEWS
    ],
    pool=WRITER_POOL,
)
def parquet_exports(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Export the modeled tables and marts views to Parquet (layout: etl/export.py).

    The views themselves are (re)created by ensure_schema whenever a step opens
    the warehouse, so they exist before anything reads them.
    """
    exports_dir = warehouse.settings.exports_dir
    with warehouse.connect() as conn:  # ensure_schema has (re)created the marts views
        manifest = export_all(conn, exports_dir)
        comments = {(s, t, c): cm or "" for s, t, c, cm in conn.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name IN ('modeled', 'marts')").fetchall()}
    manifest_path = exports_dir / "_manifest.json"
    for e in manifest["tables"] + manifest["marts"]:
        schema = dg.TableSchema(columns=[
            dg.TableColumn(c["name"], c["type"], description=comments.get((e["schema"], e["table"], c["name"])))
            for c in e["columns"]])
        metadata = {
            "dagster/row_count": e["rows"],
            "dagster/column_schema": schema,
            "path": dg.MetadataValue.path(str(exports_dir / e["file"])),
            "bytes": e["bytes"],
            "key_checksum": e["key_checksum"],
            "manifest": dg.MetadataValue.path(str(manifest_path)),
        }
        if "hive" in e:
            metadata["hive_path"] = dg.MetadataValue.path(str(exports_dir / e["hive"]["path"]))
            metadata["hive_partitions"] = len(e["hive"]["partitions"])
        yield dg.MaterializeResult(asset_key=["exports", e["table"]], metadata=metadata)
