import dagster as dg

from assets.jobs import warehouse_job
from assets.partitions import range_tags, sync_partitions
from assets.resources import WarehouseResource


@dg.schedule(
    name="daily_warehouse_refresh",
    job=warehouse_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="06:00 Asia/Shanghai: register new files, retire removed ones, and run over every file; "
                "unchanged files are skipped by content hash, so the run does only what is new.",
)
def daily_warehouse_refresh(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
    keys = sync_partitions(context.instance, warehouse.settings.seeds_dir,
                           warehouse_dir=warehouse.settings.warehouse_dir)
    if not keys:
        return dg.SkipReason(f"no files in {warehouse.settings.seeds_dir}")
    return dg.RunRequest(tags={**range_tags(keys), "trigger": "daily_warehouse_refresh"})
