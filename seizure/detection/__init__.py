"""Running a trained detector on recordings: loading, streaming inference, operating points.

- :mod:`seizure.detection.model` - load a detector from a run folder or an MLflow model URI;
- :mod:`seizure.detection.stream` - bounded-memory inference over an EDF of any length;
- :mod:`seizure.detection.run` - one recording to ``.csv_bi`` + probability trace + timeline;
- :mod:`seizure.detection.outputs` - the files of a detection folder (manifest, traces, timelines);
- :mod:`seizure.detection.references` - reference annotations (with seizure types) beside an EDF.
"""

from seizure.detection.model import OPERATING_POINT_FILE, Detector, load_detector, load_operating_point
from seizure.detection.outputs import MANIFEST, read_probs, write_manifest
from seizure.detection.references import Reference, find_reference, patient_of, typed_seizures
from seizure.detection.run import detect_recording, find_edfs
from seizure.detection.stream import plan_channels, stream_probabilities

__all__ = [
    "OPERATING_POINT_FILE",
    "Detector",
    "load_detector",
    "load_operating_point",
    "Reference",
    "find_reference",
    "patient_of",
    "typed_seizures",
    "MANIFEST",
    "detect_recording",
    "find_edfs",
    "read_probs",
    "write_manifest",
    "plan_channels",
    "stream_probabilities",
]
