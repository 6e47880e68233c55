"""LAS reading on real files: the lasio corpus of edge cases and the FORCE 2020 wells."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import lasio
import numpy as np
import pytest

from welllog.errors import WellReadError
from welllog.ingest import read_raw
from welllog.ingest.las_lasio import lasio_notes

FORCE_WELLS = 22


def _lasio_reads_data(path: Path) -> bool:
    """Bare lasio reads the file and finds at least one curve with data."""
    try:
        with lasio_notes([]):
            las = lasio.read(str(path))
    except Exception:  # noqa: BLE001 - any lasio failure means "lasio cannot read it"
        return False
    return bool(las.curves) and las.curves[0].data is not None and len(las.curves[0].data) > 0


def _read_path(raw) -> str:
    return next(n for n in raw.notes if n.startswith("read path"))


def _corpus_files(corpus_dir: Path) -> list[Path]:
    return sorted(p for p in corpus_dir.rglob("*") if p.is_file())


def test_corpus_loads_or_raises_wellreaderror(corpus_dir):
    files = _corpus_files(corpus_dir)
    assert len(files) == 132
    loaded, refused = [], []
    for path in files:
        try:
            raw = read_raw(path)
        except WellReadError as exc:  # any other exception type fails the test
            message = str(exc)
            assert "\n" not in message and str(path) in message, message
            refused.append(path)
            continue
        assert len(raw.frame) > 0 and raw.frame.shape[1] == len(raw.units)
        assert all(dtype.kind == "f" for dtype in raw.frame.dtypes), path
        loaded.append(path)
    lasio_ok = {p for p in files if _lasio_reads_data(p)}
    assert len(lasio_ok) >= 101
    assert lasio_ok <= set(loaded), sorted(str(p) for p in lasio_ok - set(loaded))
    assert len(loaded) + len(refused) == len(files)


@pytest.mark.parametrize("name", ["encodings_utf16le.las", "encodings_utf16be.las", "encodings_utf16lebom.las",
                                  "encodings_utf16bebom.las", "encodings_cp1252.las", "encodings_utf8wbom.las"])
def test_encodings_match_utf8_reference(corpus_dir, name):
    reference = read_raw(corpus_dir / "encodings_utf8.las")
    raw = read_raw(corpus_dir / name)
    np.testing.assert_array_equal(raw.frame.to_numpy(), reference.frame.to_numpy())
    if name.startswith("encodings_utf"):  # same characters, other bytes: identical mnemonics and units
        assert list(raw.frame.columns) == list(reference.frame.columns)
        assert raw.units == reference.units


def test_cp1252_header_text_is_decoded_as_cp1252(corpus_dir):
    raw = read_raw(corpus_dir / "encodings_cp1252.las")
    data = (corpus_dir / "encodings_cp1252.las").read_bytes()
    assert "encoding: cp1252" in raw.notes
    assert any(b >= 0x80 for b in data)  # there is something to get wrong
    header_text = str(raw.header) + str(raw.descr)
    expected = {bytes([b]).decode("cp1252") for b in data if b >= 0x80}
    assert expected & set(header_text)


def test_wrapped_and_las3_go_through_lasio(corpus_dir):
    wrapped = read_raw(corpus_dir / "2.0" / "sample_2.0_wrapped.las")
    assert _read_path(wrapped) == "read path: lasio"
    las = lasio.read(str(corpus_dir / "2.0" / "sample_2.0_wrapped.las"), mnemonic_case="preserve")
    np.testing.assert_array_equal(wrapped.frame.to_numpy(), np.column_stack([c.data for c in las.curves]))
    las3 = read_raw(corpus_dir / "3.0" / "sample_3.0.las")
    assert _read_path(las3) == "read path: lasio" and las3.frame.shape == (3, 15)


def test_bad_las_reasons_are_plain(corpus_dir):
    with pytest.raises(WellReadError, match="2406 data values do not fill 7 curves"):
        read_raw(corpus_dir / "3.0" / "Reshape Error #1 (SS).las")
    with pytest.raises(WellReadError, match="file is empty"):
        read_raw(corpus_dir / "logging_levels.las")
    with pytest.raises(WellReadError, match="not a LAS or CSV file: no ~V/~W/~C/~A sections"):
        read_raw(corpus_dir / "not_a_las_file.las")
    with pytest.raises(WellReadError, match="no ~A section"):
        read_raw(corpus_dir / "header_only.las")
    with pytest.raises(WellReadError, match=r"the data is in ~Phase_A_data, ~Phase_B_data, LAS 3.0 data sets that are not a log"):
        read_raw(corpus_dir / "3.0" / "Curve-Param Error #1 (MS).LAS")
    with pytest.raises(WellReadError, match="no such file"):
        read_raw(corpus_dir / "does-not-exist.las")


def test_not_a_las_file_says_the_same_by_path_and_by_upload(corpus_dir):
    """The CLI reads a path (suffix .las: LAS reader), the API uploaded bytes named by their stem
    (no suffix: CSV reader); a headerless table used to get two different stories."""
    path = corpus_dir / "not_a_las_file.las"
    reasons = []
    for source, name in ((path, None), (path.read_bytes(), "not_a_las_file"), (path.read_bytes(), "x.las"),
                         (path.read_bytes(), None)):
        with pytest.raises(WellReadError) as info:
            read_raw(source, name=name)
        reasons.append(info.value.reason)
    assert len(set(reasons)) == 1, reasons
    assert "no ~V/~W/~C/~A sections (LAS) and no header row naming the columns" in reasons[0]
    # a .las file holding a real CSV table is told so, not that its first line holds values
    with pytest.raises(WellReadError, match="name it .csv"):
        read_raw(b"DEPT,GR\n1000,50\n1000.5,51\n", name="table.las")


def _titles_in_lasio_case(text: str) -> str:
    return (text.replace("~LOG_DEFINITION", "~Log_Definition").replace("~LOG_DATA | LOG_DEFINITION", "~Log_Data | Log_Definition")
            .replace("~LOG_PARAMETER", "~Log_Parameter"))


@pytest.mark.parametrize("name", ["Curve-Param Error #11 (SS).las", "Curve-Param Error #8 (SS).las"])
def test_las3_section_names_are_case_insensitive(corpus_dir, tmp_path, name):
    """~LOG_DATA / ~LOG_DEFINITION are ~Log_Data / ~Log_Definition: the file was refused with "the
    data is in ~LOG_DATA, ... not a log"; it reads exactly as the same file in lasio's spelling."""
    path = corpus_dir / "3.0" / name
    text = path.read_text()
    assert "~LOG_DATA" in text and "~LOG_DEFINITION" in text
    same = tmp_path / "mixed_case.las"
    same.write_text(_titles_in_lasio_case(text))
    raw, reference = read_raw(path), read_raw(same)
    assert list(raw.frame.columns) == list(reference.frame.columns) and raw.frame.shape[1] > 5
    np.testing.assert_array_equal(raw.frame.to_numpy(), reference.frame.to_numpy())
    assert raw.units == reference.units and len(raw.frame) > 50
    # lower case too (and a lower-case ~a in a LAS 2.0 file)
    lower = tmp_path / "lower.las"
    lower.write_text(text.replace("~LOG_DEFINITION", "~log_definition").replace("~LOG_DATA", "~log_data"))
    np.testing.assert_array_equal(read_raw(lower).frame.to_numpy(), reference.frame.to_numpy())
    plain = (corpus_dir / "sample.las").read_text()
    lower_a = tmp_path / "lower_a.las"
    lower_a.write_text("\n".join("~a" + line[2:] if line.startswith("~A") else line for line in plain.splitlines()))
    np.testing.assert_array_equal(read_raw(lower_a).frame.to_numpy(), read_raw(corpus_dir / "sample.las").frame.to_numpy())


def test_sources_path_bytes_and_file_object_agree(corpus_dir):
    path = corpus_dir / "2.0" / "sample_2.0.las"
    from_path = read_raw(path)
    from_bytes = read_raw(path.read_bytes())
    with path.open("rb") as handle:
        from_handle = read_raw(handle)
    from_named_bytes = read_raw(io.BytesIO(path.read_bytes()), name="upload-1")
    for raw in (from_bytes, from_handle, from_named_bytes):
        np.testing.assert_array_equal(raw.frame.to_numpy(), from_path.frame.to_numpy())
    assert from_named_bytes.name == "upload-1"


def test_name_defaults_to_well_header_then_stem(corpus_dir):
    assert read_raw(corpus_dir / "2.0" / "sample_2.0.las").name == "AAAAA_2"
    assert read_raw(corpus_dir / "barebones.las").name == "barebones"


def test_lasio_warnings_become_notes_not_stderr(corpus_dir, capsys):
    raw = read_raw(corpus_dir / "excess_curves.las")
    assert any(n.startswith("lasio:") and "TEMP" in n for n in raw.notes)
    assert raw.frame["TEMP"].isna().all()
    assert "TEMP" not in capsys.readouterr().err


def test_force2020_all_wells_read(force2020_dir):
    files = sorted(force2020_dir.glob("*.las"))
    assert len(files) == FORCE_WELLS
    with_dts = set()
    for path in files:
        raw = read_raw(path)
        assert raw.depth_column == "DEPT" and raw.units["DEPT"] == "m"
        assert raw.frame["DTC"].notna().any()
        if "DTS" in raw.frame and raw.frame["DTS"].notna().any():
            with_dts.add(path.stem)
    assert with_dts == {"16_2-11 A", "16_2-16", "16_5-3", "25_11-24", "32_2-1"}


def test_fast_path_equals_lasio_on_every_force2020_well(force2020_dir):
    logging.getLogger("lasio").setLevel(logging.ERROR)
    for path in sorted(force2020_dir.glob("*.las")):
        raw = read_raw(path)
        assert _read_path(raw).startswith("read path: fast"), (path, raw.notes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            las = lasio.read(str(path), mnemonic_case="preserve")
        assert list(raw.frame.columns) == [c.mnemonic for c in las.curves]
        expected = np.column_stack([c.data for c in las.curves])
        np.testing.assert_array_equal(raw.frame.to_numpy(), expected)  # NaN-aware, bit-for-bit
        assert raw.units == {c.mnemonic: c.unit for c in las.curves}


def test_fast_path_equals_lasio_on_corpus_files_it_takes(corpus_dir):
    taken = 0
    for path in _corpus_files(corpus_dir):
        try:
            raw = read_raw(path)
        except WellReadError:
            continue
        if not _read_path(raw).startswith("read path: fast"):
            continue
        taken += 1
        with lasio_notes([]):
            las = lasio.read(str(path), mnemonic_case="preserve")
        expected = np.column_stack([np.asarray(c.data, dtype=float) for c in las.curves])
        np.testing.assert_array_equal(raw.frame.to_numpy(), expected, err_msg=str(path))
    assert taken >= 60  # the plain files really do take the fast path


def test_fast_path_falls_back_on_ragged_rows():
    text = (
        "~V\nVERS. 2.0 :\nWRAP. NO :\n~W\nNULL. -999.25 :\n~C\nDEPT.m :\nGR.gAPI :\nRHOB.g/cm3 :\n"
        "~A\n100.0 50.0 2.3\n100.5 -999.25 2.4\n101.0 52.0\n"
    ).encode()
    with pytest.raises(WellReadError):  # lasio cannot fill 3 curves with 8 values either
        read_raw(text, name="ragged.las")
    good = text.replace(b"101.0 52.0\n", b"101.0 52.0 2.5\n")
    raw = read_raw(good, name="good.las")
    assert _read_path(raw).startswith("read path: fast")
    assert np.isnan(raw.frame["GR"].iloc[1]) and raw.frame["RHOB"].tolist() == [2.3, 2.4, 2.5]


def test_a_comma_delimited_las3_export_reads_as_its_las2_original(tmp_path, force2020_dir):
    """LAS 3.0's own example layout: ~Log_Definition / ~Log_Data with DLM COMMA. lasio 0.32 counts
    columns by whitespace, so every value of a numeric comma table landed in DEPT and each curve
    had "no data in ~A" (vendor-export audit): read here, the values equal the LAS 2.0 original's."""
    src = (force2020_dir / "16_2-16.las").read_text(encoding="latin-1")
    head, data = src.split("~Ascii", 1)
    head = (head.replace("VERS.   2.0:", "VERS.   3.0: CWLS LOG ASCII STANDARD - VERSION 3.0")
                .replace("WRAP.   NO:", "WRAP.   NO:\nDLM .   COMMA : delimiting character")
                .replace("~Curve", "~Log_Definition").replace("~Parameter", "~Log_Parameter"))
    rows = data.split("\n", 1)[1]
    las3 = head + "~Log_Data | Log_Definition\n" + "\n".join(",".join(line.split()) for line in rows.splitlines() if line.strip())
    (tmp_path / "export.las").write_text(las3, encoding="latin-1")
    original, comma = read_raw(force2020_dir / "16_2-16.las"), read_raw(tmp_path / "export.las")
    assert list(comma.frame.columns) == list(original.frame.columns) and len(comma.frame) == len(original.frame) == 13637
    np.testing.assert_array_equal(comma.frame.to_numpy(), original.frame.to_numpy())
    assert comma.units == original.units
    assert any("split on commas" in n for n in comma.notes)


def test_lasio_notes_are_the_same_in_every_process(corpus_dir):
    """lasio prints Python sets, whose order follows each process's string hash seed: the note that a
    file gives (and so its provenance) must not change from one run or Dask worker to the next."""
    path = corpus_dir / "autodepthindex_M_FT.las"
    script = ("import sys; from welllog.ingest import read_raw; "
              "print([n for n in read_raw(sys.argv[1]).notes if 'index units' in n])")
    seen = set()
    for seed in ("1", "2", "3", "4"):
        run = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        seen.add(run.stdout.strip())
    assert seen == {"[\"lasio: Conflicting index units found: {'FT', 'M'}\"]"}, seen
