"""Range and option checks of a merged configuration, one per field (see the dataclass docstrings).

Every error is a :class:`~seizure.config.ConfigError` in the shape of :mod:`seizure._validation`,
named by the dotted key: ``train.lr: expected a finite number > 0, got nan``.
"""

from __future__ import annotations

import functools

from seizure import _validation as v
from seizure.config.schema import Config, ConfigError
from seizure.io.corpus import LAYOUTS
from seizure.labels import RULES
from seizure.training.options import (
    GRADIENT_CLIP_ALGORITHMS,
    LOSSES,
    MONITOR_MODES,
    OPTIMIZERS,
    SCHEDULERS,
    monitors,
)

__all__ = ["validate"]

check_option = functools.partial(v.check_option, error=ConfigError)
check_range = functools.partial(v.check_range, error=ConfigError)
check_int = functools.partial(v.check_int, error=ConfigError)
check_length = functools.partial(v.check_length, error=ConfigError)
check_type = functools.partial(v.check_type, error=ConfigError)

#: ``lightning.seed_everything`` takes seeds in the uint32 range (outside it, a random seed).
_MAX_SEED = 2**32 - 1
#: Preprocessing parameters that are rates, frequencies or sizes (> 0) when present.
_POSITIVE_STEP_PARAMS = ("sfreq", "freq", "l_freq", "h_freq", "q", "order", "limit")


def validate(cfg: Config) -> None:
    """Check every value of ``cfg``; raise a :class:`ConfigError` naming the first bad key.

    Parameters
    ----------
    cfg : Config
        The merged configuration; it is only read, never changed.

    Raises
    ------
    ConfigError
        For the first value outside the range its section documents; the message starts with the
        dotted key (e.g. ``data.window_s``).
    """
    _check_synth(cfg)
    _check_data(cfg)
    _check_model(cfg)
    _check_train(cfg)
    _check_postprocess(cfg)
    _nonempty(cfg.tracking.experiment, "tracking.experiment")
    _nonempty(cfg.output_dir, "output_dir")


def _nonempty(value: str, key: str) -> None:
    if not value.strip():
        raise ConfigError(f"{key}: expected a non-empty string, got {value!r}")


def _positive(value, key: str) -> None:
    check_range(value, key, low=0, low_inclusive=False)


def _nonnegative(value, key: str) -> None:
    check_range(value, key, low=0)


def _rate(value, key: str) -> None:
    check_range(value, key, low=0, high=1, high_inclusive=False)


def _whole_steps(value: float, step: float, key: str) -> None:
    ratio = value / step
    if abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
        raise ConfigError(f"{key}: expected a whole number of data.step_s ({step} s) steps, got {value}")


def _check_synth(cfg: Config) -> None:
    s = cfg.synth
    check_int(s.n_patients, "synth.n_patients", low=1)
    _positive(s.hours, "synth.hours")
    check_int(s.seed, "synth.seed", low=0)


def _check_data(cfg: Config) -> None:
    d = cfg.data
    _nonempty(d.root, "data.root")
    _nonempty(d.cache_dir, "data.cache_dir")
    _positive(d.sfreq, "data.sfreq")
    _check_preprocessing(d.preprocessing)
    check_option(d.layout, ("auto", *LAYOUTS), "data.layout")
    check_option(d.label_rule, RULES, "data.label_rule")
    check_int(d.jobs, "data.jobs", low=1)
    for key in ("window_s", "stride_s", "step_s"):
        _positive(getattr(d, key), f"data.{key}")
    _whole_steps(d.window_s, d.step_s, "data.window_s")
    _whole_steps(d.stride_s, d.step_s, "data.stride_s")


def _check_preprocessing(steps: list) -> None:
    # local: scipy is loaded on use
    from seizure.preprocessing import STEPS, StepError, check_steps

    rate = None
    for i, step in enumerate(steps):
        key = f"data.preprocessing[{i}]"
        check_type(step, dict, key)
        if "name" not in step:
            raise ConfigError(f"{key}: expected a mapping with a 'name', got {step!r}")
        check_option(step["name"], list(STEPS), f"{key}.name")
        for param, value in step.items():
            if param == "name" or value is None or (isinstance(value, str) and param not in _POSITIVE_STEP_PARAMS):
                continue
            if param in _POSITIVE_STEP_PARAMS:
                _positive(value, f"{key}.{param}")
            else:
                check_range(value, f"{key}.{param}")
        lo, hi = step.get("l_freq"), step.get("h_freq")
        if step["name"] == "bandpass" and lo is not None and hi is not None and not lo < hi:
            raise ConfigError(f"{key}.h_freq: expected a finite number > l_freq ({lo}), got {hi}")
        if step["name"] == "bandpass" and hi is not None and rate is not None:
            check_range(hi, f"{key}.h_freq", low=0, high=rate / 2, low_inclusive=False, high_inclusive=False)
        if step["name"] == "resample" and "sfreq" in step:
            rate = float(step["sfreq"])  # band edges after it stay below its Nyquist rate
    try:
        check_steps(steps)
    except StepError as exc:
        raise ConfigError(f"data.preprocessing: {exc}") from None


def _check_model(cfg: Config) -> None:
    # local: these registries live in torch modules, loaded only when a configuration is checked
    from seizure.models import MODEL_NAMES, RNN_TYPES
    from seizure.models.cnn_rnn import CHANNEL_POOLINGS, FRONT_ENDS
    from seizure.models.frontends import ACTIVATIONS, POOLINGS
    from seizure.models.init import GATE_BIAS_INITIALIZERS, GROUP_KEYS, TENSOR_INITIALIZERS

    m = cfg.model
    check_option(m.name, MODEL_NAMES, "model.name")
    check_option(m.front_end, FRONT_ENDS, "model.front_end")
    check_option(m.rnn, RNN_TYPES, "model.rnn")
    for key in ("conv_channels", "conv2d_channels"):
        check_length(getattr(m, key), f"model.{key}", low=1)
        for i, width in enumerate(getattr(m, key)):
            check_int(width, f"model.{key}[{i}]", low=1)
    check_int(m.kernel_size, "model.kernel_size", low=1, odd=True)
    check_length(m.conv2d_kernel, "model.conv2d_kernel", low=2, high=2)
    for i, size in enumerate(m.conv2d_kernel):
        check_int(size, f"model.conv2d_kernel[{i}]", low=1, odd=True)
    check_option(m.pooling, POOLINGS, "model.pooling")
    check_option(m.channel_pooling, CHANNEL_POOLINGS, "model.channel_pooling")
    check_option(m.activation, list(ACTIVATIONS), "model.activation")
    check_int(m.hidden_size, "model.hidden_size", low=1)
    check_int(m.num_layers, "model.num_layers", low=1)
    _rate(m.dropout, "model.dropout")
    _rate(m.recurrent_dropout, "model.recurrent_dropout")
    _nonnegative(m.input_noise, "model.input_noise")
    check_int(m.strided_blocks, "model.strided_blocks", low=0)
    check_int(m.first_kernel_size, "model.first_kernel_size", low=1, odd=True)

    init = m.init
    for group in GROUP_KEYS:
        check_option(getattr(init, group), ("default", *TENSOR_INITIALIZERS), f"model.init.{group}")
    check_option(init.gate_bias, ("none", *GATE_BIAS_INITIALIZERS), "model.init.gate_bias")
    _positive(init.gain, "model.init.gain")
    _nonnegative(init.critical_sigma_b, "model.init.critical_sigma_b")
    _nonnegative(init.chrono_max_steps, "model.init.chrono_max_steps")
    if init.gate_bias == "chrono":  # 0: the window length in steps
        t_max = init.chrono_max_steps or cfg.data.window_s / cfg.data.step_s
        check_range(t_max, "model.init.chrono_max_steps", low=2, low_inclusive=False)
    check_range(init.gate_bias_value, "model.init.gate_bias_value")


def _check_train(cfg: Config) -> None:
    from seizure.models.groups import KERNEL_GROUPS  # local: a torch module

    t = cfg.train
    check_int(t.epochs, "train.epochs", low=1)
    check_int(t.batch_size, "train.batch_size", low=1)
    _positive(t.lr, "train.lr")
    check_option(t.optimizer, OPTIMIZERS, "train.optimizer")
    _rate(t.momentum, "train.momentum")
    _nonnegative(t.weight_decay, "train.weight_decay")
    check_option(t.scheduler, SCHEDULERS, "train.scheduler")
    check_int(t.scheduler_step_epochs, "train.scheduler_step_epochs", low=1)
    check_range(t.scheduler_gamma, "train.scheduler_gamma", low=0, high=1, low_inclusive=False,
                high_inclusive=False)  # fmt: skip
    _nonnegative(t.pos_weight, "train.pos_weight")
    _rate(t.seizure_oversample, "train.seizure_oversample")
    _nonnegative(t.gradient_clip_val, "train.gradient_clip_val")
    check_option(t.gradient_clip_algorithm, GRADIENT_CLIP_ALGORITHMS, "train.gradient_clip_algorithm")

    check_option(t.loss.name, LOSSES, "train.loss.name")
    _nonnegative(t.loss.focal_gamma, "train.loss.focal_gamma")
    _nonnegative(t.regularization.l1, "train.regularization.l1")
    _nonnegative(t.regularization.l2, "train.regularization.l2")
    for i, group in enumerate(t.regularization.groups):
        check_option(group, KERNEL_GROUPS, f"train.regularization.groups[{i}]")

    es, dm = t.early_stopping, t.dev_metrics
    check_option(es.mode, MONITOR_MODES, "train.early_stopping.mode")
    check_option(es.monitor, monitors(t.loss.name, dev_metrics=dm.enabled or not es.enabled),
                 "train.early_stopping.monitor")  # fmt: skip
    check_int(es.patience, "train.early_stopping.patience", low=1)
    _nonnegative(es.min_delta, "train.early_stopping.min_delta")
    check_int(dm.every_n_epochs, "train.dev_metrics.every_n_epochs", low=1)
    _nonnegative(dm.target_fa_per_24h, "train.dev_metrics.target_fa_per_24h")
    check_int(dm.n_thresholds, "train.dev_metrics.n_thresholds", low=1)
    check_int(dm.window_factor, "train.dev_metrics.window_factor", low=1)

    check_int(t.seed, "train.seed", low=0, high=_MAX_SEED)
    for key in ("accelerator", "strategy", "precision"):
        _nonempty(getattr(t, key), f"train.{key}")
    check_int(t.devices, "train.devices", low=1, also=(-1,))
    check_int(t.num_nodes, "train.num_nodes", low=1)
    check_int(t.num_workers, "train.num_workers", low=0)
    check_int(t.threads, "train.threads", low=1)


def _check_postprocess(cfg: Config) -> None:
    p = cfg.postprocess
    for key in ("smooth_s", "min_duration_s", "merge_gap_s", "target_fa_per_24h"):
        _nonnegative(getattr(p, key), f"postprocess.{key}")
