"""Typed, strictly validated configuration: defaults here, YAML files and dotted overrides on top.

A configuration is a tree of dataclasses. ``load_config(paths, overrides)`` starts from the
defaults, merges YAML files in order, then ``key.sub=value`` overrides; an unknown key anywhere is
an error naming the key and the closest valid one.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

import yaml

__all__ = [
    "Config",
    "ConfigError",
    "load_config",
    "to_dict",
    "flatten",
    "config_hash",
]


class ConfigError(ValueError):
    """A configuration key or value is invalid."""


@dataclass
class SynthConfig:
    """Synthetic corpus made by ``seizure synth`` / ``seizure demo``."""

    n_patients: int = 12
    hours: float = 3.0
    seed: int = 0


@dataclass
class DataConfig:
    """Where the corpus is and how it becomes model input.

    ``preprocessing`` is a list of steps, each ``{"name": ..., **params}`` (see
    ``seizure.preprocessing.STEPS``), applied in order after the TCP montage.
    """

    root: str = "data/demo"
    cache_dir: str = "data/cache"
    sfreq: float = 100.0
    preprocessing: list = field(
        default_factory=lambda: [
            {"name": "resample", "sfreq": 100.0},
            {"name": "bandpass", "l_freq": 0.5, "h_freq": 40.0},
            {"name": "scale", "factor": 0.01},
            {"name": "clip", "limit": 10.0},
        ]
    )
    window_s: float = 16.0
    stride_s: float = 4.0
    step_s: float = 1.0
    label_rule: str = "majority"
    jobs: int = 1


@dataclass
class ModelConfig:
    """Network name in the model registry plus its keyword arguments."""

    name: str = "cnn_rnn"
    rnn: str = "lstm"
    conv_channels: list = field(default_factory=lambda: [8, 16, 32])
    kernel_size: int = 7
    hidden_size: int = 64
    num_layers: int = 1
    bidirectional: bool = True
    dropout: float = 0.3


@dataclass
class TrainConfig:
    """Optimisation and Lightning trainer settings."""

    epochs: int = 10
    batch_size: int = 32
    lr: float = 2e-3
    weight_decay: float = 1e-4
    pos_weight: float = 0.0
    seizure_oversample: float = 0.3
    gradient_clip_val: float = 1.0
    seed: int = 0
    accelerator: str = "cpu"
    devices: int = 1
    num_workers: int = 0
    deterministic: bool = True
    threads: int = 2


@dataclass
class PostprocessConfig:
    """Probabilities -> events. The threshold is fitted on the dev split to ``target_fa_per_24h``."""

    smooth_s: float = 5.0
    min_duration_s: float = 5.0
    merge_gap_s: float = 10.0
    target_fa_per_24h: float = 20.0


@dataclass
class TrackingConfig:
    """MLflow tracking. ``uri`` empty means ``$MLFLOW_TRACKING_URI`` or ``sqlite:///mlflow.db``."""

    uri: str = ""
    experiment: str = "seizure"
    registered_model: str = ""


@dataclass
class Config:
    """The whole resolved configuration of a run."""

    synth: SynthConfig = field(default_factory=SynthConfig)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    postprocess: PostprocessConfig = field(default_factory=PostprocessConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    output_dir: str = "runs"


def _suggest(key: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(key, valid, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (valid keys: {sorted(valid)})"


def _coerce(value: Any, typ: Any, key: str) -> Any:
    if typ is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"config key {key!r}: expected true/false, got {value!r}")
    if typ is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"config key {key!r}: expected an integer, got {value!r}")
        return value
    if typ is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"config key {key!r}: expected a number, got {value!r}")
        return float(value)
    if typ is str:
        if not isinstance(value, str):
            raise ConfigError(f"config key {key!r}: expected a string, got {value!r}")
        return value
    if typ is list:
        if not isinstance(value, list):
            raise ConfigError(f"config key {key!r}: expected a list, got {value!r}")
        return value
    return value


def _merge(obj: Any, updates: dict, prefix: str = "") -> None:
    hints = get_type_hints(type(obj))
    names = [f.name for f in dataclasses.fields(obj)]
    for key, value in updates.items():
        full = f"{prefix}{key}"
        if key not in names:
            raise ConfigError(f"unknown config key {full!r}{_suggest(key, names)}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            if not isinstance(value, dict):
                raise ConfigError(f"config key {full!r}: expected a mapping, got {value!r}")
            _merge(current, value, prefix=f"{full}.")
        else:
            setattr(obj, key, _coerce(value, hints[key], full))


def _override_to_dict(text: str) -> dict:
    if "=" not in text:
        raise ConfigError(f"override {text!r}: expected key.sub=value")
    key, raw = text.split("=", 1)
    value = yaml.safe_load(raw) if raw.strip() else ""
    out: dict = {}
    node = out
    parts = key.strip().split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return out


def load_config(paths: list[str | Path] | None = None, overrides: list[str] | None = None) -> Config:
    """Defaults, then each YAML file, then each ``key=value`` override.

    Raises
    ------
    ConfigError
        For an unknown key (with the closest valid key) or a value of the wrong type.
    """
    cfg = Config()
    for path in paths or []:
        path = Path(path)
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read config file ({exc.strerror})") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level")
        try:
            _merge(cfg, data)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    for text in overrides or []:
        _merge(cfg, _override_to_dict(text))
    _validate(cfg)
    return cfg


def _validate(cfg: Config) -> None:
    from seizure.preprocessing import STEPS  # local: config must stay importable on its own

    for step in cfg.data.preprocessing:
        if not isinstance(step, dict) or "name" not in step:
            raise ConfigError(f"config key 'data.preprocessing': each step needs a 'name', got {step!r}")
        if step["name"] not in STEPS:
            raise ConfigError(
                f"config key 'data.preprocessing': unknown step {step['name']!r}{_suggest(step['name'], list(STEPS))}"
            )
    if cfg.data.label_rule not in ("any", "majority", "centre"):
        raise ConfigError(
            f"config key 'data.label_rule': expected one of ['any', 'majority', 'centre'], got {cfg.data.label_rule!r}"
        )
    if cfg.model.rnn not in ("lstm", "gru"):
        raise ConfigError(f"config key 'model.rnn': expected 'lstm' or 'gru', got {cfg.model.rnn!r}")
    for key, value in (("data.window_s", cfg.data.window_s), ("data.stride_s", cfg.data.stride_s),
                       ("data.step_s", cfg.data.step_s)):
        if value <= 0:
            raise ConfigError(f"config key {key!r}: expected a positive number of seconds, got {value}")
    ratio = cfg.data.window_s / cfg.data.step_s
    if abs(ratio - round(ratio)) > 1e-9:
        raise ConfigError(
            f"config key 'data.window_s': must be a whole number of steps of {cfg.data.step_s} s, got {cfg.data.window_s}"
        )


def to_dict(cfg: Config) -> dict:
    """Nested plain-dict view (YAML/JSON serializable)."""
    return dataclasses.asdict(cfg)


def flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists are JSON-encoded."""
    out: dict[str, Any] = {}
    for key, value in d.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, f"{full}."))
        elif isinstance(value, list):
            out[full] = json.dumps(value, sort_keys=True)
        else:
            out[full] = value
    return out


def config_hash(d: dict) -> str:
    """Short stable hash of a (sub)configuration."""
    return hashlib.sha1(json.dumps(d, sort_keys=True).encode()).hexdigest()[:12]
