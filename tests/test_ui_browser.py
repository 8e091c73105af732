"""The product as a user meets it: `dagster dev`, a job launched through the webserver, the UI in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import duckdb
import pytest

from tests.browser import chromium, chromium_path, free_port
from tests.conftest import PROJECT, SEEDS

REPO = {"repositoryLocationName": "qingdao_news", "repositoryName": "__repository__"}
ARTIFACTS = PROJECT / "tests" / "artifacts"


class Dagster:
    def __init__(self, port: int):
        self.url = f"http://127.0.0.1:{port}"

    def gql(self, query: str, **variables) -> dict:
        req = urllib.request.Request(f"{self.url}/graphql", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"query": query, "variables": variables}).encode())
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            raise AssertionError(f"GraphQL {e.code}: {e.read().decode()[:1000]}") from e
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture()
def dagster_dev(tmp_path):
    seeds, wh, home = tmp_path / "seeds", tmp_path / "wh", tmp_path / "dagster_home"
    seeds.mkdir()
    home.mkdir()
    shutil.copy(PROJECT / ".dagster_home" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = {**os.environ, "SEEDS_DIR": str(seeds), "WAREHOUSE_DIR": str(wh), "DAGSTER_HOME": str(home),
           "PYTHONWARNINGS": "ignore:Function `dev_command` is superseded:FutureWarning"}
    log = open(tmp_path / "dagster-dev.log", "w")
    proc = subprocess.Popen([str(Path(sys.executable).parent / "dagster"), "dev", "-w", str(PROJECT / "workspace.yaml"),
                             "-h", "127.0.0.1", "-p", str(port)],
                            cwd=PROJECT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    d = Dagster(port)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{d.url}/server_info", timeout=5):
                    break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, (tmp_path / "dagster-dev.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "dagster dev did not start in 180 s"
                time.sleep(1)
        yield d, seeds, wh, tmp_path / "dagster-dev.log"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


def test_job_launched_from_the_webserver_and_asset_graph_in_chromium(dagster_dev):
    chromium_path()  # fail early and clearly if the browser is missing
    d, seeds, wh, log = dagster_dev
    # the code location loaded without errors
    loc = d.gql("{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError { __typename } } } } }")
    assert loc["workspaceOrError"]["locationEntries"][0]["locationOrLoadError"]["__typename"] == "RepositoryLocation"
    # keep this test deterministic: stop the folder sensor, then drop the pages in
    state = d.gql("""query { sensorOrError(sensorSelector: {repositoryLocationName: "qingdao_news",
        repositoryName: "__repository__", sensorName: "seeds_folder_sensor"}) { ... on Sensor { sensorState { id } } } }""")
    d.gql("mutation($id: String) { stopSensor(id: $id) { __typename } }",
          id=state["sensorOrError"]["sensorState"]["id"])
    for page in sorted(SEEDS.glob("*.txt")):
        shutil.copy(page, seeds / page.name)
        d.gql("""mutation($key: String!, $repo: RepositorySelector!) {
                 addDynamicPartition(partitionKey: $key, partitionsDefName: "seed_files", repositorySelector: $repo) { __typename } }""",
              key=page.name, repo=REPO)
    names = sorted(p.name for p in seeds.glob("*.txt"))
    launched = d.gql("""mutation($p: ExecutionParams!) { launchRun(executionParams: $p) {
        __typename ... on LaunchRunSuccess { run { runId } } ... on PythonError { message } } }""",
        p={"selector": {**REPO, "jobName": "warehouse_job"}, "runConfigData": {},
           "executionMetadata": {"tags": [{"key": "dagster/asset_partition_range_start", "value": names[0]},
                                          {"key": "dagster/asset_partition_range_end", "value": names[-1]}]}})
    assert launched["launchRun"]["__typename"] == "LaunchRunSuccess", launched
    run_id = launched["launchRun"]["run"]["runId"]
    deadline = time.monotonic() + 600
    status = None
    while time.monotonic() < deadline:
        status = d.gql("query($id: ID!) { runOrError(runId: $id) { ... on Run { status } } }", id=run_id)["runOrError"]["status"]
        if status in ("SUCCESS", "FAILURE", "CANCELED"):
            break
        time.sleep(2)
    assert status == "SUCCESS", log.read_text()[-4000:]
    with duckdb.connect(str(wh / "warehouse.duckdb"), read_only=True) as c:
        assert c.execute("SELECT news_date FROM cleaned.articles WHERE title = '西海岸新质生产力中心启动运行'"
                         ).fetchone()[0].isoformat() == "2024-12-18"

    ARTIFACTS.mkdir(exist_ok=True)
    # the first visit shows Dagster's community dialog; mark it seen (what its Skip button sends)
    d.gql("mutation { setNuxSeen }")
    with chromium() as page:
        page.goto(f"{d.url}/asset-groups")
        page.wait_for("document.body && document.body.innerText.includes('Global asset lineage')")
        # the graph canvas shows a node for each of the four groups
        page.wait_for("['raw', 'cleaned', 'modeled', 'exports'].every(g => "
                      "[...document.querySelectorAll('svg foreignObject, [class*=\"GroupNode\"], div')]"
                      ".some(el => el.children.length === 0 && el.textContent.trim() === g && el.closest('svg')))",
                      timeout=60)
        assert not page.js("document.body.innerText.includes('Join the Dagster community')")
        try:  # status badges load after the graph; a screenshot with them is more useful
            page.wait_for("!document.body.innerText.includes('fetching statuses')", timeout=30)
        except AssertionError:
            pass
        time.sleep(1)  # let the layout animation settle
        shot = page.screenshot(ARTIFACTS / "asset-graph.png")
    assert shot.stat().st_size > 20_000
