import pytest

from seizure.config import Config, ConfigError, flatten, load_config, to_dict


def test_defaults_and_overrides():
    cfg = load_config(overrides=["model.rnn=gru", "train.epochs=3", "postprocess.smooth_s=2"])
    assert cfg.model.rnn == "gru" and cfg.train.epochs == 3 and cfg.postprocess.smooth_s == 2.0


def test_unknown_key_suggests_closest():
    with pytest.raises(ConfigError, match="did you mean 'epochs'"):
        load_config(overrides=["train.epoch=3"])
    with pytest.raises(ConfigError, match=r"unknown config key 'train.zzzzz' \(valid keys: \["):
        load_config(overrides=["train.zzzzz=3"])


def test_bad_value_type_names_key():
    with pytest.raises(ConfigError, match=r"^train\.epochs: expected an integer, got 'many'$"):
        load_config(overrides=["train.epochs=many"])
    with pytest.raises(ConfigError, match=r"^train\.epochs: expected an integer, got True$"):
        load_config(overrides=["train.epochs=true"])
    with pytest.raises(ConfigError, match=r"^train\.lr: expected a number, got True$"):
        load_config(overrides=["train.lr=true"])
    with pytest.raises(ConfigError, match=r"^train\.deterministic: expected true/false, got 1$"):
        load_config(overrides=["train.deterministic=1"])
    with pytest.raises(ConfigError, match=r"^train\.loss: expected a mapping, got 3$"):
        load_config(overrides=["train.loss=3"])
    with pytest.raises(ConfigError, match=r"^model\.rnn: expected one of \[.*\], got 'gur' \(did you mean 'gru'\?\)$"):
        load_config(overrides=["model.rnn=gur"])
    with pytest.raises(ConfigError, match=r"^model\.strided_blocks: expected an integer >= 0, got -1$"):
        load_config(overrides=["model.strided_blocks=-1"])
    with pytest.raises(ConfigError, match=r"^model\.first_kernel_size: expected an odd integer >= 1, got 10$"):
        load_config(overrides=["model.first_kernel_size=10"])


def test_numbers_in_exponent_form_are_read():
    cfg = load_config(overrides=["train.lr=1e-4", "train.regularization.l2=5e-5"])
    assert cfg.train.lr == 1e-4 and cfg.train.regularization.l2 == 5e-5


# (override, the key the error names, what the message says is allowed)
BAD = [
    ("synth.n_patients=0", "synth.n_patients", "an integer >= 1"),
    ("synth.hours=0", "synth.hours", "a finite number > 0"),
    ("synth.hours=.inf", "synth.hours", "a finite number > 0"),
    ("synth.seed=-1", "synth.seed", "an integer >= 0"),
    ("data.root=''", "data.root", "a non-empty string"),
    ("data.cache_dir=' '", "data.cache_dir", "a non-empty string"),
    ("data.sfreq=0", "data.sfreq", "a finite number > 0"),
    ("data.sfreq=.nan", "data.sfreq", "a finite number > 0"),
    ("data.window_s=0", "data.window_s", "a finite number > 0"),
    ("data.window_s=-16", "data.window_s", "a finite number > 0"),
    ("data.window_s=.inf", "data.window_s", "a finite number > 0"),
    ("data.window_s=2.5", "data.window_s", "a whole number of data.step_s (1.0 s) steps"),
    ("data.stride_s=0", "data.stride_s", "a finite number > 0"),
    ("data.stride_s=1.5", "data.stride_s", "a whole number of data.step_s (1.0 s) steps"),
    ("data.step_s=0", "data.step_s", "a finite number > 0"),
    ("data.step_s=.nan", "data.step_s", "a finite number > 0"),
    ("data.step_s=32", "data.window_s", "a whole number of data.step_s (32.0 s) steps"),
    ("data.label_rule=center", "data.label_rule", "one of ['any', 'majority', 'centre']"),
    ("data.layout=tusz", "data.layout", "one of ['auto', 'tusz_v2', 'tusz_v1', 'bids', 'plain']"),
    ("data.jobs=0", "data.jobs", "an integer >= 1"),
    ("data.preprocessing=[3]", "data.preprocessing[0]", "a mapping"),
    ("data.preprocessing=[{sfreq: 100}]", "data.preprocessing[0]", "a mapping with a 'name'"),
    ("data.preprocessing=[{name: resampel, sfreq: 100}]", "data.preprocessing[0].name", "one of ["),
    ("data.preprocessing=[{name: resample, sfreq: 0}]", "data.preprocessing[0].sfreq", "a finite number > 0"),
    ("data.preprocessing=[{name: resample, sfreq: .inf}]", "data.preprocessing[0].sfreq", "a finite number > 0"),
    ("data.preprocessing=[{name: resample, sfreq: true}]", "data.preprocessing[0].sfreq", "a finite number > 0"),
    (
        "data.preprocessing=[{name: bandpass, l_freq: 0, h_freq: 40}]",
        "data.preprocessing[0].l_freq",
        "a finite number > 0",
    ),
    (
        "data.preprocessing=[{name: bandpass, l_freq: 40, h_freq: 1}]",
        "data.preprocessing[0].h_freq",
        "a finite number > l_freq (40)",
    ),
    (
        "data.preprocessing=[{name: bandpass, l_freq: 1, h_freq: .inf}]",
        "data.preprocessing[0].h_freq",
        "a finite number > 0",
    ),
    ("data.preprocessing=[{name: notch, freq: -50}]", "data.preprocessing[0].freq", "a finite number > 0"),
    ("data.preprocessing=[{name: clip, limit: 0}]", "data.preprocessing[0].limit", "a finite number > 0"),
    ("data.preprocessing=[{name: scale, factor: .nan}]", "data.preprocessing[0].factor", "a finite number"),
    (
        "data.preprocessing=[{name: resample, sfreq: 100}, {name: bandpass, l_freq: 1, h_freq: 60}]",
        "data.preprocessing[1].h_freq",
        "a finite number in (0, 50.0)",
    ),
    ("data.preprocessing=[{name: scale}]", "data.preprocessing", "required ['factor']"),  # check_steps' message
    ("model.name=cnn", "model.name", "one of ['cnn_rnn']"),
    ("model.front_end=mfcc", "model.front_end", "one of ['raw', 'lfcc']"),
    ("model.rnn=transformer", "model.rnn", "one of ['lstm', 'gru', 'minimal_rnn', 'rnn_tanh', 'rnn_relu']"),
    ("model.conv_channels=[]", "model.conv_channels", "a list of >= 1 items"),
    ("model.conv_channels=[8, 0]", "model.conv_channels[1]", "an integer >= 1"),
    ("model.conv_channels=[8, 2.5]", "model.conv_channels[1]", "an integer >= 1"),
    ("model.kernel_size=4", "model.kernel_size", "an odd integer >= 1"),
    ("model.kernel_size=-1", "model.kernel_size", "an odd integer >= 1"),
    ("model.conv2d_channels=[true]", "model.conv2d_channels[0]", "an integer >= 1"),
    ("model.conv2d_kernel=[3]", "model.conv2d_kernel", "a list of 2 items"),
    ("model.conv2d_kernel=[3, 2]", "model.conv2d_kernel[1]", "an odd integer >= 1"),
    ("model.pooling=mean", "model.pooling", "one of ['max', 'avg']"),
    ("model.channel_pooling=attention", "model.channel_pooling", "one of ['meanmax', 'mean', 'max', 'conv']"),
    ("model.activation=swish", "model.activation", "one of ["),
    ("model.hidden_size=0", "model.hidden_size", "an integer >= 1"),
    ("model.num_layers=0", "model.num_layers", "an integer >= 1"),
    ("model.dropout=1", "model.dropout", "a finite number in [0, 1)"),
    ("model.dropout=-0.1", "model.dropout", "a finite number in [0, 1)"),
    ("model.recurrent_dropout=.nan", "model.recurrent_dropout", "a finite number in [0, 1)"),
    ("model.input_noise=-1", "model.input_noise", "a finite number >= 0"),
    ("model.strided_blocks=-2", "model.strided_blocks", "an integer >= 0"),
    ("model.first_kernel_size=0", "model.first_kernel_size", "an odd integer >= 1"),
    ("model.init.conv=he", "model.init.conv", "one of ['default', "),
    ("model.init.rnn_input=zero", "model.init.rnn_input", "one of ['default', "),
    ("model.init.rnn_hidden=orthogonl", "model.init.rnn_hidden", "(did you mean 'orthogonal'?)"),
    ("model.init.bias=ones1", "model.init.bias", "one of ['default', "),
    ("model.init.output=x", "model.init.output", "one of ['default', "),
    ("model.init.gate_bias=forget", "model.init.gate_bias", "one of ['none', "),
    ("model.init.gain=0", "model.init.gain", "a finite number > 0"),
    ("model.init.critical_sigma_b=-1", "model.init.critical_sigma_b", "a finite number >= 0"),
    ("model.init.chrono_max_steps=-1", "model.init.chrono_max_steps", "a finite number >= 0"),
    ("model.init.gate_bias_value=.inf", "model.init.gate_bias_value", "a finite number"),
    ("train.epochs=0", "train.epochs", "an integer >= 1"),
    ("train.epochs=-1", "train.epochs", "an integer >= 1"),
    ("train.epochs=2.5", "train.epochs", "an integer"),
    ("train.batch_size=0", "train.batch_size", "an integer >= 1"),
    ("train.lr=.nan", "train.lr", "a finite number > 0"),
    ("train.lr=.inf", "train.lr", "a finite number > 0"),
    ("train.lr=inf", "train.lr", "a finite number > 0"),
    ("train.lr=-1", "train.lr", "a finite number > 0"),
    ("train.lr=0", "train.lr", "a finite number > 0"),
    ("train.optimizer=adamw2", "train.optimizer", "one of ['adamw', 'adam', 'sgd', 'rmsprop']"),
    ("train.momentum=1", "train.momentum", "a finite number in [0, 1)"),
    ("train.weight_decay=-1e-4", "train.weight_decay", "a finite number >= 0"),
    ("train.scheduler=linear", "train.scheduler", "one of ['none', 'cosine', 'step', 'plateau']"),
    ("train.scheduler_step_epochs=0", "train.scheduler_step_epochs", "an integer >= 1"),
    ("train.scheduler_gamma=0", "train.scheduler_gamma", "a finite number in (0, 1)"),
    ("train.scheduler_gamma=1", "train.scheduler_gamma", "a finite number in (0, 1)"),
    ("train.pos_weight=-1", "train.pos_weight", "a finite number >= 0"),
    ("train.pos_weight=.inf", "train.pos_weight", "a finite number >= 0"),
    ("train.seizure_oversample=1", "train.seizure_oversample", "a finite number in [0, 1)"),
    ("train.gradient_clip_val=-1", "train.gradient_clip_val", "a finite number >= 0"),
    ("train.gradient_clip_algorithm=l2", "train.gradient_clip_algorithm", "one of ['norm', 'value']"),
    ("train.loss.name=hinge", "train.loss.name", "one of ['bce', 'focal', 'mse']"),
    ("train.loss.focal_gamma=-2", "train.loss.focal_gamma", "a finite number >= 0"),
    ("train.regularization.l1=-1", "train.regularization.l1", "a finite number >= 0"),
    ("train.regularization.l2=.nan", "train.regularization.l2", "a finite number >= 0"),
    ("train.regularization.groups=[conv, bias]", "train.regularization.groups[1]", "one of ['conv', "),
    ("train.early_stopping.monitor=val_acc", "train.early_stopping.monitor", "one of ['val_loss', 'val_bce', "),
    ("train.early_stopping.mode=maximum", "train.early_stopping.mode", "one of ['min', 'max']"),
    ("train.early_stopping.patience=0", "train.early_stopping.patience", "an integer >= 1"),
    ("train.early_stopping.min_delta=-0.1", "train.early_stopping.min_delta", "a finite number >= 0"),
    ("train.dev_metrics.every_n_epochs=0", "train.dev_metrics.every_n_epochs", "an integer >= 1"),
    ("train.dev_metrics.target_fa_per_24h=-1", "train.dev_metrics.target_fa_per_24h", "a finite number >= 0"),
    ("train.dev_metrics.n_thresholds=0", "train.dev_metrics.n_thresholds", "an integer >= 1"),
    ("train.dev_metrics.window_factor=0", "train.dev_metrics.window_factor", "an integer >= 1"),
    ("train.seed=-1", "train.seed", "an integer in [0, 4294967295]"),
    ("train.seed=4294967296", "train.seed", "an integer in [0, 4294967295]"),
    ("train.accelerator=''", "train.accelerator", "a non-empty string"),
    ("train.strategy=''", "train.strategy", "a non-empty string"),
    ("train.precision=''", "train.precision", "a non-empty string"),
    ("train.devices=0", "train.devices", "an integer >= 1 or -1"),
    ("train.devices=-2", "train.devices", "an integer >= 1 or -1"),
    ("train.num_nodes=0", "train.num_nodes", "an integer >= 1"),
    ("train.num_workers=-1", "train.num_workers", "an integer >= 0"),
    ("train.threads=-3", "train.threads", "an integer >= 1"),
    ("train.threads=0", "train.threads", "an integer >= 1"),
    ("postprocess.smooth_s=-1", "postprocess.smooth_s", "a finite number >= 0"),
    ("postprocess.min_duration_s=.nan", "postprocess.min_duration_s", "a finite number >= 0"),
    ("postprocess.merge_gap_s=.inf", "postprocess.merge_gap_s", "a finite number >= 0"),
    ("postprocess.target_fa_per_24h=-1", "postprocess.target_fa_per_24h", "a finite number >= 0"),
    ("tracking.experiment=''", "tracking.experiment", "a non-empty string"),
    ("output_dir=''", "output_dir", "a non-empty string"),
]


@pytest.mark.parametrize("override, key, allowed", BAD, ids=[b[0] for b in BAD])
def test_out_of_range_value_names_its_key(override, key, allowed):
    with pytest.raises(ConfigError) as exc:
        load_config([], [override])
    msg = str(exc.value)
    assert msg.startswith(f"{key}: "), msg
    assert allowed in msg, msg
    if key != "data.preprocessing":  # the step structure errors are seizure.preprocessing.check_steps' own
        assert msg.startswith(f"{key}: expected ") and "got " in msg, msg


def test_every_field_has_a_bad_value_in_the_table():
    """A field added to the schema without a range check (and a row above) fails here."""
    no_range = {"data.preprocessing", "tracking.uri", "tracking.registered_model"}  # free-form or checked per step
    bools = {k for k, v in flatten(to_dict(Config())).items() if isinstance(v, bool)}
    keys = set(flatten(to_dict(Config()))) - no_range - bools
    covered = {b[1].split("[")[0] for b in BAD}
    missing = keys - covered - {"model.init.chrono_max_steps"}
    assert not missing, sorted(missing)


@pytest.mark.parametrize("override", [
    "train.lr=1e-6", "train.epochs=1", "train.batch_size=1", "train.threads=1", "train.seed=0",
    "train.seed=4294967295", "data.window_s=1", "data.stride_s=16", "model.dropout=0", "train.momentum=0",
    "train.devices=-1", "postprocess.target_fa_per_24h=0", "postprocess.smooth_s=0", "train.seizure_oversample=0",
    "train.regularization.groups=[]", "model.init.gate_bias_value=-3", "data.preprocessing=[]",
    "data.preprocessing=[{name: bandpass, l_freq: null, h_freq: 30}]", "model.init.gate_bias=chrono",
    "train.loss.name=focal",
])  # fmt: skip
def test_values_on_the_edge_of_their_range_are_accepted(override):
    load_config([], [override])


def test_chrono_needs_more_than_two_steps():
    load_config([], ["model.init.gate_bias=chrono", "model.init.chrono_max_steps=3"])
    with pytest.raises(ConfigError, match=r"^model\.init\.chrono_max_steps: expected a finite number > 2, got 2\.0$"):
        load_config([], ["model.init.gate_bias=chrono", "model.init.chrono_max_steps=2"])
    with pytest.raises(ConfigError, match=r"^model\.init\.chrono_max_steps: expected a finite number > 2, got 2\.0$"):
        load_config([], ["model.init.gate_bias=chrono", "data.window_s=2"])  # 0: the window length in steps


def test_event_monitor_needs_dev_metrics():
    ovlp = "train.early_stopping.monitor=val_ovlp_sensitivity"
    load_config([], [ovlp, "train.early_stopping.enabled=true"])
    load_config([], [ovlp, "train.dev_metrics.enabled=false"])  # early stopping off: not used
    with pytest.raises(ConfigError, match=r"^train\.early_stopping\.monitor: expected .*got 'val_ovlp_sensitivity'"):
        load_config([], [ovlp, "train.early_stopping.enabled=true", "train.dev_metrics.enabled=false"])
    with pytest.raises(ConfigError, match="train.early_stopping.monitor"):
        load_config([], ["train.early_stopping.monitor=val_bce", "train.loss.name=mse"])
    load_config([], ["train.early_stopping.monitor=val_focal", "train.loss.name=focal"])


def test_yaml_file_merge(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("data:\n  window_s: 8\nmodel:\n  hidden_size: 8\n")
    cfg = load_config([p])
    assert cfg.data.window_s == 8.0 and cfg.model.hidden_size == 8
    p.write_text("data:\n  windw_s: 8\n")
    with pytest.raises(ConfigError, match=r"c\.yaml.*window_s"):
        load_config([p])
    p.write_text("train:\n  epochs: many\n")
    with pytest.raises(ConfigError, match=r"c\.yaml: train\.epochs: expected an integer, got 'many'"):
        load_config([p])
    p.write_text("train:\n  lr: .nan\n")
    with pytest.raises(ConfigError, match=r"^train\.lr: expected a finite number > 0, got nan$"):
        load_config([p])


def test_shipped_configs_are_valid():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "configs"
    for path in [root / "train.yaml", root / "demo.yaml", *sorted((root / "model").glob("*.yaml"))]:
        load_config([path])


def test_flatten_round_trips_through_dict():
    flat = flatten(to_dict(load_config()))
    assert flat["model.rnn"] == "lstm"
    assert "data.preprocessing" in flat


def test_conv_channels_have_one_default():
    import inspect

    from seizure.models import CnnRnn
    from seizure.models.cnn_rnn import CONV_CHANNELS

    assert load_config().model.conv_channels == list(CONV_CHANNELS)
    assert inspect.signature(CnnRnn).parameters["conv_channels"].default == CONV_CHANNELS
    assert CnnRnn(3, 10.0).front.out_channels == CONV_CHANNELS[-1]


def test_option_lists_have_one_definition():
    from seizure.models import MODEL_NAMES, REGISTRY, RNN_TYPES
    from seizure.models.rnn import CELLS
    from seizure.report import pdf
    from seizure.training import module, options

    for name in ("LOSSES", "OPTIMIZERS", "SCHEDULERS"):
        assert getattr(module, name) is getattr(options, name)
    assert MODEL_NAMES == tuple(REGISTRY) and RNN_TYPES == tuple(CELLS)
    lists = [getattr(options, n) for n in options.__all__ if n != "monitors"]
    assert all(isinstance(x, tuple) for x in (MODEL_NAMES, RNN_TYPES, pdf.PDF_ENGINES, *lists))


def test_cli_pdf_choices_match_the_engines():
    """The CLI keeps its own list (importing the report package would load matplotlib): same names."""
    from seizure.report.pdf import PDF_ENGINES
    from seizure_app.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    pdf = next(a for a in sub.choices["report"]._actions if a.dest == "pdf")
    assert tuple(pdf.choices) == (*PDF_ENGINES, "none")


def test_config_does_not_load_lightning():
    import subprocess
    import sys

    code = (
        "import sys; from seizure.config import load_config; load_config(); "
        "print('lightning' in sys.modules, 'matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


@pytest.mark.parametrize("override, key", [
    ("train.lr=.nan", "train.lr"), ("train.epochs=0", "train.epochs"), ("train.batch_size=0", "train.batch_size"),
    ("data.window_s=0", "data.window_s"), ("train.seed=-1", "train.seed"), ("train.threads=-3", "train.threads"),
])  # fmt: skip
def test_cli_train_fails_on_a_bad_value_before_reading_data(override, key, tmp_path, capsys, monkeypatch):
    import seizure_app.train
    from seizure_app.cli import main

    def must_not_run(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(seizure_app.train, "train", must_not_run)
    out_dir = tmp_path / "runs"
    rc = main(["train", "--data", str(tmp_path / "no-corpus"), f"output_dir={out_dir}", override])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith(f"config error: {key}: expected "), err
    assert not out_dir.exists()


def test_overrides_may_follow_options(monkeypatch):
    import seizure_app.commands.train as train_cmd
    from seizure_app.cli import main

    seen = {}

    def fake(args):
        seen.update(overrides=args.overrides, config=args.config)
        return 0

    monkeypatch.setattr(train_cmd, "run", fake)
    assert main(["train", "a.b=1", "--config", "x.yaml", "c.d=2"]) == 0
    assert seen == {"overrides": ["a.b=1", "c.d=2"], "config": ["x.yaml"]}
    with pytest.raises(SystemExit):
        main(["train", "--config", "x.yaml", "--no-such-flag"])
