"""Reference annotations beside an EDF and patient identifiers (moved to :mod:`seizure.io.references`).

The names stay importable from here: :func:`patient_of` is :func:`seizure.io.references.subject_of`,
the one subject rule of the project.
"""

from seizure.io.references import UNKNOWN_TYPE, Reference, find_reference, typed_seizures
from seizure.io.references import subject_of as patient_of

__all__ = ["Reference", "find_reference", "typed_seizures", "patient_of", "UNKNOWN_TYPE"]
