"""Two "hosts" on this machine, set up as docs/deployment.md tells an operator to set up two machines.

Everything a host has of its own is its own here: a working directory, ``WAREHOUSE_DIR``,
``DAGSTER_HOME`` (holding only deploy/dagster.yaml) and a code server process. What the hosts share is
what real hosts share: one PostgreSQL (the Dagster instance's database and the DuckLake catalog's),
one S3-compatible object store (moto's server mode on loopback) and the seeds folder. Host A also runs
the deployment's one dagster-daemon and submits the fan-out (``python -m assets.fanout``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import psutil

from tests.support.pg import pg_bin, postgres
from tests.support.seeds import PROJECT, copy_seeds

BUCKET = "news-lake"
DATA_PATH = f"s3://{BUCKET}/lake/"
KEY_ID, SECRET = "multihost-test-key", "multihost-test-secret"
# what a host's environment must not inherit from the test process
_OURS = ("WAREHOUSE_", "DUCKLAKE_", "SEEDS_DIR", "DAGSTER_", "AWS_", "PYTEST", "LAKE_")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, proc: subprocess.Popen, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening on {port}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{what} did not listen on {port} within {timeout:.0f} s")


@dataclass
class Host:
    name: str
    cwd: Path
    env: dict[str, str]
    port: int
    location: str
    warehouse_dir: Path = field(init=False)

    def __post_init__(self):
        self.warehouse_dir = Path(self.env["WAREHOUSE_DIR"])


@dataclass
class Deployment:
    root: Path
    hosts: dict[str, Host]
    workspace: Path
    s3_endpoint: str
    procs: list[subprocess.Popen] = field(default_factory=list)
    fanout_result: subprocess.CompletedProcess | None = None

    # ---------------------------------------------------------------- acting as an operator on host A
    def fanout(self, *args: str, host: str = "a", timeout: float = 2400) -> subprocess.CompletedProcess:
        h = self.hosts[host]
        return subprocess.run([sys.executable, "-m", "assets.fanout", "--workspace", str(self.workspace), *args],
                              cwd=h.cwd, env=h.env, capture_output=True, text=True, timeout=timeout)

    @contextmanager
    def env(self, host: str) -> Iterator[None]:
        """This process's environment set to the host's (to read the instance and the lake as it would)."""
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.hosts[host].env)
        try:
            yield
        finally:
            os.environ.clear()
            os.environ.update(saved)

    # ---------------------------------------------------------------- reading the shared state
    def _instance(self):
        import dagster as dg

        return dg.DagsterInstance.from_config(self.hosts["a"].env["DAGSTER_HOME"])

    def runs(self) -> list[dict]:
        import dagster as dg

        out = []
        with self.env("a"), self._instance() as instance:
            for rec in instance.get_run_records():
                run = rec.dagster_run
                row = {"run_id": run.run_id, "job": run.job_name, "status": run.status.value,
                       "location": run.remote_job_origin.location_name if run.remote_job_origin else None,
                       "raw_partitions": [], "raw_files_read": 0, "raw_warehouse_dir": None,
                       "published_snapshot": None}
                for e in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION):
                    m = e.dagster_event.event_specific_data.materialization
                    key = m.asset_key.to_user_string()
                    if key == "raw/source_files":
                        row["raw_partitions"].append(m.partition)
                        row["raw_files_read"] = m.metadata["run_files_read"].value
                        row["raw_warehouse_dir"] = m.metadata["warehouse_dir"].value
                    elif key == "exports/warehouse_snapshot":
                        row["published_snapshot"] = m.metadata["ducklake_snapshot"].value
                out.append(row)
        return out

    def open_runs(self) -> list[str]:
        import dagster as dg

        with self.env("a"), self._instance() as instance:
            return [r.run_id for r in instance.get_runs()
                    if r.status not in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE,
                                        dg.DagsterRunStatus.CANCELED)]

    def claimed_slots(self) -> dict[str, int]:
        with self.env("a"), self._instance() as instance:
            storage = instance.event_log_storage
            out = {}
            for pool in storage.get_concurrency_keys():
                info = storage.get_concurrency_info(pool)
                if info.claimed_slots or info.pending_steps:
                    out[pool] = len(info.claimed_slots) + len(info.pending_steps)
            return out

    def publications(self) -> list[tuple]:
        from etl.backends import LakeBackend
        from etl.config import Settings

        with self.env("b"), LakeBackend(Settings.from_env()).connect(read_only=True) as conn:
            return conn.execute("SELECT snapshot_id, run_id, checks FROM ops.publications ORDER BY 1").fetchall()

    def audit_at(self, snapshot_id: int, host: str = "b") -> tuple[int, list[str]]:
        from assets.checks import audit_blocking
        from etl.backends import LakeBackend
        from etl.config import Settings

        with self.env(host), LakeBackend(Settings.from_env()).connect(snapshot_version=snapshot_id) as conn:
            return audit_blocking(conn)

    def s3_keys(self, suffix: str = "") -> list[str]:
        import boto3

        s3 = boto3.client("s3", endpoint_url=self.s3_endpoint, aws_access_key_id=KEY_ID,
                          aws_secret_access_key=SECRET, region_name="us-east-1")
        keys, token = [], None
        while True:
            page = s3.list_objects_v2(Bucket=BUCKET, **({"ContinuationToken": token} if token else {}))
            keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(suffix)]
            if not page.get("IsTruncated"):
                return keys
            token = page["NextContinuationToken"]

    def leftover_processes(self, grace: float = 15.0) -> list[str]:
        """Run workers or step processes still alive after every run ended (there should be none)."""
        deadline = time.monotonic() + grace
        while True:
            left = []
            for p in self.procs:
                try:
                    for child in psutil.Process(p.pid).children(recursive=True):
                        cmd = " ".join(child.cmdline())
                        if "execute_run" in cmd or "forkserver" in cmd or "execute_step" in cmd:
                            left.append(f"{child.pid} {cmd[:120]}")
                except psutil.Error:
                    continue
            if not left or time.monotonic() > deadline:
                return left
            time.sleep(0.5)


def _host_env(base: dict[str, str], **settings: str) -> dict[str, str]:
    env = {k: v for k, v in base.items() if not k.startswith(_OURS)}
    env.update(settings)
    return env


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)


@contextmanager
def two_hosts(root: Path, seeds_from: Path | None = None, **settings: str) -> Iterator[Deployment]:
    """Start the deployment under ``root``; ``settings`` are extra environment variables of both hosts
    (e.g. LAKE_MAX_CONCURRENT), ``seeds_from`` a folder to use instead of the project's seeds."""
    root = Path(root)
    seeds = root / "shared" / "seeds"   # the seeds folder both hosts mount
    if seeds_from is None:
        copy_seeds(seeds)
    else:
        shutil.copytree(seeds_from, seeds)
    procs: list[subprocess.Popen] = []
    logs = root / "logs"
    logs.mkdir()

    def start(name: str, cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen:
        out = open(logs / f"{name}.log", "w")
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(proc)
        return proc

    with postgres(root / "pg", dbname="lake") as catalog:
        parts = dict(p.split("=", 1) for p in catalog.removeprefix("postgres:").split())
        user = parts["user"]
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, str(pg_bin() / "createdb"), "-h", "127.0.0.1", "-p", parts["port"], "-U", user,
                        "dagster"], check=True, capture_output=True, timeout=60)
        try:
            s3_port = free_port()
            moto = start("s3", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)],
                         root, _host_env(dict(os.environ)))
            _wait_port(s3_port, moto, "the S3 emulator")
            endpoint = f"http://127.0.0.1:{s3_port}"
            import boto3

            boto3.client("s3", endpoint_url=endpoint, aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
                         region_name="us-east-1").create_bucket(Bucket=BUCKET)

            shared = dict(
                WAREHOUSE_BACKEND="ducklake", DUCKLAKE_CATALOG=catalog, SEEDS_DIR=str(seeds),
                AWS_ACCESS_KEY_ID=KEY_ID, AWS_SECRET_ACCESS_KEY=SECRET, AWS_REGION="us-east-1",
                AWS_ENDPOINT_URL=endpoint,
                DAGSTER_PG_URL=f"postgresql+psycopg2://{user}@127.0.0.1:{parts['port']}/dagster",
            )
            hosts = {}
            for name in ("a", "b"):
                cwd = root / f"host-{name}"
                home = cwd / "dagster_home"
                home.mkdir(parents=True)
                shutil.copy(PROJECT / "deploy" / "dagster.yaml", home / "dagster.yaml")
                extra = {"DUCKLAKE_DATA_PATH": DATA_PATH} if name == "a" else {}  # B learns it from the catalog
                env = _host_env(dict(os.environ), **shared, **extra, **settings, WAREHOUSE_DIR=str(cwd / "warehouse"),
                                DAGSTER_HOME=str(home))
                hosts[name] = Host(name, cwd, env, free_port(), f"qingdao_news@host-{name}")
            for h in hosts.values():
                proc = start(f"code-server-{h.name}",
                             [sys.executable, "-m", "dagster", "code-server", "start", "-m", "assets.definitions",
                              "-h", "127.0.0.1", "-p", str(h.port), "--location-name", h.location],
                             h.cwd, h.env)
                _wait_port(h.port, proc, f"host {h.name}'s code server", timeout=120)
            workspace = hosts["a"].cwd / "workspace.hosts.yaml"
            workspace.write_text("load_from:\n" + "".join(
                f"  - grpc_server:\n      host: 127.0.0.1\n      port: {h.port}\n      location_name: {h.location}\n"
                for h in hosts.values()), encoding="utf-8")
            for h in hosts.values():  # served, not only listening: the code is loaded
                for _ in range(120):
                    ok = subprocess.run([sys.executable, "-m", "dagster", "api", "grpc-health-check", "-p", str(h.port),
                                         "--host", "127.0.0.1"], env=h.env, capture_output=True).returncode == 0
                    if ok:
                        break
                    time.sleep(1)
            # builds are fan-outs here: the single-host sensor and schedule (on by default in every location)
            # are stopped in every location before the daemon first ticks (docs/deployment.md, step 6)
            for h in hosts.values():
                for kind, name in (("sensor", "seeds_folder_sensor"), ("schedule", "daily_warehouse_refresh")):
                    subprocess.run([sys.executable, "-m", "dagster", kind, "stop", name, "-w", str(workspace),
                                    "-l", h.location], cwd=hosts["a"].cwd, env=hosts["a"].env, check=True,
                                   capture_output=True, timeout=300)
            daemon_bin = Path(sys.executable).with_name("dagster-daemon")
            start("daemon", [str(daemon_bin), "run", "-w", str(workspace)], hosts["a"].cwd, hosts["a"].env)
            yield Deployment(root, hosts, workspace, endpoint, procs)
        finally:
            for p in reversed(procs):
                _stop(p)
