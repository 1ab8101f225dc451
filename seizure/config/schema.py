"""The configuration tree: one dataclass per section, each field with its default and valid range.

Each dataclass documents its fields as the parameters of its constructor. The ranges written there
are the ones :mod:`seizure.config.checks` enforces when a configuration is loaded; a value outside
them is a :class:`ConfigError` naming the dotted key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seizure._validation import SeizureError

__all__ = [
    "ConfigError",
    "Config",
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


def _default_conv_channels() -> list:
    """The network's own default (``seizure.models.cnn_rnn.CONV_CHANNELS``): one definition."""
    from seizure.models.cnn_rnn import CONV_CHANNELS

    return list(CONV_CHANNELS)


class ConfigError(SeizureError):
    """A configuration key or value is invalid."""


@dataclass
class SynthConfig:
    """Synthetic corpus made by ``seizure synth`` / ``seizure demo``.

    Parameters
    ----------
    n_patients : int
        Patients, >= 1.
    hours : float
        Total recording time in hours, finite > 0 (the planner needs at least 2 minutes).
    seed : int
        Generator seed, >= 0; the same seed gives the same corpus.
    """

    n_patients: int = 12
    hours: float = 3.0
    seed: int = 0


@dataclass
class DataConfig:
    """Where the corpus is and how it becomes model input.

    Parameters
    ----------
    root, cache_dir : str
        Corpus root and cache folder, non-empty paths.
    sfreq : float
        Model input rate in Hz, finite > 0 (used to rebuild networks of runs saved without it).
    preprocessing : list of dict
        Steps ``{"name": ..., **params}`` (see ``seizure.preprocessing.STEPS``) applied in order
        after the TCP montage. Every numeric parameter is finite; rates and frequencies
        (``sfreq``, ``freq``, ``l_freq``, ``h_freq``), ``q``, ``order`` and ``limit`` are > 0,
        ``l_freq < h_freq``, and a band edge stays below the Nyquist rate of the step's input.
    window_s, stride_s, step_s : float
        Window, stride between training windows and label step in seconds, finite > 0; window
        and stride are whole numbers of steps.
    label_rule : {"any", "majority", "centre"}
        Per-step label rule.
    layout : {"auto", "tusz_v2", "tusz_v1", "bids", "plain"}
        Corpus layout.
    jobs : int
        Worker processes for preparation, >= 1.
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

    Parameters
    ----------
    conv, rnn_input, rnn_hidden, bias, output : str
        A tensor initializer of ``seizure.models.init.TENSOR_INITIALIZERS`` or ``"default"``
        (PyTorch's own) for convolution kernels, recurrent input matrices, recurrent hidden
        matrices (per gate block), all biases and the read-out kernel.
    gate_bias : str
        ``"none"`` or a gate-bias initializer (``unit_forget``, ``chrono``, ``keep_gate``)
        applied to the recurrent gate biases afterwards.
    gain : float
        Scale of ``orthogonal``/``identity``, finite > 0.
    critical_sigma_b : float
        Bias noise of the critical (dynamical isometry) gain, finite >= 0.
    chrono_max_steps : float
        Chrono's T_max in output steps: 0 (the window length in steps) or, with
        ``gate_bias: chrono``, finite > 2.
    gate_bias_value : float
        ``keep_gate``'s bias value, finite.
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

    Every field but ``name`` and ``init`` is passed to the network (``seizure.models.CnnRnn``).

    Parameters
    ----------
    name : str
        A key of ``seizure.models.REGISTRY``.
    front_end : {"raw", "lfcc"}
        Convolutions over the raw montaged signal, or 2-D then 1-D convolutions over LFCC
        features (the cache must then hold LFCC features).
    rnn : {"lstm", "gru", "minimal_rnn", "rnn_tanh", "rnn_relu"}
        Recurrent cell (``seizure.models.RNN_TYPES``).
    conv_channels : list of int
        Filters of the 1-D convolution blocks: one or more integers >= 1.
    kernel_size : int
        1-D kernel length, odd, >= 1.
    conv2d_channels : list of int
        Filters of the 2-D blocks of the LFCC front end: one or more integers >= 1.
    conv2d_kernel : list of int
        2-D kernel (frames, features): two odd integers >= 1.
    pooling : {"max", "avg"}
        Pooling over time (and features) inside the convolution blocks.
    channel_pooling : {"meanmax", "mean", "max", "conv"}
        How the montage channels are combined at each step: mean and max over channels, one of
        them, or a learned 1x1 convolution over all channels (tied to the channel count).
    activation : str
        A key of ``seizure.models.frontends.ACTIVATIONS``.
    batch_norm, bidirectional : bool
        Batch normalization after every convolution; recurrent layers run in both directions.
    hidden_size, num_layers : int
        Recurrent units per direction and recurrent layers, >= 1.
    dropout, recurrent_dropout : float
        Dropout rates in [0, 1) (recurrent: variational, on the state).
    input_noise : float
        Standard deviation of the Gaussian input noise while training, finite >= 0.
    rnn_trainable : bool
        False freezes the recurrent layers (reservoir baseline).
    strided_blocks : int
        Leading raw-front-end blocks that reduce the rate by a strided convolution instead of
        pooling (all blocks when there are fewer), >= 0.
    first_kernel_size : int
        The first block's kernel when strided, odd, >= 1.
    init : InitConfig
        Weight initialization of the network's parameter groups.
    """

    name: str = "cnn_rnn"
    front_end: str = "raw"
    rnn: str = "lstm"
    conv_channels: list = field(default_factory=_default_conv_channels)
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
    """Training loss; positive steps are weighted by the run's ``pos_weight``.

    Parameters
    ----------
    name : {"bce", "focal", "mse"}
        Weighted binary cross-entropy, focal loss, or squared error of the probability.
    focal_gamma : float
        Focal exponent, finite >= 0.
    """

    name: str = "bce"
    focal_gamma: float = 2.0


@dataclass
class RegularizationConfig:
    """Keras-style kernel penalties ``l1 * sum|w| + l2 * sum w^2`` added to the loss.

    Parameters
    ----------
    l1, l2 : float
        Penalty factors, finite >= 0 (both positive: L1+L2).
    groups : list of str
        Kernel groups penalized, each one of ``conv``, ``rnn_input``, ``rnn_hidden``, ``output``
        (never biases); may be empty.
    """

    l1: float = 0.0
    l2: float = 0.0
    groups: list = field(default_factory=lambda: ["conv", "rnn_input", "rnn_hidden", "output"])


@dataclass
class EarlyStoppingConfig:
    """Stop when the dev metric ``monitor`` has not improved for ``patience`` validation epochs.

    Parameters
    ----------
    enabled, restore_best : bool
        ``enabled`` turns early stopping on; ``restore_best`` puts back the weights of the best
        epoch at the end.
    monitor : str
        ``val_loss``, ``val_<loss name>``, ``val_auroc``, ``val_ap``, or (with
        ``dev_metrics.enabled``) ``val_ovlp_sensitivity`` / ``val_ovlp_fa_per_24h``.
    mode : {"min", "max"}
        Whether a lower or a higher ``monitor`` value is better.
    patience : int
        Validation epochs without improvement, >= 1.
    min_delta : float
        Smallest change counted as an improvement, finite >= 0.
    """

    enabled: bool = False
    monitor: str = "val_ap"
    mode: str = "max"
    patience: int = 3
    min_delta: float = 0.0
    restore_best: bool = True


@dataclass
class DevMetricsConfig:
    """Event-level OVLP sensitivity and FA/24h on whole dev recordings after each validation.

    Parameters
    ----------
    enabled : bool
        Compute the dev event metrics (needed by the ``val_ovlp_*`` monitors).
    every_n_epochs : int
        Validation epochs between two evaluations, >= 1.
    target_fa_per_24h : float
        False alarms per 24 h, finite >= 0; 0 means ``postprocess.target_fa_per_24h``.
    n_thresholds : int
        Probability thresholds swept to find the one meeting the false-alarm target, >= 1.
    window_factor : int
        Scoring windows are this many training windows laid end to end, >= 1.
    """

    enabled: bool = True
    every_n_epochs: int = 1
    target_fa_per_24h: float = 0.0
    n_thresholds: int = 30
    window_factor: int = 4


@dataclass
class TrainConfig:
    """Optimisation and Lightning trainer settings.

    Parameters
    ----------
    epochs : int
        Training epochs, >= 1.
    batch_size : int
        Windows per batch, >= 1 (no upper bound here: a batch larger than the training windows
        is one batch per epoch, and the data module says so).
    lr : float
        Learning rate, finite > 0.
    optimizer : {"adamw", "adam", "sgd", "rmsprop"}
        ``weight_decay`` is decoupled for adamw, L2-coupled otherwise, on kernels only.
    momentum : float
        Momentum of sgd/rmsprop, in [0, 1).
    weight_decay : float
        Weight decay factor, finite >= 0.
    scheduler : {"none", "cosine", "step", "plateau"}
        Learning-rate schedule: constant, cosine annealing over ``epochs``, a factor
        ``scheduler_gamma`` every ``scheduler_step_epochs``, or on a plateau of the validation loss.
    scheduler_step_epochs : int
        Step period (step) or patience (plateau) in epochs, >= 1.
    scheduler_gamma : float
        Learning-rate factor of step and plateau, in (0, 1).
    pos_weight : float
        Loss weight of seizure steps, finite >= 0 (0: automatic).
    seizure_oversample : float
        Share of seizure windows drawn per epoch, in [0, 1) (0: no class balancing).
    gradient_clip_val : float
        Clipping threshold, finite >= 0 (0 disables).
    gradient_clip_algorithm : {"norm", "value"}
        Clip the global gradient norm or each gradient value.
    loss : LossConfig
        Training loss.
    regularization : RegularizationConfig
        Kernel penalties added to the loss.
    early_stopping : EarlyStoppingConfig
        When to stop before ``epochs``.
    dev_metrics : DevMetricsConfig
        Event-level metrics on the dev split after validation.
    seed : int
        Seed of ``lightning.seed_everything``, in [0, 2**32 - 1].
    accelerator, strategy, precision : str
        Given to ``lightning.Trainer`` unchanged (e.g. ``cpu``, ``ddp``, ``bf16-mixed``), which
        checks them; non-empty here.
    devices : int
        Devices per node, >= 1, or -1 (all).
    num_nodes : int
        Machines taking part in training, >= 1.
    num_workers : int
        Data loader worker processes, >= 0.
    patient_balance, deterministic : bool
        Give every patient the same share of the training draws; ask Lightning and torch for
        deterministic algorithms.
    threads : int
        Torch intra-op threads, >= 1.
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
    """Probabilities -> events. The threshold is fitted on the dev split to ``target_fa_per_24h``.

    Parameters
    ----------
    smooth_s, min_duration_s, merge_gap_s : float
        Moving-average length, shortest event kept and largest gap merged, in seconds, finite >= 0.
    target_fa_per_24h : float
        False alarms per 24 h the threshold is fitted to, finite >= 0.
    """

    smooth_s: float = 5.0
    min_duration_s: float = 5.0
    merge_gap_s: float = 10.0
    target_fa_per_24h: float = 20.0


@dataclass
class TrackingConfig:
    """MLflow tracking.

    Parameters
    ----------
    uri : str
        MLflow tracking URI; empty means ``$MLFLOW_TRACKING_URI`` or ``sqlite:///mlflow.db``.
    experiment : str
        Experiment name, non-empty.
    registered_model : str
        Model registry name (empty: not registered).
    """

    uri: str = ""
    experiment: str = "seizure"
    registered_model: str = ""


@dataclass
class Config:
    """The whole resolved configuration of a run.

    Parameters
    ----------
    synth : SynthConfig
        Synthetic corpus.
    data : DataConfig
        Corpus location and model input.
    model : ModelConfig
        Network and its initialization.
    train : TrainConfig
        Optimisation and trainer.
    postprocess : PostprocessConfig
        Probabilities to events.
    tracking : TrackingConfig
        MLflow tracking.
    output_dir : str
        Folder of the run folders, non-empty.
    """

    synth: SynthConfig = field(default_factory=SynthConfig)
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    postprocess: PostprocessConfig = field(default_factory=PostprocessConfig)
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    output_dir: str = "runs"
