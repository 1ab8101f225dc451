"""Training runs and MLflow tracking: reproducibility, kill + resume, sweeps, `seizure runs`,
and a real `mlflow server` over HTTP."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import mlflow
import pytest

from seizure_app.cli import main

pytestmark = pytest.mark.slow

TINY = ["train.epochs=2", "model.conv_channels=[4,8,8]", "model.hidden_size=8"]


@pytest.fixture(scope="module")
def corpus(synthetic_corpus):
    return synthetic_corpus


def _args(corpus, tmp_path, uri, *extra):
    return [
        "--data",
        str(corpus),
        f"tracking.uri={uri}",
        f"data.cache_dir={tmp_path / 'cache'}",
        f"output_dir={tmp_path / 'runs'}",
        *TINY,
        *extra,
    ]


def test_same_config_seed_and_data_give_same_metrics(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert main(["train", *_args(corpus, tmp_path, uri)]) == 0
    assert main(["train", *_args(corpus, tmp_path, uri)]) == 0
    client = mlflow.MlflowClient(uri)
    runs = client.search_runs([client.get_experiment_by_name("seizure").experiment_id])
    assert len(runs) == 2
    a, b = (r.data.metrics for r in runs)
    assert set(a) == set(b)
    for key in a:
        assert a[key] == b[key], key
    assert runs[0].data.tags["config_hash"] == runs[1].data.tags["config_hash"]
    assert runs[0].data.tags["data_manifest_hash"] == runs[1].data.tags["data_manifest_hash"]


def test_killed_training_is_marked_and_resumes_in_the_same_run(corpus, tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_TRACKING_URI": uri}
    cmd = [
        sys.executable,
        "-m",
        "seizure_app.cli",
        "train",
        *_args(corpus, tmp_path, uri, "train.epochs=40", "data.stride_s=1"),
    ]
    log = open(tmp_path / "train.log", "w")
    proc = subprocess.Popen(cmd, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    run_id = ckpts = None
    deadline = time.time() + 400
    while time.time() < deadline and proc.poll() is None and ckpts is None:
        if run_id is None:
            m = re.search(r"MLflow run ([0-9a-f]{32})", (tmp_path / "train.log").read_text())
            run_id = m.group(1) if m else None
        found = list((tmp_path / "runs").glob("*/checkpoints/last.ckpt"))
        ckpts = found[0] if found else None
        time.sleep(0.2)
    assert run_id, "the training process never reported its MLflow run"
    assert ckpts is not None, "no checkpoint was written"
    time.sleep(0.5)  # into the next epoch
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    log.close()
    assert proc.returncode != 0
    client = mlflow.MlflowClient(uri)
    killed = client.get_run(run_id)
    assert killed.info.status == "KILLED"
    epochs_before = len(client.get_metric_history(run_id, "train_loss"))
    assert 1 <= epochs_before < 40

    # resume with a short budget: lower the epoch count in the saved config
    cfg_path = ckpts.parents[1] / "config.yaml"
    cfg_path.write_text(cfg_path.read_text().replace("epochs: 40", f"epochs: {epochs_before + 2}"))
    resumed = subprocess.run(
        [sys.executable, "-m", "seizure_app.cli", "train", "--resume", run_id],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    done = client.get_run(run_id)
    assert done.info.status == "FINISHED"
    steps = sorted({m.step for m in client.get_metric_history(run_id, "train_loss")})
    assert steps == list(range(epochs_before + 2))
    assert "eval_model_ovlp_sensitivity" in done.data.metrics


def test_crash_marks_run_failed(corpus, tmp_path, monkeypatch):
    from seizure_app import train as train_mod

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"

    def boom(*a, **k):
        raise RuntimeError("evaluation exploded")

    monkeypatch.setattr(train_mod, "evaluate_model", boom)
    with pytest.raises(RuntimeError, match="exploded"):
        main(["train", *_args(corpus, tmp_path, uri)])
    client = mlflow.MlflowClient(uri)
    (run,) = client.search_runs([client.get_experiment_by_name("seizure").experiment_id])
    assert run.info.status == "FAILED"


def test_sweep_parent_and_children_and_runs_listing(corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    args = ["sweep", "--grid", "model.rnn=lstm,gru", *_args(corpus, tmp_path, uri, "train.epochs=1")]
    assert main(args) == 0
    out = capsys.readouterr().out
    parent_id = re.search(r"sweep parent run ([0-9a-f]{32})", out).group(1)
    client = mlflow.MlflowClient(uri)
    children = client.search_runs(
        [client.get_experiment_by_name("seizure").experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent_id}'",
    )
    assert sorted(r.data.params["model.rnn"] for r in children) == ["gru", "lstm"]
    assert all(r.info.status == "FINISHED" for r in children)

    assert main(["runs", "--tracking-uri", uri]) == 0
    assert capsys.readouterr().out.count("FINISHED") == 3  # parent + 2 children
    assert main(["runs", "--tracking-uri", uri, "--best", "eval_model_ovlp_sensitivity"]) == 0
    listing = capsys.readouterr().out
    assert "best by eval_model_ovlp_sensitivity" in listing
    assert listing.count("FINISHED") == 2  # only runs that have the metric are ranked
    assert main(["runs", "--tracking-uri", uri, "--best", "no_such_metric"]) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_training_against_a_real_tracking_server(corpus, tmp_path, monkeypatch):
    port = _free_port()
    mlflow_bin = Path(sys.executable).parent / "mlflow"
    server = subprocess.Popen(
        [
            str(mlflow_bin),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            f"sqlite:///{tmp_path / 'server.db'}",
            "--artifacts-destination",
            str(tmp_path / "server-artifacts"),
            "--workers",
            "1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true"},
    )
    uri = f"http://127.0.0.1:{port}"
    try:
        import urllib.request

        deadline = time.time() + 120
        while True:
            try:
                urllib.request.urlopen(f"{uri}/health", timeout=2)
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise AssertionError("mlflow server did not come up") from None
                time.sleep(0.5)
        monkeypatch.chdir(tmp_path)
        assert main(["train", *_args(corpus, tmp_path, uri, "tracking.registered_model=served-detector")]) == 0
        doc = json.loads(next((tmp_path / "runs").glob("*/metrics.json")).read_text())
        client = mlflow.MlflowClient(uri)
        run = client.get_run(doc["run_id"])
        assert run.info.status == "FINISHED"
        assert run.data.params["train.epochs"] == "2"
        assert [m.step for m in client.get_metric_history(run.info.run_id, "val_auroc")] == [0, 1]
        arts = {a.path for a in client.list_artifacts(run.info.run_id)}
        assert {"config.yaml", "metrics.json", "report"} <= arts
        (version,) = client.search_model_versions("name='served-detector'")
        assert version.run_id == run.info.run_id
        # the artifacts really went through the server into its artifact store
        assert any((tmp_path / "server-artifacts").rglob("metrics.json"))
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_evaluate_rescoring_a_run_folder(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    assert main(["train", *_args(corpus, tmp_path, uri)]) == 0
    run_dir = next((tmp_path / "runs").iterdir())
    first = json.loads((run_dir / "metrics.json").read_text())
    assert main(["evaluate", str(run_dir), "postprocess.target_fa_per_24h=1000"]) == 0
    (again,) = list((run_dir / "evaluations").glob("*/metrics.json"))
    doc = json.loads(again.read_text())
    assert doc["results"]["model"]["dev_fit"]["target_fa_per_24h"] == 1000
    assert doc["data"] == first["data"]
    # the same model scored the same recordings: the eval curves coincide
    assert doc["results"]["model"]["eval_curve"]["ovlp"] == first["results"]["model"]["eval_curve"]["ovlp"]
    assert main(["evaluate", str(tmp_path)]) == 1  # not a run folder: clear error


def test_experiment_file_sweep_writes_results_table(corpus, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    exp = tmp_path / "exp.yaml"
    exp.write_text(
        "description: two initializers\n"
        "base:\n  train.epochs: 1\n"
        'grid:\n  "model.init.conv,model.init.rnn_input,model.init.rnn_hidden,model.init.output": [orthogonal, he_normal]\n'
        "variants:\n  - {name: l1, overrides: {train.regularization.l1: 0.00001}}\n"
    )
    assert main(["sweep", str(exp), *_args(corpus, tmp_path, uri)[2:], f"data.root={corpus}"]) == 0
    out = capsys.readouterr().out
    assert "| init=orthogonal |" in out and "| init=he_normal |" in out and "| l1 |" in out
    (csv_path,) = list((tmp_path / "runs").glob("sweep-*/results.csv"))
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("variant,run_id,ovlp_sensitivity,ovlp_specificity,ovlp_fa_per_24h")
    assert len(lines) == 4
    parent_id = re.search(r"sweep parent run ([0-9a-f]{32})", out).group(1)
    client = mlflow.MlflowClient(uri)
    assert {a.path for a in client.list_artifacts(parent_id)} >= {"results.md", "results.csv"}
    children = client.search_runs(
        [client.get_experiment_by_name("seizure").experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{parent_id}'",
    )
    inits = sorted(r.data.params["model.init.rnn_hidden"] for r in children)
    assert inits == ["he_normal", "orthogonal", "orthogonal"]


def test_experiment_file_errors_name_the_problem(tmp_path):
    from seizure.config import ConfigError
    from seizure_app.sweep import load_experiment

    bad = tmp_path / "bad.yaml"
    bad.write_text("grids:\n  model.rnn: [lstm]\n")
    with pytest.raises(ConfigError, match="unknown experiment field"):
        load_experiment(bad)
    bad.write_text("base:\n  train.epochs: 1\n")
    with pytest.raises(ConfigError, match="needs a 'grid' or 'variants'"):
        load_experiment(bad)
