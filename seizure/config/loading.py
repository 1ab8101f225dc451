"""Loading: defaults, then YAML files, then dotted ``key.sub=value`` overrides, then the checks."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, get_type_hints

import yaml

from seizure._hashing import config_hash
from seizure._validation import check_type, suggest
from seizure.config.checks import validate
from seizure.config.schema import Config, ConfigError

__all__ = ["load_config", "to_dict", "flatten", "config_hash"]


def _coerce(value: Any, typ: Any, key: str) -> Any:
    if typ is float and isinstance(value, str):  # YAML 1.1 reads 1e-4 (no dot) as a string
        try:
            value = float(value)
        except ValueError:
            pass
    if typ in (bool, int, float, str, list):
        check_type(value, typ, key, error=ConfigError)
    return float(value) if typ is float else value


def _merge(obj: Any, updates: dict, prefix: str = "") -> None:
    hints = get_type_hints(type(obj))
    names = [f.name for f in dataclasses.fields(obj)]
    for key, value in updates.items():
        full = f"{prefix}{key}"
        if key not in names:
            raise ConfigError(f"unknown config key {full!r}{suggest(key, names) or f' (valid keys: {sorted(names)})'}")
        current = getattr(obj, key)
        if dataclasses.is_dataclass(current):
            check_type(value, dict, full, error=ConfigError)
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
    """Defaults, then each YAML file, then each ``key=value`` override, then the range checks.

    Parameters
    ----------
    paths : list of path, optional
        YAML files merged in order (later files win).
    overrides : list of str, optional
        ``key.sub=value`` items (the value is read as YAML), applied after the files.

    Returns
    -------
    Config
        The checked configuration.

    Raises
    ------
    ConfigError
        For an unreadable file, an unknown key (with the closest valid key), a value of the
        wrong type, or a value outside its range (see the section dataclasses); the message
        starts with the dotted key, e.g. ``train.lr: expected a finite number > 0, got nan``.
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
    validate(cfg)
    return cfg


def to_dict(cfg: Config) -> dict:
    """Nested plain-dict view (YAML/JSON serializable).

    Parameters
    ----------
    cfg : Config
        The configuration (any dataclass works the same way).

    Returns
    -------
    dict
        One nested dict per section, keyed by field name; lists and scalars are copied.
    """
    return dataclasses.asdict(cfg)


def flatten(d: dict, prefix: str = "") -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists are JSON-encoded.

    Parameters
    ----------
    d : dict
        Nested mapping, e.g. the output of :func:`to_dict`.
    prefix : str
        Prepended to every key of the result (the recursion passes ``"parent."``).

    Returns
    -------
    dict
        Dotted key -> scalar value; a list value becomes its JSON text with sorted keys.
    """
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
