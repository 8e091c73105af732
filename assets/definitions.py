"""The Definitions object `dagster dev -w workspace.yaml` loads."""

import dagster as dg

from assets import cleaned, exports, modeled, publish, raw, report
from assets.checks import ASSET_CHECKS
from assets.jobs import warehouse_job
from assets.resources import WarehouseResource
from assets.schedules import daily_warehouse_refresh
from assets.sensors import seeds_folder_sensor

defs = dg.Definitions(
    assets=dg.load_assets_from_modules([raw, cleaned, modeled, exports, publish, report]),
    asset_checks=ASSET_CHECKS,
    jobs=[warehouse_job],
    schedules=[daily_warehouse_refresh],
    sensors=[seeds_folder_sensor],
    resources={"warehouse": WarehouseResource()},
)
