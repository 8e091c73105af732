"""Publishing: the staging database becomes the read-only snapshot analysts open.

The step that does it is ``assets.exports.publish_and_export``: it publishes
first (here) and only then exports the same data to Parquet and swaps the
``exports`` link, so BI tools never see data the published database lacks.
This module holds the asset spec of the snapshot and the publish itself.
"""

from __future__ import annotations

import dagster as dg

from etl.warehouse import MODELED_TABLES

SNAPSHOT_KEY = dg.AssetKey(["exports", "warehouse_snapshot"])

SNAPSHOT_SPEC = dg.AssetSpec(
    SNAPSHOT_KEY,
    group_name="exports",
    deps=[["modeled", t] for t in MODELED_TABLES] + [["cleaned", "paragraphs"], ["raw", "source_files"]],
    kinds={"duckdb"},
    description="Publishes the staging database as WAREHOUSE_DIR/warehouse.duckdb, the read-only snapshot "
                "analysts open; blocking checks upstream keep a failing build from being published. The "
                "Parquet exports of the same data are written after it, in the same step, and only if it "
                "succeeded.",
)


def metadata(info: dict) -> dict:
    """The snapshot's materialization metadata from what ``Backend.publish`` returned (``etl.backends``:
    the embedded copy, or the audited lake snapshot recorded in the catalog)."""
    return {**info, "path": dg.MetadataValue.path(info["path"])}
