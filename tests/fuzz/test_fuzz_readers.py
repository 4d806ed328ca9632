"""Fuzzing every reader of other people's files: any bytes give records or a located error.

Each importer (long CSV, JSONL and Parquet, wide CSV, Label Studio JSON), the ``.qdc``
importer and the codebook loader gets two kinds of input:

* any bytes at all;
* near-valid files: a well-formed file of its format, built from the strategies of
  ``tests/strategies.py`` and hostile values (huge integers, deep nesting, lone surrogate
  escapes, NUL, offsets of 10^20, BOMs, other encodings), then damaged a little (bytes
  inserted, replaced, cut off), which is where parsers break.

The property is :mod:`fuzz_targets`'s: a result, or an ``IntercoderError`` naming the file.

In the default test run each test draws a small fixed budget, derandomized (the same examples
on every run, no example database), so that it takes seconds and never flakes. The ``fuzz`` tox
environment sets ``INTERCODER_FUZZ_EXAMPLES`` for a bigger, random budget.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from fuzz_targets import budget, import_qdc, load_codebook, read_annotations
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intercoder.codebook.refiqda import to_qdc
from intercoder.codebook.registry import load_codebook as load_bundled

from strategies import RECORD_ALPHABET, codebooks, every_slot_codebooks, json_values

RANDOM = "INTERCODER_FUZZ_EXAMPLES" in os.environ
FUZZ = settings(
    max_examples=budget(25),
    derandomize=not RANDOM,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Whole codebooks take a second or so per ten: fewer of them in the default run.
FUZZ_CODEBOOKS = settings(FUZZ, max_examples=budget(8))


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    # Module-scoped: Hypothesis runs many examples per test function, each overwrites its file.
    with tempfile.TemporaryDirectory(prefix="intercoder-fuzz-") as name:
        yield Path(name)


# --- hostile pieces and damage ---

HOSTILE: list[bytes] = [
    b"",
    b'"',
    b",",
    b";",
    b"\t",
    b"\n",
    b"\r",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xed\xb2\x80",  # a surrogate encoded as UTF-8 (CESU), invalid UTF-8
    b'"\\udc80"',
    b"\\udc80",
    b"\\ud800\\udc00",
    b"[" * 3000,
    b"{" * 3000,
    b'{"a":' * 1000,
    b"9" * 5001,
    b"-" + b"9" * 400,
    b"1e400",
    b"-1",
    b"100000000000000000000",
    b"18446744073709551615",
    b"NaN",
    b"Infinity",
    b"null",
    b"true",
    b"[]",
    b"{}",
    b"1_0",
    "ңөү oʻ gʻ Да".encode(),
    b"<",
    b"&",
    b"]]>",
    b"<!DOCTYPE x [<!ENTITY a 'bbbbbbbb'>]>",
    b"&a;",
    b"*a",
    b"&a [x]",
    b"!!python/object/apply:os.system ['true']",
    b"---",
    b"...",
    b"x" * 70_000,
]


@st.composite
def damaged(draw: Any, base: bytes) -> bytes:
    """``base`` with up to three edits: a hostile piece inserted or written over, a cut."""
    data = bytearray(base)
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["insert", "replace", "cut", "byte"]))
        if kind == "cut":
            del data[at:]
        elif kind == "byte":
            if at < len(data):
                data[at] = draw(st.integers(0, 255))
        else:
            piece = draw(st.sampled_from(HOSTILE))
            end = at + (len(piece) if kind == "replace" else 0)
            data[at:end] = piece
    return bytes(data)


def near_valid(files: st.SearchStrategy[bytes]) -> st.SearchStrategy[bytes]:
    return files.flatmap(damaged)


# --- cells and records ---

texts = st.text(RECORD_ALPHABET + "\x00\u2028\x85\ufeff", max_size=12)
hostile_values = st.sampled_from(
    [10**4000, -(10**20), 10**20, 2**64 - 1, 1e308, float("nan"), "\udc80", "a\ud800b", ""]
)
cells: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    texts,
    st.integers(),
    st.floats(),
    st.booleans(),
    hostile_values,
    st.lists(texts, max_size=3),
    json_values,
)
COLUMNS = ["unit_id", "coder_id", "variable", "value", "codebook", "text", "start", "end"]


@st.composite
def records(draw: Any) -> list[dict[str, Any]]:
    columns = draw(st.lists(st.sampled_from(COLUMNS), unique=True, min_size=3))
    if draw(st.booleans()):  # mostly the required columns, so that reading gets past the header
        columns = list(dict.fromkeys(["unit_id", "coder_id", "variable", "value", *columns]))
    return draw(st.lists(st.fixed_dictionaries(dict.fromkeys(columns, cells)), max_size=6))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value)
    return str(value)


@st.composite
def long_csv(draw: Any) -> bytes:
    rows = draw(records())
    header = list(rows[0]) if rows else ["unit_id", "coder_id", "variable", "value"]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=draw(st.sampled_from(["\r\n", "\n"])))
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell_text(row.get(c)) for c in header])
    return out.getvalue().encode("utf-8", "surrogatepass")


@st.composite
def long_jsonl(draw: Any) -> bytes:
    # json.dumps escapes a lone surrogate as \udc80, as a broken writer would
    lines = [json.dumps(row) for row in draw(records())]
    return ("\n".join(lines) + "\n").encode("utf-8")


@st.composite
def wide_csv(draw: Any) -> bytes:
    coders = draw(st.lists(texts, min_size=0, max_size=4))
    header = [draw(st.sampled_from(["unit_id", "unit_id", "", "id"])), *coders]
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(header)
    for _ in range(draw(st.integers(0, 5))):
        writer.writerow([_cell_text(draw(cells)) for _ in range(draw(st.integers(0, 6)))])
    return out.getvalue().encode("utf-8", "surrogatepass")


RESULT_TYPES = ["choices", "labels", "taxonomy", "textarea", "rating", "number", "x"]


@st.composite
def label_studio(draw: Any) -> bytes:
    """A Label Studio export: tasks with annotations whose parts may be anything."""

    def maybe(value: Any) -> Any:
        return draw(st.one_of(st.just(value), cells)) if draw(st.integers(0, 5)) == 0 else value

    tasks = []
    for task_id in range(draw(st.integers(0, 3))):
        results = []
        for _ in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(RESULT_TYPES))
            value = {
                "choices": maybe(draw(st.lists(texts, max_size=2))),
                "labels": maybe([draw(texts)]),
                "start": maybe(draw(st.integers(-2, 30) | hostile_values)),
                "end": maybe(draw(st.integers(-2, 30) | hostile_values)),
                "text": maybe([draw(texts)]),
                "taxonomy": maybe([[draw(texts)]]),
                "rating": maybe(draw(st.integers(0, 5))),
                "number": maybe(draw(cells)),
            }
            results.append(
                maybe(
                    {
                        "from_name": maybe(draw(st.sampled_from(["relevant", "severity", "x"]))),
                        "to_name": "text",
                        "type": maybe(kind),
                        "value": maybe(value),
                    }
                )
            )
        annotation = {
            "completed_by": maybe({"email": draw(texts)}),
            "result": maybe(results),
            "was_cancelled": maybe(False),
        }
        tasks.append(
            maybe(
                {
                    "id": maybe(task_id),
                    "data": maybe({"text": draw(texts), "unit_id": maybe(draw(texts))}),
                    "annotations": maybe([annotation]),
                }
            )
        )
    return json.dumps(tasks).encode("utf-8")


ARROW_TYPES = {
    "string": (texts, pa.string()),
    "large_string": (texts, pa.large_string()),
    "int64": (st.integers(-(2**63), 2**63 - 1), pa.int64()),
    "uint64": (st.integers(0, 2**64 - 1), pa.uint64()),
    "float": (st.floats(), pa.float64()),
    "bool": (st.booleans(), pa.bool_()),
    "list": (st.lists(texts, max_size=3), pa.list_(pa.string())),
    "binary": (st.binary(max_size=8), pa.binary()),
}


@st.composite
def parquet(draw: Any) -> bytes:
    """A Parquet file whose columns have any name of the long format and any Arrow type."""
    names = draw(
        st.lists(
            st.sampled_from([*COLUMNS, "value_list", "value_number", "annotated_at", "extra"]),
            unique=True,
            max_size=8,
        )
    )
    size = draw(st.integers(0, 5))
    arrays = {}
    for name in names:
        values, kind = ARROW_TYPES[draw(st.sampled_from(sorted(ARROW_TYPES)))]
        column = draw(st.lists(st.none() | values, min_size=size, max_size=size))
        try:
            arrays[name] = pa.array(column, type=kind)
        except (pa.ArrowException, UnicodeEncodeError, OverflowError):
            arrays[name] = pa.nulls(size, type=pa.string())
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(arrays) if arrays else pa.table({}), sink)
    return bytes(sink.getvalue().to_pybytes())


# --- annotation importers ---


@FUZZ
@given(data=st.binary(max_size=400))
@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".wide.csv", ".json"])
def test_any_bytes_give_records_or_a_located_error(workdir: Path, suffix: str, data: bytes) -> None:
    read_annotations(workdir, suffix, data)


@FUZZ
@given(data=near_valid(long_csv()))
def test_near_valid_long_csv(workdir: Path, data: bytes) -> None:
    read_annotations(workdir, ".csv", data)


@FUZZ
@given(data=near_valid(long_jsonl()))
def test_near_valid_jsonl(workdir: Path, data: bytes) -> None:
    read_annotations(workdir, ".jsonl", data)


@FUZZ
@given(data=near_valid(wide_csv()))
def test_near_valid_wide_csv(workdir: Path, data: bytes) -> None:
    read_annotations(workdir, ".wide.csv", data)


@FUZZ
@given(data=near_valid(label_studio()))
def test_near_valid_label_studio_json(workdir: Path, data: bytes) -> None:
    read_annotations(workdir, ".json", data)


@FUZZ
@given(data=parquet())
def test_parquet_with_any_column_types(workdir: Path, data: bytes) -> None:
    read_annotations(workdir, ".parquet", data)


@FUZZ
@given(data=near_valid(parquet()))
def test_damaged_parquet(workdir: Path, data: bytes) -> None:
    read_annotations(workdir, ".parquet", data)


# --- codebooks ---


def _yaml(doc: Any) -> bytes:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode("utf-8")


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_as_a_codebook(data: bytes) -> None:
    load_codebook(data)


@FUZZ_CODEBOOKS
@given(data=near_valid(codebooks().map(_yaml)))
def test_near_valid_codebooks(data: bytes) -> None:
    load_codebook(data)


@FUZZ_CODEBOOKS
@given(data=near_valid(every_slot_codebooks(texts.filter(str.strip)).map(_yaml)))
def test_near_valid_codebooks_with_every_slot(data: bytes) -> None:
    load_codebook(data)


@FUZZ_CODEBOOKS
@given(doc=codebooks(), where=st.integers(0, 10**6), value=json_values | hostile_values)
def test_codebooks_with_a_value_of_the_wrong_shape(doc: Any, where: int, value: Any) -> None:
    """One value anywhere in a valid codebook replaced by a value of another shape."""
    slots: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in list(items):
            slots.append((node, key))
            if isinstance(child, dict | list):
                walk(child)

    walk(doc)
    parent, key = slots[where % len(slots)]
    parent[key] = value
    try:
        data = _yaml(doc)
    except (UnicodeEncodeError, yaml.YAMLError):
        return  # a value YAML itself cannot write (a lone surrogate): nothing to read
    load_codebook(data)


# --- REFI-QDA codebooks (.qdc) ---


@pytest.fixture(scope="module")
def qdc_file() -> bytes:
    return to_qdc(load_bundled("hate-speech"), "en").encode("utf-8")


@FUZZ
@given(data=st.binary(max_size=400))
def test_any_bytes_as_a_qdc_file(data: bytes) -> None:
    import_qdc(data)


@FUZZ
@given(data=st.data())
def test_near_valid_qdc_files(qdc_file: bytes, data: st.DataObject) -> None:
    encoding = data.draw(st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]))
    text = qdc_file.decode("utf-8")
    if encoding != "utf-8":
        text = text.replace('encoding="utf-8"', f'encoding="{encoding.removesuffix("-sig")}"')
    import_qdc(data.draw(damaged(text.encode(encoding))))


@FUZZ
@given(depth=st.integers(1, 3000), origin=st.sampled_from(["", "intercoder hate-speech en"]))
def test_deeply_nested_qdc_codes(depth: int, origin: str) -> None:
    ns = 'xmlns="urn:QDA-XML:codebook:1.0"'
    code = '<Code guid="{g}" name="n{g}" isCodable="true">'
    opening = "".join(code.format(g=f"{i:08d}-0000-0000-0000-000000000000") for i in range(depth))
    attribute = f' origin="{origin}"' if origin else ""
    data = f"<CodeBook {ns}{attribute}><Codes>{opening}{'</Code>' * depth}</Codes></CodeBook>"
    import_qdc(data.encode("utf-8"))
