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
    p.write_text("\n".join(l for l in TUSZ_CSV_BI.splitlines() if "duration" not in l))
    with pytest.raises(AnnotationError, match="duration"):
        read_csv_bi(p)
