"""Cache, windows and the end-to-end pipeline on a tiny synthetic corpus."""

import json
import shutil

import mlflow
import numpy as np
import pytest

from seizure.cache import prepare_corpus, prepare_recording
from seizure.io.annotations import read_csv_bi
from seizure.io.corpus import index_tusz
from seizure.windows import build_windows
from seizure_app.cli import main

STEPS = [{"name": "resample", "sfreq": 100.0}, {"name": "bandpass", "l_freq": 0.5, "h_freq": 40.0}]


@pytest.fixture(scope="module")
def corpus(synthetic_corpus):
    return synthetic_corpus


def test_index_reads_layout(corpus):
    recs = index_tusz(corpus)
    assert {r.split for r in recs} == {"train", "dev", "eval"}
    assert all(r.csv_bi and r.csv for r in recs)
    subjects = {}
    for r in recs:
        assert subjects.setdefault(r.subject, r.split) == r.split


def test_cache_is_reused_and_keyed_by_config(corpus, tmp_path):
    rec = index_tusz(corpus)[0]
    a = prepare_recording(rec, STEPS, tmp_path)
    mtime = (a.path / "signals.npy").stat().st_mtime_ns
    b = prepare_recording(rec, STEPS, tmp_path)
    assert b.path == a.path and (b.path / "signals.npy").stat().st_mtime_ns == mtime
    c = prepare_recording(rec, STEPS + [{"name": "scale", "factor": 0.5}], tmp_path)
    assert c.path != a.path
    np.testing.assert_allclose(np.asarray(c.signals), 0.5 * np.asarray(a.signals), rtol=1e-5, atol=1e-5)
    assert a.signals.shape[0] == 22 and a.sfreq == 100.0
    assert isinstance(a.signals, np.memmap)
    ann = read_csv_bi(rec.csv_bi)
    assert a.seizures == [(e.start, e.stop) for e in ann.seizures()]
    # absent A1/A2 rows are zero for _a montages, real otherwise
    for entry in [a]:
        present = entry.meta["present"]
        assert all(np.any(entry.signals[i] != 0) == present[i] for i in range(22))


def test_leftover_temporary_folder_is_not_trusted(corpus, tmp_path):
    rec = index_tusz(corpus)[0]
    entry = prepare_recording(rec, STEPS, tmp_path)
    # simulate an interrupted writer: a half-written temp folder beside, and the final folder gone
    partial = entry.path.parent / f".{entry.path.name}.crash"
    shutil.copytree(entry.path, partial)
    (partial / "meta.json").unlink()
    shutil.rmtree(entry.path)
    again = prepare_recording(rec, STEPS, tmp_path)
    assert again.path == entry.path and (again.path / "meta.json").is_file()


def test_bad_recording_is_excluded_and_batch_goes_on(corpus, tmp_path):
    work = tmp_path / "c"
    shutil.copytree(corpus, work)
    recs = index_tusz(work)
    victim = recs[1]
    with open(victim.edf, "r+b") as fh:
        fh.truncate(300)  # header cut short
    entries, excl = prepare_corpus(recs, STEPS, tmp_path / "cache")
    assert len(entries) == len(recs) - 1
    assert len(excl) == 1 and excl[0]["recording"] == victim.edf
    assert victim.bname in excl[0]["reason"] or victim.edf in excl[0]["reason"]


def test_windows_never_straddle_recordings(corpus, tmp_path):
    entries, _ = prepare_corpus(index_tusz(corpus), STEPS, tmp_path)
    idx = build_windows(entries, 10.0, 5.0, 1.0)
    for i in range(len(idx)):
        r, s = idx.rec[i], idx.first_step[i]
        assert (s + idx.n_steps) * idx.samples_per_step <= entries[r].signals.shape[1]
        x, y = idx.window(i)
        assert x.shape == (22, 1000) and y.shape == (10,)
        assert np.shares_memory(x, entries[r].signals)
    assert idx.has_seizure().any()


@pytest.mark.slow
def test_end_to_end_tiny(corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    code = main(
        [
            "train",
            "--data",
            str(corpus),
            f"tracking.uri={uri}",
            "tracking.registered_model=tiny-detector",
            "train.epochs=1",
            "model.conv_channels=[4,8,8]",
            "model.hidden_size=8",
            f"data.cache_dir={tmp_path / 'cache'}",
            f"output_dir={tmp_path / 'runs'}",
        ]
    )
    assert code == 0
    run_dir = next((tmp_path / "runs").iterdir())
    doc = json.loads((run_dir / "metrics.json").read_text())
    for name in ("model", "baseline"):
        for metric in ("ovlp", "taes"):
            seiz = doc["results"][name]["eval"]["metrics"][metric]["seiz"]
            assert seiz["targets"] == doc["data"]["eval"]["seizures"]
            assert seiz["fa_per_24h"] is not None and seiz["fa_per_24h"] >= 0
    html = (run_dir / "report.html").read_text()
    assert "data:image/png;base64," in html and 'id="headline"' in html
    hyps = list((run_dir / "hyp" / "model").glob("*.csv_bi"))
    assert len(hyps) == doc["data"]["eval"]["recordings"]
    for h in hyps:
        read_csv_bi(h)  # the scorers' own format

    client = mlflow.MlflowClient(uri)
    run = client.get_run(doc["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["model.rnn"] == "lstm"
    assert "eval_model_ovlp_sensitivity" in run.data.metrics
    assert [m.step for m in client.get_metric_history(run.info.run_id, "train_loss")] == [0]
    arts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"metrics.json", "config.yaml", "report"} <= arts
    versions = client.search_model_versions("name='tiny-detector'")
    assert len(versions) == 1

    # the hypotheses score the same through `seizure score`
    ref_dir = tmp_path / "ref"
    ref_dir.mkdir()
    evals = [r for r in index_tusz(corpus) if r.split == "eval"]
    for r in evals:
        shutil.copy(r.csv_bi, ref_dir)
    assert main(["score", str(ref_dir), str(run_dir / "hyp" / "model"), "--json", str(tmp_path / "s.json")]) == 0
    scored = json.loads((tmp_path / "s.json").read_text())
    assert scored["metrics"]["ovlp"]["seiz"] == pytest.approx(
        doc["results"]["model"]["eval"]["metrics"]["ovlp"]["seiz"]
    )


def test_config_rejects_unknown_key_from_cli(capsys):
    assert main(["train", "train.epoch=1"]) == 2
    assert "did you mean 'epochs'" in capsys.readouterr().err
