"""Columnar reads into numpy: Database.read_columns, a row-view query (strata_query_rows) read a
block at a time (strata_rows_next_block), each block's times and values copied straight from the
library's arrays into growing numpy arrays, without a Python object per value.

Imported only when read_columns or read_frame is called, so numpy stays optional. The Columns
it returns owns its arrays; it holds no handle of the library.
"""
import collections.abc
import ctypes

import numpy as np

from . import _errors, _ffi
from ._filters import TagSelection, name_list as _name_list
from ._times import time_bound

_BLOCK_ROWS = 1 << 20  # max rows per strata_rows_next_block call
_FIRST_CAPACITY = 1 << 16
_MAX_GUESS = 1 << 26  # rows reserved at most on the guess from the first block
_DTYPES = {_ffi.FLOAT: np.float64, _ffi.INT: np.int64, _ffi.BOOL: np.bool_, _ffi.STRING: object}


class _Growing:
    """A 1-d array filled from the front, its capacity doubled as needed. A larger array is a new
    np.empty (numpy asks the kernel for huge pages for large ones, so filling it takes far fewer
    page faults than memory from realloc) with the filled part copied over."""

    __slots__ = ("array", "n", "_base", "_itemsize")

    def __init__(self, dtype, capacity=_FIRST_CAPACITY):
        self.array = np.empty(capacity, dtype=dtype)
        self.n = 0
        self._base = self.array.ctypes.data
        self._itemsize = self.array.itemsize

    def reserve(self, extra):
        need = self.n + extra
        cap = len(self.array)
        if need > cap:
            while cap < need:
                cap *= 2
            bigger = np.empty(cap, dtype=self.array.dtype)
            bigger[: self.n] = self.array[: self.n]
            self.array = bigger
            self._base = self.array.ctypes.data

    def address(self):
        """The address of the first free element (call reserve first)."""
        return self._base + self.n * self._itemsize

    def finish(self):
        self.array.resize(self.n, refcheck=False)
        return self.array


class _FieldColumn:
    """One field's values, and where rows lack a value, a mask (created at the first gap)."""

    __slots__ = ("name", "type", "values", "missing")

    def __init__(self, name, kind, rows_before):
        self.name = name
        self.type = kind  # STRATA_FLOAT... or 0 while unknown (a field never written)
        dtype = _DTYPES.get(kind, np.float64)
        self.values = _Growing(dtype, max(_FIRST_CAPACITY, rows_before))
        self.missing = None
        if rows_before:
            self.skip(rows_before)

    def skip(self, k):
        """Appends k rows without a value."""
        if self.missing is None:
            self.missing = _Growing(np.bool_, len(self.values.array))
            self.missing.array[: self.values.n] = False
            self.missing.n = self.values.n
        v = self.values
        v.reserve(k)
        if v.array.dtype == np.float64:
            v.array[v.n : v.n + k] = np.nan
        elif v.array.dtype == object:
            v.array[v.n : v.n + k] = None
        else:
            v.array[v.n : v.n + k] = 0
        v.n += k
        self.missing.reserve(k)
        self.missing.array[self.missing.n : self.missing.n + k] = True
        self.missing.n += k

    def present(self, k):
        if self.missing is not None:
            self.missing.reserve(k)
            self.missing.array[self.missing.n : self.missing.n + k] = False
            self.missing.n += k

    def finish(self):
        values = self.values.finish()
        if self.missing is None:
            return values
        return np.ma.MaskedArray(values, mask=self.missing.finish())


class Columns(collections.abc.Mapping):
    """The rows of a read_columns query as numpy arrays: one row per tag set and time, as the
    row view of the SQL module. A mapping of column name to array, in the order "time", the tag
    keys (sorted), then the fields (in the order asked, else sorted):

      time      datetime64[ns] array
      <tag>     object array of str (None where the row's tag set lacks the key), built on
                first access from `tagset` and `tagsets`
      <field>   float64, int64, bool or object (str) array; a numpy.ma.MaskedArray when some rows
                have no value of the field (masked there), a plain array otherwise

    Also: nrows; times (the int64 ns view of time); tagset (int32 array: the row's index into
    tagsets); tagsets (one {key: value} dict per tag set, in the order they come); fields
    (name -> array); field_types (name -> STRATA_FLOAT.. or 0 for a field never written);
    to_frame() (pandas). Where a field and a tag share a name, the mapping gives the field and
    tag(key) the tag."""

    def __init__(self, times, tagset, tagsets, fields, field_types):
        self.times = times
        self.time = times.view("datetime64[ns]")
        self.tagset = tagset
        self.tagsets = tagsets
        self.fields = fields
        self.field_types = field_types
        self.tag_keys = sorted({k for ts in tagsets for k in ts})
        self._tag_cache = {}

    @property
    def nrows(self):
        return len(self.times)

    def tag_codes(self, key):
        """(codes, categories): categories is the sorted list of the tag's values; codes an int32
        array per row indexing it, -1 where the row's tag set lacks the key."""
        categories = sorted({ts[key] for ts in self.tagsets if key in ts})
        index = {v: i for i, v in enumerate(categories)}
        lut = np.array([index.get(ts.get(key), -1) for ts in self.tagsets] or [-1], dtype=np.int32)
        return lut[self.tagset], categories

    def tag(self, key):
        """The tag `key` of every row as an object array of str (None where absent)."""
        if key not in self._tag_cache:
            lut = np.array([ts.get(key) for ts in self.tagsets] + [None], dtype=object)
            self._tag_cache[key] = lut[self.tagset]
        return self._tag_cache[key]

    def __getitem__(self, name):
        if name == "time":
            return self.time
        if name in self.fields:
            return self.fields[name]
        if name in self.tag_keys:
            return self.tag(name)
        raise KeyError(name)

    def __iter__(self):
        seen = {"time"}
        yield "time"
        for name in self.tag_keys + list(self.fields):
            if name not in seen:
                seen.add(name)
                yield name

    def __len__(self):
        return sum(1 for _ in self)

    def __repr__(self):
        return "<strata.Columns %d rows: %s>" % (self.nrows, ", ".join(self))

    def to_frame(self):
        """A pandas DataFrame of these rows (see Database.read_frame)."""
        from . import _frames
        return _frames.columns_to_frame(self)


def _field_type(lib, db, m, name):
    kind = ctypes.c_int()
    rc = lib.strata_field_type(db, m, _ffi.encode(name, "field name"), ctypes.byref(kind))
    if rc == _errors.NOT_FOUND:
        return 0
    _ffi.check(rc)
    return kind.value


def read_columns(lib, db, measurement, fields=None, tags=None, start=None, end=None):
    """See Database.read_columns."""
    names = _name_list(fields)
    query = RowQuery(lib, db, measurement, tags, start, end)
    try:
        return query.read(names, give_up_when_unaligned=names is None or len(names) > 1).result
    except Unaligned:
        from . import _column_join
        return _column_join.read_field_by_field(query, names)


class Unaligned(Exception):
    """Raised by a read that finds most rows coming one per block: the fields of the tag sets
    were written at different times, and reading them field by field is much faster."""


_UNALIGNED_ROWS = 4096  # one-row blocks tolerated before a read gives up on the row view


class RowQuery:
    """One read_columns call's query: measurement, tag filters and time range, run as row
    queries of given fields."""

    def __init__(self, lib, db, measurement, tags, start, end):
        self.lib, self.db = lib, db
        self.measurement = measurement
        self.m = _ffi.encode(measurement, "measurement")
        self.selection = TagSelection(tags)
        self.t_min = time_bound(start, _ffi.INT64_MIN, "start")
        self.t_max = time_bound(end, _ffi.INT64_MAX, "end")

    def _start(self, names, limit_per_tagset=0):
        if names is None:
            cfields, nfields = None, 0
        else:
            cfields = (_ffi.c_char_p * len(names))(*[_ffi.encode(n, "field name") for n in names])
            nfields = len(names)
        rows = _ffi.RowsP()
        options = self.selection.options(limit_per_tagset)
        _ffi.check(self.lib.strata_query_rows_ex(
            self.db, self.m, self.selection.filters, self.selection.nfilters, cfields, nfields,
            self.t_min, self.t_max, ctypes.byref(options), ctypes.byref(rows)))
        return rows

    def read(self, names, give_up_when_unaligned=False):
        """A finished _Reader of the rows of `names` (None: every field)."""
        rows = self._start(names)
        try:
            reader = _Reader(self.lib, self.db, self.m, rows, names, give_up_when_unaligned)
            reader.run()
            return reader
        finally:
            self.lib.strata_rows_free(rows)

    def field_names(self):
        """The fields of the matching tag sets, in order of first appearance (one row per tag
        set is read to learn them)."""
        rows = self._start(None, limit_per_tagset=1)
        lib, names = self.lib, {}
        try:
            while _ffi.check(lib.strata_rows_next(rows)) == _errors.ROW:
                for i in range(lib.strata_rows_field_count(rows)):
                    names.setdefault(_ffi.decode(lib.strata_rows_field_name(rows, i)), None)
        finally:
            lib.strata_rows_free(rows)
        return list(names)


class _Reader:
    """Drains one strata_rows cursor block by block into growing arrays; run() leaves the
    Columns in `result`, and in `ids` and `keys` each tag set's strata_rows_tagset_id and
    canonical key (bytes)."""

    def __init__(self, lib, db, m, rows, names, give_up_when_unaligned=False):
        self.lib, self.db, self.m, self.rows = lib, db, m, rows
        self.give_up = give_up_when_unaligned
        self.times = _Growing(np.int64)
        self.codes = _Growing(np.int32)
        self.tagsets = []
        self.ids = []
        self.keys = []
        self.code_of = {}  # strata_rows_tagset_id -> index into tagsets
        self.columns = {}  # name -> _FieldColumn
        self.fixed = names is not None
        for name in names or ():
            self.columns[name] = _FieldColumn(name, _field_type(lib, db, m, name), 0)
        self.slots = list(self.columns.values())  # requested field i of the current tag set

    def _new_tagset(self):
        lib, r = self.lib, self.rows
        tags = {}
        for i in range(lib.strata_rows_tag_count(r)):
            tags[_ffi.decode(lib.strata_rows_tag_key(r, i))] = _ffi.decode(
                lib.strata_rows_tag_value(r, i))
        self.tagsets.append(tags)
        self.ids.append(lib.strata_rows_tagset_id(r))
        self.keys.append(lib.strata_rows_tagset(r))
        if not self.fixed:  # every field of each tag set: its own list
            self.slots = []
            for i in range(lib.strata_rows_field_count(r)):
                name = _ffi.decode(lib.strata_rows_field_name(r, i))
                col = self.columns.get(name)
                if col is None:
                    col = _FieldColumn(name, _field_type(self.lib, self.db, self.m, name),
                                       self.times.n)
                    self.columns[name] = col
                self.slots.append(col)
        return len(self.tagsets) - 1

    def run(self):
        lib, r = self.lib, self.rows
        next_block = lib.strata_rows_next_block
        block_times = lib.strata_rows_block_times
        block_nums = lib.strata_rows_block_nums
        tagset_id = lib.strata_rows_tagset_id
        memmove = ctypes.memmove
        n = ctypes.c_size_t()
        times, codes = self.times, self.codes
        current_id, code = None, -1
        guessed = False
        single_rows = 0
        while True:
            rc = next_block(r, _BLOCK_ROWS, ctypes.byref(n))
            if rc != _errors.ROW:
                if rc == _errors.DONE:
                    break
                _ffi.check(rc)
            k = n.value
            if k == 1 and self.give_up:
                single_rows += 1
                if single_rows >= _UNALIGNED_ROWS and single_rows * 2 >= times.n:
                    raise Unaligned()
            if not guessed:
                # Tag sets tend to be alike: reserve the first block's rows times their number
                # (memory that stays untouched costs nothing), rather than grow and copy.
                guessed = True
                self._reserve_all(min(_MAX_GUESS, k * lib.strata_rows_tagset_count(r)))
            tid = tagset_id(r)
            if tid != current_id:
                current_id = tid
                code = self.code_of.get(tid)
                if code is None or not self.fixed:
                    code = self._new_tagset() if code is None else self._reuse_tagset(code)
                    self.code_of[tid] = code
            times.reserve(k)
            memmove(times.address(), block_times(r), k * 8)
            codes.reserve(k)
            codes.array[codes.n : codes.n + k] = code
            filled = set()
            for i, col in enumerate(self.slots):
                filled.add(col.name)
                nums = block_nums(r, i)
                if nums:
                    self._append_nums(col, nums, k)
                elif lib.strata_rows_type(r, i) == _ffi.STRING:
                    self._append_strs(col, i, k)
                else:
                    col.skip(k)
            for name, col in self.columns.items():
                if name not in filled:
                    col.skip(k)
            times.n += k
            codes.n += k
        self.result = Columns(times.finish(), codes.finish(), self.tagsets,
                              {name: col.finish() for name, col in self.columns.items()},
                              {name: col.type for name, col in self.columns.items()})

    def _reserve_all(self, rows):
        self.times.reserve(rows)
        self.codes.reserve(rows)
        for col in self.columns.values():
            col.values.reserve(rows)

    def _reuse_tagset(self, code):
        """A tag set seen before, met again (a query of every field re-reads its field list)."""
        lib, r = self.lib, self.rows
        self.slots = [self.columns[_ffi.decode(lib.strata_rows_field_name(r, i))]
                      for i in range(lib.strata_rows_field_count(r))]
        return code

    def _append_nums(self, col, nums, k):
        v = col.values
        v.reserve(k)
        if col.type == _ffi.BOOL:
            words = np.ctypeslib.as_array(nums, shape=(k,))
            np.not_equal(words, 0, out=v.array[v.n : v.n + k])
        else:
            ctypes.memmove(v.address(), nums, k * 8)
        v.n += k
        col.present(k)

    def _append_strs(self, col, i, k):
        lib, r = self.lib, self.rows
        length = ctypes.c_size_t()
        v = col.values
        v.reserve(k)
        for j in range(k):
            ptr = lib.strata_rows_block_str(r, i, j, ctypes.byref(length))
            v.array[v.n + j] = ctypes.string_at(ptr, length.value).decode(
                "utf-8", "surrogateescape")
        v.n += k
        col.present(k)
