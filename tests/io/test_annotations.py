import pytest

from seizure.io.annotations import (
    AnnotationError,
    Event,
    read_csv,
    read_csv_bi,
    write_csv,
    write_csv_bi,
)

TUSZ_CSV_BI = """# version = csv_v1.0.0
# bname = aaaaaaac_s001_t000
# duration = 301.00 secs
# montage_file = $NEDC_NFC/lib/nedc_eas_default_montage.txt
#
channel,start_time,stop_time,label,confidence
TERM,0.0000,36.8868,bckg,1.0000
TERM,36.8868,183.3055,seiz,1.0000
TERM,183.3055,301.0000,bckg,1.0000
"""


def test_reads_tusz_csv_bi(tmp_path):
    p = tmp_path / "aaaaaaac_s001_t000.csv_bi"
    p.write_text(TUSZ_CSV_BI)
    ann = read_csv_bi(p)
    assert ann.bname == "aaaaaaac_s001_t000"
    assert ann.duration == 301.0
    assert [(e.start, e.stop) for e in ann.seizures()] == [(36.8868, 183.3055)]
    assert len(ann.events) == 3


def test_csv_bi_round_trip(tmp_path):
    p = tmp_path / "x.csv_bi"
    events = [Event(10.0, 25.5, "fnsz"), Event(100.25, 160.0, "seiz", confidence=0.8)]
    write_csv_bi(p, events, 300.0, "x")
    text = p.read_text().splitlines()
    assert text[0] == "# version = csv_v1.0.0"
    assert text[2] == "# duration = 300.00 secs"
    assert text[5] == "channel,start_time,stop_time,label,confidence"
    assert text[6] == "TERM,0.0000,10.0000,bckg,1.0000"
    ann = read_csv_bi(p)
    assert [(e.start, e.stop, e.label, e.confidence) for e in ann.seizures()] == [
        (10.0, 25.5, "seiz", 1.0),
        (100.25, 160.0, "seiz", 0.8),
    ]
    # background fills the gaps exactly
    assert sum(e.duration for e in ann.events) == pytest.approx(300.0)


def test_csv_round_trip_per_channel(tmp_path):
    p = tmp_path / "y.csv"
    write_csv(p, {"FP1-F7": [Event(5, 20, "cpsz", "FP1-F7")], "F7-T3": []}, 60.0, "y")
    ann = read_csv(p)
    by_ch = {}
    for e in ann.events:
        by_ch.setdefault(e.channel, []).append((e.start, e.stop, e.label))
    assert by_ch["FP1-F7"] == [(0, 5, "bckg"), (5, 20, "cpsz"), (20, 60, "bckg")]
    assert by_ch["F7-T3"] == [(0, 60, "bckg")]


def test_bkgd_is_read_as_bckg(tmp_path):
    p = tmp_path / "z.csv_bi"
    p.write_text(TUSZ_CSV_BI.replace("bckg", "bkgd"))
    assert {e.label for e in read_csv_bi(p).events} == {"bckg", "seiz"}


@pytest.mark.parametrize(
    "bad, message",
    [
        ("TERM,36.8868,183.3055,seiz,1.0000", None),
        ("TERM,50.0,40.0,seiz,1.0", "must be greater than start_time"),
        ("TERM,50.0,400.0,seiz,1.0", "outside the recording duration"),
        ("TERM,50.0,60.0,fnsz,1.0", "unknown label 'fnsz'"),
        ("TERM,abc,60.0,seiz,1.0", "must be numbers"),
    ],
)
def test_bad_rows_are_clear_errors(tmp_path, bad, message):
    p = tmp_path / "bad.csv_bi"
    p.write_text(TUSZ_CSV_BI.replace("TERM,36.8868,183.3055,seiz,1.0000", bad))
    if message is None:
        read_csv_bi(p)
        return
    with pytest.raises(AnnotationError, match=message) as info:
        read_csv_bi(p)
    assert "bad.csv_bi" in str(info.value)


def test_overlapping_seizures_rejected(tmp_path):
    p = tmp_path / "o.csv_bi"
    p.write_text(TUSZ_CSV_BI + "TERM,100.0,200.0,seiz,1.0\n")
    with pytest.raises(AnnotationError, match="overlapping"):
        read_csv_bi(p)


def test_missing_duration_header(tmp_path):
    p = tmp_path / "h.csv_bi"
    p.write_text("\n".join(line for line in TUSZ_CSV_BI.splitlines() if "duration" not in line))
    with pytest.raises(AnnotationError, match="duration"):
        read_csv_bi(p)


# ---------------------------------------------------------------- every format, one Annotation type
from seizure.io.annotations import Annotation, read_annotations, write_annotations  # noqa: E402
from seizure.io.formats.bids import read_events_tsv  # noqa: E402
from seizure.io.formats.tuh_v1 import read_lbl, read_lbl_bi, read_tse, read_tse_bi  # noqa: E402

PER_CHANNEL = Annotation(
    "aaaaaaac_s001_t000",
    300.0,
    [Event(10.0, 40.5, "cpsz", "FP1-F7", 1.0), Event(12.0, 40.5, "cpsz", "F7-T3", 0.9),
     Event(100.0, 130.0, "nesz", "FP1-F7", 1.0), Event(200.0, 220.0, "fnsz", "T3-T5", 1.0)],
)  # fmt: skip


def _spans(ann, channel=None):
    return sorted((round(e.start, 4), round(e.stop, 4), e.label, e.channel, round(e.confidence, 4))
                  for e in ann.events if e.label != "bckg" and (channel is None or e.channel == channel))  # fmt: skip


@pytest.mark.parametrize("suffix", [".csv", ".lbl", "_events.tsv"])
def test_per_channel_round_trip(tmp_path, suffix):
    p = tmp_path / f"aaaaaaac_s001_t000{suffix}"
    write_annotations(p, PER_CHANNEL)
    back = read_annotations(p)
    assert isinstance(back, Annotation)
    assert _spans(back) == _spans(PER_CHANNEL)
    assert back.duration == pytest.approx(300.0)
    assert [(e.start, e.stop) for e in back.recording_seizures()] == [(10.0, 40.5), (200.0, 220.0)]


@pytest.mark.parametrize("suffix", [".csv_bi", ".tse", ".tse_bi", ".lbl_bi"])
def test_recording_level_round_trip(tmp_path, suffix):
    term = Annotation(
        "x",
        300.0,
        [Event(10.0, 40.5, "cpsz"), Event(100.0, 130.0, "nesz"), Event(200.0, 220.0, "fnsz", confidence=0.7)],
    )
    p = tmp_path / f"x{suffix}"
    write_annotations(p, term)
    back = read_annotations(p)
    assert sum(e.duration for e in back.events if e.channel == back.events[0].channel) == pytest.approx(300.0)
    expected = [(10.0, 40.5), (200.0, 220.0)]
    assert [(e.start, e.stop) for e in back.recording_seizures()] == expected
    labels = {e.label for e in back.events}
    if suffix == ".tse":  # typed format keeps types and nesz (not a seizure)
        assert labels == {"bckg", "cpsz", "nesz", "fnsz"}
    else:
        assert labels == {"bckg", "seiz"}
    write_annotations(tmp_path / f"y{suffix}", back)
    assert _spans(read_annotations(tmp_path / f"y{suffix}")) == _spans(back)


def test_nesz_is_kept_but_not_a_seizure(tmp_path):
    p = tmp_path / "n.tse"
    p.write_text(
        "version = tse_v1.0.0\n\n0.0000 10.0000 bckg 1.0000\n10.0000 20.0000 nesz 1.0000\n20.0000 30.0000 bkgd 1.0000\n"
    )
    ann = read_tse(p)
    assert [e.label for e in ann.events] == ["bckg", "nesz", "bckg"] and ann.recording_seizures() == []


TSE = "version = tse_v1.0.0\n\n0.0000 10.0000 bckg 1.0000\n{row}\n"
LBL = """version = lbl_v1.0.0

montage = 0, FP1-F7: EEG FP1-REF -- EEG F7-REF

number_of_levels = 1
level[0] = 1

symbols[0] = {{0: '(null)', 1: 'spsw', 2: 'bckg', 3: 'seiz', 4: 'fnsz'}}

label = {{0, 0, 0.0000, 10.0000, 0, [0.0, 0.0, 1.0, 0.0, 0.0]}}
{row}
"""
TSV = "onset\tduration\teventType\tconfidence\tchannels\tdateTime\trecordingDuration\n{row}\n"


@pytest.mark.parametrize(
    "template, name, row, message",
    [
        (TSE, "a.tse", "20.0000 15.0000 cpsz 1.0000", r"a\.tse:4: stop_time 15.0 must be greater"),
        (TSE, "a.tse", "5.0000 15.0000 cpsz 1.0000", r"a\.tse:4: overlapping recording-level events"),
        (TSE, "a.tse", "10.0000 15.0000 xxsz 1.0000", r"a\.tse:4: unknown label 'xxsz'"),
        (TSE, "a.tse_bi", "10.0000 15.0000 fnsz 1.0000", r"a\.tse_bi:4: unknown label 'fnsz'"),
        (TSE, "a.tse", "10.0000 15.0000 cpsz", "expected 'start stop label probability'"),
        (LBL, "a.lbl", "label = {0, 0, 10.0, 20.0, 3, [0.0, 0.0, 0.0, 1.0, 0.0]}", "channel index 3 is not in"),
        (LBL, "a.lbl", "label = {0, 0, 5.0, 20.0, 0, [0.0, 0.0, 0.0, 1.0, 0.0]}", "overlapping channel FP1-F7 events"),
        (LBL, "a.lbl", "label = {0, 0, 10.0, 20.0, 0, [1.0, 0.0, 0.0, 0.0, 0.0]}", "select no label"),
        (LBL, "a.lbl", "label = {0, 0, 10.0, 20.0, 0, [0.0, 1.0, 0.0, 0.0, 0.0]}", "unknown label 'spsw'"),
        (TSV, "a_events.tsv", "10.0\t5.0\tsz_foo\tn/a\tn/a\tn/a\t8.0", "outside the recording duration 8.0"),
        (TSV, "a_events.tsv", "10.0\t5.0\tartifact\tn/a\tn/a\tn/a\t30.0", "unknown eventType 'artifact'"),
        (TSV, "a_events.tsv", "10.0\t-5.0\tsz\tn/a\tn/a\tn/a\t30.0", "must be greater than start_time"),
    ],
)
def test_legacy_and_bids_validation_errors(tmp_path, template, name, row, message):
    p = tmp_path / name
    p.write_text(template.format(row=row))
    with pytest.raises(AnnotationError, match=message):
        read_annotations(p)


def test_bids_types_map_both_ways(tmp_path):
    p = tmp_path / "sub-01_ses-01_task-szMonitoring_run-00_events.tsv"
    p.write_text(
        TSV.format(
            row="10.0\t5.0\tsz_foc_ia\t1.0\tn/a\tn/a\t30.0\n20.0\t5.0\tsz_gen_m_foo\tn/a\tFp1-Avg,F7-Avg\tn/a\t30.0"
        )
    )
    ann = read_events_tsv(p)
    assert ann.bname == "sub-01_ses-01_task-szMonitoring_run-00" and ann.duration == 30.0
    assert [(e.label, e.channel) for e in ann.events] == [("cpsz", "TERM"), ("seiz", "Fp1-Avg"), ("seiz", "F7-Avg")]


def test_wrong_version_line_and_unsupported_suffix(tmp_path):
    p = tmp_path / "v.tse"
    p.write_text("version = lbl_v1.0.0\n\n0 1 bckg 1\n")
    with pytest.raises(AnnotationError, match=r"v\.tse:1: expected 'version = tse_v"):
        read_tse(p)
    with pytest.raises(AnnotationError, match="unsupported annotation format"):
        read_annotations(tmp_path / "x.txt")
    for fn in (read_tse_bi, read_lbl, read_lbl_bi):
        with pytest.raises(AnnotationError, match="cannot read"):
            fn(tmp_path / "missing")
