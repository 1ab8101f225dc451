"""A training run killed with SIGKILL at a random batch and resumed with ``seizure train --resume``
gives exactly the metrics of the same run left uninterrupted (same config, seed and data, CPU)."""

import json
import os
import random
import re
import signal
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
import torch

from seizure.synth import generate_corpus

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EPOCHS = 3
BATCH = 4
TINY = ["model.conv_channels=[4,8]", "model.hidden_size=8", "model.dropout=0.3", "data.window_s=8",
        "data.stride_s=2", f"train.batch_size={BATCH}", f"train.epochs={EPOCHS}", "train.threads=1"]  # fmt: skip

#: Runs ``seizure`` (seizure_app.cli) with the training step reporting each batch on stderr and taking
#: 50 ms longer, so that the test can kill the process at a batch of its choosing. The report and
#: the delay draw no random numbers and change no value.
PROBE = """
import runpy, sys, time
from seizure.training.module import SeizureModule
step = SeizureModule.training_step
def probed(self, batch, batch_idx):
    print(f"probe: epoch {self.current_epoch} batch {batch_idx}", file=sys.stderr, flush=True)
    time.sleep(0.05)
    return step(self, batch, batch_idx)
SeizureModule.training_step = probed
sys.argv[0] = "seizure"
runpy.run_module("seizure_app.cli", run_name="__main__", alter_sys=True)
"""

#: Parts of metrics.json that name the run or measure time.
VOLATILE = ("run_id", "tracking_uri", "run_dir", "report", "timing_s")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    generate_corpus(root, n_patients=3, hours=0.2, seed=3)  # a seizure in each of train, dev and eval
    return root


def _env(uri):
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", "MLFLOW_DISABLE_TELEMETRY": "true",
            "OMP_WAIT_POLICY": "PASSIVE", "MLFLOW_TRACKING_URI": uri}  # fmt: skip


def _train_args(corpus, tmp_path, uri):
    return ["train", "--data", str(corpus), f"tracking.uri={uri}", f"data.cache_dir={tmp_path / 'cache'}",
            f"output_dir={tmp_path / 'runs'}", *TINY]  # fmt: skip


def _metrics(uri, run_id):
    """Every logged metric as its full ``[(step, value), ...]`` history."""
    client = mlflow.MlflowClient(uri)
    keys = client.get_run(run_id).data.metrics
    return {k: sorted((m.step, m.value) for m in client.get_metric_history(run_id, k)) for k in keys}


def _document(run_dir):
    doc = json.loads((Path(run_dir) / "metrics.json").read_text())
    for key in VOLATILE:
        doc.pop(key)
    doc["train"].pop("seconds")
    return doc


def _run_id(text):
    m = re.search(r"MLflow run ([0-9a-f]{32})", text)
    assert m, text[-2000:]
    return m.group(1)


def test_sigkill_at_a_random_batch_then_resume_gives_the_uninterrupted_metrics(corpus, tmp_path):
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    env = _env(uri)
    py = sys.executable

    # A: uninterrupted
    a = subprocess.run([py, "-m", "seizure_app.cli", *_train_args(corpus, tmp_path, uri)], cwd=tmp_path,
                       env=env, capture_output=True, text=True, timeout=600)  # fmt: skip
    assert a.returncode == 0, a.stdout[-3000:] + a.stderr[-3000:]
    run_a = _run_id(a.stdout)
    (dir_a,) = (tmp_path / "runs").iterdir()
    n_windows = int(re.search(r"on (\d+) windows", a.stdout).group(1))
    n_batches = -(-n_windows // BATCH)
    assert n_batches >= 8, "the epoch is too short to be interrupted in its middle"

    # B: SIGKILL at a random batch of the second epoch
    target = random.randint(1, n_batches - 3)
    out_b = open(tmp_path / "b.out", "w")
    proc = subprocess.Popen([py, "-c", PROBE, *_train_args(corpus, tmp_path, uri)], cwd=tmp_path, env=env,
                            stdout=out_b, stderr=subprocess.PIPE, text=True)  # fmt: skip
    seen = []
    try:
        for line in proc.stderr:
            m = re.match(r"probe: epoch (\d+) batch (\d+)", line)
            if m:
                seen.append((int(m.group(1)), int(m.group(2))))
                if seen[-1] == (1, target):
                    proc.send_signal(signal.SIGKILL)
                    break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)
        proc.stderr.close()
        out_b.close()
    assert proc.returncode == -signal.SIGKILL, f"run B ended on its own (return code {proc.returncode})"
    assert seen[-1] == (1, target) and seen.count((0, 0)) == 1, seen
    (dir_b,) = set((tmp_path / "runs").iterdir()) - {dir_a}
    last = dir_b / "checkpoints" / "last.ckpt"
    ckpt = torch.load(last, map_location="cpu", weights_only=False)
    assert ckpt["epoch"] == 0, f"the kill at batch {target} landed after the checkpoint of epoch {ckpt['epoch']}"
    run_b = _run_id((tmp_path / "b.out").read_text())
    assert sorted(_metrics(uri, run_b)["train_loss"])[-1][0] == 0  # only epoch 0 was logged before the kill

    resumed = subprocess.run([py, "-m", "seizure_app.cli", "train", "--resume", run_b], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=600)  # fmt: skip
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert "from checkpoint last.ckpt" in resumed.stdout

    ma, mb = _metrics(uri, run_a), _metrics(uri, run_b)
    assert set(ma) == set(mb)
    assert [s for s, _ in ma["train_loss"]] == list(range(EPOCHS))
    differ = {k: (ma[k], mb[k]) for k in ma if ma[k] != mb[k]}
    assert not differ, f"killed at epoch 1 batch {target} of {n_batches}; differing metrics: {differ}"
    assert _document(dir_b) == _document(dir_a)
