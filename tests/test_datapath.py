"""The columnar data path: Arrow-read files give the same records, lines and checks as the row
reader, and reliability data built from codes equal those built from records."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from intercoder.agreement import ReliabilityData, alpha_result
from intercoder.annotations import AnnotationSet, _record, check_annotations, read_annotations
from intercoder.codebook.registry import load_codebook
from intercoder.columnar import read_columns
from intercoder.reliability import assess
from intercoder.rows import read_rows

DATA = Path(__file__).parent / "data"
COLUMNS = ("unit_id", "coder_id", "variable", "value")


def _row_reader(path: Path) -> AnnotationSet:
    """The records as the row reader (csv / json modules) makes them: the reference."""
    rows = read_rows(path, COLUMNS, what="annotation")
    return AnnotationSet.from_records(_record(row, where) for row, where in rows)


def _same(left: AnnotationSet, right: AnnotationSet) -> None:
    assert list(left) == list(right)


CSV_CASES = {
    "plain": "unit_id,coder_id,variable,value\nu1,ana,relevant,yes\nu1,bakyt,relevant,no\n",
    "crlf, no final newline": (
        "unit_id,coder_id,variable,value\r\nu1,ana,relevant,yes\r\nu2,ana,relevant,no"
    ),
    "blank lines": (
        "unit_id,coder_id,variable,value\n\nu1,ana,relevant,yes\n\n\nu2,ana,relevant, no \n"
    ),
    "newline in a quoted cell": (
        'unit_id,coder_id,variable,value,text\nu1,ana,relevant,yes,"line one\nline two"\n'
        "u2,ana,relevant,no,plain\n"
    ),
    "byte order mark and Kyrgyz, Uzbek ids": (
        "\ufeffunit_id,coder_id,variable,value\n ң-1 ,oʻqituvchi,relevant,yes\nө,gʻ,severity,1\n"
    ),
    "lists and missing values": (
        'unit_id,coder_id,variable,value\nu1,ana,targets,"[""uzbeks"", ""tajiks""]"\n'
        "u2,ana,relevant,\nu3,ana,relevant,   \n"
    ),
}


@pytest.mark.parametrize("text", list(CSV_CASES.values()), ids=list(CSV_CASES))
def test_arrow_csv_reads_the_records_and_lines_the_row_reader_reads(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "codings.csv"
    path.write_text(text, encoding="utf-8")
    assert read_columns(path, COLUMNS) is not None, "the fast path should take this file"
    _same(read_annotations(path), _row_reader(path))


JSONL_CASES = {
    "plain": [{"unit_id": "u1", "coder_id": "ana", "variable": "relevant", "value": "yes"}],
    "null value, numbers, spans": [
        {"unit_id": "u1", "coder_id": "ana", "variable": "relevant", "value": None},
        {"unit_id": 7, "coder_id": "bakyt", "variable": "severity", "value": "1", "start": 0},
    ],
}


@pytest.mark.parametrize("records", list(JSONL_CASES.values()), ids=list(JSONL_CASES))
def test_arrow_jsonl_reads_the_records_and_lines_the_row_reader_reads(
    tmp_path: Path, records: list[dict[str, object]]
) -> None:
    path = tmp_path / "codings.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    _same(read_annotations(path), _row_reader(path))


@pytest.mark.parametrize(
    ("text", "by_size"),
    [
        (CSV_CASES["plain"], True),
        (CSV_CASES["plain"].rstrip("\n"), True),
        (CSV_CASES["byte order mark and Kyrgyz, Uzbek ids"], True),
        (CSV_CASES["crlf, no final newline"], False),
        (CSV_CASES["blank lines"], False),
        (CSV_CASES["newline in a quoted cell"], False),
        (CSV_CASES["lists and missing values"], False),  # quotes
    ],
)
def test_csv_lines_are_known_from_the_size_only_when_nothing_else_is_in_the_file(
    tmp_path: Path, text: str, by_size: bool
) -> None:
    # The lines of a plain file come from byte counts, without a second pass; anything else
    # (quotes, blank lines, two-byte line ends) must send the reader to count the lines.
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from intercoder.columnar import _one_line_each_by_size

    path = tmp_path / "codings.csv"
    path.write_bytes(text.encode("utf-8"))
    header = text.lstrip("\ufeff").splitlines()[0].split(",")
    table = pcsv.read_csv(
        path,
        convert_options=pcsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.dictionary(pa.int32(), pa.string())),
            strings_can_be_null=False,
        ),
    )
    assert _one_line_each_by_size(path, table, path.read_bytes()) is by_size


def test_a_missing_jsonl_field_is_not_taken_for_a_null(tmp_path: Path) -> None:
    path = tmp_path / "codings.jsonl"
    path.write_text(
        '{"unit_id": "u1", "coder_id": "ana", "variable": "relevant", "value": null}\n'
        '{"unit_id": "u2", "coder_id": "ana", "variable": "relevant"}\n',
        encoding="utf-8",
    )
    assert read_columns(path, COLUMNS) is None  # the row reader reports the missing field


cell = st.sampled_from(["yes", "no", " yes", "1", "0", "", "[]", '["a"]', "ң", "oʻ", "x\ny"])
ident = st.sampled_from(["u1", "u2", " u1", "ө", "gʻ", "a,b", 'q"t'])


@given(
    rows=st.lists(
        st.tuples(ident, ident, st.sampled_from(["relevant", "severity", "nope"]), cell),
        max_size=25,
    ),
    blank_every=st.integers(min_value=0, max_value=4),
    crlf=st.booleans(),
    final_newline=st.booleans(),
)
@settings(max_examples=80, deadline=None)
def test_arrow_and_row_reader_agree_on_generated_csv(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[tuple[str, str, str, str]],
    blank_every: int,
    crlf: bool,
    final_newline: bool,
) -> None:
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(COLUMNS)
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if blank_every and number % blank_every == 0:
            buffer.write("\r\n" if crlf else "\n")
    text = buffer.getvalue() if final_newline else buffer.getvalue().rstrip("\r\n")
    path = tmp_path_factory.mktemp("csv") / "codings.csv"
    path.write_bytes(text.encode("utf-8"))
    _same(read_annotations(path), _row_reader(path))
    cb = load_codebook(DATA / "minimal.yaml")
    fast = check_annotations(read_annotations(path), cb)
    slow = check_annotations(_row_reader(path), cb)
    assert fast.problems == slow.problems
    _same(fast.annotations, slow.annotations)


def test_reliability_data_from_codes_equals_from_records() -> None:
    rng = np.random.default_rng(4)
    n = 2000
    unit = rng.integers(0, 500, size=n)
    coder = rng.integers(0, 6, size=n)
    keep = np.unique(unit * 6 + coder, return_index=True)[1]
    unit, coder = unit[keep], coder[keep]
    value = rng.integers(-1, 4, size=unit.shape[0])  # -1: a missing value
    categories = ["a", "b", "c", "d"]
    units = [f"u{i}" for i in range(500)]
    coders = [f"c{i}" for i in range(6)]
    records = [
        (units[u], coders[c], None if v < 0 else categories[v])
        for u, c, v in zip(unit.tolist(), coder.tolist(), value.tolist(), strict=True)
    ]
    from_records = ReliabilityData.from_records(
        records, categories=categories, units=units, coders=coders
    )
    from_codes = ReliabilityData.from_codes(
        unit, coder, value, categories=categories, units=units, coders=coders
    )
    for level in ("nominal", "ordinal", "interval"):
        if level == "interval":
            continue  # string categories have no interval level
        assert alpha_result(from_codes, level).alpha == alpha_result(from_records, level).alpha
    np.testing.assert_array_equal(from_codes.codes_matrix(), from_records.codes_matrix())


@pytest.mark.parametrize("values", [[0, 1], [-1, -1], [1, -1]])
def test_reliability_data_from_codes_refuses_a_second_coding(values: list[int]) -> None:
    # Missing values (-1) count as codings too: a second record for a cell is an error
    # whatever the values say.
    with pytest.raises(ValueError, match="coder 'y' has more than one record for unit 'u1'"):
        ReliabilityData.from_codes(
            [0, 1, 1, 0],
            [0, 1, 1, 1],
            [0, *values, 1],
            categories=["a", "b"],
            units=["u0", "u1"],
            coders=["x", "y"],
        )


def test_assess_from_codes_equals_assess_from_records(tmp_path: Path) -> None:
    """The codes path (a file read by Arrow) and the records path (the same records built in
    memory) give the same report, show_if included."""
    path = tmp_path / "codings.csv"
    rng = np.random.default_rng(1)
    lines = ["unit_id,coder_id,variable,value"]
    for unit in range(300):
        for coder in ("ana", "bakyt", "chynara"):
            relevant = "yes" if rng.random() < 0.7 else "no"
            lines.append(f"u{unit},{coder},relevant,{relevant}")
            if rng.random() < 0.9:
                lines.append(f"u{unit},{coder},severity,{rng.integers(0, 2)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    cb = load_codebook(DATA / "minimal.yaml")
    fast = assess(check_annotations(read_annotations(path), cb).annotations, cb)
    records = AnnotationSet.from_records(list(_row_reader(path)))
    slow = assess(check_annotations(records, cb).annotations, cb)
    assert fast == slow


def test_reading_and_checking_do_not_import_pandas(tmp_path: Path) -> None:
    """pyarrow imports pandas (a quarter of a second) from to_numpy(), pa.scalar() and
    read_table() when it is installed; the data path must avoid those calls."""
    import subprocess
    import sys

    import pyarrow as pa
    import pyarrow.parquet as pq

    csv_path = tmp_path / "codings.csv"
    csv_path.write_text(
        "unit_id,coder_id,variable,value\nu1,ana,relevant,yes\nu1,bakyt,relevant,\n",
        encoding="utf-8",
    )
    parquet_path = tmp_path / "codings.parquet"
    pq.write_table(
        pa.table(
            {
                "unit_id": ["u1", "u1"],
                "coder_id": ["ana", "bakyt"],
                "variable": ["severity", "severity"],
                "value_number": pa.array([1, None], type=pa.int64()),
            }
        ),
        parquet_path,
    )
    code = (
        "import sys\n"
        "from intercoder.formats import read_checked\n"
        "from intercoder.codebook.registry import load_codebook\n"
        f"cb = load_codebook({str(DATA / 'minimal.yaml')!r})\n"
        f"read_checked([{str(csv_path)!r}, {str(parquet_path)!r}], cb)\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def _agree_running_out_of_memory(path: Path, failing: str) -> subprocess.CompletedProcess[str]:
    """``intercoder agree path`` where ``intercoder.columnar.<failing>`` runs out of memory: a
    real file too big for the machine cannot be made in a test, so the allocation fails as it
    would (MemoryError)."""
    code = (
        "import intercoder.columnar as columnar\n"
        "def too_much(*args, **kwargs):\n"
        "    raise MemoryError\n"
        f"columnar.{failing} = too_much\n"
        "from intercoder.cli import main\n"
        f"main(['agree', {str(path)!r}, '--codebook', {str(DATA / 'minimal.yaml')!r}])\n"
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_running_out_of_memory_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """The command must answer in one line, exit 1."""
    path = tmp_path / "codings.csv"
    path.write_text("unit_id,coder_id,variable,value\nu1,ana,relevant,yes\n", encoding="utf-8")
    done = _agree_running_out_of_memory(path, "_csv_columns")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.strip() == (
        f"intercoder: error: {path}: too big to read into memory on this machine; agree and "
        "check read it in batches: give them --memory well under the memory that is free "
        "(e.g. --memory 500M), or --dask to spread it over a cluster; as Parquet it takes a "
        "fraction of the space (intercoder export codings.csv --to parquet -o FILE.parquet, "
        "on a machine with more memory)"
    )


def test_a_parquet_file_too_big_is_named_without_advice_to_convert_it(tmp_path: Path) -> None:
    """The codes of a Parquet file that was read are made after the read: running out of
    memory there names the file too, and Parquet is not advised for a Parquet file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "codings.parquet"
    row = {"unit_id": "u1", "coder_id": "ana", "variable": "relevant", "value": "yes"}
    pq.write_table(pa.table({name: [value] for name, value in row.items()}), path)
    done = _agree_running_out_of_memory(path, "_table_columns")
    assert done.returncode == 1
    assert done.stderr.startswith(f"intercoder: error: {path}: too big to read"), done.stderr
    assert "--memory" in done.stderr
    assert "as Parquet" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "ids",
    [
        ["u1", "u2"],
        ["u1 ", "u2"],
        ["", "u2"],
        ["ң-1", " ө"],
        ["a\x1fb", "c\x1f"],
    ],
)
def test_ids_read_by_arrow_are_trimmed_as_the_row_reader_trims_them(
    tmp_path: Path, ids: list[str]
) -> None:
    # Plain ASCII ids are taken as they are, after one numpy look at the joined ids; anything
    # else (a space to trim, an empty id, other scripts) is looked at id by id, as before.
    path = tmp_path / "codings.csv"
    lines = ["unit_id,coder_id,variable,value"]
    lines += [f"{unit},ana,relevant,yes" for unit in ids]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        reference = _row_reader(path)
    except Exception as exc:  # the row reader refuses the file: so must the fast path
        with pytest.raises(type(exc)):
            read_annotations(path)
        return
    _same(read_annotations(path), reference)


@given(
    texts=st.lists(st.text(alphabet=st.sampled_from("a ң\n\x00\x1f\x1eʻ,")), max_size=30),
    skip=st.integers(min_value=0, max_value=3),
)
@settings(max_examples=100, deadline=None)
def test_arrow_strings_become_the_same_python_strings(texts: list[str], skip: int) -> None:
    # Labels are cut from Arrow's buffers in bulk (a separator byte no label holds, one split);
    # when every candidate separator occurs, label by label. Either way: to_pylist's strings.
    import pyarrow as pa

    from intercoder.columnar import _string_labels

    strings = pa.array(texts, type=pa.string()).slice(min(skip, len(texts)))
    assert _string_labels(strings) == strings.to_pylist()


@given(
    codes=st.lists(st.integers(min_value=0, max_value=5), max_size=20),
    extra=st.integers(-1, 2),
    head=st.sampled_from([1, 2, 3, 5, 4096]),
)
@example(codes=[0, 1, 0, 2], extra=-1, head=2)  # every label in the head, a code past them later
@example(codes=[0, 1, 0, 2], extra=0, head=2)  # a label met only after the head
@settings(max_examples=400, deadline=None)
def test_codes_numbered_as_met_are_recognised_exactly(
    codes: list[int], extra: int, head: int
) -> None:
    # The shortcut that keeps Arrow's numbering must agree with the definition: the codes in
    # order of first appearance are 0, 1, 2, ... and every label occurs. The first records
    # are looked at alone first (_HEAD of them): every length of that head gives the same.
    from intercoder import reliability
    from intercoder.reliability import _numbered_as_met

    n_labels = max((max(codes) + 1 if codes else 0) + extra, 0)
    met = list(dict.fromkeys(codes))
    expected = met == list(range(n_labels))
    kept = reliability._HEAD
    reliability._HEAD = head
    try:
        assert _numbered_as_met(np.asarray(codes, dtype=np.int32), n_labels) == expected
    finally:
        reliability._HEAD = kept


@given(
    records=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 2), st.integers(0, 1), st.booleans()),
        max_size=25,
    )
)
@settings(max_examples=200, deadline=None)
def test_repeated_keys_are_found_among_the_records_looked_at(
    records: list[tuple[int, int, int, bool]],
) -> None:
    # A (unit, coder, variable) met twice among the records looked at, and only there.
    from intercoder.annotations import _keys_repeat

    looked_at = [(u, c, v) for u, c, v, where in records if where]
    expected = len(set(looked_at)) < len(looked_at)
    columns = [np.asarray([r[i] for r in records], dtype=np.int32) for i in range(3)]
    where = np.asarray([r[3] for r in records], dtype=bool)
    assert _keys_repeat(*columns, where, len(records)) == expected


_TEXT = st.sampled_from(["a", "b", "ң", "", "1"])


@given(
    values=st.lists(
        st.one_of(
            st.none(),
            _TEXT,
            st.integers(0, 2),
            st.lists(_TEXT, max_size=3),
            st.lists(st.one_of(_TEXT, st.integers(0, 2), st.booleans(), st.just(1.0)), max_size=3),
        ),
        max_size=20,
    )
)
@example(values=[[1], [True], [1.0], ["1"]])  # equal as lists, yet four labels
@settings(max_examples=300, deadline=None)
def test_encoded_values_decode_to_the_values_with_labels_in_first_seen_order(
    values: list[object],
) -> None:
    # Texts and None take a plain dict; lists of texts beside them the tuples of their texts;
    # anything else (1 beside "1" and True, ["1"] beside [1]) the typed keys.
    from intercoder.columnar import encode_values

    def same(one: object, other: object) -> bool:  # equal, and of one type all the way down
        if isinstance(one, list) and isinstance(other, list):
            return len(one) == len(other) and all(map(same, one, other))
        return type(one) is type(other) and one == other

    column = encode_values(values)
    decoded = [column.labels[code] for code in column.codes.tolist()]
    assert all(map(same, decoded, values))
    assert len(decoded) == len(values)
    firsts: list[object] = []
    for value in values:
        if not any(same(value, seen) for seen in firsts):
            firsts.append(value)
    assert len(column.labels) == len(firsts)
    assert all(map(same, column.labels, firsts))


@given(codes=st.lists(st.integers(min_value=-1, max_value=6), max_size=30), extra=st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_used_codes_are_the_distinct_codes_without_missing(codes: list[int], extra: int) -> None:
    # One pass flagging the codes met, -1 (no value) in a slot of its own: np.unique's answer.
    from intercoder.columnar import count_used, used_codes

    array = np.asarray(codes, dtype=np.int32)
    n_labels = (max(codes) + 1 if codes else 0) + extra
    expected = np.unique(array[array >= 0]).tolist()
    assert used_codes(array, n_labels) == expected
    assert count_used(array, n_labels) == len(expected)


@given(
    texts=st.lists(
        st.text(alphabet=st.sampled_from("ab \t\n\r\x00\x1f\x0bé1"), max_size=4), max_size=12
    ),
    skip=st.integers(0, 3),
)
@settings(max_examples=300, deadline=None)
def test_plain_ids_are_told_from_the_buffers_as_strip_tells_them(
    texts: list[str], skip: int
) -> None:
    # Ids taken as they stand must be exactly those the Python check would take: ASCII, not
    # empty, no NUL, nothing str.strip removes (the array sliced, as Arrow's chunks are).
    import pyarrow as pa

    from intercoder.columnar import _plain_ids

    strings = pa.array(texts, type=pa.string()).slice(min(skip, len(texts)))
    kept = strings.to_pylist()
    expected = bool(kept) and all(
        t and t.isascii() and "\0" not in t and t == t.strip() for t in kept
    )
    assert _plain_ids(strings) == expected


def test_a_null_id_among_plain_ids_is_missing_where_it_is(tmp_path: Path) -> None:
    # Arrow's dictionary of the ids holds no null even when a record's id is null: the record
    # must still be named as missing its id, not taken with the others as they stand.
    import json

    from intercoder.annotations import AnnotationError, read_annotations

    rows = [
        {"unit_id": "u1", "coder_id": "ana", "variable": "relevant", "value": "yes"},
        {"unit_id": None, "coder_id": "ben", "variable": "relevant", "value": "no"},
    ]
    path = tmp_path / "codings.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    with pytest.raises(AnnotationError, match=rf"{re.escape(str(path))}:2: unit_id: missing"):
        read_annotations(path)
