"""Unit depth: how `python -m assets.fanout` deals files over hosts, and what it refuses."""

from __future__ import annotations

import pytest

from assets.fanout import chunks, main, workspace_locations
from tests.support.seeds import PROJECT


def test_files_are_dealt_in_contiguous_ranges_that_cover_them_once():
    keys = [f"p{i:02d}.txt" for i in range(11)]
    parts = chunks(keys, 3)
    assert [len(p) for p in parts] == [4, 4, 3]
    assert [k for p in parts for k in p] == keys
    assert chunks(keys[:2], 5) == [["p00.txt"], ["p01.txt"]]  # never an empty run


def test_the_shipped_workspace_names_one_location_per_host():
    assert workspace_locations(PROJECT / "deploy" / "workspace.hosts.yaml") == ["qingdao_news@etl-a",
                                                                                 "qingdao_news@etl-b"]


def test_a_workspace_entry_without_a_location_name_is_refused(tmp_path):
    ws = tmp_path / "ws.yaml"
    ws.write_text("load_from:\n  - grpc_server:\n      host: etl-a\n      port: 4000\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="location_name"):
        workspace_locations(ws)


def test_an_unknown_location_is_refused_naming_the_known_ones():
    with pytest.raises(SystemExit, match="not in .*etl-c.*qingdao_news@etl-a"):
        main(["--workspace", str(PROJECT / "deploy" / "workspace.hosts.yaml"), "--locations", "etl-c"])


def test_the_embedded_backend_is_refused(tmp_path, monkeypatch, capsys):
    for k in ("WAREHOUSE_BACKEND", "DUCKLAKE_CATALOG"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("WAREHOUSE_DIR", str(tmp_path / "wh"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    assert main(["--workspace", str(PROJECT / "deploy" / "workspace.hosts.yaml")]) == 2
    assert "needs the DuckLake backend" in capsys.readouterr().err
