"""Windows as views with label rules; patient- and class-balanced sampling; the data module."""

from pathlib import Path

import numpy as np
import pytest

from seizure.cache import CachedRecording
from seizure.training.data import SeizureDataModule
from seizure.windows import build_windows, sampling_weights, step_labels


def entry(subject, seconds, seizures, sfreq=10.0, key=None):
    n = int(seconds * sfreq)
    signals = np.arange(22 * n, dtype=np.float32).reshape(22, n)
    meta = {"key": key or f"m/{subject}", "subject": subject, "sfreq": sfreq, "duration_s": float(seconds),
            "seizures": [list(s) for s in seizures], "present": [True] * 22}  # fmt: skip
    return CachedRecording(Path("."), meta, signals)


def test_window_label_rules():
    idx = build_windows([entry("a", 40, [(12.0, 16.5)])], 10.0, 5.0, 1.0, "majority")
    assert idx.first_step.tolist() == [0, 5, 10, 15, 20, 25, 30]
    assert idx.window_labels("any").tolist() == [0, 1, 1, 1, 0, 0, 0]
    assert idx.window_labels("majority").tolist() == [0, 0, 0, 0, 0, 0, 0]  # 4.5 s of 10 s
    assert idx.window_labels("centre").tolist() == [0, 0, 1, 0, 0, 0, 0]  # centres 5, 10, 15, ...
    assert idx.has_seizure().tolist() == [0, 1, 1, 1, 0, 0, 0]
    with pytest.raises(ValueError, match="label rule"):
        idx.window_labels("most")


def test_windows_are_views_and_never_straddle():
    entries = [entry("a", 23, []), entry("b", 31, [(3, 9)])]
    idx = build_windows(entries, 10.0, 3.0, 1.0)
    for i in range(len(idx)):
        x, y = idx.window(i)
        r = idx.rec[i]
        assert x.shape == (22, 100) and y.shape == (10,) and np.shares_memory(x, entries[r].signals)
        assert (idx.first_step[i] + 10) * 10 <= entries[r].signals.shape[1]
    np.testing.assert_array_equal(idx.labels[1][:10], step_labels([(3, 9)], 31, 1.0)[:10])


def test_patient_and_class_balanced_weights():
    entries = [entry("big", 400, [(50, 70)]), entry("small", 40, [(10, 20)]), entry("quiet", 100, [])]
    idx = build_windows(entries, 10.0, 10.0, 1.0)
    subj = idx.subjects().astype(str)
    pos = idx.has_seizure()
    w = sampling_weights(idx, 0.5, patient_balance=True)
    assert w.sum() == pytest.approx(1.0)
    assert w[pos].sum() == pytest.approx(0.5)
    for s in ("big", "small"):  # each patient with seizures gets the same share of seizure draws
        assert w[pos & (subj == s)].sum() == pytest.approx(0.25)
    for s in ("big", "small", "quiet"):
        assert w[~pos & (subj == s)].sum() == pytest.approx(0.5 / 3)
    w = sampling_weights(idx, 0.0, patient_balance=True)
    for s in ("big", "small", "quiet"):
        assert w[subj == s].sum() == pytest.approx(1 / 3)
    w = sampling_weights(idx, 0.3)
    assert w[pos].sum() == pytest.approx(0.3) and np.ptp(w[pos]) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="seizure_share"):
        sampling_weights(idx, 1.0)


def test_data_module_patient_balanced_sampler():
    train = [entry("big", 400, [(50, 70)]), entry("small", 60, [(10, 20)])]
    dev = [entry("d", 50, [(5, 15)])]
    dm = SeizureDataModule(train, dev, 10.0, 5.0, 1.0, "majority", batch_size=8, seizure_oversample=0.5,
                           seed=1, patient_balance=True)  # fmt: skip
    sampler = dm.train_dataloader().sampler
    draws = []
    for epoch in range(20):  # 20 epochs of 90 draws
        sampler.set_epoch(epoch)
        draws += list(sampler)
    draws = np.array(draws)
    subj = dm.train_index.subjects()[draws]
    assert abs((subj == "small").mean() - 0.5) < 0.1  # 'small' has 11 of 87 windows, drawn half the time
    x, y = next(iter(dm.train_dataloader()))
    assert x.shape == (8, 22, 100) and y.shape == (8, 10)
