"""The package's error base and its argument checks.

Every error that the library raises for bad input (a damaged file, a bad annotation, a bad
configuration value) is a :class:`SeizureError`. Batch code catches that class, and only that
class, to list a recording as excluded; anything else (``OSError`` for a full disk, a bug) stops
the batch. The domain errors also derive from ``ValueError`` so that callers that catch
``ValueError`` keep working.

The checks (:func:`check_type`, :func:`check_option`, :func:`check_range`, :func:`check_int`,
:func:`check_length`) share one message shape::

    <name>: expected <what is allowed>, got <the value>[ (did you mean <closest>?)]

where ``name`` is the parameter (a dotted key such as ``train.lr`` when the value comes from the
configuration). Each raises ``error`` (default :class:`ParameterError`); the configuration passes
its own :class:`~seizure.config.ConfigError`. Booleans are never accepted as numbers.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable
from typing import Any

__all__ = [
    "SeizureError",
    "ParameterError",
    "check_type",
    "check_option",
    "check_range",
    "check_int",
    "check_length",
    "suggest",
]


class SeizureError(ValueError):
    """Base of every input error raised by :mod:`seizure` (bad file, field or value)."""


class ParameterError(SeizureError):
    """A value of the wrong type, outside its allowed options or outside its allowed range."""


_TYPE_NAMES = {bool: "true/false", int: "an integer", float: "a number", str: "a string", list: "a list",
               tuple: "a tuple", dict: "a mapping"}  # fmt: skip


def _fail(error: type[SeizureError], name: str, expected: str, value: Any, hint: str = "") -> SeizureError:
    return error(f"{name}: expected {expected}, got {value!r}{hint}")


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def suggest(value: Any, allowed: Iterable[Any]) -> str:
    """``" (did you mean 'x'?)"`` for the allowed string closest to ``value``, else ``""``.

    Parameters
    ----------
    value : object
        The rejected value; only strings get a suggestion.
    allowed : iterable
        The accepted values (non-strings are compared by their ``str``).

    Returns
    -------
    str
        The suffix to append to an error message, or ``""`` when no allowed value is close
        (``difflib.get_close_matches``) or ``value`` is not a string.
    """
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value, [str(a) for a in allowed], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def check_type(value: Any, types: type | tuple[type, ...], name: str, error: type[SeizureError] = ParameterError):
    """Return ``value`` if it is an instance of ``types``, else raise ``error``.

    ``int`` accepts any integral number (``numpy.int64`` too) and ``float`` any real number (an
    ``int`` too, as in type hints); neither accepts a bool unless ``bool`` is listed.

    Parameters
    ----------
    value : object
        The value to check, returned unchanged.
    types : type or tuple of type
        Accepted types; ``object`` accepts anything.
    name : str
        Parameter name (the dotted key for configuration values), first word of the message.
    error : type of SeizureError
        Class of the error raised.

    Raises
    ------
    ParameterError
        ``"<name>: expected an integer, got 'many'"`` (or ``error``).
    """
    types = types if isinstance(types, tuple) else (types,)
    if isinstance(value, bool):
        ok = bool in types or object in types
    else:
        ok = any(
            _is_integer(value) if t is int else _is_number(value) if t is float else isinstance(value, t) for t in types
        )
    if ok:
        return value
    expected = " or ".join(_TYPE_NAMES.get(t, f"a {t.__name__}") for t in types)
    raise _fail(error, name, expected, value)


def check_option(value: Any, allowed: Iterable[Any], name: str, error: type[SeizureError] = ParameterError):
    """Return ``value`` if it is one of ``allowed``, else raise ``error`` with the closest option.

    Parameters
    ----------
    value : object
        The value to check, returned unchanged; a bool only matches a bool option.
    allowed : iterable
        Accepted values, listed in this order in the message.
    name : str
        Parameter name (the dotted key for configuration values).
    error : type of SeizureError
        Class of the error raised.

    Raises
    ------
    ParameterError
        ``"<name>: expected one of ['lstm', 'gru'], got 'gur' (did you mean 'gru'?)"``.
    """
    allowed = list(allowed)
    if isinstance(value, bool):  # True == 1: a bool only matches a bool option
        ok = any(a is value for a in allowed)
    else:
        ok = any(a == value and not isinstance(a, bool) for a in allowed)
    if not ok:
        raise _fail(error, name, f"one of {allowed}", value, suggest(value, allowed))
    return value


def _bounds(low, high, low_inclusive: bool, high_inclusive: bool) -> str:
    if low is not None and high is not None:
        return f" in {'[' if low_inclusive else '('}{low}, {high}{']' if high_inclusive else ')'}"
    if low is not None:
        return f" {'>=' if low_inclusive else '>'} {low}"
    if high is not None:
        return f" {'<=' if high_inclusive else '<'} {high}"
    return ""


def _in_bounds(value, low, high, low_inclusive: bool, high_inclusive: bool) -> bool:
    if math.isnan(value):
        return False
    if low is not None and (value < low if low_inclusive else value <= low):
        return False
    if high is not None and (value > high if high_inclusive else value >= high):
        return False
    return True


def check_range(
    value: Any,
    name: str,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    finite: bool = True,
    error: type[SeizureError] = ParameterError,
):
    """Return ``value`` if it is a real number within the bounds, else raise ``error``.

    NaN is always rejected; ``+-inf`` is rejected when ``finite`` (the default), otherwise it
    passes when the bounds allow it. Bools are not numbers here.

    Parameters
    ----------
    value : object
        The value to check, returned unchanged.
    name : str
        Parameter name (the dotted key for configuration values).
    low, high : float, optional
        Bounds (None: unbounded on that side), in the unit of ``value``.
    low_inclusive, high_inclusive : bool
        Whether ``value == low`` / ``value == high`` is allowed.
    finite : bool
        Reject ``+-inf``.
    error : type of SeizureError
        Class of the error raised.

    Raises
    ------
    ParameterError
        ``"<name>: expected a finite number > 0, got nan"``.
    """
    expected = ("a finite number" if finite else "a number") + _bounds(low, high, low_inclusive, high_inclusive)
    if not _is_number(value) or (finite and not math.isfinite(value)):
        raise _fail(error, name, expected, value)
    if not _in_bounds(value, low, high, low_inclusive, high_inclusive):
        raise _fail(error, name, expected, value)
    return value


def check_int(
    value: Any,
    name: str,
    low: int | None = None,
    high: int | None = None,
    odd: bool = False,
    also: tuple[int, ...] = (),
    error: type[SeizureError] = ParameterError,
):
    """Return ``value`` if it is an integer (not a bool, not a float) in ``[low, high]``.

    Parameters
    ----------
    value : object
        The value to check, returned unchanged; any integral number (``numpy.int64`` too).
    name : str
        Parameter name (the dotted key for configuration values).
    low, high : int, optional
        Inclusive bounds (None: unbounded on that side).
    odd : bool
        Also require an odd value (kernel sizes).
    also : tuple of int
        Values accepted outside the range (e.g. ``-1`` for "all devices").
    error : type of SeizureError
        Class of the error raised.

    Raises
    ------
    ParameterError
        ``"<name>: expected an integer >= 1, got 0"``.
    """
    expected = ("an odd integer" if odd else "an integer") + _bounds(low, high, True, True)
    if also:
        expected += " or " + " or ".join(str(a) for a in also)
    if not _is_integer(value):
        raise _fail(error, name, expected, value)
    if value in also:
        return value
    if not _in_bounds(value, low, high, True, True) or (odd and value % 2 == 0):
        raise _fail(error, name, expected, value)
    return value


def check_length(
    value: Any,
    name: str,
    low: int | None = None,
    high: int | None = None,
    error: type[SeizureError] = ParameterError,
):
    """Return ``value`` if it is a list or tuple with ``low <= len(value) <= high`` items.

    Parameters
    ----------
    value : object
        The value to check, returned unchanged.
    name : str
        Parameter name (the dotted key for configuration values).
    low, high : int, optional
        Inclusive bounds of the length (None: unbounded on that side).
    error : type of SeizureError
        Class of the error raised.

    Raises
    ------
    ParameterError
        ``"<name>: expected a list of 2 items, got [3]"``.
    """
    if low is not None and low == high:
        expected = f"a list of {low} item{'s' if low != 1 else ''}"
    else:
        expected = "a list of" + _bounds(low, high, True, True) + " items"
    if not isinstance(value, (list, tuple)) or not _in_bounds(len(value), low, high, True, True):
        raise _fail(error, name, expected, value)
    return value
