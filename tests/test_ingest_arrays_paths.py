"""JSON arrays -> Well, and PATH arguments -> files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from welllog.errors import WellReadError
from welllog.ingest import expand_paths, read_raw, well_from_arrays
from welllog.ingest.arrays import raw_from_arrays


def test_arrays_match_the_same_well_read_from_file(force2020_dir):
    raw = read_raw(force2020_dir / "32_2-1.las")
    complete = raw.frame[["GR", "RHOB", "NPHI", "DTC"]].notna().all(axis=1).to_numpy()
    start = int(np.argmax(complete))
    rows = raw.frame.iloc[start : start + 200]
    assert rows["RHOB"].notna().sum() > 100
    curves = {c: [None if np.isnan(v) else float(v) for v in rows[c]] for c in ("GR", "RHOB", "NPHI", "DTC")}
    units = {c: raw.units[c] for c in curves}
    well = well_from_arrays(curves, depth=rows["DEPT"].tolist(), units=units, name="req-1")
    assert well.source_format == "json" and well.name == "req-1" and well.has_depth
    np.testing.assert_array_equal(well.depth, rows["DEPT"].to_numpy())
    np.testing.assert_allclose(well.data["RHOB"].to_numpy(), rows["RHOB"].to_numpy())
    np.testing.assert_allclose(well.data["GR"].to_numpy(), rows["GR"].to_numpy())


def test_arrays_without_depth_and_nulls():
    raw = raw_from_arrays({"GR": [10.0, None, -999.25, 12.0]})
    assert raw.depth_column is None and raw.frame["GR"].isna().tolist() == [False, True, True, False]


@pytest.mark.parametrize("curves, depth, match", [
    ({"GR": [1.0, 2.0], "RHOB": [2.3]}, None, "unequal length"),
    ({"GR": [1.0, 2.0]}, [1.0], "unequal length"),
    ({"GR": []}, None, "empty"),
    ({}, None, "no curves"),
    ({"GR": ["a", "b"]}, None, "not numbers"),
    ({"GR": 5}, None, "not an array"),
])
def test_bad_arrays_raise_wellreaderror(curves, depth, match):
    with pytest.raises(WellReadError, match=match):
        raw_from_arrays(curves, depth=depth)


def test_expand_paths(tmp_path, force2020_dir):
    (tmp_path / "b.LAS").write_text("x")
    (tmp_path / "a.csv").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.las").write_text("x")
    single = force2020_dir / "16_2-11 A.las"
    assert expand_paths([tmp_path, single, tmp_path / "a.csv"]) == [tmp_path / "a.csv", tmp_path / "b.LAS", single]
    assert len(expand_paths([force2020_dir])) == 22
    with pytest.raises(WellReadError, match="missing.las"):
        expand_paths([tmp_path / "missing.las"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(WellReadError, match=r"no .las or .csv files$"):
        expand_paths([tmp_path / "empty"])
    (tmp_path / "nested" / "wells").mkdir(parents=True)
    with pytest.raises(WellReadError, match=r"no .las or .csv files, in its sub-folders neither$"):
        expand_paths([tmp_path / "nested"])


def test_a_folder_with_wells_only_below_names_the_folders_that_hold_them(tmp_path, force2020_dir):
    """`welllog train X` where X's wells sit in sub-folders: the hint names the folders that hold
    wells (quoted for the shell, nested ones too, empty ones not) and, only for a command that has
    one, the option that searches sub-folders. (It used to suggest `X/*/`, which also expands to
    the empty sub-folder and fails again, and "--recursive" was nowhere.)"""
    top = tmp_path / "X"
    for rel in ("area a/16_2-16.las", "b/deep/25_11-24.las", "b/deep/32_2-1.las"):
        (top / rel).parent.mkdir(parents=True, exist_ok=True)
        (top / rel).symlink_to(force2020_dir / Path(rel).name)
    (top / "empty").mkdir()
    (top / "empty" / "notes.txt").write_text("not a well")
    with pytest.raises(WellReadError) as info:
        expand_paths([top])
    message = str(info.value)
    assert message == (f"{top}: directory holds no .las or .csv files itself; 3 are in 2 sub-folders below it, which are "
                       f"not searched: name those folders instead ('{top}/area a' {top}/b/deep)"), message
    with pytest.raises(WellReadError, match=r"below it, which are not searched: name those folders instead \(.*\) or add --recursive$"):
        expand_paths([top], recursive_option="--recursive")
    named = expand_paths([top / "area a", top / "b" / "deep"])  # the hint's folders give the wells
    assert [p.name for p in named] == ["16_2-16.las", "25_11-24.las", "32_2-1.las"]
    assert len(expand_paths([top], recursive=True)) == 3


def test_expand_paths_recursive_exclude_and_unsearched(tmp_path):
    for rel in ("top.las", "a/one.csv", "a/deep/two.LAS", "b/notes.txt", ".hidden/three.las", "out/x.las", "out/report.csv"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    # the default is unchanged: the folder's own files only, nothing reported
    assert expand_paths([tmp_path]) == [tmp_path / "top.las"]
    unsearched: dict = {}
    assert expand_paths([tmp_path], unsearched=unsearched) == [tmp_path / "top.las"]
    assert unsearched == {tmp_path: [tmp_path / "a", tmp_path / "out"]}  # b has no wells; hidden never counted
    # recursive: the folder's files, then each sub-folder's (by name, depth first); hidden folders never
    assert expand_paths([tmp_path], recursive=True) == [
        tmp_path / "top.las", tmp_path / "a" / "one.csv", tmp_path / "a" / "deep" / "two.LAS",
        tmp_path / "out" / "report.csv", tmp_path / "out" / "x.las"]
    skip = lambda p: p.name == "out" or p.name == "report.csv"  # noqa: E731
    unsearched = {}
    assert expand_paths([tmp_path], exclude=skip, unsearched=unsearched) == [tmp_path / "top.las"]
    assert unsearched == {tmp_path: [tmp_path / "a"]}
    assert expand_paths([tmp_path / "out"], exclude=skip) == [tmp_path / "out" / "x.las"]
    assert expand_paths([tmp_path / "out" / "report.csv"], exclude=skip) == [tmp_path / "out" / "report.csv"]  # named: kept
    (tmp_path / "only" / "sub").mkdir(parents=True)
    with pytest.raises(WellReadError, match="in its sub-folders neither"):
        expand_paths([tmp_path / "only"], recursive=True)


def test_gzipped_wells_are_found_read_and_named_as_the_file_inside(tmp_path, force2020_dir):
    """A folder of .las.gz files is searched like one of .las files; each reads to the same well as the
    plain file (content sniffed, not the name) and outputs are named after the file inside."""
    import gzip

    from welllog.batch.runner import output_format
    from welllog.ingest import read_well
    from welllog.ingest.paths import well_stem

    src = force2020_dir / "16_5-3.las"
    (tmp_path / "16_5-3.LAS.gz").write_bytes(gzip.compress(src.read_bytes()))
    (tmp_path / "notes.txt.gz").write_bytes(gzip.compress(b"x"))
    found = expand_paths([tmp_path])
    assert found == [tmp_path / "16_5-3.LAS.gz"] and well_stem(found[0]) == "16_5-3" and output_format(found[0], None) == "las"
    plain, zipped = read_well(src), read_well(found[0])
    pd.testing.assert_frame_equal(zipped.data, plain.data)
    assert zipped.name == plain.name and zipped.header == plain.header
    # the content decides, not the name: gzip bytes under a plain name, plain bytes under a .gz name
    (tmp_path / "renamed.las").write_bytes(gzip.compress(src.read_bytes()))
    pd.testing.assert_frame_equal(read_well(tmp_path / "renamed.las").data, plain.data)
    with pytest.raises(WellReadError, match=r"cut\.las\.gz: gzipped, but the stream is broken .*; compress the file again"):
        read_well(gzip.compress(src.read_bytes())[:4000], name="cut.las.gz")
