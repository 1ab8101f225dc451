"""The evaluate stage (``seizure_app.evaluate.evaluate_run``) and the one fitted file of a trained run."""

from __future__ import annotations

import json
import logging
import shutil

import pytest

from seizure.detection import load_detector
from seizure.postprocess import OPERATING_POINT_FILE, EventDetector
from seizure.synth import generate_corpus
from seizure_app.evaluate import evaluate_run, resolve_run_dir, run_config

pytestmark = pytest.mark.slow

TINY = ["train.epochs=1", "model.conv_channels=[4,8,8]", "model.hidden_size=8", "train.dev_metrics.enabled=false"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    from seizure.config import load_config
    from seizure_app.train import train

    tmp = tmp_path_factory.mktemp("evaluate")
    corpus = tmp / "corpus"
    generate_corpus(corpus, n_patients=3, hours=0.25, seed=3)
    cfg = load_config(
        overrides=[
            f"data.root={corpus}",
            f"tracking.uri=sqlite:///{tmp / 'mlflow.db'}",
            f"data.cache_dir={tmp / 'cache'}",
            f"output_dir={tmp / 'runs'}",
            *TINY,
        ]
    )
    doc = train(cfg, progress_bar=False, say=lambda s: None)
    return tmp / "runs" / next((tmp / "runs").iterdir()).name, doc


def test_training_writes_one_fitted_file(run_dir):
    folder, doc = run_dir
    assert (folder / OPERATING_POINT_FILE).is_file() and not (folder / "postprocess.json").exists()
    det = EventDetector.load(folder / OPERATING_POINT_FILE)
    res = doc["results"]["model"]
    assert det.to_dict() == res["detector"] and det.threshold_ == res["dev_fit"]["threshold"]
    assert det.fit_info_["chosen_by"] == "training" and det.fit_info_["selection"] == "plateau_median"
    assert det.fit_info_["target"] == {"kind": "fa_per_24h", "value": res["dev_fit"]["target_fa_per_24h"]}
    assert load_detector(folder).postprocess == det


def test_evaluate_run_refits_into_its_own_folder(run_dir, tmp_path):
    folder, doc = run_dir
    cfg = run_config(folder, ["postprocess.target_fa_per_24h=1000"])
    again = evaluate_run(resolve_run_dir(folder), cfg, tmp_path / "ev")
    fitted = EventDetector.load(tmp_path / "ev" / OPERATING_POINT_FILE)
    assert fitted.fit_info_["target"]["value"] == 1000.0 == again["results"]["model"]["dev_fit"]["target_fa_per_24h"]
    assert fitted.threshold_ == again["results"]["model"]["dev_fit"]["threshold"]
    assert again["results"]["model"]["eval_curve"] == doc["results"]["model"]["eval_curve"]
    assert again["run_id"] == doc["run_id"] and (tmp_path / "ev" / "report.html").is_file()
    # the run's own fitted file is untouched by a re-evaluation
    assert EventDetector.load(folder / OPERATING_POINT_FILE).to_dict() == doc["results"]["model"]["detector"]
    with pytest.raises(FileNotFoundError, match="not a training run folder"):
        resolve_run_dir(tmp_path)


def test_run_folder_of_the_earlier_layout_still_evaluates(run_dir, tmp_path, caplog):
    folder, doc = run_dir
    old = tmp_path / "old"
    shutil.copytree(folder, old, ignore=shutil.ignore_patterns("hyp", "probs", "checkpoints", "evaluations"))
    (old / OPERATING_POINT_FILE).unlink()
    (old / "postprocess.json").write_text(json.dumps(doc["results"]["model"]["detector"]))
    with caplog.at_level(logging.INFO, logger="seizure"):
        det = load_detector(old)
    assert det.postprocess.to_dict() == doc["results"]["model"]["detector"]
    assert det.info["operating_point"]["file"] == "postprocess.json"
    assert det.info["operating_point"]["chosen"]["threshold"] == doc["results"]["model"]["dev_fit"]["threshold"]
    assert any("postprocess.json" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)
    again = evaluate_run(old, out_dir=tmp_path / "ev")
    assert again["results"]["model"]["detector"] == doc["results"]["model"]["detector"]
