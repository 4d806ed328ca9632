"""Reliability data: the explicit input forms and the one sparse counting pass.

Every coefficient in :mod:`intercoder.agreement` is computed from a :class:`ReliabilityData`
object. It is built once, by one of the explicit constructors (``from_matrix``, ``from_counts``,
``from_contingency``, ``from_records``, ``from_dataframe``); we never guess the input form
from an array's shape, because a 5 x 5 coders-by-units matrix and a 5 x 5 count table look
the same.

Building it factorises the values into integer codes ``0..V-1`` and makes, in one pass over the
data, the sparse per-unit value counts: a list of ``(unit, value, count)`` triples sorted by
unit, plus the number of values per unit. Everything else - the V x V coincidence matrix,
the kappa family's per-unit category counts, the bootstrap's per-unit statistics - is derived
from those triples. Memory is O(n + V^2) for n coded values and V distinct values; no
``units x V x V`` array is ever made, and the large-input paths work in blocks of units so
that temporaries stay a few megabytes whatever the input size.

When the coders are known (every constructor but ``from_counts``), the object also keeps the
``units x coders`` matrix of value codes in the smallest integer type that fits (one byte per
cell for V < 128): Cohen's and Conger's kappa and the per-coder diagnostics need to know who
coded what.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # pragma: no cover
    from typing import Self

__all__ = ["PairableCounts", "ReliabilityData", "as_reliability_data", "weighted_bincount"]

# Units per block in the chunked passes. 65,536 units x 5 coders keeps every temporary of a
# block under ~3 MB, while numpy's per-call overhead stays negligible.
_BLOCK_UNITS = 1 << 16

# Up to this many coders, per-unit counts come from pairwise column comparisons (no sort).
_MAX_PAIRWISE_CODERS = 8

# The integer fast path for numeric data (codes by a lookup table instead of a sort) is used
# when every value is an integer and the range max - min is at most this.
_LUT_MAX_RANGE = 1 << 20

IntArray = npt.NDArray[np.integer[Any]]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class PairableCounts:
    """The per-unit value counts restricted to pairable units (units with two or more values).

    Internal, but stable enough for the sibling modules: ``unit`` numbers the pairable units
    ``0..n_units-1`` (``unit_index`` maps them back to the data's units), ``value`` and
    ``count`` are the triples, ``m`` is the number of values per pairable unit, ``n_c`` the
    number of pairable values of each category and ``n`` their total.
    """

    unit: IntArray
    value: IntArray
    count: IntArray
    m: IntArray
    unit_index: IntArray
    n_c: FloatArray
    n: int

    @property
    def n_units(self) -> int:
        """Number of pairable units."""
        return int(self.m.shape[0])

    def dense(self) -> FloatArray:
        """The ``pairable units x V`` count matrix (used by the resampling code only)."""
        out = np.zeros((self.n_units, self.n_c.shape[0]), dtype=np.float64)
        out[self.unit, self.value] = self.count
        return out


class ReliabilityData:
    """Coded reliability data in one canonical, immutable form.

    Build it with a constructor that names the input form:

    * :meth:`from_matrix` - a ``coders x units`` matrix (list of lists or numpy array),
      ``None``/``NaN`` for missing values; the form of the public contract
      ``alpha(data, level=...)``.
    * :meth:`from_records` - long records ``(unit, coder, value)``.
    * :meth:`from_dataframe` - a pandas DataFrame, long (``unit=``, ``coder=``, ``value=``
      column names) or wide (one row per unit, one column per coder).
    * :meth:`from_counts` - a ``units x categories`` table of counts (no coder identities).
    * :meth:`from_contingency` - a two-coder ``categories x categories`` contingency table.

    ``categories`` (every constructor) fixes the value domain and its order: it is how ordinal
    data with string labels get their order, and how categories nobody used still count for
    coefficients that depend on the number of categories (Brennan-Prediger, Gwet's AC1).
    A value outside the declared categories is an error.

    Values may be numbers, strings, any hashable object, or sets of codes (a ``set``,
    ``frozenset`` or ``list`` value is a multiple-choice answer and is stored as a
    ``frozenset``). ``None``, float ``NaN``, ``pandas.NA`` and ``NaT`` are missing; in a numpy
    *string* array the string ``"nan"`` is missing too, because that is what numpy makes of a
    ``NaN`` put into a string array.
    """

    __slots__ = (
        "_coders",
        "_codes",
        "_count",
        "_declared",
        "_m",
        "_numeric",
        "_pairable",
        "_unit",
        "_units",
        "_value",
        "_values",
    )

    _values: npt.NDArray[Any]
    _numeric: bool
    _declared: bool
    _codes: IntArray | None
    _units: tuple[Hashable, ...] | None
    _coders: tuple[Hashable, ...] | None
    _unit: IntArray
    _value: IntArray
    _count: IntArray
    _m: IntArray
    _pairable: PairableCounts | None

    def __init__(self) -> None:  # pragma: no cover - use the constructors
        raise TypeError(
            "build ReliabilityData with from_matrix, from_records, from_dataframe, "
            "from_counts or from_contingency"
        )

    # ------------------------------------------------------------------ construction
    @classmethod
    def _new(
        cls,
        *,
        values: npt.NDArray[Any],
        numeric: bool,
        declared: bool,
        codes: IntArray | None,
        units: tuple[Hashable, ...] | None,
        coders: tuple[Hashable, ...] | None,
        triples: tuple[IntArray, IntArray, IntArray, IntArray] | None = None,
    ) -> Self:
        self = object.__new__(cls)
        self._values = values
        self._numeric = numeric
        self._declared = declared
        self._codes = codes
        self._units = units
        self._coders = coders
        if triples is None:
            if codes is None:  # pragma: no cover - internal misuse
                raise ValueError("either codes or triples are needed")
            triples = _triples_from_codes(codes, values.shape[0])
        self._unit, self._value, self._count, self._m = triples
        self._pairable = None
        return self

    @classmethod
    def from_matrix(cls, data: Any, *, categories: Sequence[Any] | None = None) -> ReliabilityData:
        """Build from a ``coders x units`` matrix (rows are coders, columns are units).

        ``data`` is a list of equally long lists or a 2-D numpy array. Numeric numpy arrays
        take a vectorised path (``NaN`` missing); lists and object arrays are scanned once in
        Python, which is where ``None``, strings and set-valued codes are handled.
        """
        if isinstance(data, ReliabilityData):
            return data
        if _is_dataframe(data):
            raise TypeError(
                "a pandas DataFrame is ambiguous here: use ReliabilityData.from_dataframe(df, ...)"
            )
        if isinstance(data, np.ndarray) and data.dtype.kind in "fiubUS":
            if data.ndim != 2:
                raise ValueError(f"expected a 2-D coders x units matrix, got shape {data.shape}")
            numeric = data.dtype.kind in "fiub"
            factorize = _factorize_numeric if numeric else _factorize_strings
            codes, values = factorize(data, categories)
            return cls._new(
                values=values,
                numeric=numeric,
                declared=categories is not None,
                codes=codes,
                units=None,
                coders=None,
            )
        rows = _rows_of(data)
        n_units = len(rows[0]) if rows else 0
        flat: list[Any] = [v for row in rows for v in row]
        codes_flat, values, numeric = _factorize_objects(flat, categories)
        codes = np.ascontiguousarray(
            codes_flat.reshape(len(rows), n_units).T.astype(_code_dtype(len(values)))
        )
        return cls._new(
            values=values,
            numeric=numeric,
            declared=categories is not None,
            codes=codes,
            units=None,
            coders=None,
        )

    @classmethod
    def from_records(
        cls,
        records: Iterable[tuple[Hashable, Hashable, Any]],
        *,
        categories: Sequence[Any] | None = None,
        units: Sequence[Hashable] | None = None,
        coders: Sequence[Hashable] | None = None,
    ) -> ReliabilityData:
        """Build from long records ``(unit, coder, value)``, one per coding.

        Units and coders are numbered in order of first appearance, unless ``units`` /
        ``coders`` list them (which also adds units or coders without any coding). A missing
        value (``None``/``NaN``) is the same as no record. Two records for the same unit and
        coder are an error: a multiple-choice answer is one set-valued record.
        """
        unit_ids: dict[Hashable, int] = {u: i for i, u in enumerate(units or ())}
        coder_ids: dict[Hashable, int] = {c: i for i, c in enumerate(coders or ())}
        ui: list[int] = []
        ci: list[int] = []
        vals: list[Any] = []
        for rec in records:
            try:
                unit, coder, value = rec
            except (TypeError, ValueError):
                raise ValueError(f"a record must be (unit, coder, value), got {rec!r}") from None
            if units is not None and unit not in unit_ids:
                raise ValueError(f"record for unknown unit {unit!r}")
            if coders is not None and coder not in coder_ids:
                raise ValueError(f"record for unknown coder {coder!r}")
            ui.append(unit_ids.setdefault(unit, len(unit_ids)))
            ci.append(coder_ids.setdefault(coder, len(coder_ids)))
            vals.append(value)
        codes_flat, values, numeric = _factorize_objects(vals, categories)
        n_u, n_c = len(unit_ids), len(coder_ids)
        codes = np.full((n_u, n_c), -1, dtype=_code_dtype(len(values)))
        if ui:
            uarr = np.asarray(ui, dtype=np.int64)
            carr = np.asarray(ci, dtype=np.int64)
            key = uarr * max(n_c, 1) + carr
            if np.unique(key).shape[0] != key.shape[0]:
                uniq, counts = np.unique(key, return_counts=True)
                dup = int(uniq[np.argmax(counts > 1)])
                u_lab = list(unit_ids)[dup // max(n_c, 1)]
                c_lab = list(coder_ids)[dup % max(n_c, 1)]
                raise ValueError(
                    f"coder {c_lab!r} has more than one record for unit {u_lab!r}; "
                    "a multiple-choice answer is one record whose value is a set"
                )
            ok = codes_flat >= 0
            codes[uarr[ok], carr[ok]] = codes_flat[ok]
        return cls._new(
            values=values,
            numeric=numeric,
            declared=categories is not None,
            codes=codes,
            units=tuple(unit_ids),
            coders=tuple(coder_ids),
        )

    @classmethod
    def from_codes(
        cls,
        unit: npt.ArrayLike,
        coder: npt.ArrayLike,
        value: npt.ArrayLike,
        *,
        categories: Sequence[Any],
        units: Sequence[Hashable],
        coders: Sequence[Hashable],
    ) -> ReliabilityData:
        """Build from integer codes, one entry per coding: ``unit[i]`` indexes ``units``,
        ``coder[i]`` indexes ``coders`` and ``value[i]`` indexes ``categories`` (``-1``: a
        missing value, the same as no coding).

        The path for callers that already hold their records as codes (columns read with Apache
        Arrow, dictionary-encoded): no Python object per record. The result is the same as
        :meth:`from_records` on the decoded records with the same ``categories``, ``units`` and
        ``coders``. Two codings of one unit by one coder are an error, as there.
        """
        uarr = np.asarray(unit, dtype=np.int64)
        carr = np.asarray(coder, dtype=np.int64)
        varr = np.asarray(value, dtype=np.int64)
        if not uarr.shape == carr.shape == varr.shape or uarr.ndim != 1:
            raise ValueError("unit, coder and value codes must be 1-D arrays of one length")
        labels = [_normalise_label(c) for c in categories]
        if len(set(labels)) != len(labels):
            raise ValueError("categories must be distinct")
        n_u, n_c, n_v = len(units), len(coders), len(labels)
        for name, arr, bound, low in (
            ("unit", uarr, n_u, 0),
            ("coder", carr, n_c, 0),
            ("value", varr, n_v, -1),
        ):
            if arr.size and (int(arr.min()) < low or int(arr.max()) >= bound):
                raise ValueError(f"{name} codes outside 0..{bound - 1}")
        # Cells nobody filled hold _EMPTY_CELL until the end: then two codings of one cell are
        # seen in O(n), as fewer filled cells than codings, without sorting the codings.
        codes = np.full((n_u, n_c), _EMPTY_CELL, dtype=_code_dtype(n_v))
        if uarr.size:
            codes[uarr, carr] = varr
            if np.count_nonzero(codes != _EMPTY_CELL) != uarr.size:
                key = uarr * max(n_c, 1) + carr
                order = np.sort(key)
                dup = int(order[np.flatnonzero(order[1:] == order[:-1])[0]])
                raise ValueError(
                    f"coder {coders[dup % max(n_c, 1)]!r} has more than one record for unit "
                    f"{units[dup // max(n_c, 1)]!r}; "
                    "a multiple-choice answer is one record whose value is a set"
                )
        codes[codes == _EMPTY_CELL] = -1
        values = _labels_array(labels)
        return cls._new(
            values=values,
            numeric=values.dtype.kind in "fiu",
            declared=True,
            codes=codes,
            units=tuple(units),
            coders=tuple(coders),
        )

    @classmethod
    def from_dataframe(
        cls,
        df: Any,
        *,
        unit: str | None = None,
        coder: str | None = None,
        value: str | None = None,
        categories: Sequence[Any] | None = None,
    ) -> ReliabilityData:
        """Build from a pandas DataFrame (pandas is imported only by the caller).

        Long form: give the three column names ``unit``, ``coder`` and ``value``.
        Wide form: give none of them; the frame then has one row per unit (the index labels
        the units) and one column per coder (the column labels name the coders) - the usual
        spreadsheet layout, i.e. the *transpose* of :meth:`from_matrix`'s coders x units.
        """
        if not _is_dataframe(df):
            raise TypeError(f"expected a pandas DataFrame, got {type(df).__name__}")
        names = (unit, coder, value)
        if all(n is not None for n in names):
            recs = zip(df[unit].tolist(), df[coder].tolist(), df[value].tolist(), strict=True)
            return cls.from_records(recs, categories=categories)
        if any(n is not None for n in names):
            raise ValueError("give all three of unit=, coder=, value= (long form) or none (wide)")
        unit_labels = tuple(df.index.tolist())
        coder_labels = tuple(df.columns.tolist())
        matrix = [df[c].tolist() for c in df.columns]
        built = cls.from_matrix(matrix, categories=categories)
        return cls._new(
            values=built._values,
            numeric=built._numeric,
            declared=built._declared,
            codes=built._codes,
            units=unit_labels,
            coders=coder_labels,
            triples=(built._unit, built._value, built._count, built._m),
        )

    @classmethod
    def from_counts(cls, table: Any, *, categories: Sequence[Any] | None = None) -> ReliabilityData:
        """Build from a ``units x categories`` table: cell (u, c) = coders who gave u value c.

        This is Fleiss' (1971) table. Coder identities are lost, so Cohen's and Conger's
        kappa and the per-coder diagnostics are not available. Column labels of a DataFrame
        (or ``categories``) name the categories, in order; otherwise they are ``0..V-1``.
        """
        unit_labels: tuple[Hashable, ...] | None = None
        if _is_dataframe(table):
            if categories is None:
                categories = list(table.columns)
            unit_labels = tuple(table.index.tolist())
            table = table.to_numpy()
        arr = np.asarray(table)
        if arr.ndim != 2:
            raise ValueError(f"expected a 2-D units x categories table, got shape {arr.shape}")
        counts = _as_counts(arr)
        n_units, n_cat = counts.shape
        values = _declared_values(categories, n_cat)
        numeric = values.dtype.kind in "fiu"
        nz_u, nz_v = np.nonzero(counts)
        triples = (
            nz_u.astype(_unit_dtype(n_units)),
            nz_v.astype(_code_dtype(n_cat)),
            counts[nz_u, nz_v].astype(np.int64),
            counts.sum(axis=1).astype(np.int64),  # may exceed int32 in a count table
        )
        return cls._new(
            values=values,
            numeric=numeric,
            declared=True,
            codes=None,
            units=unit_labels,
            coders=None,
            triples=triples,
        )

    @classmethod
    def from_contingency(
        cls, table: Any, *, categories: Sequence[Any] | None = None
    ) -> ReliabilityData:
        """Build from a two-coder contingency table: cell (k, l) = units that coder 1 put in
        category k and coder 2 in category l.

        The table holds frequencies (non-negative integers). Every unit is then a column of a
        ``2 x n`` matrix, so every coefficient (not only the two-coder ones) is available.
        Categories default to ``0..q-1`` (row/column order), or DataFrame labels.
        """
        if _is_dataframe(table):
            if categories is None:
                categories = list(table.index)
            table = table.to_numpy()
        arr = np.asarray(table)
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise ValueError(f"a contingency table is square, got shape {arr.shape}")
        counts = _as_counts(arr)
        q = counts.shape[0]
        values = _declared_values(categories, q)
        cells = np.repeat(np.arange(q * q, dtype=np.int64), counts.ravel())
        codes = np.empty((cells.shape[0], 2), dtype=_code_dtype(q))
        codes[:, 0] = cells // q
        codes[:, 1] = cells % q
        return cls._new(
            values=values,
            numeric=values.dtype.kind in "fiu",
            declared=True,
            codes=codes,
            units=None,
            coders=("row", "column"),
        )

    # ------------------------------------------------------------------ public read-only view
    @property
    def categories(self) -> tuple[Any, ...]:
        """The value domain, in order (declared order, else sorted when sortable)."""
        return tuple(self._values.tolist())

    @property
    def n_categories(self) -> int:
        """V, the number of values in the domain."""
        return int(self._values.shape[0])

    @property
    def n_units(self) -> int:
        """Number of units, including units with fewer than two values."""
        return int(self._m.shape[0])

    @property
    def n_coders(self) -> int | None:
        """Number of coders, ``None`` for a count table (coders unknown)."""
        return None if self._codes is None else int(self._codes.shape[1])

    @property
    def has_coders(self) -> bool:
        """Whether coder identities are known (everything but :meth:`from_counts`)."""
        return self._codes is not None

    @property
    def units(self) -> tuple[Hashable, ...]:
        """Unit labels (positions ``0..N-1`` for a matrix)."""
        return self._units if self._units is not None else tuple(range(self.n_units))

    @property
    def coders(self) -> tuple[Hashable, ...]:
        """Coder labels (row positions for a matrix); empty for a count table."""
        if self._codes is None:
            return ()
        return self._coders if self._coders is not None else tuple(range(self._codes.shape[1]))

    @property
    def is_numeric(self) -> bool:
        """Whether the values are numbers (interval and ratio levels need that)."""
        return self._numeric

    @property
    def is_ordered(self) -> bool:
        """Whether the values have an order: numbers, or ``categories`` were declared."""
        return self._numeric or self._declared

    @property
    def n_pairable_units(self) -> int:
        """Units with two or more values (the only ones that carry information on agreement)."""
        return self.pairable().n_units

    @property
    def n_pairable_values(self) -> int:
        """n, the number of values in pairable units."""
        return self.pairable().n

    def value_counts(self) -> npt.NDArray[np.int64]:
        """The dense ``units x V`` count table (memory N x V; the engine never needs it)."""
        out = np.zeros((self.n_units, self.n_categories), dtype=np.int64)
        out[self._unit, self._value] = self._count
        return out

    def codes_matrix(self) -> IntArray:
        """The ``units x coders`` matrix of value codes (index into :attr:`categories`, -1
        missing). Raises for count tables."""
        return self._require_codes("this")

    def __repr__(self) -> str:
        coders = "?" if self._codes is None else str(self._codes.shape[1])
        return (
            f"<ReliabilityData units={self.n_units} coders={coders} "
            f"categories={self.n_categories} pairable_values={self.n_pairable_values}>"
        )

    # ------------------------------------------------------------------ derived views
    def pairable(self) -> PairableCounts:
        """The triples of the pairable units, computed once and cached."""
        if self._pairable is None:
            keep_unit = self._m >= 2
            unit_index = np.flatnonzero(keep_unit)
            if unit_index.shape[0] == keep_unit.shape[0]:
                # Every unit is pairable (the usual case): share the arrays, no copy.
                unit, value, count = self._unit, self._value, self._count
            else:
                sel = keep_unit[self._unit]
                renumber = np.cumsum(keep_unit) - 1
                unit = renumber[self._unit[sel]].astype(_unit_dtype(unit_index.shape[0]))
                value = self._value[sel]
                count = self._count[sel]
            n_c = weighted_bincount(value, count, self.n_categories)
            self._pairable = PairableCounts(
                unit=unit,
                value=value,
                count=count,
                m=self._m[keep_unit],
                unit_index=unit_index,
                n_c=n_c,
                n=int(count.sum()),
            )
        return self._pairable

    def _require_codes(self, what: str) -> IntArray:
        if self._codes is None:
            raise ValueError(
                f"{what} needs coder identities, which a count table (from_counts) does not have"
            )
        return self._codes

    def with_coders(self, keep: Sequence[int] | npt.NDArray[np.integer[Any]]) -> ReliabilityData:
        """A copy restricted to the coders at positions ``keep`` (same value domain)."""
        codes = self._require_codes("selecting coders")
        idx = np.asarray(keep, dtype=np.int64)
        sub = np.ascontiguousarray(codes[:, idx])
        labels = self.coders
        return type(self)._new(
            values=self._values,
            numeric=self._numeric,
            declared=self._declared,
            codes=sub,
            units=self._units,
            coders=tuple(labels[i] for i in idx.tolist()),
        )

    def numeric_values(self) -> FloatArray:
        """The value labels as floats (interval and ratio levels)."""
        if not self._numeric:
            raise TypeError(
                "interval and ratio levels need numeric values; these values are "
                f"{self.categories[:5]!r}"
            )
        return np.asarray(self._values, dtype=np.float64)


def as_reliability_data(data: Any) -> ReliabilityData:
    """Coerce the public functions' ``data`` argument: a ReliabilityData, or a coders x units
    matrix (the contract's form). Anything else must go through an explicit constructor."""
    if isinstance(data, ReliabilityData):
        return data
    return ReliabilityData.from_matrix(data)


# ---------------------------------------------------------------------- helpers
def _is_dataframe(obj: Any) -> bool:
    # Duck-typed so pandas is never imported here.
    return type(obj).__name__ == "DataFrame" and hasattr(obj, "columns") and hasattr(obj, "index")


#: A cell of the code matrix no coding has filled yet (see ``from_codes``); -1 is a missing value.
_EMPTY_CELL = -2


def _code_dtype(n_values: int) -> type[np.signedinteger[Any]]:
    """The smallest signed integer type holding codes ``-1..n_values-1``."""
    if n_values <= np.iinfo(np.int8).max:
        return np.int8
    if n_values <= np.iinfo(np.int16).max:
        return np.int16
    if n_values <= np.iinfo(np.int32).max:
        return np.int32
    return np.int64  # pragma: no cover - more than 2**31 distinct values


def _unit_dtype(n_units: int) -> type[np.signedinteger[Any]]:
    return np.int32 if n_units < np.iinfo(np.int32).max else np.int64


def _as_counts(arr: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    if arr.dtype.kind not in "fiub":
        raise TypeError("a count table holds numbers")
    if arr.dtype.kind == "f" and (not np.all(np.isfinite(arr)) or not np.all(arr == np.round(arr))):
        raise ValueError("a count table holds whole numbers of codings")
    counts = arr.astype(np.int64)
    if np.any(counts < 0):
        raise ValueError("a count table cannot hold negative counts")
    return counts


def _declared_values(categories: Sequence[Any] | None, n: int) -> npt.NDArray[Any]:
    if categories is None:
        return np.arange(n, dtype=np.int64)
    vals = _labels_array([_normalise_label(c) for c in categories])
    if vals.shape[0] != n:
        raise ValueError(f"{vals.shape[0]} categories given for a table with {n} categories")
    if len(set(vals.tolist())) != n:
        raise ValueError("categories must be distinct")
    return vals


def _rows_of(data: Any) -> list[list[Any]]:
    if isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise ValueError(f"expected a 2-D coders x units matrix, got shape {data.shape}")
        return [list(r) for r in data]
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise TypeError(f"expected a coders x units matrix, got {type(data).__name__}")
    rows = [list(r) for r in data]
    if rows and any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("every coder's row must have one entry per unit (use None for missing)")
    return rows


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float):  # includes numpy.float64
        return math.isnan(v)
    if isinstance(v, np.floating):
        return bool(np.isnan(v))
    if isinstance(v, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(v))
    return type(v).__name__ in ("NAType", "NaTType")


def _normalise_label(v: Any) -> Any:
    # Multiple-choice answers become frozensets so that {a, b} and [b, a] are one value.
    if isinstance(v, (set, frozenset, list)):
        return frozenset(_normalise_label(x) for x in v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def _is_real_number(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def _sort_key(v: Any) -> tuple[Any, ...]:
    # A total, run-independent order for labels that do not sort by themselves (sets, mixed
    # types): repr of a frozenset depends on hash seeds, the sorted reprs of its items do not.
    if isinstance(v, frozenset):
        return (1, len(v), sorted(repr(x) for x in v))
    return (0, type(v).__name__, repr(v))


def _labels_array(labels: list[Any]) -> npt.NDArray[Any]:
    """Labels as a 1-D array: numeric dtype for numbers, else object (never a 2-D array
    made from set-valued labels)."""
    if not labels:
        return np.empty(0, dtype=np.float64)  # no values at all: nothing to order
    if all(_is_real_number(v) for v in labels):
        if all(isinstance(v, numbers.Integral) for v in labels):
            return np.asarray(labels, dtype=np.int64)
        return np.asarray(labels, dtype=np.float64)
    out = np.empty(len(labels), dtype=object)
    out[:] = labels
    return out


def _factorize_objects(
    flat: list[Any], categories: Sequence[Any] | None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any], bool]:
    """Codes (``-1`` missing), labels and numeric flag for a flat list of Python values."""
    missing = [_is_missing(v) for v in flat]
    present = [_normalise_label(v) for v, miss in zip(flat, missing, strict=True) if not miss]
    if categories is None and present and all(_is_real_number(v) for v in present):
        # All numbers: the vectorised numeric path, then integer labels if all were integers.
        arr = np.array([math.nan if m else float(v) for v, m in zip(flat, missing, strict=True)])
        codes2, values = _factorize_numeric(arr[None, :], None)
        if all(isinstance(v, numbers.Integral) for v in present):
            values = values.astype(np.int64)
        return codes2[:, 0].astype(np.int64), values, True
    if categories is not None:
        labels = [_normalise_label(c) for c in categories]
        if len(set(labels)) != len(labels):
            raise ValueError("categories must be distinct")
    else:
        uniq = list(dict.fromkeys(present))
        if all(isinstance(v, str) for v in uniq) or all(_is_real_number(v) for v in uniq):
            labels = sorted(uniq)
        else:
            labels = sorted(uniq, key=_sort_key)
    index = {lab: i for i, lab in enumerate(labels)}
    codes = np.full(len(flat), -1, dtype=np.int64)
    it = iter(present)
    unknown: list[Any] = []
    for pos, miss in enumerate(missing):
        if miss:
            continue
        lab = next(it)
        code = index.get(lab)
        if code is None:
            unknown.append(lab)
        else:
            codes[pos] = code
    if unknown:
        raise ValueError(
            f"values outside the declared categories: {sorted(set(map(repr, unknown)))[:5]}"
        )
    values = _labels_array(labels)
    return codes, values, values.dtype.kind in "fiu"


def _factorize_strings(
    arr: npt.NDArray[Any], categories: Sequence[Any] | None
) -> tuple[IntArray, npt.NDArray[Any]]:
    """Codes (units x coders) for a numpy string array; ``"nan"`` is missing (see class doc)."""
    missing_token = b"nan" if arr.dtype.kind == "S" else "nan"
    mask = arr != missing_token
    if categories is None:
        labels = np.unique(arr[mask])
    else:
        labels = np.asarray(list(categories), dtype=arr.dtype)
    values = _labels_array(labels.tolist())
    codes = _map_sorted(arr, mask, labels).T
    return np.ascontiguousarray(codes.astype(_code_dtype(labels.shape[0]))), values


def _map_sorted(
    block: npt.NDArray[Any], mask: npt.NDArray[np.bool_], labels: npt.NDArray[Any]
) -> npt.NDArray[np.int64]:
    """Codes of ``block`` in ``labels`` (any order), -1 where ``mask`` is False."""
    sorter = np.argsort(labels, kind="stable")
    srt = labels[sorter]
    if srt.shape[0] == 0:
        if np.any(mask):
            raise ValueError("values outside the declared categories")
        return np.full(block.shape, -1, dtype=np.int64)
    pos = np.searchsorted(srt, block)
    np.clip(pos, 0, srt.shape[0] - 1, out=pos)
    found = srt[pos] == block
    if np.any(mask & ~found):
        bad = np.unique(block[mask & ~found])[:5]
        raise ValueError(f"values outside the declared categories: {bad.tolist()!r}")
    out = sorter[pos].astype(np.int64)
    out[~mask] = -1
    return out


def _factorize_numeric(
    arr: npt.NDArray[Any], categories: Sequence[Any] | None
) -> tuple[IntArray, npt.NDArray[Any]]:
    """Codes (``units x coders``, compact dtype) and labels for a numeric ``coders x units``
    array, in blocks of units so that temporaries stay small."""
    n_coders, n_units = arr.shape
    is_float = arr.dtype.kind == "f"

    def block(u0: int) -> tuple[npt.NDArray[Any], npt.NDArray[np.bool_]]:
        blk = arr[:, u0 : u0 + _BLOCK_UNITS]
        if is_float:
            mask = ~np.isnan(blk)
            if not np.all(np.isfinite(blk[mask])):
                raise ValueError("infinite values cannot be coded")
        else:
            mask = np.ones(blk.shape, dtype=bool)
        return blk, mask

    starts = range(0, n_units, _BLOCK_UNITS)
    codes: IntArray
    if categories is not None:
        labels = np.asarray(list(categories))
        if labels.dtype.kind not in "fiub" or labels.ndim != 1:
            raise TypeError("numeric data need numeric categories")
        if np.unique(labels).shape[0] != labels.shape[0]:
            raise ValueError("categories must be distinct")
        codes = np.empty((n_units, n_coders), dtype=_code_dtype(labels.shape[0]))
        for u0 in starts:
            blk, mask = block(u0)
            codes[u0 : u0 + blk.shape[1]] = _map_sorted(blk, mask, labels).T
        return codes, labels

    # Pass 1: range and integrality, to pick the lookup-table fast path.
    lo, hi, integral, any_value = math.inf, -math.inf, True, False
    for u0 in starts:
        blk, mask = block(u0)
        vals = blk[mask]
        if vals.size == 0:
            continue
        any_value = True
        lo = min(lo, float(vals.min()))
        hi = max(hi, float(vals.max()))
        if integral and is_float:
            integral = bool(np.all(vals == np.floor(vals)))
    if not any_value:
        return np.full((n_units, n_coders), -1, dtype=np.int8), np.empty(0, dtype=arr.dtype)

    if integral and hi - lo <= _LUT_MAX_RANGE:
        # Integer codes in a small range: presence by bincount, codes by a lookup table.
        # O(n) and no sort - the common case of category codes 1..V.
        base = int(lo)
        span = int(hi) - base + 1
        present = np.zeros(span, dtype=bool)
        for u0 in starts:
            blk, mask = block(u0)
            present[(blk[mask] - base).astype(np.int64)] = True
        offsets = np.flatnonzero(present)
        labels = (offsets + base).astype(arr.dtype)
        lut = np.full(span, -1, dtype=np.int64)
        lut[offsets] = np.arange(offsets.shape[0])
        code_dtype = _code_dtype(offsets.shape[0])
        codes = np.empty((n_units, n_coders), dtype=code_dtype)
        for u0 in starts:
            blk, mask = block(u0)
            out = np.full(blk.shape, -1, dtype=code_dtype)
            out[mask] = lut[(blk[mask] - base).astype(np.int64)]
            codes[u0 : u0 + blk.shape[1]] = out.T
        return codes, labels

    # General numeric values: union of per-block uniques, then binary search.
    uniques = []
    for u0 in starts:
        blk, mask = block(u0)
        uniques.append(np.unique(blk[mask]))
    labels = np.unique(np.concatenate(uniques))
    codes = np.empty((n_units, n_coders), dtype=_code_dtype(labels.shape[0]))
    for u0 in starts:
        blk, mask = block(u0)
        codes[u0 : u0 + blk.shape[1]] = _map_sorted(blk, mask, labels).T
    return codes, labels


def _triples_from_codes(
    codes: IntArray, n_values: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """The one counting pass: sparse ``(unit, value, count)`` triples and values per unit.

    Up to 8 coders: pairwise comparisons of the coders' columns, O(n m). Otherwise each block
    is sorted along the coder axis and runs of equal codes in a row are one triple (missing,
    -1, sorts first and is dropped), O(n log m). Within a unit, triples are in no particular
    order; across units they are sorted by unit. The output
    arrays are allocated once at their upper bound (one triple per coded value) and filled
    block by block, so the peak is the output itself plus one block.
    """
    n_units, n_coders = codes.shape
    udt = _unit_dtype(n_units)
    m = np.zeros(n_units, dtype=np.int32)
    if n_coders == 0 or n_units == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty.astype(udt), empty.astype(codes.dtype), empty.astype(np.int32), m
    for u0 in range(0, n_units, _BLOCK_UNITS):
        m[u0 : u0 + _BLOCK_UNITS] = np.count_nonzero(codes[u0 : u0 + _BLOCK_UNITS] >= 0, axis=1)
    bound = int(m.sum(dtype=np.int64))
    unit = np.empty(bound, dtype=udt)
    value = np.empty(bound, dtype=codes.dtype)
    # Counts are at most the number of coders: int32 keeps a triple at 9 bytes or less.
    count = np.empty(bound, dtype=np.int32)
    filled = 0
    if n_coders <= _MAX_PAIRWISE_CODERS:
        # Few coders: compare every two coders' codes column-wise (m (m - 1) / 2 vectorised
        # comparisons per block, no sort). A coder's code starts a triple if no earlier coder
        # of the unit has the same code; its count is the number of coders sharing it.
        for u0 in range(0, n_units, _BLOCK_UNITS):
            cols = np.ascontiguousarray(codes[u0 : u0 + _BLOCK_UNITS].T)
            valid = cols >= 0
            first = valid.copy()
            cnt = valid.astype(np.int32)
            for j in range(n_coders):
                for i in range(j):
                    eq = (cols[i] == cols[j]) & valid[i]
                    cnt[i] += eq
                    cnt[j] += eq
                    first[j] &= ~eq
            idx = np.flatnonzero(first.T)  # unit-major order
            k = idx.shape[0]
            unit[filled : filled + k] = idx // n_coders + u0
            value[filled : filled + k] = cols.T.ravel()[idx]
            count[filled : filled + k] = cnt.T.ravel()[idx]
            filled += k
        return unit[:filled], value[:filled], count[:filled], m
    for u0 in range(0, n_units, _BLOCK_UNITS):
        blk = np.sort(codes[u0 : u0 + _BLOCK_UNITS], axis=1)
        flat = blk.reshape(-1)
        boundary = np.empty(flat.shape[0], dtype=bool)
        boundary[0] = True
        np.not_equal(flat[1:], flat[:-1], out=boundary[1:])
        boundary[::n_coders] = True  # every row starts a run
        bpos = np.flatnonzero(boundary)
        starts = np.flatnonzero(boundary & (flat >= 0))
        ends = np.append(bpos, flat.shape[0])[np.searchsorted(bpos, starts, side="right")]
        k = starts.shape[0]
        unit[filled : filled + k] = starts // n_coders + u0
        value[filled : filled + k] = flat[starts]
        count[filled : filled + k] = ends - starts
        filled += k
    return unit[:filled], value[:filled], count[:filled], m


def weighted_bincount(index: IntArray, weights: npt.ArrayLike, minlength: int) -> FloatArray:
    """``np.bincount`` with weights, in chunks so that float64 copies of the weights stay
    small (the triples are int32 and would otherwise be converted whole)."""
    w = np.asarray(weights)
    out = np.zeros(minlength, dtype=np.float64)
    step = 1 << 20
    for a in range(0, index.shape[0], step):
        out += np.bincount(
            index[a : a + step], weights=w[a : a + step].astype(np.float64), minlength=minlength
        )
    return out
