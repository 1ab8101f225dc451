"""Plan of a synthetic TUSZ-like corpus: patients, sessions, recordings and seizures.

The plan is made up front from one random generator and holds everything the annotation files
depend on (seizure times, types and the electrodes each seizure involves), plus one
:class:`numpy.random.SeedSequence` per recording for the signal details. Generating the signals of
a recording therefore depends only on its own plan entry, whatever the order or the number of
worker processes.
"""

from __future__ import annotations

import datetime
import logging

import numpy as np

from ..io.corpus import SPLITS
from .layout import EEG_ELECTRODES, MONTAGE_DIRS, POSITIONS, SCALP_ELECTRODES
from .records import CorpusPlan, PatientPlan, PlanError, RecordingPlan, SeizurePlan

__all__ = [
    "SPLITS",
    "SFREQS",
    "SEIZURES_PER_HOUR",
    "LONG_SEIZURES_PER_HOUR",
    "LONG_SEIZURE_S",
    "MIN_SEIZURE_S",
    "TARGET_SEIZURE_FRACTION",
    "SEIZURE_FRACTION_BOUNDS",
    "ICTAL_HZ",
    "check_plan",
    "plan_corpus",
]

logger = logging.getLogger("seizure")

#: Sampling rates (Hz) and their probabilities.
SFREQS: tuple[int, ...] = (250, 256, 400, 512)
_SFREQ_P = (0.6, 0.2, 0.1, 0.1)
#: Planned seizure rate over the whole corpus (seizures per hour of recording).
SEIZURES_PER_HOUR = 14.0
#: Planned rate of long seizures (included in :data:`SEIZURES_PER_HOUR`), while the budget allows.
LONG_SEIZURES_PER_HOUR = 0.8
#: A long seizure lasts at least this long (s); at most the ``_DUR_MAX`` of its type (<= 5 min).
LONG_SEIZURE_S = 120.0
#: No seizure is shorter than this (s).
MIN_SEIZURE_S = 10.0
#: Planned fraction of recording time that is seizure.
TARGET_SEIZURE_FRACTION = 0.08
#: The plan is rejected when its seizure fraction falls outside these bounds.
SEIZURE_FRACTION_BOUNDS = (0.05, 0.10)
MIN_RECORDING_S = 60
MAX_RECORDING_S = 3600
EDGE_MARGIN_S = 8.0  # seizures start/stop at least this far from the recording edges (>= 5 s)
MIN_GAP_S = 30.0  # between two seizures of one recording (room for postictal changes)
MAX_SEIZURE_SHARE = 0.5  # at most this share of a recording (minus margins) is seizure
_SHORT_MEAN_S = 11.5  # the short seizures keep at least this mean duration (s) beside the long ones

_FAVOURITE = {"fnsz": 0.34, "cpsz": 0.14, "spsz": 0.07, "gnsz": 0.25, "tcsz": 0.08, "absz": 0.12}
_ALTERNATIVE = {
    "fnsz": ("cpsz", "spsz"), "cpsz": ("fnsz", "spsz"), "spsz": ("fnsz", "cpsz"),
    "gnsz": ("tcsz", "absz"), "tcsz": ("gnsz",), "absz": ("gnsz",),
}  # fmt: skip
_REGION_P = {"temporal": 0.45, "frontotemporal": 0.15, "frontal": 0.15, "central": 0.1,
             "parietal": 0.08, "occipital": 0.07}  # fmt: skip
# Duration bounds (s) and heavy-tail weights of the part above the minimum, per type. Most
# seizures are short (10-30 s); a few planned long ones (LONG_SEIZURE_S up to _DUR_MAX) make the
# tail. absz is never long.
_DUR_MIN = {"fnsz": 10.0, "cpsz": 10.0, "spsz": 10.0, "gnsz": 10.0, "tcsz": 20.0, "absz": 10.0}
_DUR_MAX = {"fnsz": 300.0, "cpsz": 300.0, "spsz": 180.0, "gnsz": 180.0, "tcsz": 180.0, "absz": 20.0}
_DUR_WEIGHT = {"fnsz": 1.3, "cpsz": 1.5, "spsz": 0.7, "gnsz": 1.0, "tcsz": 3.0, "absz": 0.3}
# Start frequency range (Hz) of the ictal rhythm, per type.
ICTAL_HZ = {"fnsz": (4.5, 8.0), "cpsz": (4.5, 8.0), "spsz": (4.5, 8.0),
            "gnsz": (3.0, 6.0), "tcsz": (3.0, 5.0), "absz": (3.0, 3.8)}  # fmt: skip
# Maximum spread radius (chord units; neighbours are ~0.6 apart) of focal types.
_SPREAD_RADIUS = {"spsz": (0.5, 0.75), "cpsz": (0.8, 1.4), "fnsz": (0.6, 1.6)}


# ----------------------------------------------------------------------------------------------
def _subject_codes(rng: np.random.Generator, n: int) -> list[str]:
    codes: list[str] = []
    while len(codes) < n:
        code = "".join(chr(ord("a") + int(i)) for i in rng.integers(0, 26, 8))
        if code not in codes:
            codes.append(code)
    return codes


def _split_counts(n: int, fractions: np.ndarray) -> list[int]:
    raw = fractions * n
    counts = np.floor(raw).astype(int)
    for i in np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]:
        counts[i] += 1
    if n >= 3:
        for i in range(3):
            if counts[i] == 0 and fractions[i] > 0:
                counts[int(np.argmax(counts))] -= 1
                counts[i] += 1
    return [int(c) for c in counts]


def _plan_patients(rng, n: int, fractions: np.ndarray) -> list[PatientPlan]:
    codes = _subject_codes(rng, n)
    splits = [s for s, c in zip(SPLITS, _split_counts(n, fractions)) for _ in range(c)]
    splits = [splits[i] for i in rng.permutation(n)]
    types, regions = list(_FAVOURITE), list(_REGION_P)
    propensity = np.where(rng.random(n) < 0.2, 0.0, rng.gamma(1.2, 1.0, n) + 0.1)
    if not propensity.any():
        propensity[:] = 1.0
    patients = []
    for i in range(n):
        patients.append(
            PatientPlan(
                subject=codes[i],
                split=splits[i],
                favourite=str(rng.choice(types, p=list(_FAVOURITE.values()))),
                region=str(rng.choice(regions, p=list(_REGION_P.values()))),
                side=int(rng.integers(2)),
                bg_uv=float(rng.uniform(10.0, 24.0)),
                alpha_uv=float(rng.uniform(3.0, 22.0)),
                alpha_hz=float(rng.uniform(8.5, 11.5)),
                exponent=float(rng.uniform(1.1, 1.9)),
                ictal_rel=float(rng.random()),
                polarity=float(rng.choice([-1.0, 1.0])),
                propensity=float(propensity[i]),
            )
        )
    return patients


def _plan_sessions(rng, patients, total: int) -> list[list]:
    """[patient, session number, date, n_segments] per session, patients in order."""
    sessions = []
    for p in patients:
        date = datetime.date(2002, 1, 1) + datetime.timedelta(days=int(rng.integers(0, 13 * 365)))
        for num in range(1, 2 + int(rng.random() < 0.4)):
            sessions.append([p, num, date, int(rng.integers(1, 4))])
            date = date + datetime.timedelta(days=int(rng.integers(1, 900)))
    cap = total // MIN_RECORDING_S
    while sum(s[3] for s in sessions) > cap:  # too many recordings for >= 60 s each
        big = max(range(len(sessions)), key=lambda i: (sessions[i][3], i))
        if sessions[big][3] > 1:
            sessions[big][3] -= 1
        else:
            second = [i for i, s in enumerate(sessions) if s[1] > 1]
            sessions.pop(second[-1])
    while total / sum(s[3] for s in sessions) > MAX_RECORDING_S / 3:  # long corpora: more segments
        sessions[int(rng.integers(len(sessions)))][3] += 1
    return sessions


def _plan_durations(rng, n: int, total: int) -> np.ndarray:
    """Integer durations (s) summing to ``total``, lognormal spread, within the length bounds."""
    lo = max(MIN_RECORDING_S, min(120.0, 0.25 * total / n))
    hi = float(min(MAX_RECORDING_S, total))
    d = rng.lognormal(0.0, 0.7, n)
    d = d / d.sum() * total
    for _ in range(100):
        d = np.clip(d, lo, hi)
        excess = total - d.sum()
        if abs(excess) < 0.5:
            break
        free = (d > lo) & (d < hi) if excess < 0 else d < hi
        free = free if free.any() else np.ones(n, bool)
        d[free] += excess * d[free] / d[free].sum()
    out = np.floor(d).astype(int)
    for i in np.argsort(-(d - out), kind="stable")[: max(0, total - int(out.sum()))]:
        out[i] += 1
    return out


def _seizure_capacity(duration: float, k: int) -> float:
    """Seconds of seizure a recording of ``duration`` s may hold when it has ``k`` seizures."""
    return MAX_SEIZURE_SHARE * (duration - 2 * EDGE_MARGIN_S - (k - 1) * MIN_GAP_S)


def _short_room(r: dict, extra: int = 0) -> float:
    """Seconds of short seizures ``r`` may hold with ``extra`` more seizures (beside its long one)."""
    return _seizure_capacity(r["duration"], r["k"] + extra) - r["long_s"]


def _assign_counts(rng, recs: list[dict], n_sz: int, mean_s: float) -> None:
    """Add ``n_sz`` short seizures: ``recs[i]['k']`` (all seizures) and ``recs[i]['n_short']``.

    Seizure-prone patients get more; each split's share of seizures follows its share of time.
    """
    durations = np.array([r["duration"] for r in recs], dtype=float)
    weights = np.array([r["patient"].propensity for r in recs]) * durations
    for split in SPLITS:
        sel = np.array([r["patient"].split == split for r in recs])
        total = weights[sel].sum()
        weights[sel] = weights[sel] * durations[sel].sum() / total if total > 0 else 0.3 * durations[sel]
    splits_needed = [s for s in SPLITS if any(r["patient"].split == s for r in recs)]
    splits_needed = splits_needed if n_sz >= len(splits_needed) else []

    def fits(r: dict, per_seizure: float) -> bool:
        return _short_room(r, 1) >= (r["n_short"] + 1) * per_seizure

    for i in range(n_sz):
        ok = [j for j, r in enumerate(recs) if fits(r, max(_DUR_MIN[r["patient"].favourite], 0.8 * mean_s))]
        ok = ok or [j for j, r in enumerate(recs) if fits(r, _DUR_MIN["fnsz"])]
        if i < len(splits_needed):
            ok = [j for j in ok if recs[j]["patient"].split == splits_needed[i]] or ok
        if not ok:
            logger.warning("synth: no room for seizure %d of %d; planning fewer", i + 1, n_sz)
            return
        w = weights[ok] if weights[ok].sum() > 0 else np.array([recs[j]["duration"] for j in ok], float)
        r = recs[ok[int(rng.choice(len(ok), p=w / w.sum()))]]
        r["k"] += 1
        r["n_short"] += 1


def _seizure_label(rng, patient: PatientPlan) -> str:
    """The patient's favourite seizure type (85%) or a related one."""
    if rng.random() < 0.85:
        return patient.favourite
    return str(rng.choice(_ALTERNATIVE[patient.favourite]))


def _plan_long_seizures(rng, recs: list[dict], n_long: int, budget: float) -> list[dict]:
    """Place up to ``n_long`` long seizures, at most one per recording, and set their durations.

    Long recordings of seizure-prone patients are preferred (weight propensity * duration**2),
    in splits that have no long seizure yet.
    Durations are log-uniform between :data:`LONG_SEIZURE_S` and the type's maximum (and the
    recording's capacity); their parts above :data:`LONG_SEIZURE_S` shrink together when the sum
    would exceed ``budget``. Sets ``k`` and ``long_s`` of the chosen recordings.
    """
    items: list[dict] = []
    for _ in range(n_long):
        ok = [j for j, r in enumerate(recs) if not r["long_s"] and r["patient"].propensity > 0
              and _seizure_capacity(r["duration"], 1) >= LONG_SEIZURE_S]  # fmt: skip
        if not ok:
            logger.warning("synth: no recording long enough for long seizure %d of %d", len(items) + 1, n_long)
            break
        taken = [it["rec"]["patient"].split for it in items]
        w = np.array([recs[j]["patient"].propensity * float(recs[j]["duration"]) ** 2
                      * 0.25 ** taken.count(recs[j]["patient"].split) for j in ok])  # fmt: skip
        r = recs[ok[int(rng.choice(len(ok), p=w / w.sum()))]]
        label = _seizure_label(rng, r["patient"])
        label = "gnsz" if label == "absz" else label
        hi = max(LONG_SEIZURE_S, min(_DUR_MAX[label], _seizure_capacity(r["duration"], 1)))
        dur = LONG_SEIZURE_S * (hi / LONG_SEIZURE_S) ** rng.random()
        r["k"], r["long_s"] = 1, dur
        items.append({"rec": r, "label": label, "dur": dur})
    extra = sum(it["dur"] - LONG_SEIZURE_S for it in items)
    room = max(budget - LONG_SEIZURE_S * len(items), 0.0)
    if extra > room:
        for it in items:
            it["dur"] = LONG_SEIZURE_S + (it["dur"] - LONG_SEIZURE_S) * room / extra
            it["rec"]["long_s"] = it["dur"]
    return items


def _plan_durations_of_seizures(rng, items: list[dict], budget: float) -> None:
    """Set ``items[i]['dur']`` so that the durations sum to ``budget`` where possible."""
    free = []
    for it in items:
        lab = it["label"]
        it["lo"], it["hi"] = _DUR_MIN[lab], max(_DUR_MIN[lab], min(_DUR_MAX[lab], it["cap"]))
        it["w"] = (rng.pareto(1.1) + 0.05) * _DUR_WEIGHT[lab]
        free.append(it)
    rest = budget

    def total(scale: float) -> float:
        return sum(min(it["lo"] + scale * it["w"], it["hi"]) for it in free)

    lo_s, hi_s = 0.0, 1.0
    while total(hi_s) < rest and hi_s < 1e7:
        hi_s *= 2
    for _ in range(60):
        mid = 0.5 * (lo_s + hi_s)
        lo_s, hi_s = (mid, hi_s) if total(mid) < rest else (lo_s, mid)
    for it in free:
        it["dur"] = min(it["lo"] + lo_s * it["w"], it["hi"])


def _plan_onsets(rng, label: str, duration: float, patient: PatientPlan):
    """Involved electrodes with onset delays (s), and the generalization delay (or None)."""
    if label in ("gnsz", "tcsz", "absz"):
        spread = 0.08 if label == "absz" else 0.4
        delays = {e: float(rng.uniform(0.02, spread)) for e in EEG_ELECTRODES}
        delays[SCALP_ELECTRODES[int(rng.integers(len(SCALP_ELECTRODES)))]] = 0.0
        return delays, None
    focus = patient.focus
    radius = float(rng.uniform(*_SPREAD_RADIUS[label]))
    # chord units / s; long seizures spread more slowly (over their first minute or two)
    slow = min(1.0, (60.0 / duration) ** 0.5)
    speed = max(float(rng.uniform(0.04, 0.2)) * slow, radius / (0.6 * duration))
    delays = {}
    for e in EEG_ELECTRODES:
        dist = float(np.linalg.norm(POSITIONS[e] - POSITIONS[focus]))
        if e == focus:
            delays[e] = 0.0
        elif dist <= radius:
            delay = dist / speed + float(rng.uniform(0.0, 0.6))
            if delay <= duration - 3.0:
                delays[e] = delay
    gen = None
    p_gen = 0.4 if duration >= LONG_SEIZURE_S else 0.25
    if label in ("fnsz", "cpsz") and duration >= 30.0 and rng.random() < p_gen:
        gen = float(rng.uniform(0.45, 0.7)) * duration
        for e in EEG_ELECTRODES:
            delays.setdefault(e, gen + float(rng.uniform(0.0, 0.5)))
    return delays, gen


def _plan_seizures(rng, recs: list[dict], total: int) -> None:
    """Seizures of every recording (``recs[i]['seizures']``).

    About :data:`SEIZURES_PER_HOUR` seizures making :data:`TARGET_SEIZURE_FRACTION` of the time:
    first :data:`LONG_SEIZURES_PER_HOUR` long ones (2 min to 5 min, in long recordings, as far
    as the budget allows while the others keep a mean of ``_SHORT_MEAN_S``), then short ones
    (10 s upwards, heavy-tailed) sharing the rest of the budget.
    """
    n_sz = max(1, int(round(SEIZURES_PER_HOUR * total / 3600.0)))
    budget = TARGET_SEIZURE_FRACTION * total
    n_long = int(round(LONG_SEIZURES_PER_HOUR * total / 3600.0))
    n_long = max(0, min(n_long, n_sz // 4,
                        int((budget - n_sz * _SHORT_MEAN_S) // (LONG_SEIZURE_S - _SHORT_MEAN_S))))  # fmt: skip
    for r in recs:
        r["k"], r["n_short"], r["long_s"] = 0, 0, 0.0
    long_items = _plan_long_seizures(rng, recs, n_long, budget - (n_sz - n_long) * _SHORT_MEAN_S)
    n_short = n_sz - len(long_items)
    short_budget = budget - sum(it["dur"] for it in long_items)
    _assign_counts(rng, recs, n_short, short_budget / max(n_short, 1))
    items = []
    for r in recs:
        cap = _short_room(r) / r["n_short"] if r["n_short"] else 0.0
        for _ in range(r["n_short"]):
            label = _seizure_label(rng, r["patient"])
            if label == "tcsz" and cap < _DUR_MIN["tcsz"]:
                label = "gnsz"
            items.append({"rec": r, "label": label, "cap": cap})
    for it in items:  # tiny corpora: the long minimum of tcsz would overshoot the budget
        if it["label"] == "tcsz" and sum(_DUR_MIN[i["label"]] for i in items) > 1.3 * short_budget:
            it["label"] = "gnsz"
    _plan_durations_of_seizures(rng, items, short_budget)
    items += long_items
    for r in recs:
        mine = [it for it in items if it["rec"] is r]
        r["seizures"] = []
        if not mine:
            continue
        if r["long_s"] and len(mine) > 1:  # the long seizure anywhere in the recording
            mine = [mine[i] for i in rng.permutation(len(mine))]
        durs = [round(it["dur"], 2) for it in mine]
        slack = r["duration"] - 2 * EDGE_MARGIN_S - sum(durs) - (len(mine) - 1) * MIN_GAP_S
        gaps = rng.dirichlet(np.ones(len(mine) + 1)) * max(slack, 0.0)
        t = EDGE_MARGIN_S
        for it, dur, gap in zip(mine, durs, gaps):
            start = np.floor((t + gap) * 100) / 100
            stop = round(start + dur, 2)
            p, lo_hz_hi = r["patient"], ICTAL_HZ[it["label"]]
            rel = float(np.clip(p.ictal_rel + rng.normal(0, 0.1), 0, 1))
            delays, gen = _plan_onsets(rng, it["label"], dur, p)
            onsets = tuple((e, round(delays[e], 2)) for e in EEG_ELECTRODES if e in delays)
            r["seizures"].append(
                SeizurePlan(
                    label=it["label"],
                    start=float(start),
                    stop=float(stop),
                    onsets=onsets,
                    snr=float(np.clip(rng.lognormal(np.log(2.4), 0.45), 1.3, 6.0)),
                    ictal_hz=lo_hz_hi[0] + rel * (lo_hz_hi[1] - lo_hz_hi[0]),
                    generalize_at=None if gen is None else round(gen, 2),
                )
            )
            t = stop + MIN_GAP_S


def _montages(rng, n_sessions: int) -> list[str]:
    n_le = max(1, round(0.2 * n_sessions)) if n_sessions >= 3 else 0
    n_a = max(1, round(0.15 * n_sessions)) if n_sessions >= 3 else 0
    dirs = [MONTAGE_DIRS[1]] * n_le + [MONTAGE_DIRS[2]] * n_a
    dirs += [MONTAGE_DIRS[0]] * (n_sessions - len(dirs))
    return [dirs[i] for i in rng.permutation(n_sessions)]


def check_plan(plan: CorpusPlan) -> None:
    """Raise :class:`PlanError` when the plan breaks a corpus requirement.

    Parameters
    ----------
    plan : CorpusPlan
        The plan to check.

    Raises
    ------
    PlanError
        When the total duration is not within 3% of the requested hours, the seizure fraction is
        outside :data:`SEIZURE_FRACTION_BOUNDS`, a seizure lies within 5 s of a recording edge or is
        shorter than :data:`MIN_SEIZURE_S`, or a patient appears in more than one split.
    """
    target = plan.params["hours"] * 3600.0
    if abs(plan.duration_s - target) > max(0.03 * target, 2.0):
        raise PlanError(f"synth plan: total duration {plan.duration_s:.0f} s is not within 3% of "
                        f"the requested {target:.0f} s")  # fmt: skip
    lo, hi = SEIZURE_FRACTION_BOUNDS
    if not lo <= plan.seizure_fraction <= hi:
        raise PlanError(
            f"synth plan: seizure fraction {plan.seizure_fraction:.3f} "
            f"({plan.seizure_s:.0f} s of {plan.duration_s:.0f} s, {plan.n_seizures} seizures) is "
            f"outside [{lo}, {hi}]; try more hours or fewer patients"
        )
    for r in plan.recordings:
        for sz in r.seizures:
            if sz.start < 5.0 or sz.stop > r.duration - 5.0 or sz.duration < MIN_SEIZURE_S - 0.005:
                raise PlanError(f"synth plan: seizure [{sz.start}, {sz.stop}] of {r.bname} "
                                f"({r.duration} s) is too close to an edge or too short")  # fmt: skip
    subjects = {s: {r.subject for r in plan.recordings if r.split == s} for s in SPLITS}
    if any(subjects[a] & subjects[b] for a in SPLITS for b in SPLITS if a < b):
        raise PlanError("synth plan: a patient appears in more than one split")


def plan_corpus(
    n_patients: int = 12,
    hours: float = 3.0,
    seed: int = 0,
    split_fractions=(0.5, 0.25, 0.25),
) -> CorpusPlan:
    """Plan a synthetic corpus without generating any signal.

    Parameters
    ----------
    n_patients : int
        Number of patients; reduced (with a warning) when ``hours`` cannot give every patient a
        recording of at least 60 s.
    hours : float
        Total recording time in hours (at least 2 minutes).
    seed : int
        Seed of :class:`numpy.random.SeedSequence`; the same seed gives the same plan.
    split_fractions : sequence of 3 float
        Share of patients in train, dev and eval.

    Returns
    -------
    CorpusPlan

    Raises
    ------
    ValueError
        On invalid parameters.
    PlanError
        When the plan breaks a corpus requirement (e.g. seizure fraction outside 5-10%).
    """
    fractions = np.asarray(split_fractions, dtype=float)
    if fractions.shape != (3,) or (fractions < 0).any() or fractions.sum() <= 0:
        raise ValueError(f"split_fractions must be 3 non-negative numbers, got {split_fractions!r}")
    fractions = fractions / fractions.sum()
    if int(n_patients) < 1:
        raise ValueError(f"n_patients must be >= 1, got {n_patients}")
    total = int(round(float(hours) * 3600))
    if total < 120:
        raise ValueError(f"hours must be at least 2 minutes (1/30 h), got {hours}")
    n = min(int(n_patients), total // MIN_RECORDING_S)
    if n < n_patients:
        logger.warning("synth: %.3f h is too short for %d patients with >= %d s recordings; "
                       "using %d patients", hours, n_patients, MIN_RECORDING_S, n)  # fmt: skip
    plan_ss, rec_ss = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(plan_ss)
    patients = _plan_patients(rng, n, fractions)
    sessions = _plan_sessions(rng, patients, total)
    montages = _montages(rng, len(sessions))
    n_rec = sum(s[3] for s in sessions)
    durations = _plan_durations(rng, n_rec, total)
    recs: list[dict] = []
    for (patient, num, date, n_seg), montage in zip(sessions, montages):
        clock = int(rng.integers(7 * 3600, 17 * 3600))
        for token in range(n_seg):
            dur = int(durations[len(recs)])
            sfreq = int(rng.choice(SFREQS, p=_SFREQ_P))
            recs.append({"patient": patient, "session": f"s{num:03d}_{date:%Y_%m_%d}",
                         "token": token, "montage": montage, "sfreq": sfreq, "duration": dur,
                         "clock": clock % 86400})  # fmt: skip
            clock += dur + int(rng.integers(5, 300))
    _plan_seizures(rng, recs, total)
    seeds = rec_ss.spawn(len(recs))
    recordings = tuple(
        RecordingPlan(
            index=i,
            patient=r["patient"],
            session=r["session"],
            token=r["token"],
            montage=r["montage"],
            sfreq=r["sfreq"],
            duration=r["duration"],
            start_time=(r["clock"] // 3600, r["clock"] // 60 % 60, r["clock"] % 60),
            seed=seeds[i],
            seizures=tuple(r["seizures"]),
        )
        for i, r in enumerate(recs)
    )
    params = {"n_patients": int(n_patients), "hours": float(hours), "seed": int(seed),
              "split_fractions": [float(f) for f in split_fractions]}  # fmt: skip
    plan = CorpusPlan(params=params, patients=tuple(patients), recordings=recordings)
    check_plan(plan)
    return plan
