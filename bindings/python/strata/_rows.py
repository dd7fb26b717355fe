"""Database.rows: the row view (strata_query_rows) as Python objects, a Row per tag set and
time with every field that has a value then, and the tag set's tags as a dict, read row by row
through strata_rows_next. For many rows, read_columns is faster (numpy arrays, a block at a
time); this needs nothing beyond the standard library."""
import collections
import ctypes

from . import _errors, _ffi
from ._closeable import _Closeable
from ._filters import TagSelection, name_list
from ._times import time_bound

Row = collections.namedtuple("Row", "time tags fields")
Row.__doc__ = """One row of the row view: time (int ns since the epoch), tags ({key: value}, the
row's tag set) and fields ({name: value} for the fields that have a value at that time: float,
int, bool or str)."""


class Rows(_Closeable):
    """An iterator of Rows over a snapshot taken when it was made: in tag-set order (that of the
    canonical tag-set keys), then by time. Close it (or use it in `with`, or exhaust it) to
    release the snapshot early; it is also released when garbage-collected. One thread at a
    time."""

    def __init__(self, lib, db, measurement, fields, tags, start, end):
        self._lib = lib
        self._rows = None
        names = name_list(fields)
        self._selection = TagSelection(tags)
        options = self._selection.options()
        field_arr = None
        if names:
            field_arr = (ctypes.c_char_p * len(names))(
                *[_ffi.encode(n, "field name") for n in names])
        rows = _ffi.RowsP()
        _ffi.check(lib.strata_query_rows_ex(
            db, _ffi.encode(measurement, "measurement"), self._selection.filters,
            self._selection.nfilters, field_arr, len(names) if names else 0,
            time_bound(start, _ffi.INT64_MIN, "start"), time_bound(end, _ffi.INT64_MAX, "end"),
            ctypes.byref(options), ctypes.byref(rows)))
        self._rows = rows
        self._tagset_id = None
        self._tags = {}
        self._names = []
        self._len = ctypes.c_size_t()

    def __iter__(self):
        return self

    def _new_tagset(self):
        lib, r = self._lib, self._rows
        self._tags = {_ffi.decode(lib.strata_rows_tag_key(r, i)):
                      _ffi.decode(lib.strata_rows_tag_value(r, i))
                      for i in range(lib.strata_rows_tag_count(r))}
        self._names = [_ffi.decode(lib.strata_rows_field_name(r, i))
                       for i in range(lib.strata_rows_field_count(r))]

    def _value(self, i, kind):
        lib, r = self._lib, self._rows
        if kind == _ffi.FLOAT:
            return lib.strata_rows_f64(r, i)
        if kind == _ffi.INT:
            return lib.strata_rows_i64(r, i)
        if kind == _ffi.BOOL:
            return lib.strata_rows_i64(r, i) != 0
        ptr = lib.strata_rows_str(r, i, ctypes.byref(self._len))
        return ctypes.string_at(ptr, self._len.value).decode("utf-8", "surrogateescape") if ptr else ""

    def __next__(self):
        lib, r = self._lib, self._rows
        if not r:
            raise StopIteration
        rc = lib.strata_rows_next(r)
        if rc != _errors.ROW:
            err = None if rc == _errors.DONE else _errors.error_for(rc, _ffi.errmsg())
            self.close()
            if err is not None:
                raise err
            raise StopIteration
        tagset_id = lib.strata_rows_tagset_id(r)
        if tagset_id != self._tagset_id:
            self._tagset_id = tagset_id
            self._new_tagset()
        fields = {}
        for i, name in enumerate(self._names):
            kind = lib.strata_rows_type(r, i)
            if kind:
                fields[name] = self._value(i, kind)
        return Row(lib.strata_rows_time(r), dict(self._tags), fields)

    def close(self):
        """Releases the cursor; the iterator then ends. Idempotent."""
        rows, self._rows = self._rows, None
        if rows:
            self._lib.strata_rows_free(rows)
