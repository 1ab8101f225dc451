"""Processes that die or race: a run whose process got kill -9 is shown dead, ended KILLED or resumed
with its dead attempt recorded; two processes starting on a fresh sqlite database both get their run;
an offline journal cut by a kill still syncs."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import mlflow
import pytest

from seizure.tracking import Tracker, TrackingError, end_stale_run, mark_dead_runs, search_runs, sync
from seizure.tracking.offline import Journal, read_journal
from seizure_app.cli import main

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "MLFLOW_DISABLE_TELEMETRY": "true", "PYTHONUNBUFFERED": "1"}

HOLDER = r"""
import sys, time
from seizure.tracking import Tracker
tr = Tracker(sys.argv[1], "faults", run_name="holder", offline_dir=sys.argv[2])
tr.__enter__()
tr.log_params({"lr": 0.1})
for step in range(3):
    tr.log_metrics({"loss": 1.0 / (step + 1)}, step=step)
print("RUN", tr.run_id, "offline" if tr.offline else "online", flush=True)
time.sleep(600)
"""

RACER = r"""
import sys, time
from pathlib import Path
from seizure.tracking import Tracker
go = Path(sys.argv[2])
Path(sys.argv[2] + "-" + sys.argv[3]).touch()  # imported, ready to go
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.001)
with Tracker(sys.argv[1], "race", run_name=sys.argv[3]) as tr:
    tr.log_metrics({"m": 1.0}, step=0)
print("RUN", tr.run_id, "offline" if tr.offline else "online", flush=True)
"""


def _start_holder(uri: str, tmp_path: Path) -> tuple[subprocess.Popen, str, str]:
    """A child process holding an active run; returns it, its run id and online/offline."""
    out = tmp_path / f"holder-{time.monotonic_ns()}.log"
    with open(out, "w") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, uri, str(tmp_path / "offline")],
            env=ENV,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        m = re.search(r"RUN ([0-9a-f]{32}) (\w+)", out.read_text())
        if m:
            return proc, m.group(1), m.group(2)
        time.sleep(0.1)
    proc.kill()
    proc.wait(timeout=30)
    raise AssertionError(f"the child never reported its run: {out.read_text()[-3000:]}")


def _kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


@pytest.fixture
def children():
    procs: list[subprocess.Popen] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=30)


@pytest.mark.slow
def test_kill9_run_is_shown_dead_marked_killed_and_resumed(tmp_path, capsys, children):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    proc, run_id, mode = _start_holder(uri, tmp_path)
    children.append(proc)
    assert mode == "online"
    tags = mlflow.MlflowClient(uri).get_run(run_id).data.tags
    assert tags["seizure.pid"] == str(proc.pid) and tags["seizure.host"] == socket.gethostname()
    assert "seizure.heartbeat" in tags

    # alive: listed RUNNING, not dead; a resume refuses to write the same run twice
    assert main(["runs", "--tracking-uri", uri]) == 0
    listing = capsys.readouterr().out
    assert "RUNNING" in listing and "dead" not in listing
    with pytest.raises(TrackingError, match=f"still running \\(pid {proc.pid}"):
        Tracker(uri, run_id=run_id)
    assert mark_dead_runs(uri) == []

    _kill9(proc)
    assert main(["runs", "--tracking-uri", uri]) == 0
    assert f"RUNNING (dead: pid {proc.pid} gone)" in capsys.readouterr().out
    assert main(["runs", "--tracking-uri", uri, "--mark-dead"]) == 0
    assert f"{run_id}: KILLED (pid {proc.pid} gone)" in capsys.readouterr().out
    run = mlflow.MlflowClient(uri).get_run(run_id)
    assert run.info.status == "KILLED"
    assert run.data.tags["seizure.end_reason"].startswith(f"pid {proc.pid} gone; marked KILLED")
    assert run.data.tags["end_status"] == "KILLED"
    with pytest.raises(TrackingError, match="KILLED, not RUNNING"):
        end_stale_run(run_id, uri)

    # a second attempt dies too; resuming it records the dead attempt, then the run finishes
    proc2, run_id2, _ = _start_holder(uri, tmp_path)
    children.append(proc2)
    _kill9(proc2)
    with Tracker(uri, run_id=run_id2) as tr:
        tr.log_metrics({"loss": 0.2}, step=3)
    run = mlflow.MlflowClient(uri).get_run(run_id2)
    assert run.info.status == "FINISHED"
    assert run.data.tags["seizure.attempt"] == "2"
    assert run.data.tags["seizure.attempt.1"].startswith(f"KILLED (pid {proc2.pid} gone; found dead when resumed")
    assert run.data.tags["seizure.pid"] == str(os.getpid())
    assert [m.step for m in mlflow.MlflowClient(uri).get_metric_history(run_id2, "loss")] == [0, 1, 2, 3]


def test_a_run_of_another_host_is_dead_only_after_its_heartbeat_is_stale(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    tr = Tracker(uri, "faults", run_name="remote")  # never ended here: it stands for another host's run
    client = mlflow.MlflowClient(uri)
    fresh = datetime.now(timezone.utc).isoformat(timespec="seconds")
    client.set_tag(tr.run_id, "seizure.host", "elsewhere.example")
    client.set_tag(tr.run_id, "seizure.heartbeat", fresh)
    (row,) = search_runs(uri)
    assert row["status"] == "RUNNING" and row["dead"] == ""
    with pytest.raises(TrackingError, match="still running"):
        Tracker(uri, run_id=tr.run_id)
    with pytest.raises(TrackingError, match="cannot be shown dead"):
        end_stale_run(tr.run_id, uri)

    old = (datetime.now(timezone.utc) - timedelta(hours=3)).isoformat(timespec="seconds")
    client.set_tag(tr.run_id, "seizure.heartbeat", old)
    (row,) = search_runs(uri)
    assert row["dead"].startswith("no heartbeat for 3.0 h")
    (row,) = search_runs(uri, stale_after_s=4 * 3600)
    assert row["dead"] == ""
    assert end_stale_run(tr.run_id, uri).startswith("no heartbeat for 3.0 h")
    run = client.get_run(tr.run_id)
    assert run.info.status == "KILLED"
    assert abs(run.info.end_time / 1000 - (time.time() - 3 * 3600)) < 120  # ended at its last heartbeat
    tr.end("KILLED", "the test is over")  # this process's tracker: no heartbeats from later tests


def test_heartbeat_is_rate_limited(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with Tracker(uri, "faults", heartbeat_s=3600) as tr:
        client = mlflow.MlflowClient(uri)
        first = client.get_run(tr.run_id).data.tags["seizure.heartbeat"]
        calls = []
        monkeypatch.setattr(tr, "set_tags", lambda tags: calls.append(tags))
        for step in range(50):
            tr.log_metrics({"m": step}, step=step)
        assert calls == []
        tr.heartbeat(force=True)
        assert list(calls[0]) == ["seizure.heartbeat"] and first


@pytest.mark.slow
def test_two_processes_on_a_fresh_sqlite_database_both_get_their_run(tmp_path):
    for round_ in range(2):
        db = tmp_path / f"round{round_}" / "mlflow.db"
        db.parent.mkdir()
        uri = f"sqlite:///{db}"
        go = db.parent / "go"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", RACER, uri, str(go), f"racer-{i}"],
                env=ENV,
                cwd=db.parent,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for i in range(2)
        ]
        deadline = time.monotonic() + 120
        while not all(Path(f"{go}-racer-{i}").exists() for i in range(2)) and time.monotonic() < deadline:
            time.sleep(0.01)
        go.touch()  # both start on the fresh database within a millisecond
        outs = [p.communicate(timeout=180) for p in procs]
        for p, (out, err) in zip(procs, outs):
            assert p.returncode == 0, err[-3000:]
            assert "already exists" not in err
            assert re.search(r"RUN [0-9a-f]{32} online", out), out + err[-3000:]
        client = mlflow.MlflowClient(uri)
        runs = client.search_runs([client.get_experiment_by_name("race").experiment_id])
        assert sorted(r.info.run_name for r in runs) == ["racer-0", "racer-1"]
        assert {r.info.status for r in runs} == {"FINISHED"}


@pytest.mark.slow
def test_kill9_while_offline_leaves_a_journal_that_syncs_as_killed(tmp_path, children):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc, run_id, mode = _start_holder(f"http://127.0.0.1:{port}", tmp_path)
    children.append(proc)
    assert mode == "offline"
    folder = tmp_path / "offline" / run_id
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    (row,) = sync(folder, uri)  # the writer is alive: left alone
    assert row["action"] == "still running"
    _kill9(proc)
    with open(folder / "journal.jsonl", "a") as fh:
        fh.write('{"kind": "metrics", "metr')  # a line cut short by the kill
    (row,) = sync(folder, uri)
    assert row["action"] == "synced" and row["status"] == "KILLED"
    client = mlflow.MlflowClient(uri)
    run = client.get_run(row["run_id"])
    assert run.info.status == "KILLED"
    assert f"pid {proc.pid}" in run.data.tags["seizure.end_reason"]
    assert [m.step for m in client.get_metric_history(row["run_id"], "loss")] == [0, 1, 2]
    assert run.data.params["lr"] == "0.1"
    assert json.loads((folder / "synced.json").read_text())["run_id"] == row["run_id"]


def test_a_damaged_journal_names_the_file_and_line(tmp_path):
    journal = Journal.create(tmp_path / "rec", {"offline_id": "x" * 32, "uri": "sqlite:///db"})
    journal.append("metrics", metrics={"m": 1.0}, step=0)
    with open(journal.path, "a") as fh:
        fh.write("not json\n")
    journal.append("end", status="FINISHED")
    with pytest.raises(TrackingError, match=r"journal.jsonl, line 3: not JSON"):
        read_journal(tmp_path / "rec")
    lines = journal.path.read_text().splitlines()
    journal.path.write_text("\n".join([lines[0], '{"kind": "bogus"}']) + "\n")
    with pytest.raises(TrackingError, match=r"line 2: field 'kind' must be one of"):
        read_journal(tmp_path / "rec")
    journal.path.write_text("\n".join([lines[0], '{"kind": "metrics", "time": 1, "step": 0}']) + "\n")
    with pytest.raises(TrackingError, match=r"line 2: a 'metrics' entry needs field 'metrics' \(dict\)"):
        read_journal(tmp_path / "rec")
    journal.path.write_text("\n".join([lines[0], '{"kind": "end", "time": 1, "status": "DONE"}']) + "\n")
    with pytest.raises(TrackingError, match=r"line 2: field 'status' must be one of"):
        read_journal(tmp_path / "rec")
    with pytest.raises(TrackingError, match="already exists"):
        Journal.create(tmp_path / "rec", {"offline_id": "y"})


def test_resume_of_an_unknown_run_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    with pytest.raises(TrackingError, match="cannot continue run 0123456789abcdef0123456789abcdef"):
        Tracker(uri, run_id="0123456789abcdef0123456789abcdef")


def test_a_run_never_ended_by_its_code_ends_failed_at_exit(tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    code = (
        "import sys\nfrom seizure.tracking import Tracker\ntr = Tracker(sys.argv[1], 'faults')\n"
        "tr.log_metrics({'m': 1.0}, step=0)\nprint('RUN', tr.run_id)\nsys.exit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, uri], env=ENV, cwd=tmp_path, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    run_id = re.search(r"RUN ([0-9a-f]{32})", done.stdout).group(1)
    run = mlflow.MlflowClient(uri).get_run(run_id)
    assert run.info.status == "FAILED"
    assert run.data.tags["seizure.end_reason"] == "the process exited without ending the run"


def test_an_unended_journal_of_another_host_syncs_only_once_stale(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    journal = Journal.create(
        tmp_path / "rec",
        {
            "offline_id": "a" * 32,
            "server_run_id": None,
            "uri": uri,
            "experiment": "faults",
            "run_name": "remote",
            "identity": {"seizure.host": "elsewhere.example", "seizure.pid": "4242"},
        },
    )
    journal.append("metrics", metrics={"loss": 0.5}, step=0)
    (row,) = sync(tmp_path / "rec")
    assert row["action"] == "still running"
    (row,) = sync(tmp_path / "rec", stale_after_s=0)
    assert row["action"] == "synced" and row["status"] == "KILLED"
    run = mlflow.MlflowClient(uri).get_run(row["run_id"])
    assert run.info.run_name == "remote" and run.data.metrics == {"loss": 0.5}
    assert "pid 4242 on elsewhere.example" in run.data.tags["seizure.end_reason"]


def test_a_child_run_keeps_its_parents_heartbeat_fresh(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    client = mlflow.MlflowClient(uri)
    with Tracker(uri, "faults", run_name="parent", heartbeat_s=0.5) as parent:
        client.set_tag(parent.run_id, "seizure.heartbeat", "2000-01-01T00:00:00+00:00")
        with Tracker(uri, "faults", run_name="child", parent_run_id=parent.run_id, heartbeat_s=0.5) as child:
            time.sleep(0.6)
            child.heartbeat()
        beat = datetime.fromisoformat(client.get_run(parent.run_id).data.tags["seizure.heartbeat"])
        assert abs((datetime.now(timezone.utc) - beat).total_seconds()) < 60
