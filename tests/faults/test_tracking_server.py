"""A tracking server lost mid-run, or down from the start: the run goes on without an exception in a
local journal, within a bounded time, and ``seizure runs --sync`` puts everything on the server later.

The servers are real ``mlflow server`` processes on 127.0.0.1, each in its own process group so that a
kill takes its workers too; every one is killed in the fixture's finalizer.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import lightning as L
import mlflow
import mlflow.pytorch
import numpy as np
import pytest
import torch

from seizure.tracking import HTTP_DEFAULTS, MlflowEpochCallback, Tracker, sync
from seizure.tracking.offline import read_journal
from seizure.tracking.store import connect
from seizure_app.cli import main

MLFLOW = Path(sys.executable).parent / "mlflow"
BOUND_S = 60  # longest a run may take to notice a lost server and finish offline


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root, self.port = root, port or _free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self, wait_s: float = 90) -> Server:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "server.log", "ab") as log:  # the server keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [
                    str(MLFLOW),
                    "server",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--backend-store-uri",
                    f"sqlite:///{self.root / 'server.db'}",
                    "--artifacts-destination",
                    str(self.root / "artifacts"),
                    "--workers",
                    "1",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
            )
        deadline = time.monotonic() + wait_s
        while True:
            try:
                urllib.request.urlopen(f"{self.uri}/health", timeout=2)
                return self
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.kill()
                    raise AssertionError(
                        f"mlflow server on port {self.port} did not come up: "
                        + (self.root / "server.log").read_text()[-2000:]
                    ) from None
                time.sleep(0.3)

    def signal(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)

    def kill(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGCONT)
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self.proc = None


@pytest.fixture
def servers(tmp_path):
    started: list[Server] = []

    def make(name: str = "server", port: int | None = None) -> Server:
        server = Server(tmp_path / name, port)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.kill()


def test_http_defaults_are_bounded_and_user_values_win(monkeypatch):
    for name in HTTP_DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "33")
    connect(f"http://127.0.0.1:{_free_port()}")
    assert os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] == "33"
    assert os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] == "2"
    assert os.environ["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"] == "1"
    attempts = 1 + int(HTTP_DEFAULTS["MLFLOW_HTTP_REQUEST_MAX_RETRIES"])
    assert int(HTTP_DEFAULTS["MLFLOW_HTTP_REQUEST_TIMEOUT"]) * attempts < 40  # a silent server: given up < 40 s


@pytest.mark.slow
def test_server_killed_mid_run_goes_on_offline_then_sync_completes_the_run(servers, tmp_path, caplog):
    server = servers()
    report = tmp_path / "report.json"
    report.write_text('{"ok": true}')
    t0 = time.monotonic()
    with Tracker(server.uri, "faults", run_name="lost", offline_dir=tmp_path / "offline") as tr:
        tr.log_params({"lr": 0.1, "model": "cnn"})
        for epoch in range(3):
            tr.log_metrics({"loss": 1.0 / (epoch + 1)}, step=epoch)
        server.kill()
        for epoch in range(3, 6):
            tr.log_metrics({"loss": 1.0 / (epoch + 1)}, step=epoch)
        tr.set_tags({"phase": "after the loss"})
        tr.log_artifact(report, "report")
        assert tr.offline
    assert time.monotonic() - t0 < BOUND_S
    warnings = [r for r in caplog.records if r.levelname == "WARNING" and r.name == "seizure"]
    assert len(warnings) == 1 and "seizure runs --sync" in warnings[0].getMessage()

    record = read_journal(tr.journal.folder)
    assert record.start["server_run_id"] == tr.run_id
    logged = [(e["step"], e["metrics"]["loss"]) for e in record.entries if e["kind"] == "metrics"]
    assert [s for s, _ in logged] == [3, 4, 5]
    assert record.end["status"] == "FINISHED"
    assert (tr.journal.folder / "artifacts" / "report" / "report.json").is_file()

    again = servers("server", port=server.port)  # the same store back on the same address
    (row,) = sync(tmp_path / "offline")
    assert row["run_id"] == tr.run_id and row["action"] == "synced"
    client = mlflow.MlflowClient(again.uri)
    run = client.get_run(tr.run_id)
    assert run.info.status == "FINISHED"
    assert [m.step for m in client.get_metric_history(tr.run_id, "loss")] == [0, 1, 2, 3, 4, 5]
    assert run.data.tags["phase"] == "after the loss" and run.data.params["lr"] == "0.1"
    assert [a.path for a in client.list_artifacts(tr.run_id, "report")] == ["report/report.json"]
    (again_row,) = sync(tmp_path / "offline")  # a second sync does nothing
    assert again_row["action"] == "already synced"
    assert len(client.get_metric_history(tr.run_id, "loss")) == 6


class _Tiny(L.LightningModule):
    def __init__(self) -> None:
        super().__init__()
        self.net = torch.nn.Linear(4, 1)

    def training_step(self, batch, _):
        x, y = batch
        loss = torch.nn.functional.mse_loss(self.net(x).squeeze(1), y)
        self.log("train_loss", loss, on_epoch=True, on_step=False)
        return loss

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)


class _KillServerAt(L.Callback):
    def __init__(self, server: Server, epoch: int) -> None:
        self.server, self.epoch = server, epoch

    def on_train_epoch_start(self, trainer, pl_module) -> None:
        if trainer.current_epoch == self.epoch:
            self.server.kill()


@pytest.mark.slow
def test_lightning_training_keeps_every_epoch_when_the_server_dies(servers, tmp_path):
    """The training pipeline's own path: Lightning and MlflowEpochCallback, server killed at epoch 2."""
    server = servers()
    data = torch.utils.data.TensorDataset(torch.randn(32, 4), torch.randn(32))
    t0 = time.monotonic()
    with Tracker(server.uri, "faults", run_name="lightning", offline_dir=tmp_path / "offline") as tr:
        trainer = L.Trainer(
            max_epochs=5,
            callbacks=[MlflowEpochCallback(tr), _KillServerAt(server, 2)],
            logger=False,
            enable_progress_bar=False,
            enable_model_summary=False,
            enable_checkpointing=False,
            default_root_dir=str(tmp_path),
        )
        trainer.fit(_Tiny(), torch.utils.data.DataLoader(data, batch_size=8))
    assert time.monotonic() - t0 < BOUND_S
    assert tr.offline
    record = read_journal(tr.journal.folder)
    steps = [e["step"] for e in record.entries if e["kind"] == "metrics"]
    assert steps == [2, 3, 4]
    again = servers("server", port=server.port)
    sync(tr.journal.folder)
    client = mlflow.MlflowClient(again.uri)
    assert [m.step for m in client.get_metric_history(tr.run_id, "train_loss")] == [0, 1, 2, 3, 4]
    assert client.get_run(tr.run_id).info.status == "FINISHED"


@pytest.mark.slow
def test_a_silent_server_is_given_up_within_the_bound(servers, tmp_path):
    """A server that accepts connections and never answers (stopped): the default timeouts bound the wait."""
    server = servers()
    with Tracker(server.uri, "faults", run_name="silent", offline_dir=tmp_path / "offline") as tr:
        tr.log_metrics({"loss": 1.0}, step=0)
        server.signal(signal.SIGSTOP)
        t0 = time.monotonic()
        tr.log_metrics({"loss": 0.5}, step=1)
        noticed = time.monotonic() - t0
        tr.log_metrics({"loss": 0.25}, step=2)
    assert tr.offline
    assert noticed < 45, noticed
    steps = [e["step"] for e in read_journal(tr.journal.folder).entries if e["kind"] == "metrics"]
    assert steps == [1, 2]


@pytest.mark.slow
def test_server_down_from_the_start_records_a_sweep_offline_and_sync_rebuilds_it(
    servers, tmp_path, monkeypatch, capsys
):
    port = _free_port()
    uri = f"http://127.0.0.1:{port}"
    monkeypatch.chdir(tmp_path)  # the default offline folder: <working dir>/mlflow-offline
    net = torch.nn.Linear(4, 2)
    example = np.zeros((1, 4), dtype=np.float32)
    t0 = time.monotonic()
    with Tracker(uri, "faults", run_name="parent") as parent:
        parent.set_tags({"sweep.size": 1})
        with Tracker(uri, "faults", run_name="child", parent_run_id=parent.run_id) as child:
            child.log_params({"model.rnn": "gru"})
            child.log_metrics({"val_auroc": 0.75}, step=0)
            child.log_metrics({"val_auroc": 0.8}, step=1)
            child.log_dict({"a": 1}, "config.yaml")
            child.log_model(net, example, "offline-detector")
        with pytest.raises(RuntimeError):
            with Tracker(uri, "faults", run_name="crashed", parent_run_id=parent.run_id) as crashed:
                raise RuntimeError("boom")
    assert time.monotonic() - t0 < BOUND_S
    assert parent.offline and child.offline and crashed.offline
    assert child.journal.folder.parent == tmp_path / "mlflow-offline"
    assert read_journal(crashed.journal.folder).end["status"] == "FAILED"

    server = servers("server", port=port)
    assert main(["runs", "--sync", str(tmp_path / "mlflow-offline")]) == 0
    assert "3 of 3 offline records synced" in capsys.readouterr().out
    client = mlflow.MlflowClient(server.uri)
    exp = client.get_experiment_by_name("faults")
    runs = {r.info.run_name: r for r in client.search_runs([exp.experiment_id])}
    assert set(runs) == {"parent", "child", "crashed"}
    parent_id = runs["parent"].info.run_id
    assert runs["parent"].data.tags["seizure.offline_id"] == parent.run_id
    assert runs["child"].data.tags["mlflow.parentRunId"] == parent_id
    assert runs["crashed"].data.tags["mlflow.parentRunId"] == parent_id
    assert {n: r.info.status for n, r in runs.items()} == {
        "parent": "FINISHED",
        "child": "FINISHED",
        "crashed": "FAILED",
    }
    child_id = runs["child"].info.run_id
    assert [m.value for m in client.get_metric_history(child_id, "val_auroc")] == [0.75, 0.8]
    assert runs["child"].data.params["model.rnn"] == "gru"
    assert "config.yaml" in {a.path for a in client.list_artifacts(child_id)}
    (version,) = client.search_model_versions("name='offline-detector'")
    assert version.run_id == child_id
    loaded = mlflow.pytorch.load_model(f"models:/offline-detector/{version.version}")
    assert torch.allclose(loaded(torch.ones(1, 4)), net(torch.ones(1, 4)))


def test_sync_of_a_path_without_records_is_a_clear_error(tmp_path, capsys):
    assert main(["runs", "--sync", str(tmp_path)]) == 1
    assert "no offline tracking journal" in capsys.readouterr().err


@pytest.mark.slow
def test_seizure_train_with_its_server_down_finishes_and_syncs_whole(servers, tmp_path, monkeypatch, capsys):
    """The training pipeline as it is: no tracking error stops it, and the synced run is complete."""
    from seizure.synth import generate_corpus

    corpus = tmp_path / "corpus"
    generate_corpus(corpus, n_patients=3, hours=0.25, seed=3)
    port = _free_port()
    monkeypatch.chdir(tmp_path)
    t0 = time.monotonic()
    code = main(
        [
            "train",
            "--data",
            str(corpus),
            f"tracking.uri=http://127.0.0.1:{port}",
            f"data.cache_dir={tmp_path / 'cache'}",
            f"output_dir={tmp_path / 'runs'}",
            "train.epochs=2",
            "model.conv_channels=[4,8,8]",
            "model.hidden_size=8",
            "tracking.registered_model=offline-trained",
        ]
    )
    assert code == 0
    assert time.monotonic() - t0 < 600
    out = capsys.readouterr().out
    run_id = re.search(r"MLflow run ([0-9a-f]{32})", out).group(1)
    (folder,) = (tmp_path / "mlflow-offline").iterdir()
    assert folder.name == run_id
    assert read_journal(folder).end["status"] == "FINISHED"

    server = servers("server", port=port)
    (row,) = sync(folder)
    client = mlflow.MlflowClient(server.uri)
    run = client.get_run(row["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["train.epochs"] == "2"
    assert Path(run.data.tags["run_dir"]).is_dir()
    assert [m.step for m in client.get_metric_history(row["run_id"], "val_auroc")] == [0, 1]
    assert "eval_model_ovlp_sensitivity" in run.data.metrics
    assert {"config.yaml", "metrics.json", "report"} <= {a.path for a in client.list_artifacts(row["run_id"])}
    (version,) = client.search_model_versions("name='offline-trained'")
    assert version.run_id == row["run_id"]
