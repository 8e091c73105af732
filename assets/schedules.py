import dagster as dg

from assets.jobs import warehouse_job
from assets.partitions import all_shards_tags
from assets.resources import WarehouseResource
from etl.raw import seed_paths


@dg.schedule(
    name="daily_warehouse_refresh",
    job=warehouse_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="06:00 Asia/Shanghai: one run over every shard; unchanged files are skipped by content "
                "hash and removed ones retired, so the run does only what is new.",
)
def daily_warehouse_refresh(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource):
    if not seed_paths(warehouse.settings.seeds_dir):
        return dg.SkipReason(f"no files in {warehouse.settings.seeds_dir}")
    return dg.RunRequest(tags={**all_shards_tags(), "trigger": "daily_warehouse_refresh"})
