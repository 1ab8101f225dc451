"""Preprocessing steps as data: names, parameters, errors, output rate and length."""

from __future__ import annotations

from fractions import Fraction

from seizure._validation import SeizureError

__all__ = ["StepError", "SPECTRAL_STEPS", "POINTWISE_STEPS", "PARAMS", "step_params", "output_sfreq",
           "output_length", "is_streamable"]  # fmt: skip

SPECTRAL_STEPS = frozenset({"resample", "bandpass", "notch"})
POINTWISE_STEPS = frozenset({"scale", "clip"})
#: Built-in step -> (required parameters, optional parameters).
PARAMS = {
    "resample": ({"sfreq"}, set()),
    "bandpass": (set(), {"l_freq", "h_freq", "method", "order"}),
    "notch": ({"freq"}, {"method", "q"}),
    "scale": ({"factor"}, set()),
    "clip": ({"limit"}, set()),
}


class StepError(SeizureError):
    """A preprocessing step is unknown or has bad parameters, or the data cannot be processed."""


def step_params(step: dict) -> dict:
    """The parameters of a step (everything but its name).

    Parameters
    ----------
    step : dict
        ``{"name": ..., **params}``.

    Returns
    -------
    dict
        ``params``.
    """
    return {k: v for k, v in step.items() if k != "name"}


def output_sfreq(sfreq: float, steps: list[dict]) -> float:
    """Rate after the built-in steps (``resample`` changes it; other steps are run to know).

    Parameters
    ----------
    sfreq : float
        Input sampling rate in Hz.
    steps : list of dict
        Preprocessing steps.

    Returns
    -------
    float
        Output sampling rate in Hz: the rate of the last ``resample``, else ``sfreq``.
    """
    for step in steps:
        if step["name"] == "resample":
            sfreq = float(step["sfreq"])
    return sfreq


def is_streamable(steps: list[dict]) -> bool:
    """True when every step is built in, so :func:`stream_steps` can run the whole list.

    Parameters
    ----------
    steps : list of dict
        Preprocessing steps.

    Returns
    -------
    bool
        Whether every step is in :data:`SPECTRAL_STEPS` or :data:`POINTWISE_STEPS`.
    """
    return all(s["name"] in SPECTRAL_STEPS | POINTWISE_STEPS for s in steps)


def output_length(n_times: int, sfreq: float, steps: list[dict]) -> int:
    """Samples per channel after the built-in steps (``ceil(n_times * up / down)`` per resample).

    Parameters
    ----------
    n_times : int
        Input samples per channel.
    sfreq : float
        Input sampling rate in Hz.
    steps : list of dict
        Preprocessing steps; only ``resample`` changes the length.

    Returns
    -------
    int
        Output samples per channel.
    """
    for step in steps:
        if step["name"] == "resample":
            new = float(step["sfreq"])
            ratio = Fraction(new / sfreq).limit_denominator(1000)
            n_times = -(-n_times * ratio.numerator // ratio.denominator)
            sfreq = new
    return n_times
