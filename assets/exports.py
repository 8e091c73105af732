import dagster as dg

from assets import publish as publishing
from assets.checks import audit_blocking
from assets.resources import WRITER_POOL, WarehouseResource
from etl.export import HIVE_PARTITIONED, MARTS_VIEWS, MODELED, export_all


def _description(schema: str, name: str) -> str:
    file = f"{name}.parquet" if schema == "modeled" else f"marts/{name}.parquet"
    hive = (f"; Hive dataset exports/hive/{name}/year=…/month=…/ (year and month BIGINT, as in the flat file; "
            "pyarrow needs partitioning=etl.export.hive_partitioning() for that)") if name in HIVE_PARTITIONED else ""
    return (f"{schema}.{name} as zstd Parquet with BI-friendly types: exports/{file}{hive}. Written after "
            "warehouse.duckdb is published, from the same data, and only if the publish succeeded.")


EXPORT_SPECS = [
    dg.AssetSpec(["exports", t], deps=[["modeled", t]], group_name="exports", kinds={"parquet"},
                 description=_description("modeled", t))
    for t in MODELED
] + [
    dg.AssetSpec(["exports", v], deps=[["modeled", t] for t in MODELED] + [["cleaned", "articles"]],
                 group_name="exports", kinds={"parquet"}, description=_description("marts", v))
    for v in MARTS_VIEWS
]


@dg.multi_asset(specs=[publishing.SNAPSHOT_SPEC] + EXPORT_SPECS, pool=WRITER_POOL)
def publish_and_export(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Publish warehouse.duckdb, then export the same data to Parquet (layout: etl/export.py).

    One step, in this order, so the exports never move ahead of the published
    database: a publish that fails (disk full during the copy) raises before
    anything is exported, and the ``exports`` link keeps pointing at the
    version of the last good publish. An export that fails after a good
    publish leaves the database one build ahead of the exports (the snapshot
    is reported materialized, the exports not); the next run brings them level.
    The step holds its read-write connection to the staging database from
    before the publish copy to after the link swap, so no other run can write
    between the two: the exports are of exactly the data published. The marts
    views are (re)created by ensure_schema when the connection opens.
    """
    settings = warehouse.settings
    backend = warehouse.backend_impl
    exports_dir = settings.exports_dir
    with warehouse.connect() as conn:
        info = backend.publish(conn, audit=audit_blocking, run_id=context.run.run_id)
        yield dg.MaterializeResult(asset_key=publishing.SNAPSHOT_KEY, metadata=publishing.metadata(info))
        with backend.published_view(conn, info) as view:  # the lake: exactly the snapshot just published
            manifest = export_all(view, exports_dir)
            comments = {(s, t, c): cm or "" for s, t, c, cm in view.execute(
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
            "export_version": manifest.get("version") or "",
        }
        if "hive" in e:
            metadata["hive_path"] = dg.MetadataValue.path(str(exports_dir / e["hive"]["path"]))
            metadata["hive_partitions"] = len(e["hive"]["partitions"])
        yield dg.MaterializeResult(asset_key=["exports", e["table"]], metadata=metadata)
