"""EDF reader and every damaged-EDF case of issue 3 item 7: each file is made here, then read."""

import datetime
import shutil

import numpy as np
import pytest
from edfio import Edf, EdfSignal

from seizure.cache import prepare_corpus, prepare_recording
from seizure.io.annotations import write_csv_bi
from seizure.io.corpus import index_tusz
from seizure.io.edf import EdfError, EdfReader, read_channels, read_header
from seizure.montage import MontageError

STEPS = [{"name": "resample", "sfreq": 100.0}, {"name": "bandpass", "l_freq": 0.5, "h_freq": 40.0}]
ELECTRODES = ["FP1", "F7", "T3", "T5", "O1", "FP2", "F8", "T4", "T6", "O2", "A1", "A2", "C3", "CZ", "C4",
              "F3", "P3", "F4", "P4"]  # fmt: skip


@pytest.fixture(scope="module")
def corpus(synthetic_corpus):
    return synthetic_corpus


def write_edf(path, sfreq=250.0, seconds=20, rates=None, flat=(), drop=(), extra=("EEG EKG1-REF",)):
    """A small TUH-style EDF (``EEG <E>-REF`` labels) plus its ``.csv_bi`` (no seizure)."""
    rng = np.random.default_rng(0)
    signals = []
    for e in [e for e in ELECTRODES if e not in drop]:
        fs = (rates or {}).get(e, sfreq)
        x = np.full(int(fs * seconds), 5.0) if e in flat else rng.normal(0, 30, int(fs * seconds))
        signals.append(EdfSignal(x, fs, label=f"EEG {e}-REF", physical_dimension="uV", physical_range=(-500, 500)))
    for label in extra:
        signals.append(EdfSignal(rng.normal(0, 30, int(sfreq * seconds)), sfreq, label=label,
                                 physical_dimension="uV", physical_range=(-500, 500)))  # fmt: skip
    Edf(signals, starttime=datetime.time(10, 0, 0), data_record_duration=1).write(path)
    write_csv_bi(path.with_suffix(".csv_bi"), [], float(seconds), path.stem)
    return path


def header_field(path, offset, width, value):
    with open(path, "r+b") as fh:
        fh.seek(offset)
        fh.write(value.ljust(width).encode("ascii"))


def test_native_reader_matches_mne(corpus):
    rec = index_tusz(corpus)[0]
    h = read_header(rec.edf)
    chans = list(h.ch_names[:4])
    a, sa = read_channels(rec.edf, chans)
    b, sb = read_channels(rec.edf, chans, backend="mne")
    assert sa == sb == h.sfreq and a.dtype == np.float32 and a.shape == b.shape == (4, h.n_times)
    np.testing.assert_allclose(a, b, atol=1e-3)
    with EdfReader(rec.edf) as r:  # a sample range equals the same slice of the whole
        picks = [0, 3]
        np.testing.assert_array_equal(r.read(picks, 777, 1999), r.read(picks)[:, 777:1999])


def test_read_diff_equals_differences_of_digital_reads(tmp_path):
    path = tmp_path / "d.edf"
    write_edf(path, seconds=7)
    reader = EdfReader(path)
    anodes, cathodes = [0, 1, 2, 5], [1, 2, 3, 0]
    for start, stop in [(0, 7 * 250), (13, 13), (100, 1234), (249, 251), (1000, 1750)]:  # across record edges
        x = reader.read(list(range(len(ELECTRODES))), start, stop, digital=True).astype(np.int32)
        d = reader.read_diff(anodes, cathodes, start, stop)
        assert d.dtype == np.float32 and d.shape == (4, stop - start)
        np.testing.assert_array_equal(d, x[anodes] - x[cathodes])
    with pytest.raises(EdfError, match="outside"):
        reader.read_diff(anodes, cathodes, 0, 7 * 250 + 1)


def test_header_only_summary(tmp_path):
    p = write_edf(tmp_path / "aaaaaaaa_s001_t000.edf", sfreq=256.0, seconds=12)
    h = read_header(p)
    assert h.sfreq == 256.0 and h.n_times == 12 * 256 and h.duration == 12.0
    assert h.ch_names[0] == "EEG FP1-REF" and "EEG EKG1-REF" in h.ch_names
    assert h.n_records == 12 and h.record_duration == 1.0


@pytest.mark.parametrize(
    "damage, message",
    [
        ("empty", "empty \\(0 bytes\\)"),
        ("short_header", "header is truncated"),
        ("not_edf", "not an EDF file"),
        ("truncated", "file is truncated: header says 20 data records"),
        ("count_too_small", "header record count 15 disagrees with the file size: the data holds 20 whole records"),
        ("extra_bytes", "disagrees with the file size: the data holds 20 whole records and 7 extra bytes"),
        ("zero_records", "holds no samples \\(zero-length recording\\)"),
        ("bad_count_field", "'number of data records' should be a number, got 'abc'"),
        ("nan_calibration", "'physical min of 'EEG FP1-REF'' is not a finite number"),
        ("degenerate_calibration", "degenerate calibration"),
    ],
)
def test_damaged_edf_gives_specific_error(tmp_path, damage, message):
    p = write_edf(tmp_path / "aaaaaaaa_s001_t000.edf")
    size = p.stat().st_size
    ns = len(read_header(p).ch_names)
    if damage == "empty":
        p.write_bytes(b"")
    elif damage == "short_header":
        p.write_bytes(p.read_bytes()[:100])
    elif damage == "not_edf":
        p.write_bytes(b"hello, this is not an EDF file" * 20)
    elif damage == "truncated":
        with open(p, "r+b") as fh:
            fh.truncate(size - 3000)
    elif damage == "count_too_small":
        header_field(p, 236, 8, "15")
    elif damage == "extra_bytes":
        with open(p, "ab") as fh:
            fh.write(b"\0" * 7)
    elif damage == "zero_records":
        header_field(p, 236, 8, "0")
        with open(p, "r+b") as fh:
            fh.truncate(256 * (ns + 1))
    elif damage == "bad_count_field":
        header_field(p, 236, 8, "abc")
    elif damage == "nan_calibration":
        header_field(p, 256 + ns * (16 + 80 + 8), 8, "nan")
    elif damage == "degenerate_calibration":  # digital min == digital max on FP1
        base = 256 + ns * (16 + 80 + 8 + 8 + 8)
        header_field(p, base, 8, "0")
        header_field(p, base + 8 * ns, 8, "0")
    with pytest.raises(EdfError, match=message) as info:
        EdfReader(p).read(list(range(3)), 0, 10)
    assert str(p) in str(info.value)
    # the same file in a batch: excluded with that reason, the batch goes on
    good = write_edf(tmp_path / "bbbbbbbb_s001_t000.edf")
    recs = [_rec(p), _rec(good)]
    entries, excl = prepare_corpus(recs, STEPS, tmp_path / "cache")
    assert [e.meta["edf"] for e in entries] == [str(good)]
    assert len(excl) == 1 and excl[0]["recording"] == str(p) and "EdfError" in excl[0]["reason"]


def _rec(path, montage="01_tcp_ar"):
    from seizure.io.corpus import Recording

    csv_bi = path.with_suffix(".csv_bi")
    return Recording("train", path.stem[:8], "s001", "2001-01-01", "t000", montage, str(path), None,
                     str(csv_bi) if csv_bi.exists() else None)  # fmt: skip


def test_record_count_unknown_is_counted_from_size(tmp_path):
    p = write_edf(tmp_path / "aaaaaaaa_s001_t000.edf", seconds=10)
    header_field(p, 236, 8, "-1")
    assert read_header(p).n_records == 10  # documented repair (EDF spec: -1 = unknown)


def test_missing_montage_electrode_names_file_and_channel(tmp_path):
    p = write_edf(tmp_path / "aaaaaaaa_s001_t000.edf", drop=("C3",))
    with pytest.raises(MontageError, match=r"aaaaaaaa_s001_t000\.edf.*\['C3'\]"):
        prepare_recording(_rec(p), STEPS, tmp_path / "cache")


def test_flat_channel_is_an_error(tmp_path):
    p = write_edf(tmp_path / "aaaaaaaa_s001_t000.edf", flat=("O2",))
    with pytest.raises(EdfError, match=r"flat \(constant\) channel\(s\) \['EEG O2-REF'\]"):
        prepare_recording(_rec(p), STEPS, tmp_path / "cache")
    assert not list((tmp_path / "cache").rglob("meta.json"))  # nothing half-written is trusted


def test_rates_differing_between_montage_channels(tmp_path):
    p = write_edf(tmp_path / "aaaaaaaa_s001_t000.edf", rates={"T3": 128.0})
    with pytest.raises(EdfError, match=r"sampling rates differ between the montage channels .*EEG T3-REF 128 Hz"):
        prepare_recording(_rec(p), STEPS, tmp_path / "cache")


def test_other_rate_on_a_non_montage_channel_is_ignored(tmp_path):
    p = write_edf(tmp_path / "aaaaaaaa_s001_t000.edf", rates={}, extra=())
    entry = prepare_recording(_rec(p), STEPS, tmp_path / "cache")
    assert entry.signals.shape == (22, 2000)


def test_a1_a2_missing_is_fine_for_the_a_montage(tmp_path):
    p = write_edf(tmp_path / "aaaaaaaa_s001_t000.edf", drop=("A1", "A2"))
    entry = prepare_recording(_rec(p, "03_tcp_ar_a"), STEPS, tmp_path / "cache")
    assert entry.meta["present"][8] is False and not np.any(entry.signals[[8, 13]])
    with pytest.raises(MontageError, match="'A1', 'A2'"):
        prepare_recording(_rec(p, "01_tcp_ar"), STEPS, tmp_path / "cache2")


def test_truncated_synthetic_recording_in_corpus(corpus, tmp_path):
    work = tmp_path / "c"
    shutil.copytree(corpus, work)
    rec = index_tusz(work)[0]
    with open(rec.edf, "r+b") as fh:
        fh.truncate(rec and (fh.seek(0, 2) - 1001))
    with pytest.raises(EdfError, match="file is truncated"):
        read_header(rec.edf)
