"""Argument checks of the training data module."""

import logging
from pathlib import Path

import numpy as np
import pytest

from seizure._validation import ParameterError, SeizureError
from seizure.cache import CachedRecording
from seizure.training.data import SeizureDataModule


def entry(subject, seconds, sfreq=10.0):
    n = int(seconds * sfreq)
    meta = {"key": f"m/{subject}", "subject": subject, "sfreq": sfreq, "duration_s": float(seconds),
            "seizures": [[2.0, 6.0]], "present": [True] * 22}  # fmt: skip
    return CachedRecording(Path("."), meta, np.zeros((22, n), dtype=np.float32))


def test_window_longer_than_every_recording_names_the_key():
    train = [entry("a", 30), entry("b", 45)]
    with pytest.raises(SeizureError) as exc:
        SeizureDataModule(train, [entry("d", 60)], 50.0, 5.0, 1.0)
    assert str(exc.value) == ("data.window_s: expected a window no longer than the longest training recording "
                              "(45 s), got 50 s")
    dm = SeizureDataModule(train, [entry("d", 60)], 45.0, 5.0, 1.0)  # exactly the longest: one window
    assert len(dm.train_index) == 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(batch_size=0), "batch_size: expected an integer >= 1, got 0"),
    (dict(batch_size=2.0), "batch_size: expected an integer >= 1, got 2.0"),
    (dict(num_workers=-1), "num_workers: expected an integer >= 0, got -1"),
    (dict(seizure_oversample=1.0), "seizure_oversample: expected a finite number in [0, 1), got 1.0"),
    (dict(window_s=float("nan")), "window_s: expected a finite number > 0, got nan"),
    (dict(step_s=0.0), "step_s: expected a finite number > 0, got 0.0"),
])  # fmt: skip
def test_arguments_out_of_range(kwargs, message):
    args = {"window_s": 10.0, "stride_s": 5.0, "step_s": 1.0, **kwargs}
    with pytest.raises(ParameterError) as exc:
        SeizureDataModule([entry("a", 60)], [entry("d", 60)], **args)
    assert str(exc.value) == message


def test_batch_larger_than_the_windows_is_one_batch(caplog):
    with caplog.at_level(logging.WARNING, logger="seizure"):
        dm = SeizureDataModule([entry("a", 30)], [entry("d", 30)], 10.0, 5.0, 1.0, batch_size=64)
    assert "batch_size 64 is larger than the 5 training windows" in caplog.text
    batches = list(dm.train_dataloader())
    assert len(batches) == 1 and batches[0][0].shape[0] == 5
