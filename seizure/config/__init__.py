"""Typed, strictly validated configuration: defaults here, YAML files and dotted overrides on top.

A configuration is a tree of dataclasses (:mod:`seizure.config.schema`, where each field's valid
range is documented). ``load_config(paths, overrides)`` starts from the defaults, merges YAML
files in order, then ``key.sub=value`` overrides, then checks every value
(:mod:`seizure.config.checks`); an unknown key anywhere is an error naming the key and the
closest valid one, and a value of the wrong type or out of range is an error naming its dotted
key, the value and what is allowed.
"""

from __future__ import annotations

from seizure.config.loading import config_hash, flatten, load_config, to_dict
from seizure.config.schema import (
    Config,
    ConfigError,
    DataConfig,
    DevMetricsConfig,
    EarlyStoppingConfig,
    InitConfig,
    LossConfig,
    ModelConfig,
    PostprocessConfig,
    RegularizationConfig,
    SynthConfig,
    TrackingConfig,
    TrainConfig,
)

__all__ = [
    "Config",
    "ConfigError",
    "load_config",
    "to_dict",
    "flatten",
    "config_hash",
    "SynthConfig",
    "DataConfig",
    "InitConfig",
    "ModelConfig",
    "LossConfig",
    "RegularizationConfig",
    "EarlyStoppingConfig",
    "DevMetricsConfig",
    "TrainConfig",
    "PostprocessConfig",
    "TrackingConfig",
]
