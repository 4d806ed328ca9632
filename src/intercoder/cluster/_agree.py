"""Agreement over a partitioned dataset on a Dask cluster, combined exactly on the client.

The stages, as tasks on the workers:

1. **read** - one task per partition file, with the importer every command uses; the records are
   split into buckets by a hash of their unit (CRC-32 of the unit id, the same on every worker),
   so that all records of a unit, from whatever partition, meet in one bucket;
2. **check and count** - one task per bucket: its pieces, in partition order, checked against
   the codebook (:func:`intercoder.annotations.check_annotations`: once per distinct value of
   each variable; a bad record is named by its partition file and line). Since a unit is whole
   in its bucket, ``show_if`` and "a coder coding a unit twice" are judged exactly as in memory.
   Then, per variable, the coincidence counts of the bucket's units (sparse cells o_ck, value
   counts n_c, pairable values n and units), prepared by the same code as in memory
   (:mod:`intercoder.reliability`). Only the counts leave the worker; the records are dropped.

The client adds the counts up - they are sums over units, and every unit is in one bucket - and
computes alpha from them: D_o from the cells, D_e from n_c, at each variable's level
(Krippendorff 2011: alpha needs nothing but the coincidence matrix). Secondary coefficients (tree
levels, the categories of a multiple choice) map the values and add the cells of the values
that map together, which is exact as well. Spans (alpha_U is not a sum over units) come to the
client as the records of the units that have spans, and are assessed there.

The stages know nothing of who runs them. :func:`count_checked` is the pipeline; an executor
runs stage 1 over its sources and stages 2-3 over the buckets: :class:`_DaskExecutor` as tasks
on a cluster (:func:`read_partitioned`), :class:`intercoder.cluster._batches.LocalExecutor` one
after the other in this process, with the pieces waiting in a temporary directory (agreement
over a file bigger than memory, :func:`intercoder.cluster.read_batched`).
"""

from __future__ import annotations

import math
import pickle
import warnings
import zlib
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from operator import getitem
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from ..errors import Diagnostic, IntercoderError, Location, ProblemsError
from ._connect import ClusterError
from ._partitions import check_agreeing, columns_of, partition_files

if TYPE_CHECKING:
    from ..annotations import AnnotationSet
    from ..codebook.model import Codebook, Variable
    from ..reliability import ReliabilityReport, VariableReliability
    from ..rows import ReadSettings
    from ._connect import Cluster

__all__ = ["CheckedPartitions", "ClusterAnnotations", "count_checked", "read_partitioned"]

IntArray = npt.NDArray[np.integer[Any]]
FloatArray = npt.NDArray[np.float64]

#: Buckets per worker and per partition: a bucket holds about half a partition's records, so
#: that checking and counting it needs no more memory than reading a partition did.
BUCKETS_PER_WORKER = 2
BUCKETS_PER_PARTITION = 2


# --- stage 1: read a partition and split it by unit --------------------------------------------


@dataclass(frozen=True)
class _Failure:
    """An error met on a worker, carried back as data (exceptions with located problems do not
    travel well between processes)."""

    message: str
    diagnostics: list[Diagnostic] | None = None
    hint: str = ""

    @classmethod
    def of(cls, exc: IntercoderError) -> _Failure:
        if isinstance(exc, ProblemsError):
            return cls(str(exc), list(exc.diagnostics), exc.hint)
        return cls(str(exc))

    def error(self) -> IntercoderError:
        if self.diagnostics is not None:
            return ProblemsError(self.diagnostics, self.hint)
        return IntercoderError(self.message)


@dataclass(frozen=True)
class _PartitionInfo:
    path: str
    columns: tuple[str, ...]
    codebooks: set[str]
    records: int
    failure: _Failure | None = None


def bucket_of(labels: Sequence[Any], n_buckets: int) -> IntArray:
    """The bucket of each unit label (CRC-32 of its text: the same in every process, unlike
    ``hash``, which Python salts per process)."""
    return np.array(
        [zlib.crc32(str(label).encode("utf-8")) % n_buckets for label in labels], dtype=np.int64
    )


def _compact(aset: AnnotationSet) -> AnnotationSet:
    """``aset`` with each column's dictionary cut to the values it uses (a piece of a partition
    would otherwise carry, and send, every unit id of the whole partition)."""
    from ..annotations import _OBJECT_COLUMNS
    from ..columnar import Column

    columns = {}
    for name in _OBJECT_COLUMNS:
        column = aset.coded(name)
        codes = column.codes
        used = np.unique(codes[codes >= 0])
        remap = np.full(len(column.labels) + 1, -1, dtype=np.int32)
        remap[used] = np.arange(used.shape[0], dtype=np.int32)
        columns[name] = Column(remap[codes], [column.labels[i] for i in used.tolist()])
    return aset.replace(**columns)


def _pack(aset: AnnotationSet) -> bytes:
    """A piece as it waits for its bucket: pickled and compressed (zlib, fastest level). The
    codes compress about fifteenfold, and every piece of the dataset waits at once in a
    shuffle, so this is what keeps a worker's memory to a fraction of its share of the data."""
    return zlib.compress(pickle.dumps(aset, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _unpack(packed: bytes) -> AnnotationSet:
    piece: AnnotationSet = pickle.loads(zlib.decompress(packed))
    return piece


@dataclass(frozen=True)
class Place:
    """Where a batch of a file sits in the file it was cut from (a batch of a big file is read
    as a file of its own): its records' lines are ``shift`` further down, in ``name``; the first
    ``header_lines`` lines of the batch are the file's own (a CSV header) and stay."""

    name: str
    shift: int
    #: The path the batch was read from, as the readers' messages name it.
    read_as: str
    header_lines: int = 0

    def location(self, where: Location) -> Location:
        if where.file != self.read_as:
            return where
        line = where.line + self.shift if where.line > self.header_lines else where.line
        return Location(self.name, line, where.column)

    def failure(self, failure: _Failure) -> _Failure:
        if failure.diagnostics is None:
            return _Failure(failure.message.replace(self.read_as, self.name))
        moved = [
            replace(
                d,
                location=self.location(d.location),
                message=d.message.replace(self.read_as, self.name),
            )
            for d in failure.diagnostics
        ]
        return _Failure(failure.message, moved, failure.hint)

    def annotations(self, aset: AnnotationSet) -> AnnotationSet:
        import attrs

        lines = np.where(aset.line > self.header_lines, aset.line + self.shift, aset.line)
        files = tuple(self.name if f == self.read_as else f for f in aset.files)
        return attrs.evolve(aset, line=lines, files=files)


def _settings(settings: ReadSettings | None) -> dict[str, Any]:
    """The fields of ``settings`` for :func:`intercoder.rows.reading` (none: keep the current)."""
    return {} if settings is None else asdict(settings)


def _read_partition(
    path: str, n_buckets: int, settings: ReadSettings | None = None, place: Place | None = None
) -> tuple[_PartitionInfo, list[bytes | None]]:
    """Stage 1 (a worker): read one partition with the reader ``settings`` of the command
    (``--encoding``, ``--delimiter``, ...); its records cut into ``n_buckets`` pieces. A batch
    of a bigger file (``place``) has its records and problems moved to where they are in it."""
    from ..formats import read_annotation_files
    from ..rows import reading

    name = path if place is None else place.name
    with reading(**_settings(settings)):
        try:
            aset = read_annotation_files([path])
        except IntercoderError as exc:
            failure = _Failure.of(exc)
            if place is not None:
                failure = place.failure(failure)
            return _PartitionInfo(name, (), set(), 0, failure), []
        columns = columns_of(path)
    if place is not None:
        aset = place.annotations(aset)
    books = {book for book in aset.distinct("codebook") if book is not None}
    info = _PartitionInfo(name, columns, books, len(aset))
    return info, split_by_unit(aset, n_buckets)


def split_by_unit(aset: AnnotationSet, n_buckets: int) -> list[bytes | None]:
    """``aset`` cut into ``n_buckets`` packed pieces by the hash of each record's unit (None:
    no record in that bucket)."""
    units = aset.coded("unit_id")
    lookup = np.append(bucket_of(units.labels, n_buckets), 0)
    bucket = lookup[units.codes]
    pieces: list[bytes | None] = []
    for j in range(n_buckets):
        rows = np.flatnonzero(bucket == j)
        pieces.append(_pack(_compact(aset.take(rows))) if rows.size else None)
    return pieces


def _piece(read: tuple[_PartitionInfo, list[bytes | None]], bucket: int) -> bytes | None:
    return read[1][bucket] if read[1] else None


# --- stage 2: check a bucket --------------------------------------------------------------------


def _check_bucket(
    codebook: Codebook, accept_labels: bool, *pieces: bytes | None
) -> tuple[_BucketCounts, list[Diagnostic]]:
    """Stages 2 and 3 (a worker): the bucket's pieces, in partition order, checked against
    ``codebook`` (``--accept-labels``: labels typed for codes are read as the codes), and the
    counts of the records that fit; only the counts are kept."""
    from ..annotations import AnnotationSet, check_annotations

    aset = AnnotationSet.concatenate([_unpack(p) for p in pieces if p is not None])
    checked = check_annotations(aset, codebook, accept_labels=accept_labels)
    del aset
    return _bucket_counts(checked.annotations, codebook), list(checked.problems)


@dataclass(frozen=True)
class CheckedPartitions:
    """What :func:`read_partitioned` gives: the checked records (on the cluster) and the problems
    of the records left out (with ``skip_invalid``), as :func:`intercoder.formats.read_checked`."""

    annotations: ClusterAnnotations
    problems: tuple[Diagnostic, ...]


class Executor(Protocol):
    """Who runs the stages: stage 1 over every source, then stages 2-3 over every bucket."""

    #: What the messages call the way the records were counted (``--dask``, ``--memory``).
    mode: str

    def read(self, n_buckets: int) -> list[_PartitionInfo]:
        """Stage 1 over the sources, in order; it may stop after the first that fails."""

    def check(
        self, codebook: Codebook, n_buckets: int, accept_labels: bool
    ) -> Iterator[tuple[_BucketCounts, list[Diagnostic]]]:
        """Stages 2 and 3 over each bucket, with the pieces stage 1 left."""


def count_checked(
    executor: Executor,
    codebook: Codebook,
    n_buckets: int,
    *,
    skip_invalid: bool = False,
    agreeing: bool = False,
    accept_labels: bool = False,
) -> CheckedPartitions:
    """The pipeline: stage 1 by ``executor``; the first source that cannot be read raises; with
    ``agreeing`` every source must have the columns and codebook of the first; stages 2-3 by
    ``executor``; the problems of all buckets in file and line order (those of the records
    left out with ``skip_invalid``, else an :class:`~intercoder.annotations.AnnotationError`)."""
    from ..annotations import AnnotationError

    infos = executor.read(n_buckets)
    for info in infos:
        if info.failure is not None:
            raise info.failure.error()
    files = list(dict.fromkeys(info.path for info in infos))  # a big file's batches: once
    if agreeing:
        check_agreeing(files, [info.columns for info in infos], [info.codebooks for info in infos])
    counts: list[_BucketCounts] = []
    found: list[Diagnostic] = []
    for bucket, bucket_problems in executor.check(codebook, n_buckets, accept_labels):
        counts.append(bucket)
        found += bucket_problems
    order = {path: i for i, path in enumerate(files)}
    found.sort(key=lambda d: (order.get(d.location.file, len(order)), d.location.line or 0))
    if found and not skip_invalid:
        raise AnnotationError(found, hint="fix them or pass --skip-invalid to leave them out")
    total = sum(info.records for info in infos)
    annotations = ClusterAnnotations(counts, codebook, files, total, mode=executor.mode)
    return CheckedPartitions(annotations, tuple(found))


class _DaskExecutor:
    """The stages as tasks on a Dask cluster: one per partition file, then one per bucket."""

    mode = "--dask"

    def __init__(self, cluster: Cluster, files: list[str], settings: ReadSettings) -> None:
        self.client = cluster.client
        self.files = files
        self.settings = settings
        self.reads: list[Any] = []

    def read(self, n_buckets: int) -> list[_PartitionInfo]:
        client = self.client
        self.reads = [
            client.submit(_read_partition, path, n_buckets, self.settings, pure=False)
            for path in self.files
        ]
        infos: list[_PartitionInfo] = client.gather(
            [client.submit(getitem, r, 0) for r in self.reads]
        )
        return infos

    def check(
        self, codebook: Codebook, n_buckets: int, accept_labels: bool
    ) -> Iterator[tuple[_BucketCounts, list[Diagnostic]]]:
        client = self.client
        done = []
        for j in range(n_buckets):
            pieces = [client.submit(_piece, r, j) for r in self.reads]
            done.append(client.submit(_check_bucket, codebook, accept_labels, *pieces, pure=False))
        self.reads = []  # held by the tasks that need them; the workers free them after
        for future in done:  # gathered one by one: each bucket's result is freed on its worker
            result: tuple[_BucketCounts, list[Diagnostic]] = future.result()
            future.release()
            yield result


def read_partitioned(
    paths: Sequence[str],
    codebook: Codebook,
    cluster: Cluster,
    *,
    skip_invalid: bool = False,
    buckets: int | None = None,
) -> CheckedPartitions:
    """Read the partitions of ``paths`` on ``cluster``, group their records by unit and check them
    against ``codebook`` (see the module docstring). The checked records stay on the workers.

    The reader settings in force (:func:`intercoder.rows.reading`: ``--encoding``,
    ``--delimiter``, ``--layout``, ``--variable``, ``--accept-labels``) go with the tasks.
    Invalid records raise :class:`~intercoder.annotations.AnnotationError` listing each with its
    partition file and line, unless ``skip_invalid`` (then they are returned as ``problems``). A
    partition whose columns or codebook differ from the first one's is a :class:`ClusterError`.
    """
    from ..rows import read_settings

    files = partition_files(paths)
    settings = read_settings()
    n_workers = max(1, cluster.n_workers)
    n_buckets = buckets or max(len(files) * BUCKETS_PER_PARTITION, n_workers * BUCKETS_PER_WORKER)
    return count_checked(
        _DaskExecutor(cluster, files, settings),
        codebook,
        n_buckets,
        skip_invalid=skip_invalid,
        agreeing=True,
        accept_labels=settings.accept_labels,
    )


# --- stage 3: coincidence counts per bucket -----------------------------------------------------


@dataclass
class _Counts:
    """One variable's coincidence counts over some units: ``labels`` are the values the arrays
    index; cells ``(c, k, o)`` in both orders; ``n_c`` pairable values per label (whole
    numbers); ``n`` pairable values and ``n_units`` pairable units in all."""

    labels: list[Any] = field(default_factory=list)
    c: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    k: IntArray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    o: FloatArray = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    n_c: FloatArray = field(default_factory=lambda: np.empty(0, dtype=np.float64))
    n: int = 0
    n_units: int = 0


@dataclass
class _VariableCounts:
    counts: _Counts
    coders: set[Hashable]
    hidden: int
    spans: AnnotationSet | None = None


@dataclass
class _BucketCounts:
    units: int
    coders: set[str]
    coded: set[str]
    variables: dict[str, _VariableCounts]


def _counts_of(aset: AnnotationSet, var: Variable, cb: Codebook) -> _VariableCounts:
    """One variable's counts in one bucket, prepared exactly as :func:`reliability.assess`
    prepares the whole data (``show_if``, sets for a multiple choice, numbers for scales)."""
    from .. import reliability as rel
    from ..agreement._engine import coincidence_pairs

    mask = rel._shown(aset, var, cb)
    hidden = int(rel._variable_mask(aset, var.id).sum() - mask.sum())
    if var.type == "spans":
        rows = np.flatnonzero(mask)
        units = aset.coded("unit_id").codes
        whole = np.isin(units, np.unique(units[rows]))  # every record of the units with spans
        return _VariableCounts(_Counts(), set(), hidden, aset.take(whole))
    prepared = rel._prepared(var, rel._records(aset, mask))
    data = rel._reliability_data(prepared.records, prepared.categories)
    pc = data.pairable()
    labels = list(data.categories)
    if pc.n == 0:  # no unit here has two values: its labels, each paired zero times
        counts = _Counts(labels, n_c=np.zeros(len(labels), dtype=np.float64))
        return _VariableCounts(counts, set(data.coders), hidden)
    c, k, o = coincidence_pairs(pc, len(labels))
    counts = _Counts(labels, c, k, o, np.asarray(pc.n_c, dtype=np.float64), pc.n, pc.n_units)
    return _VariableCounts(counts, set(data.coders), hidden)


def _bucket_counts(aset: AnnotationSet, cb: Codebook) -> _BucketCounts:
    """Stage 3 (a worker): the counts of every codable variable coded in the bucket."""
    coded = set(aset.distinct("variable"))
    variables = {
        var.id: _counts_of(aset, var, cb)
        for var in cb.variables
        if var.level is not None and var.id in coded
    }
    return _BucketCounts(
        len(aset.distinct("unit_id")), set(aset.distinct("coder_id")), coded, variables
    )


# --- on the client: add up and compute --------------------------------------------------------


def _merge(parts: Sequence[_Counts], order: Callable[[list[Any]], list[Any]]) -> _Counts:
    """The counts of several disjoint sets of units, over the labels in ``order(labels)``."""
    seen: dict[Any, None] = {}
    for part in parts:
        seen.update(dict.fromkeys(part.labels))
    labels = order(list(seen))
    index = {label: i for i, label in enumerate(labels)}
    n_c = np.zeros(len(labels), dtype=np.float64)
    cs, ks, os_ = [], [], []
    for part in parts:
        at = np.array([index[label] for label in part.labels] + [0], dtype=np.int64)
        np.add.at(n_c, at[: len(part.labels)], part.n_c)
        cs.append(at[part.c])
        ks.append(at[part.k])
        os_.append(part.o)
    cat = np.concatenate
    return _Counts(
        labels,
        cat(cs) if cs else np.empty(0, dtype=np.int64),
        cat(ks) if ks else np.empty(0, dtype=np.int64),
        cat(os_) if os_ else np.empty(0, dtype=np.float64),
        n_c,
        sum(p.n for p in parts),
        sum(p.n_units for p in parts),
    )


def _mapped(counts: _Counts, mapping: Callable[[Any], Any]) -> _Counts:
    """The counts of the values mapped by ``mapping``: cells of values that map together add up
    (n_uC = sum of n_uc over c in C, so o_CK = sum of o_ck over c in C, k in K)."""
    images = [mapping(label) for label in counts.labels]
    distinct = list(dict.fromkeys(images))
    position = {image: i for i, image in enumerate(distinct)}
    to = np.array([position[image] for image in images] + [0], dtype=np.int64)
    n_c = np.zeros(len(distinct), dtype=np.float64)
    np.add.at(n_c, to[: len(images)], counts.n_c)
    return _Counts(distinct, to[counts.c], to[counts.k], counts.o, n_c, counts.n, counts.n_units)


def alpha_of_counts(
    counts: _Counts, level: Any, coders: Sequence[Hashable]
) -> tuple[float, int, list[str]]:
    """alpha from coincidence counts: ``(alpha, pairable units, the degenerate-data notes)``.

    D_o is sum_{c,k} o_ck delta(c,k) / n and D_e sum_{c,k} n_c n_k delta(c,k) / (n(n-1)), with
    delta at ``level`` over the ``counts.labels`` in their order (the ordinal order).
    """
    from ..agreement import DegenerateDataWarning, ReliabilityData
    from ..agreement._engine import AlphaSums, expected_sum, resolve_metric, warn_if_undefined

    none = np.empty(0, dtype=np.int64)
    # No records, only the value domain and the coders: what the metric and the message need.
    domain = ReliabilityData.from_codes(
        none, none, none, categories=counts.labels, units=(), coders=tuple(coders)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DegenerateDataWarning)
        if counts.n == 0:
            sums = AlphaSums(0.0, 0.0, 0, 0, 0)
        else:
            metric = resolve_metric(domain, level)
            delta = metric.delta(counts.c, counts.k, counts.n_c)
            observed = math.fsum((counts.o * delta).tolist())
            expected = expected_sum(counts.n_c, metric)
            present = int(np.count_nonzero(counts.n_c))
            sums = AlphaSums(observed, expected, counts.n, counts.n_units, present)
        warn_if_undefined(sums, domain)
    notes = [str(w.message) for w in caught if issubclass(w.category, DegenerateDataWarning)]
    return sums.alpha, sums.n_units, notes


def _order_for(var: Variable) -> Callable[[list[Any]], list[Any]]:
    """The value order :func:`reliability.assess` uses: codes in codebook order for choice
    variables, numbers sorted; sets in any order (their distances do not depend on it)."""
    if var.type == "multiple_choice":
        return lambda labels: labels
    if var.type == "number" or (var.type == "ordinal_scale" and var.level in ("interval", "ratio")):
        return sorted
    codes = list(var.codes)

    def declared(labels: list[Any]) -> list[Any]:
        return codes + sorted(set(labels) - set(codes), key=str)

    return declared


def _to_ancestors(up: dict[str, str], kind: str) -> Callable[[Any], Any]:
    """A value mapped to its ancestors at one depth of a tree (each code of a set, for a
    multiple choice), as :func:`reliability.assess` maps the records."""
    if kind == "multiple_choice":
        return lambda value: frozenset(up[code] for code in value)
    return lambda value: up[value]


def _chosen(code: str) -> Callable[[Any], bool]:
    """A set of codes mapped to whether ``code`` is among them (the binary alpha of a category)."""
    return lambda value: code in value


def _variable_result(
    var: Variable, parts: list[_VariableCounts], cb: Codebook
) -> VariableReliability:
    from .. import reliability as rel
    from ..annotations import AnnotationSet

    hidden = sum(p.hidden for p in parts)
    notes: tuple[str, ...] = (
        (f"{hidden} coding(s) left out: not shown under show_if",) if hidden else ()
    )
    assert var.level is not None
    if var.type == "spans":
        spans = AnnotationSet.concatenate([p.spans for p in parts if p.spans is not None])
        return rel._assess_spans(spans, rel._shown(spans, var, cb), var, notes)
    level = "masi" if var.type == "multiple_choice" else var.level
    counts = _merge([p.counts for p in parts], _order_for(var))
    coders = sorted(set().union(*(p.coders for p in parts)), key=str)
    alpha, n_units, degenerate = alpha_of_counts(counts, level, coders)
    details: list[Any] = []
    if var.is_tree and var.type in ("single_choice", "multiple_choice"):
        depth = max(d for _, d in var.walk())
        for d in range(depth):
            tree = _mapped(counts, _to_ancestors(rel._ancestor_map(var, d), var.type))
            alpha_d, units_d, _ = alpha_of_counts(tree, level, coders)
            details.append(rel.Detail(f"tree level {d + 1}", alpha_d, units_d))
    if var.type == "multiple_choice":
        for code in var.codes:
            binary = _mapped(counts, _chosen(code))
            alpha_c, units_c, _ = alpha_of_counts(binary, "nominal", coders)
            details.append(rel.Detail(f"category {code}", alpha_c, units_c))
    return rel.VariableReliability(
        variable=var.id,
        level=var.level,
        coefficient=rel._coefficient_for(var),
        alpha=alpha,
        n_units=n_units,
        n_coders=len(coders),
        threshold=var.reliability.passing,
        tentative=var.reliability.tentative,
        status=rel.status_of(alpha, var.reliability.passing, var.reliability.tentative),
        details=tuple(details),
        notes=notes + tuple(dict.fromkeys(degenerate)),
    )


class ClusterAnnotations:
    """Checked annotation records of a partitioned dataset (or of files read in batches), as
    the coincidence counts of each bucket of units, computed when the records were read and
    checked (on a Dask cluster, or in this process: ``mode`` names which, for the messages).

    :func:`intercoder.reliability.assess` hands such records to :meth:`assess`, so that ``agree``
    and ``check`` (through the gate, which changes only the thresholds) run unchanged on them.
    """

    def __init__(
        self,
        counts: list[_BucketCounts],
        codebook: Codebook,
        files: list[str],
        records: int,
        *,
        mode: str = "--dask",
    ) -> None:
        self.counts = counts
        self.mode = mode
        self.codebook = codebook
        self.files = files
        self.records = records

    def assess(
        self,
        cb: Codebook,
        *,
        bootstrap: int = 0,
        seed: int | None = None,
        variables: Collection[str] | None = None,
    ) -> ReliabilityReport:
        """The reliability of every codable variable of ``cb`` (or of ``variables``, see
        :func:`intercoder.reliability.select_variables`): the counts of the buckets added up
        (see the module docstring); the same report as in memory."""
        from .. import reliability as rel

        selected = None if variables is None else set(rel.select_variables(cb, variables))

        if bootstrap:
            raise ClusterError(
                "--bootstrap resamples units in one place and is not available with "
                f"{self.mode}: leave it out (the point estimate is computed from the counts)"
            )
        if _shape(cb) != _shape(self.codebook):
            raise ClusterError(
                f"these records were counted for {self.codebook.ref}, not for {cb.ref}: "
                "read them again with that codebook"
            )
        buckets = self.counts
        coded = set().union(*(b.coded for b in buckets))
        results = []
        for var in cb.variables:
            if var.level is None or (selected is not None and var.id not in selected):
                continue
            if var.id not in coded:
                results.append(rel._not_coded(var))
                continue
            parts = [b.variables[var.id] for b in buckets if var.id in b.variables]
            results.append(_variable_result(var, parts, cb))
        coders = tuple(sorted(set().union(*(b.coders for b in buckets))))
        return rel.ReliabilityReport(cb.ref, tuple(results), sum(b.units for b in buckets), coders)


def _shape(cb: Codebook) -> list[tuple[Any, ...]]:
    """What the counts depend on: the variables, their types, levels and ``show_if``."""
    return [(v.id, v.type, v.level, v.show_if, tuple(v.codes)) for v in cb.variables]
