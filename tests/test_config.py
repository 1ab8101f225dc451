import pytest

from seizure.config import ConfigError, flatten, load_config, to_dict


def test_defaults_and_overrides():
    cfg = load_config(overrides=["model.rnn=gru", "train.epochs=3", "postprocess.smooth_s=2"])
    assert cfg.model.rnn == "gru" and cfg.train.epochs == 3 and cfg.postprocess.smooth_s == 2.0


def test_unknown_key_suggests_closest():
    with pytest.raises(ConfigError, match="did you mean 'epochs'"):
        load_config(overrides=["train.epoch=3"])


def test_bad_value_type_names_key():
    with pytest.raises(ConfigError, match="'train.epochs'.*integer"):
        load_config(overrides=["train.epochs=many"])
    with pytest.raises(ConfigError, match="'model.rnn'"):
        load_config(overrides=["model.rnn=transformer"])
    with pytest.raises(ConfigError, match="'model.strided_blocks'.*0 or more"):
        load_config(overrides=["model.strided_blocks=-1"])
    with pytest.raises(ConfigError, match="'model.first_kernel_size'.*odd"):
        load_config(overrides=["model.first_kernel_size=10"])


def test_yaml_file_merge(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("data:\n  window_s: 8\nmodel:\n  hidden_size: 8\n")
    cfg = load_config([p])
    assert cfg.data.window_s == 8.0 and cfg.model.hidden_size == 8
    p.write_text("data:\n  windw_s: 8\n")
    with pytest.raises(ConfigError, match=r"c\.yaml.*window_s"):
        load_config([p])


def test_flatten_round_trips_through_dict():
    flat = flatten(to_dict(load_config()))
    assert flat["model.rnn"] == "lstm"
    assert "data.preprocessing" in flat


def test_overrides_may_follow_options(monkeypatch):
    import pipelines.commands.train as train_cmd
    from pipelines.cli import main

    seen = {}

    def fake(args):
        seen.update(overrides=args.overrides, config=args.config)
        return 0

    monkeypatch.setattr(train_cmd, "run", fake)
    assert main(["train", "a.b=1", "--config", "x.yaml", "c.d=2"]) == 0
    assert seen == {"overrides": ["a.b=1", "c.d=2"], "config": ["x.yaml"]}
    with pytest.raises(SystemExit):
        main(["train", "--config", "x.yaml", "--no-such-flag"])
