"""Epileptic seizure detection in scalp EEG.

The library reads TUSZ-format corpora and other EDF recordings (:mod:`seizure.io`), builds the TCP
montage and filters (:mod:`seizure.source`, :mod:`seizure.preprocessing`), caches windows
(:mod:`seizure.cache`, :mod:`seizure.windows`), trains CNN/RNN detectors (:mod:`seizure.models`,
:mod:`seizure.training`), turns probabilities into events (:mod:`seizure.inference`,
:mod:`seizure.postprocess`), scores them as the field does (:mod:`seizure.scoring`) and writes
reports (:mod:`seizure.report`). The ``seizure`` command is the application on top of it.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

try:
    __version__ = _version("seizure")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
