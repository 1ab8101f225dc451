"""The model YAML files load, validate and build; default.yaml spells out the code defaults."""

from pathlib import Path

import torch

from seizure.config import load_config, to_dict
from seizure.training.module import build_module

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "model"


def test_default_yaml_equals_code_defaults():
    assert to_dict(load_config([CONFIGS / "default.yaml"])) == to_dict(load_config())


def test_paper_config_builds_the_lfcc_cnn_lstm():
    cfg = load_config([CONFIGS / "golmohammadi2017.yaml"])
    assert cfg.model.front_end == "lfcc" and cfg.train.loss.name == "mse"
    assert [s["name"] for s in cfg.data.preprocessing][-1] == "lfcc"
    m = build_module(cfg, n_channels=22, sfreq=10.0, pos_weight=1.0, rows_per_channel=26)
    n = int(cfg.data.window_s * 10)
    with torch.no_grad():
        assert m(torch.randn(2, 22 * 26, n)).shape == (2, int(cfg.data.window_s))
