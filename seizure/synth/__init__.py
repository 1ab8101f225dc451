"""Synthetic scalp-EEG seizure corpus in the TUSZ v2.0 layout.

``generate_corpus(out_dir, ...)`` writes EDF recordings with ``.csv`` (per TCP channel) and
``.csv_bi`` (recording-level) annotations and a ``synth_manifest.json``; ``plan_corpus`` returns
the plan (patients, recordings, seizures) without generating any signal.

Signals are in microvolts: spatially correlated 1/f background with a posterior alpha rhythm;
eye blinks, muscle, electrode pops, line noise and drifts; rhythmic seizure mimics (chewing, eye
flutter, mid-temporal theta); focal seizures that evolve and spread, generalized and absence
seizures, with postictal slowing.
"""

from .corpus import MANIFEST_NAME, generate_corpus, synthesize_recording, write_recording
from .plan import check_plan, plan_corpus
from .records import CorpusPlan, PatientPlan, PlanError, RecordingPlan, SeizurePlan

__all__ = [
    "MANIFEST_NAME",
    "generate_corpus",
    "plan_corpus",
    "check_plan",
    "synthesize_recording",
    "write_recording",
    "CorpusPlan",
    "PatientPlan",
    "PlanError",
    "RecordingPlan",
    "SeizurePlan",
]
