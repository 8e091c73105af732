import dagster as dg

from assets.jobs import warehouse_job

daily_refresh = dg.ScheduleDefinition(
    name="daily_warehouse_refresh",
    job=warehouse_job,
    cron_schedule="0 6 * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="06:00 Asia/Shanghai every day: pick up whatever landed in SEEDS_DIR.",
)
