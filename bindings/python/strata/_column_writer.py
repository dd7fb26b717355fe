"""Columnar writes from numpy arrays: a ColumnWriter fills one strata batch through the columnar
calls (strata_batch_series once per tag set and field, then strata_batch_append_f64/_i64/_bool
of whole arrays), and writes it as one atomic batch. String fields, which have no columnar call,
go point by point (strata_batch_add_str).

Missing values are skipped, not written: NaN in a float array, masked entries of a
numpy.ma.MaskedArray, None (or NaN) in an object array. Imported only when used (numpy).
"""
import ctypes

import numpy as np

from . import _errors, _ffi
from ._times import INT64_MAX

_I64P = ctypes.POINTER(ctypes.c_int64)
_F64P = ctypes.POINTER(ctypes.c_double)
_INTP = ctypes.POINTER(ctypes.c_int)


def times_ns(times, what="time"):
    """An int64 array of ns from int or datetime64 values; InvalidError for NaT or other types."""
    arr = np.asarray(times)
    if arr.ndim != 1:
        raise _errors.InvalidError("%s must be 1-dimensional" % what)
    if arr.dtype.kind == "M":
        arr = arr.astype("datetime64[ns]")
        if np.isnat(arr).any():
            raise _errors.InvalidError("%s holds NaT at row %d" % (what, int(np.isnat(arr).argmax())))
        return np.ascontiguousarray(arr.view(np.int64))
    if arr.dtype.kind == "i":
        return np.ascontiguousarray(arr, dtype=np.int64)
    if arr.dtype.kind == "u":
        if len(arr) and arr.max() > INT64_MAX:
            raise _errors.InvalidError("%s has a value beyond the int64 range" % what)
        return np.ascontiguousarray(arr, dtype=np.int64)
    if arr.dtype == object and len(arr) == 0:
        return np.empty(0, dtype=np.int64)
    raise _errors.InvalidError("%s must hold int ns or datetime64 values, not %s" % (what, arr.dtype))


def field_values(name, values, n):
    """(kind, values, present) for one field's array: kind STRATA_FLOAT/INT/BOOL/STRING; values a
    contiguous array of the C call's type (a list for strings); present a bool array of the rows
    that have a value, or None when all do."""
    mask = None
    if isinstance(values, np.ma.MaskedArray):
        mask = np.ma.getmaskarray(values)
        values = values.data
    arr = np.asarray(values)
    if arr.ndim != 1 or len(arr) != n:
        raise _errors.InvalidError("field %r: %d values for %d times" % (name, arr.size, n))
    kind = arr.dtype.kind
    present = None if mask is None else ~mask
    if kind == "f":
        arr = np.ascontiguousarray(arr, dtype=np.float64)
        nan = np.isnan(arr)
        if nan.any():
            present = ~nan if present is None else present & ~nan
        return _ffi.FLOAT, arr, present
    if kind == "b":
        return _ffi.BOOL, np.ascontiguousarray(arr, dtype=np.intc), present
    if kind in "iu":
        if kind == "u" and len(arr) and arr.max() > INT64_MAX:
            raise _errors.InvalidError("field %r: a value beyond the int64 range" % name)
        return _ffi.INT, np.ascontiguousarray(arr, dtype=np.int64), present
    if kind in "OUS":
        strs = arr.tolist()
        has = np.fromiter((_is_value(v) for v in strs), dtype=bool, count=len(strs))
        for i, v in enumerate(strs):
            if has[i] and not isinstance(v, (str, bytes)):
                raise _errors.InvalidError("field %r: row %d holds a %s; a column of text must "
                                           "hold str (or None for no value)"
                                           % (name, i, type(v).__name__))
        if not has.all():
            present = has if present is None else present & has
        return _ffi.STRING, strs, present
    raise _errors.InvalidError("field %r: cannot store values of dtype %s (use float, int, bool "
                               "or str)" % (name, arr.dtype))


def _is_value(v):
    return v is not None and not (isinstance(v, float) and v != v)


class ColumnWriter:
    """Builds one batch of `measurement` from arrays, then writes it atomically (write()). Owns
    its batch until close(); one thread at a time."""

    def __init__(self, lib, measurement):
        self._lib = lib
        self._m = _ffi.encode(measurement, "measurement")
        self._batch = _ffi.BatchP()
        _ffi.check(lib.strata_batch_new(ctypes.byref(self._batch)))

    def add(self, tags, times, fields):
        """Appends the points of one tag set: times (int64 ns array) and, per field, an array of
        the same length prepared by field_values (kind, values, present)."""
        lib, b = self._lib, self._batch
        tag_arr, ntags = _ffi.tag_array(tags)
        ref = ctypes.c_uint32()
        for name, (kind, values, present) in fields.items():
            f = _ffi.encode(name, "field name")
            t = times
            if present is not None:
                t = times[present]
                values = values[present] if kind != _ffi.STRING else [
                    v for v, keep in zip(values, present) if keep]
            if len(t) == 0:
                continue
            if kind == _ffi.STRING:
                self._add_strings(tag_arr, ntags, f, t, values)
                continue
            _ffi.check(lib.strata_batch_series(b, self._m, tag_arr, ntags, f, kind,
                                               ctypes.byref(ref)))
            tp = t.ctypes.data_as(_I64P)
            if kind == _ffi.FLOAT:
                rc = lib.strata_batch_append_f64(b, ref, tp, values.ctypes.data_as(_F64P), len(t))
            elif kind == _ffi.INT:
                rc = lib.strata_batch_append_i64(b, ref, tp, values.ctypes.data_as(_I64P), len(t))
            else:
                rc = lib.strata_batch_append_bool(b, ref, tp, values.ctypes.data_as(_INTP), len(t))
            if rc != _errors.OK:
                raise _errors.error_for(rc, "field %r: %s" % (name, _ffi.errmsg()))

    def _add_strings(self, tag_arr, ntags, f, times, values):
        lib, b, m = self._lib, self._batch, self._m
        for t, v in zip(times.tolist(), values):
            data = v.encode("utf-8", "surrogateescape") if isinstance(v, str) else v
            _ffi.check(lib.strata_batch_add_str(b, m, tag_arr, ntags, f, t, data, len(data)))

    def count(self):
        return self._lib.strata_batch_count(self._batch)

    def write(self, db):
        """Writes every point added as one atomic batch; returns their number."""
        n = self.count()
        _ffi.check(self._lib.strata_write(db, self._batch))
        return n

    def write_and_refill(self, db):
        """write(), then empties the batch of points, keeping its series resolved."""
        n = self.write(db)
        self._lib.strata_batch_clear_points(self._batch)
        return n

    def close(self):
        batch, self._batch = self._batch, None
        if batch:
            self._lib.strata_batch_free(batch)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def check_writable(lib, db, measurement, prepared, times):
    """Refuses, before anything is written, what the library would refuse at write time: a field
    whose type differs from the one the directory holds (TypeConflictError), and a time older
    than the oldest writable one (retention; InvalidError)."""
    m = _ffi.encode(measurement, "measurement")
    kind = ctypes.c_int()
    for name, (want, _values, _present) in prepared.items():
        rc = lib.strata_field_type(db, m, _ffi.encode(name, "field name"), ctypes.byref(kind))
        if rc == _errors.NOT_FOUND:
            continue
        _ffi.check(rc)
        if kind.value != want:
            raise _errors.TypeConflictError(
                "field %r of %r holds %s values in this directory; the data to write is %s"
                % (name, measurement, _TYPE_NAMES[kind.value], _TYPE_NAMES[want]))
    if len(times):
        oldest = ctypes.c_int64()
        _ffi.check(lib.strata_oldest_writable_time(db, ctypes.byref(oldest)))
        first = int(times.argmin())
        if int(times[first]) < oldest.value:
            raise _errors.InvalidError("time %d (row %d) is older than the oldest writable time %d"
                                       % (int(times[first]), first, oldest.value))


_TYPE_NAMES = {_ffi.FLOAT: "float", _ffi.INT: "integer", _ffi.BOOL: "boolean",
               _ffi.STRING: "string"}


def write_columns(lib, db, measurement, tags, time, fields):
    """See Database.write_columns."""
    if not fields:
        raise _errors.InvalidError("write_columns needs at least one field")
    times = times_ns(time)
    prepared = {name: field_values(name, values, len(times)) for name, values in fields.items()}
    with ColumnWriter(lib, measurement) as w:
        w.add(tags or {}, times, prepared)
        w.write(db)
        return w.count()
