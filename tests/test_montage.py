import numpy as np
import pytest

from seizure.montage import (
    TCP_NAMES,
    MontageError,
    apply_bipolar,
    normalize_electrode,
    tcp_pairs_for,
)


@pytest.mark.parametrize(
    "label, expected",
    [
        ("EEG FP1-REF", "FP1"),
        ("EEG FP1-LE", "FP1"),
        ("Fp1", "FP1"),
        ("T7", "T3"),
        ("EEG T8-REF", "T4"),
        ("P7", "T5"),
        ("p8", "T6"),
        ("EEG CZ-REF", "CZ"),
        ("EEG EKG1-REF", "EKG1"),
        ("PHOTIC-REF", "PHOTIC"),
    ],
)
def test_normalize_electrode(label, expected):
    assert normalize_electrode(label) == expected


def test_tcp_order_and_size():
    assert len(TCP_NAMES) == 22
    assert TCP_NAMES[0] == "FP1-F7" and TCP_NAMES[8] == "A1-T3" and TCP_NAMES[13] == "T4-A2"
    assert TCP_NAMES[21] == "P4-O2"
    assert len(tcp_pairs_for("03_tcp_ar_a")) == 20
    assert len(tcp_pairs_for("01_tcp_ar")) == 22


def test_bipolar_arithmetic_on_known_values():
    electrodes = [
        "FP1",
        "F7",
        "T3",
        "T5",
        "O1",
        "FP2",
        "F8",
        "T4",
        "T6",
        "O2",
        "A1",
        "A2",
        "C3",
        "CZ",
        "C4",
        "F3",
        "P3",
        "F4",
        "P4",
    ]
    names = [f"EEG {e}-REF" for e in electrodes] + ["EEG EKG1-REF", "PHOTIC-REF"]
    values = {e: float(i + 1) ** 2 for i, e in enumerate(electrodes)}
    data = np.array([[values[e], 2 * values[e]] for e in electrodes] + [[999.0, 999.0], [7.0, 7.0]])
    out = apply_bipolar(data, names)
    assert out.shape == (22, 2)
    for row, name in zip(out, TCP_NAMES):
        a, b = name.split("-")
        assert row[0] == values[a] - values[b]
        assert row[1] == 2 * (values[a] - values[b])


def test_modern_names_map_to_the_same_montage():
    old = ["FP1", "F7", "T3", "T5", "O1", "FP2", "F8", "T4", "T6", "O2", "C3", "CZ", "C4", "F3", "P3", "F4", "P4"]
    modern = {"T3": "T7", "T4": "T8", "T5": "P7", "T6": "P8", "FP1": "Fp1", "FP2": "Fp2", "CZ": "Cz"}
    rng = np.random.default_rng(0)
    data = rng.normal(size=(len(old), 50))
    pairs = tcp_pairs_for("03_tcp_ar_a")
    a = apply_bipolar(data, [f"EEG {e}-REF" for e in old], pairs)
    b = apply_bipolar(data, [modern.get(e, e) for e in old], pairs)
    np.testing.assert_array_equal(a, b)


def test_missing_electrode_names_file_and_channel():
    names = ["EEG FP1-REF", "EEG F7-REF"]
    with pytest.raises(MontageError, match=r"rec\.edf.*'A1'"):
        apply_bipolar(np.zeros((2, 10)), names, source="rec.edf")


def test_montage_names_and_presence():
    from seizure.montage import MONTAGES, montage_for_channels, present_mask

    assert set(MONTAGES) >= {"01_tcp_ar", "02_tcp_le", "03_tcp_ar_a", "04_tcp_le_a", "1020", "1020_a"}
    assert len(tcp_pairs_for("04_tcp_le_a")) == 20 and len(tcp_pairs_for("02_tcp_le")) == 22
    mask = present_mask("04_tcp_le_a")
    assert mask.count(False) == 2 and not mask[8] and not mask[13]
    assert montage_for_channels(["Fp1", "T7", "A1", "A2"]) == "1020"
    assert montage_for_channels(["Fp1-Avg", "T7-Avg"]) == "1020_a"
    with pytest.raises(MontageError, match="unknown montage '05_xyz'"):
        tcp_pairs_for("05_xyz")


@pytest.mark.parametrize(
    "label, expected", [("EEG FP1-LE", "FP1"), ("Fp1-Avg", "FP1"), ("EEG T7", "T3"), ("eeg c3-ref", "C3")]
)
def test_normalize_more_labels(label, expected):
    assert normalize_electrode(label) == expected


def test_plain_1020_recording_with_modern_names():
    names = ["Fp1", "Fp2", "F3", "F4", "C3", "C4", "P3", "P4", "O1", "O2", "F7", "F8", "T7", "T8", "P7", "P8",
             "Fz", "Cz", "Pz"]  # fmt: skip
    data = np.arange(len(names) * 3, dtype=float).reshape(len(names), 3) ** 2
    out = apply_bipolar(data, names, tcp_pairs_for("1020_a"))
    assert out.shape == (20, 3)
    np.testing.assert_array_equal(out[1], data[names.index("F7")] - data[names.index("T7")])
