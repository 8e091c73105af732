import dagster as dg

from assets.resources import WarehouseResource
from etl.export import MARTS_VIEWS
from etl.report import CHARTS, PLOTLY_JS, render_report, report_url, serve_command
from etl.warehouse import MODELED_TABLES


@dg.asset(
    key=["exports", "report"],
    group_name="exports",
    # after the publish-and-export step (the marts views are its assets), so the report is of the published data
    deps=[["modeled", t] for t in MODELED_TABLES] + [["exports", v] for v in MARTS_VIEWS],
    kinds={"html", "plotly"},
    description="Static HTML report (Plotly charts, Chinese labels) at WAREHOUSE_DIR/report/index.html, with "
                "plotly.min.js beside it (works offline): articles per outlet on a time axis, a tile grid and "
                "bars of the counties, the latest day's largest quantities (log axis), keyword trends. "
                "Open it with `.venv/bin/python -m etl.report serve` (then the `report` link works): browsers "
                "refuse file:// links from the UI.",
)
def report(warehouse: WarehouseResource) -> dg.MaterializeResult:
    out_dir = warehouse.settings.warehouse_dir / "report"
    with warehouse.connect(read_only=True) as conn:
        path = render_report(conn, out_dir)
    command = serve_command(out_dir)
    return dg.MaterializeResult(metadata={
        # an http link: a browser opens it from the UI once the report is served (file:// links it refuses)
        "report": dg.MetadataValue.url(report_url()),
        "open": dg.MetadataValue.md(
            f"The Dagster UI cannot open local files (browsers block `file://` links from an http page). "
            f"In the project folder run\n\n```\n{command}\n```\n\nthen click the `report` link above "
            f"({report_url()}). Or open `{path.resolve()}` from your file manager or browser "
            f"(keep `{PLOTLY_JS}` beside it)."),
        "serve_command": dg.MetadataValue.text(command),
        "path": dg.MetadataValue.path(str(path.resolve())),
        "bytes": path.stat().st_size,
        "plotly_js_bytes": (out_dir / PLOTLY_JS).stat().st_size,
        "charts": dg.MetadataValue.md("\n".join(f"- {title} (`#{cid}`)" for cid, title in CHARTS)),
    })
