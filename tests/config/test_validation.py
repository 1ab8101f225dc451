"""The argument checks of ``seizure._validation``: what they accept, what they reject, their message."""

import math

import numpy as np
import pytest

from seizure._validation import (
    ParameterError,
    SeizureError,
    check_int,
    check_length,
    check_option,
    check_range,
    check_type,
    suggest,
)


class _Custom(SeizureError):
    pass


def test_errors_are_seizure_and_value_errors():
    assert issubclass(ParameterError, SeizureError) and issubclass(ParameterError, ValueError)
    with pytest.raises(_Custom, match=r"^x: expected an integer, got 'a'$"):
        check_type("a", int, "x", error=_Custom)


@pytest.mark.parametrize("value, types", [
    (3, int), (np.int64(3), int), (3, float), (2.5, float), (np.float32(2.5), float), (True, bool),
    ("s", str), ([1], list), ({}, dict), ("s", (int, str)), (None, type(None)),
])  # fmt: skip
def test_check_type_accepts(value, types):
    assert check_type(value, types, "p") is value


@pytest.mark.parametrize("value, types, expected", [
    (True, int, "an integer"), (False, float, "a number"), (2.0, int, "an integer"), ("3", int, "an integer"),
    (1, bool, "true/false"), (3, str, "a string"), ("a", list, "a list"), ([], dict, "a mapping"),
    (1.5, (int, str), "an integer or a string"), (True, (int, str), "an integer or a string"),
])  # fmt: skip
def test_check_type_rejects_bools_and_wrong_types(value, types, expected):
    with pytest.raises(ParameterError) as exc:
        check_type(value, types, "train.epochs")
    assert str(exc.value) == f"train.epochs: expected {expected}, got {value!r}"


def test_check_option_suggests_the_closest():
    assert check_option("gru", ("lstm", "gru"), "model.rnn") == "gru"
    with pytest.raises(ParameterError) as exc:
        check_option("gur", ("lstm", "gru"), "model.rnn")
    assert str(exc.value) == "model.rnn: expected one of ['lstm', 'gru'], got 'gur' (did you mean 'gru'?)"
    with pytest.raises(ParameterError) as exc:
        check_option("transformer", ("lstm", "gru"), "model.rnn")
    assert str(exc.value) == "model.rnn: expected one of ['lstm', 'gru'], got 'transformer'"


def test_check_option_keeps_bools_and_numbers_apart():
    assert check_option(1, (1, 2), "n") == 1
    with pytest.raises(ParameterError, match=r"n: expected one of \[1, 2\], got True$"):
        check_option(True, (1, 2), "n")
    assert check_option(True, (True, "auto"), "flag") is True
    with pytest.raises(ParameterError, match=r"got 1$"):
        check_option(1, (True, "auto"), "flag")
    with pytest.raises(ParameterError, match=r"got nan$"):
        check_option(math.nan, (1.0, 2.0), "x")


def test_suggest():
    assert suggest("epoch", ["epochs", "seed"]) == " (did you mean 'epochs'?)"
    assert suggest("zzz", ["epochs"]) == ""
    assert suggest(3, ["3"]) == ""


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, float("nan")])
def test_check_range_rejects_nan_and_inf_by_default(value):
    with pytest.raises(ParameterError) as exc:
        check_range(value, "train.lr", low=0, low_inclusive=False)
    assert str(exc.value) == f"train.lr: expected a finite number > 0, got {value!r}"


def test_check_range_infinite_allowed_when_not_finite():
    assert check_range(math.inf, "t", low=0, finite=False) == math.inf
    with pytest.raises(ParameterError, match=r"^t: expected a number >= 0, got -inf$"):
        check_range(-math.inf, "t", low=0, finite=False)
    with pytest.raises(ParameterError, match=r"^t: expected a number >= 0, got nan$"):
        check_range(math.nan, "t", low=0, finite=False)
    with pytest.raises(ParameterError, match=r"^t: expected a number <= 1, got inf$"):
        check_range(math.inf, "t", high=1, finite=False)


@pytest.mark.parametrize("value, kwargs, ok, expected", [
    (0.0, dict(low=0), True, ""),
    (0.0, dict(low=0, low_inclusive=False), False, "a finite number > 0"),
    (1.0, dict(low=0, high=1), True, ""),
    (1.0, dict(low=0, high=1, high_inclusive=False), False, "a finite number in [0, 1)"),
    (0.0, dict(low=0, high=1, low_inclusive=False, high_inclusive=False), False, "a finite number in (0, 1)"),
    (-0.5, dict(low=0, high=1), False, "a finite number in [0, 1]"),
    (2, dict(high=1), False, "a finite number <= 1"),
    (1, dict(high=1, high_inclusive=False), False, "a finite number < 1"),
    (-1e300, dict(), True, ""),
    (np.float64(0.5), dict(low=0, high=1), True, ""),
    (True, dict(low=0), False, "a finite number >= 0"),
    ("1", dict(low=0), False, "a finite number >= 0"),
    (None, dict(), False, "a finite number"),
])  # fmt: skip
def test_check_range_bounds(value, kwargs, ok, expected):
    if ok:
        assert check_range(value, "p", **kwargs) == value
    else:
        with pytest.raises(ParameterError) as exc:
            check_range(value, "p", **kwargs)
        assert str(exc.value) == f"p: expected {expected}, got {value!r}"


@pytest.mark.parametrize("value, kwargs, ok, expected", [
    (1, dict(low=1), True, ""),
    (np.int32(4), dict(low=1), True, ""),
    (0, dict(low=1), False, "an integer >= 1"),
    (-3, dict(low=1), False, "an integer >= 1"),
    (True, dict(low=0), False, "an integer >= 0"),
    (False, dict(), False, "an integer"),
    (2.0, dict(low=1), False, "an integer >= 1"),
    (math.nan, dict(low=1), False, "an integer >= 1"),
    (5, dict(low=0, high=4), False, "an integer in [0, 4]"),
    (7, dict(low=1, odd=True), True, ""),
    (10, dict(low=1, odd=True), False, "an odd integer >= 1"),
    (-1, dict(low=1, also=(-1,)), True, ""),
    (0, dict(low=1, also=(-1,)), False, "an integer >= 1 or -1"),
])  # fmt: skip
def test_check_int(value, kwargs, ok, expected):
    if ok:
        assert check_int(value, "p", **kwargs) == value
    else:
        with pytest.raises(ParameterError) as exc:
            check_int(value, "p", **kwargs)
        assert str(exc.value) == f"p: expected {expected}, got {value!r}"


def test_check_length():
    assert check_length([3, 3], "k", low=2, high=2) == [3, 3]
    assert check_length((1,), "k", low=1) == (1,)
    with pytest.raises(ParameterError, match=r"^k: expected a list of 2 items, got \[3\]$"):
        check_length([3], "k", low=2, high=2)
    with pytest.raises(ParameterError, match=r"^k: expected a list of >= 1 items, got \[\]$"):
        check_length([], "k", low=1)
    with pytest.raises(ParameterError, match=r"^k: expected a list of 1 item, got 'ab'$"):
        check_length("ab", "k", low=1, high=1)
