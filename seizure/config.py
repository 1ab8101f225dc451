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

from seizure._validation import SeizureError

__all__ = [
    "Config",
    "ConfigError",
    "load_config",
    "to_dict",
    "flatten",
    "config_hash",
]


class ConfigError(SeizureError):
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
    layout: str = "auto"
    jobs: int = 1


@dataclass
class InitConfig:
    """Weight initialization per parameter group (``seizure.models.init``).

    Each group takes a tensor initializer name or ``"default"`` (PyTorch's own initialization):
    ``conv`` (convolution kernels), ``rnn_input`` (recurrent input matrices), ``rnn_hidden``
    (recurrent hidden matrices, per gate block), ``bias`` (all biases), ``output`` (read-out
    kernel). ``gate_bias`` (``none``, ``unit_forget``, ``chrono``, ``keep_gate``) then sets the
    recurrent gate biases. ``gain`` scales orthogonal/identity; ``critical_sigma_b`` is the bias
    noise of the critical (dynamical isometry) gain; ``chrono_max_steps`` is chrono's T_max in
    output steps (0: the window length); ``gate_bias_value`` is ``keep_gate``'s value.
    """

    conv: str = "he_uniform"
    rnn_input: str = "glorot_uniform"
    rnn_hidden: str = "orthogonal"
    bias: str = "zeros"
    gate_bias: str = "unit_forget"
    output: str = "glorot_uniform"
    gain: float = 1.0
    critical_sigma_b: float = 0.0
    chrono_max_steps: float = 0.0
    gate_bias_value: float = 1.0


@dataclass
class ModelConfig:
    """Network name in the model registry, its keyword arguments, and its initialization.

    Every field but ``name`` and ``init`` is passed to the network (``seizure.models.CnnRnn``):
    ``front_end`` raw|lfcc, ``rnn`` lstm|gru|minimal_rnn|rnn_tanh|rnn_relu, convolution widths
    and kernels, ``pooling`` max|avg, ``channel_pooling`` meanmax|mean|max|conv, ``activation``,
    recurrent size/depth/direction, and the in-network regularizers ``dropout``,
    ``recurrent_dropout`` (variational) and ``input_noise`` (Gaussian std); ``rnn_trainable:
    false`` freezes the recurrent layers (reservoir baseline); ``strided_blocks`` (how
    many leading blocks of the raw front end reduce the rate by a strided convolution instead of
    by pooling; all blocks when there are fewer) and ``first_kernel_size`` (the first block's kernel when strided).
    """

    name: str = "cnn_rnn"
    front_end: str = "raw"
    rnn: str = "lstm"
    conv_channels: list = field(default_factory=lambda: [8, 16, 32])
    kernel_size: int = 7
    conv2d_channels: list = field(default_factory=lambda: [8, 16])
    conv2d_kernel: list = field(default_factory=lambda: [3, 3])
    pooling: str = "max"
    channel_pooling: str = "meanmax"
    activation: str = "elu"
    batch_norm: bool = True
    hidden_size: int = 64
    num_layers: int = 1
    bidirectional: bool = True
    dropout: float = 0.3
    recurrent_dropout: float = 0.0
    input_noise: float = 0.0
    rnn_trainable: bool = True
    strided_blocks: int = 2
    first_kernel_size: int = 11
    init: InitConfig = field(default_factory=InitConfig)


@dataclass
class LossConfig:
    """Training loss: ``bce`` (weighted binary cross-entropy), ``focal`` (weighted, exponent
    ``focal_gamma``) or ``mse`` (squared error of the probability, as in the seed paper).
    Positive steps are weighted by the run's ``pos_weight`` in all three."""

    name: str = "bce"
    focal_gamma: float = 2.0


@dataclass
class RegularizationConfig:
    """Keras-style kernel penalties added to the loss: ``l1 * sum|w| + l2 * sum w^2`` over the
    kernels of ``groups`` (conv, rnn_input, rnn_hidden, output), never biases. Both positive is
    L1+L2."""

    l1: float = 0.0
    l2: float = 0.0
    groups: list = field(default_factory=lambda: ["conv", "rnn_input", "rnn_hidden", "output"])


@dataclass
class EarlyStoppingConfig:
    """Stop when the dev metric ``monitor`` has not improved by ``min_delta`` for ``patience``
    validation epochs; ``restore_best`` puts back the weights of the best epoch at the end."""

    enabled: bool = False
    monitor: str = "val_ap"
    mode: str = "max"
    patience: int = 3
    min_delta: float = 0.0
    restore_best: bool = True


@dataclass
class DevMetricsConfig:
    """Event-level OVLP sensitivity and FA/24h on whole dev recordings after each validation.

    ``target_fa_per_24h`` 0 means ``postprocess.target_fa_per_24h``; scores come from windows of
    ``window_factor`` training windows laid end to end (no overlap, for speed) and a sweep over
    about ``n_thresholds`` thresholds.
    """

    enabled: bool = True
    every_n_epochs: int = 1
    target_fa_per_24h: float = 0.0
    n_thresholds: int = 30
    window_factor: int = 4


@dataclass
class TrainConfig:
    """Optimisation and Lightning trainer settings.

    ``optimizer`` adamw|adam|sgd|rmsprop (``weight_decay`` on kernels only: decoupled for adamw,
    L2-coupled otherwise; ``momentum`` for sgd/rmsprop); ``scheduler`` none|cosine|step|plateau
    (``scheduler_step_epochs``, ``scheduler_gamma`` for step and plateau); gradient clipping by
    ``gradient_clip_algorithm`` norm|value at ``gradient_clip_val`` (0 disables). ``accelerator``,
    ``devices``, ``num_nodes``, ``strategy`` (e.g. ``ddp``) and ``precision`` (e.g.
    ``bf16-mixed``) go to ``lightning.Trainer`` unchanged.
    """

    epochs: int = 10
    batch_size: int = 32
    lr: float = 2e-3
    optimizer: str = "adamw"
    momentum: float = 0.9
    weight_decay: float = 1e-4
    scheduler: str = "cosine"
    scheduler_step_epochs: int = 5
    scheduler_gamma: float = 0.5
    pos_weight: float = 0.0
    seizure_oversample: float = 0.3
    gradient_clip_val: float = 1.0
    gradient_clip_algorithm: str = "norm"
    loss: LossConfig = field(default_factory=LossConfig)
    regularization: RegularizationConfig = field(default_factory=RegularizationConfig)
    early_stopping: EarlyStoppingConfig = field(default_factory=EarlyStoppingConfig)
    dev_metrics: DevMetricsConfig = field(default_factory=DevMetricsConfig)
    seed: int = 0
    accelerator: str = "cpu"
    devices: int = 1
    num_nodes: int = 1
    strategy: str = "auto"
    precision: str = "32-true"
    num_workers: int = 0
    patient_balance: bool = False
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
        if isinstance(value, str):  # YAML 1.1 reads 1e-4 (no dot) as a string
            try:
                value = float(value)
            except ValueError:
                pass
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
    from seizure.preprocessing import StepError, check_steps

    try:
        check_steps(cfg.data.preprocessing)
    except StepError as exc:
        raise ConfigError(f"config key 'data.preprocessing': {exc}") from None
    if cfg.data.layout not in ("auto", "tusz_v2", "tusz_v1", "bids", "plain"):
        raise ConfigError(
            f"config key 'data.layout': expected one of ['auto', 'tusz_v2', 'tusz_v1', 'bids', 'plain'], got {cfg.data.layout!r}"
        )
    if cfg.data.label_rule not in ("any", "majority", "centre"):
        raise ConfigError(
            f"config key 'data.label_rule': expected one of ['any', 'majority', 'centre'], got {cfg.data.label_rule!r}"
        )
    _validate_model_train(cfg)
    for key, value in (("data.window_s", cfg.data.window_s), ("data.stride_s", cfg.data.stride_s),
                       ("data.step_s", cfg.data.step_s)):
        if value <= 0:
            raise ConfigError(f"config key {key!r}: expected a positive number of seconds, got {value}")
    ratio = cfg.data.window_s / cfg.data.step_s
    if abs(ratio - round(ratio)) > 1e-9:
        raise ConfigError(
            f"config key 'data.window_s': must be a whole number of steps of {cfg.data.step_s} s, got {cfg.data.window_s}"
        )


def _check_option(key: str, value: Any, allowed) -> None:
    if value not in allowed:
        close = difflib.get_close_matches(str(value), [str(a) for a in allowed], n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"config key {key!r}: expected one of {sorted(allowed)}, got {value!r}{hint}")


def _validate_model_train(cfg: Config) -> None:
    """Checks of the ``model.*`` and ``train.*`` keys (names against the registries, ranges)."""
    from seizure.models import REGISTRY  # local: torch is imported only when validating
    from seizure.models.cnn_rnn import CHANNEL_POOLINGS, FRONT_ENDS
    from seizure.models.frontends import ACTIVATIONS, POOLINGS
    from seizure.models.groups import KERNEL_GROUPS
    from seizure.models.init import GATE_BIAS_INITIALIZERS, TENSOR_INITIALIZERS
    from seizure.models.rnn import CELLS

    m, t = cfg.model, cfg.train
    _check_option("model.name", m.name, list(REGISTRY))
    _check_option("model.rnn", m.rnn, list(CELLS))
    _check_option("model.front_end", m.front_end, FRONT_ENDS)
    _check_option("model.pooling", m.pooling, POOLINGS)
    _check_option("model.channel_pooling", m.channel_pooling, CHANNEL_POOLINGS)
    _check_option("model.activation", m.activation, list(ACTIVATIONS))
    if m.strided_blocks < 0:
        raise ConfigError(f"config key 'model.strided_blocks': must be 0 or more, got {m.strided_blocks}")
    if m.first_kernel_size < 1 or m.first_kernel_size % 2 == 0:
        raise ConfigError(f"config key 'model.first_kernel_size': must be a positive odd number, got {m.first_kernel_size}")
    for group in ("conv", "rnn_input", "rnn_hidden", "bias", "output"):
        _check_option(f"model.init.{group}", getattr(m.init, group), ["default", *TENSOR_INITIALIZERS])
    _check_option("model.init.gate_bias", m.init.gate_bias, ["none", *GATE_BIAS_INITIALIZERS])
    for key in ("dropout", "recurrent_dropout"):
        if not 0.0 <= getattr(m, key) < 1.0:
            raise ConfigError(f"config key 'model.{key}': expected a rate in [0, 1), got {getattr(m, key)}")
    for key, value in (("model.input_noise", m.input_noise), ("train.regularization.l1", t.regularization.l1),
                       ("train.regularization.l2", t.regularization.l2), ("train.weight_decay", t.weight_decay),
                       ("train.gradient_clip_val", t.gradient_clip_val)):
        if value < 0:
            raise ConfigError(f"config key {key!r}: expected a number >= 0, got {value}")
    for key, value in (("model.conv_channels", m.conv_channels), ("model.conv2d_channels", m.conv2d_channels)):
        if not all(isinstance(v, int) and v > 0 for v in value):
            raise ConfigError(f"config key {key!r}: expected a list of positive integers, got {value!r}")
    if len(m.conv2d_kernel) != 2 or not all(isinstance(v, int) and v > 0 and v % 2 for v in m.conv2d_kernel):
        raise ConfigError(f"config key 'model.conv2d_kernel': expected two odd positive integers, got {m.conv2d_kernel!r}")
    if m.kernel_size <= 0 or m.kernel_size % 2 == 0:
        raise ConfigError(f"config key 'model.kernel_size': expected an odd positive integer, got {m.kernel_size}")
    for g in t.regularization.groups:
        _check_option("train.regularization.groups", g, KERNEL_GROUPS)
    _check_option("train.loss.name", t.loss.name, ["bce", "focal", "mse"])
    _check_option("train.optimizer", t.optimizer, ["adamw", "adam", "sgd", "rmsprop"])
    _check_option("train.scheduler", t.scheduler, ["none", "cosine", "step", "plateau"])
    _check_option("train.gradient_clip_algorithm", t.gradient_clip_algorithm, ["norm", "value"])
    _check_option("train.early_stopping.mode", t.early_stopping.mode, ["min", "max"])
    monitors = ["val_loss", f"val_{t.loss.name}", "val_auroc", "val_ap", "val_ovlp_sensitivity", "val_ovlp_fa_per_24h"]
    _check_option("train.early_stopping.monitor", t.early_stopping.monitor, monitors)
    if t.early_stopping.patience < 1 or t.dev_metrics.every_n_epochs < 1 or t.dev_metrics.window_factor < 1:
        raise ConfigError("config keys 'train.early_stopping.patience', 'train.dev_metrics.every_n_epochs' and "
                          "'train.dev_metrics.window_factor' must be >= 1")


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
