"""Input: EDF recordings, annotation files, corpus layouts and references.

- :mod:`seizure.io.events` - the events type (:class:`~seizure.io.events.Event`,
  :class:`~seizure.io.events.Annotation`), labels and validation;
- :mod:`seizure.io.formats` - one module per annotation format family (TUSZ csv, TUSZ v1, BIDS);
- :mod:`seizure.io.annotations` - the format registry and ``read_annotations``/``write_annotations``;
- :mod:`seizure.io.references` - the reference beside an EDF and the one subject (patient) rule;
- :mod:`seizure.io.corpus` - corpus index from paths (TUSZ v2/v1, BIDS, plain folders);
- :mod:`seizure.io.edf` - EDF/EDF+ reading.
"""
