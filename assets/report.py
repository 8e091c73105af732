import dagster as dg

from assets.resources import WarehouseResource
from etl.export import MARTS_VIEWS
from etl.report import CHARTS, render_report
from etl.warehouse import MODELED_TABLES


@dg.asset(
    key=["exports", "report"],
    group_name="exports",
    # after the publish-and-export step (the marts views are its assets), so the report is of the published data
    deps=[["modeled", t] for t in MODELED_TABLES] + [["exports", v] for v in MARTS_VIEWS],
    kinds={"html", "plotly"},
    description="Static HTML report (Plotly charts, Chinese labels) at WAREHOUSE_DIR/report/index.html: "
                "articles per outlet over time, metrics by district (map-like and bars), top quantities "
                "of the latest day, keyword trends.",
)
def report(warehouse: WarehouseResource) -> dg.MaterializeResult:
    out_dir = warehouse.settings.warehouse_dir / "report"
    with warehouse.connect(read_only=True) as conn:
        path = render_report(conn, out_dir)
    return dg.MaterializeResult(metadata={
        "report": dg.MetadataValue.url(path.resolve().as_uri()),
        "path": dg.MetadataValue.path(str(path)),
        "bytes": path.stat().st_size,
        "charts": dg.MetadataValue.md("\n".join(f"- {title} (`#{cid}`)" for cid, title in CHARTS)),
    })
