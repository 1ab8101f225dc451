"""Shared fixtures: a writer of small TUSZ-style EDF files and a tiny trained-run folder."""

import os

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("MPLBACKEND", "Agg")

import datetime
import json
from pathlib import Path

import numpy as np
import pytest

#: The 19 electrodes of the TCP montage plus the ears, as TUSZ files have them.
ELECTRODES = ("FP1", "F7", "T3", "T5", "O1", "FP2", "F8", "T4", "T6", "O2", "A1", "A2", "C3", "CZ", "C4",
              "F3", "P3", "F4", "P4")  # fmt: skip
#: Network of the tiny run folder (detection mechanics, not accuracy).
TINY_NET = {
    "n_channels": 22,
    "sfreq": 100.0,
    "step_s": 1.0,
    "rnn": "lstm",
    "conv_channels": [4, 8],
    "kernel_size": 7,
    "hidden_size": 8,
    "num_layers": 1,
    "bidirectional": True,
    "dropout": 0.0,
}


def _write_tusz_edf(path, sfreq=250.0, seconds=120, flat=(), seizure=(30.0, 60.0), seed=3, reference=True):
    """A TUSZ-style EDF (``EEG <E>-REF`` labels) of noise plus a rhythmic 5 Hz burst during ``seizure``,
    and (``reference``) its ``.csv_bi`` naming that seizure. Electrodes in ``flat`` are constant
    (``flat=True``: all of them, a flat-line recording)."""
    from edfio import Edf, EdfSignal

    from seizure.io.annotations import Event, write_csv_bi

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    t = np.arange(int(sfreq * seconds)) / sfreq
    burst = 120 * np.sin(2 * np.pi * 5 * t) * ((t >= seizure[0]) & (t < seizure[1])) if seizure else 0 * t
    flat = ELECTRODES if flat is True else flat
    signals = []
    for i, e in enumerate(ELECTRODES):
        x = np.full(t.size, 7.0) if e in flat else rng.normal(0, 25, t.size) + burst * (0.4 + 0.05 * i)
        signals.append(EdfSignal(x, sfreq, label=f"EEG {e}-REF", physical_dimension="uV", physical_range=(-800, 800)))
    Edf(signals, starttime=datetime.time(9, 0, 0), data_record_duration=1).write(path)
    if reference:
        events = [Event(*seizure, "seiz")] if seizure else []
        write_csv_bi(path.with_suffix(".csv_bi"), events, float(seconds), path.stem)
    return path


@pytest.fixture(scope="session")
def synthetic_corpus(tmp_path_factory) -> Path:
    """One small synthetic TUSZ v2 corpus for the whole session (3 patients, 0.25 h, seed 3).

    Read-only: a test that changes files copies it first (``shutil.copytree``)."""
    from seizure.synth import generate_corpus

    root = tmp_path_factory.mktemp("synthetic-corpus")
    generate_corpus(root, n_patients=3, hours=0.25, seed=3)
    return root


@pytest.fixture(scope="session")
def write_tusz_edf():
    """The function ``write_tusz_edf(path, sfreq=250.0, seconds=120, flat=(), seizure=(30.0, 60.0), ...)``."""
    return _write_tusz_edf


@pytest.fixture(scope="session")
def tiny_run_dir(tmp_path_factory) -> Path:
    """A training run folder holding a small untrained network (:data:`TINY_NET`)."""
    import torch
    import yaml

    from seizure.config import load_config, to_dict
    from seizure.models import build_model
    from seizure.postprocess import OPERATING_POINT_FILE, EventDetector

    d = tmp_path_factory.mktemp("tiny-run")
    cfg = load_config(overrides=["data.window_s=8", "model.conv_channels=[4, 8]", "model.hidden_size=8"])
    (d / "config.yaml").write_text(yaml.safe_dump(to_dict(cfg), sort_keys=False))
    torch.manual_seed(0)
    torch.save(build_model("cnn_rnn", **TINY_NET).state_dict(), d / "model_state.pt")
    (d / "model.json").write_text(json.dumps({"name": "cnn_rnn", "kwargs": TINY_NET}))
    EventDetector(1.0, 3.0, 2.0, 5.0, 0.5).save(d / OPERATING_POINT_FILE, chosen_by="training", split="dev")
    return d
