"""Strata: a time-series storage engine, from Python (pure ctypes over libstrata.so).

    import strata
    with strata.open("data", sync="full", memstore_bytes=64 << 20) as db:
        t0, t1 = "2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"
        db.write("cpu", {"hostname": "a"}, {"usage_user": 1.5, "count": 3}, time=t0)
        db.write_lines("cpu,hostname=b usage_user=2.5 1704067200000000000\\n")
        for row in db.rows("cpu", tags={"hostname": ["a", "b"]}, start=t0, end=t1):
            print(row.time, row.tags, row.fields)     # {'hostname': 'a'} {'count': 3, ...}
        for p in db.query("cpu", tags={"hostname": "a"}, field="usage_user", start=t0, end=t1):
            print(p.series, p.field, p.time, p.value)
        print(db.measurements(), db.tag_keys("cpu"), db.fields("cpu"))
        db.delete("cpu", tags={"hostname": "a"}, start=t0, end=t1)
        db.flush(); db.compact(); print(db.stats())
        cols = db.read_columns("cpu", fields=["usage_user"], tags={"hostname": ["a", "b"]})
        df = db.read_frame("cpu", start=t0, end=t1)       # pandas; db.write_frame("cpu", df)

Times are int nanoseconds since the Unix epoch, ISO-8601 text ("2024-01-01T00:00:00Z"; no zone
means UTC) or datetime.datetime (a naive one is UTC), everywhere a call takes one; the columnar
calls also take numpy.datetime64 and pandas.Timestamp, and give datetime64[ns]. Reads return int
ns. `tags` of a read or delete is {key: value or [values]}: a list means any of them (IN); the row
reads (rows, read_columns, read_frame) also take a predicate as the value: strata.Not(value or
[values]), strata.Prefix("web-", ignore_case=False), strata.Regex("web-[0-9]+") (RE2, the whole
value). A series without the tag matches no predicate. numpy and pandas are optional: only
read_columns/write_columns (numpy) and read_frame/write_frame (pandas) import them. Errors raise strata.Error subclasses, one per C
status code: InvalidError, IoError (not IOError, to leave the built-in alone), CorruptError,
LockedError, NotFoundError, TypeConflictError, NoMemError, ReadOnlyError; Error itself for internal errors.

A Database may be shared by threads; a query iterator belongs to one thread at a time. The
library is located through STRATA_LIBRARY, next to this package, or in the source tree's build/.
"""
import collections
import ctypes
import heapq
import json
import os
import time as _time

from . import _ffi
from ._closeable import _Closeable
from ._filters import Not, Prefix, Regex, TagPredicate, tag_combinations as _tag_combinations
from ._rows import Row, Rows
from ._times import time_bound as _time_bound
from ._errors import (CorruptError, Error, InvalidError, IoError, LockedError, NoMemError,
                      NotFoundError, ReadOnlyError, TypeConflictError)

__all__ = ["open", "Database", "Query", "Point", "Row", "Rows", "Columns", "Not", "Prefix", "Regex",
           "TagPredicate", "load_extension", "library_path", "version",
           "abi_version", "Error", "InvalidError", "IoError", "CorruptError", "LockedError", "ReadOnlyError",
           "NotFoundError", "TypeConflictError", "NoMemError"]

Point = collections.namedtuple("Point", "series field time value")
Point.__doc__ = """One point of a query: series key, field name, time (ns) and value (float, int,
bool or str)."""

_check = _ffi.check
_INT64_MIN = _ffi.INT64_MIN
_INT64_MAX = _ffi.INT64_MAX
_BLOCK = 4096  # points per strata_cursor_next_block call


def __getattr__(name):
    if name == "Columns":  # the result of read_columns; importing it needs numpy
        return _import("_columns", "numpy", "python3-numpy").Columns
    raise AttributeError("module 'strata' has no attribute %r" % name)


def version():
    """The library version, "MAJOR.MINOR.PATCH"."""
    return _ffi.lib().strata_version().decode()


def abi_version():
    """The library's ABI generation (strata_abi_version())."""
    return _ffi.lib().strata_abi_version()


def library_path():
    """The path of the libstrata.so this package loads."""
    return _ffi.library_path()


def _option_text(options):
    parts = []
    for key, value in options.items():
        if isinstance(value, bool) or value is None:
            raise InvalidError("option %s: %r is not a valid value" % (key, value))
        text = str(value)
        if ";" in text or "=" in text:
            raise InvalidError("option %s: %r may not contain ';' or '='" % (key, value))
        parts.append("%s=%s" % (key, text))
    return ";".join(parts)


def open(path, **options):  # noqa: A001 - the documented name
    """Opens (creating if needed) the data directory `path`. Keyword options are those of
    strata_open: sync="full"|"normal"|"off", sync_interval_ms, memstore_bytes, wal_segment_bytes,
    shard_duration ("1h", "1d", ...), retention, compaction_threads, block_cache_bytes, read_only
    (0: to write, the default; 1: to read a directory another process may be writing, creating
    nothing, every write then raising ReadOnlyError; "auto": to write if no other process does),
    reader_staleness_ms. Returns a Database."""
    return Database(path, **options)


class Database(_Closeable):
    """An open data directory. Use as a context manager or call close(); close is idempotent and
    also runs when the object is garbage-collected. Thread-safe, except that close() must not
    race with other calls on the same Database."""

    def __init__(self, path, **options):
        self._lib = _ffi.lib()
        self._db = None
        handle = _ffi.DbP()
        opts = _option_text(options)
        _check(self._lib.strata_open(_ffi.encode(str(path), "path"),
                                     opts.encode() if opts else None, ctypes.byref(handle)))
        self._db = handle
        self.path = str(path)

    # -- lifetime --------------------------------------------------------------------------------
    def close(self):
        """Closes the handle. Safe to call more than once. Open query iterators stay usable."""
        db, self._db = self._db, None
        if db:
            self._lib.strata_close(db)

    @property
    def closed(self):
        return not self._db

    def _handle(self):
        if not self._db:
            raise InvalidError("the database %s is closed" % getattr(self, "path", "?"))
        return self._db

    # -- writes ----------------------------------------------------------------------------------
    def write(self, measurement, tags, fields, time=None):
        """Writes one row: every field of `fields` ({name: value}) for the tag set `tags` at `time`
        (int ns, ISO-8601 text or datetime; None = now), atomically. bool -> boolean field, int ->
        integer (int64), float -> float (NaN/Inf rejected), str -> string. An int for a field
        that holds floats is stored as a float, as SQL stores 7 in a REAL column (refused when
        the float cannot hold it exactly, beyond 2**53)."""
        db = self._handle()
        lib = self._lib
        t = _time.time_ns() if time is None else _time_bound(time, 0, "time")
        m = _ffi.encode(measurement, "measurement")
        tag_arr, ntags = _ffi.tag_array(tags)
        if not fields:
            raise InvalidError("write needs at least one field")
        batch = _ffi.BatchP()
        _check(lib.strata_batch_new(ctypes.byref(batch)))
        try:
            for name, value in fields.items():
                f = _ffi.encode(name, "field name")
                if isinstance(value, bool):  # before int: bool is an int subclass
                    rc = lib.strata_batch_add_bool(batch, m, tag_arr, ntags, f, t, 1 if value else 0)
                elif isinstance(value, int) and self._holds_floats(m, f):
                    try:
                        as_float = float(value)
                    except OverflowError:  # beyond the largest double
                        as_float = None
                    if as_float != value:
                        raise InvalidError("field %r holds floats: %d has no exact float value"
                                           % (name, value))
                    rc = lib.strata_batch_add_f64(batch, m, tag_arr, ntags, f, t, as_float)
                elif isinstance(value, int):
                    if not _INT64_MIN <= value <= _INT64_MAX:
                        raise InvalidError("field %r: %d does not fit in int64" % (name, value))
                    rc = lib.strata_batch_add_i64(batch, m, tag_arr, ntags, f, t, value)
                elif isinstance(value, float):
                    rc = lib.strata_batch_add_f64(batch, m, tag_arr, ntags, f, t, value)
                elif isinstance(value, (str, bytes)):
                    data = value.encode("utf-8", "surrogateescape") if isinstance(value, str) else value
                    rc = lib.strata_batch_add_str(batch, m, tag_arr, ntags, f, t, data, len(data))
                else:
                    raise InvalidError("field %r: cannot store a %s (use bool, int, float or str)"
                                       % (name, type(value).__name__))
                _check(rc)
            _check(lib.strata_write(db, batch))
        finally:
            lib.strata_batch_free(batch)

    def _holds_floats(self, measurement, field):
        """Whether the directory records (measurement, field) as a float field (bytes names)."""
        kind = ctypes.c_int()
        rc = self._lib.strata_field_type(self._handle(), measurement, field, ctypes.byref(kind))
        if rc == _ffi._errors.NOT_FOUND:
            return False
        _check(rc)
        return kind.value == _ffi.FLOAT

    def write_lines(self, text, precision="ns"):
        """Writes InfluxDB line protocol (str or bytes) as one atomic batch. `precision` is the
        unit of its timestamps: "ns", "us", "ms" or "s"."""
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        if precision == "ns":
            _check(self._lib.strata_write_lines(self._handle(), data, len(data)))
            return
        if precision not in _ffi.PRECISIONS:
            raise InvalidError("unknown precision %r (ns, us, ms or s)" % (precision,))
        options = _ffi.LinesOptions(_ffi.LINES_OPTIONS_VERSION, _ffi.PRECISIONS[precision])
        _check(self._lib.strata_write_lines_ex(self._handle(), data, len(data),
                                               ctypes.byref(options)))

    def schema(self):
        """The directory's measurements with their tag keys, field types and number of series (see
        strata_schema_json): {"measurements": [{"name", "tags", "fields": [{"name", "type"}],
        "series"}]}."""
        out = ctypes.c_void_p()
        _check(self._lib.strata_schema_json(self._handle(), ctypes.byref(out)))
        try:
            return json.loads(ctypes.string_at(out.value).decode("utf-8"))
        finally:
            self._lib.strata_free(out)

    def measurements(self):
        """The names of the directory's measurements, sorted."""
        return [m["name"] for m in self.schema()["measurements"]]

    def _measurement_schema(self, measurement):
        for m in self.schema()["measurements"]:
            if m["name"] == measurement:
                return m
        raise NotFoundError("no measurement %r in %s" % (measurement, self.path))

    def tag_keys(self, measurement):
        """The tag keys of `measurement`'s series (the union over its tag sets), sorted.
        NotFoundError for a measurement the directory does not hold."""
        return list(self._measurement_schema(measurement)["tags"])

    def tag_values(self, measurement, key):
        """{value: number of series} of tag `key` of `measurement`, sorted by value, from the tag
        index without reading any point (strata_list_tags): every series written and not dropped
        counts. Empty for an unknown measurement or key."""
        lib = self._lib
        out = ctypes.c_void_p()
        _check(lib.strata_list_tags(self._handle(), _ffi.encode(measurement, "measurement"),
                                    _ffi.encode(key, "tag key"),
                                    ctypes.byref(out)))
        try:
            values = {}
            size = ctypes.c_size_t()
            for i in range(lib.strata_tag_list_count(out)):
                name = lib.strata_tag_list_name(out, i, ctypes.byref(size))
                values[ctypes.string_at(name, size.value).decode("utf-8")] = \
                    lib.strata_tag_list_series(out, i)
            return values
        finally:
            lib.strata_tag_list_free(out)

    def fields(self, measurement):
        """{field name: type} of `measurement`, sorted by name; types are "float", "integer",
        "boolean" and "string". NotFoundError for a measurement the directory does not hold."""
        return {f["name"]: f["type"] for f in self._measurement_schema(measurement)["fields"]}

    def delete(self, measurement, tags=None, field=None, start=None, end=None):
        """Deletes, atomically, the points of `measurement` whose series carry every tag of `tags`
        ({key: value or [values]}, a list meaning any of them) and, unless None, have field
        `field`, with start <= time <= end (inclusive; None: unbounded)."""
        lib = self._lib
        m = _ffi.encode(measurement, "measurement")
        t_min = _time_bound(start, _INT64_MIN, "start")
        t_max = _time_bound(end, _INT64_MAX, "end")
        fields = None if field is None else (ctypes.c_char_p * 1)(_ffi.encode(field, "field"))
        batch = _ffi.BatchP()
        _check(lib.strata_batch_new(ctypes.byref(batch)))
        try:
            for combo in _tag_combinations(tags):
                tag_arr, ntags = _ffi.tag_array(combo)
                _check(lib.strata_batch_delete(batch, m, tag_arr, ntags, 0, fields,
                                               0 if field is None else 1, t_min, t_max))
            if lib.strata_batch_delete_count(batch):
                _check(lib.strata_write(self._handle(), batch))
        finally:
            lib.strata_batch_free(batch)

    # -- reads -----------------------------------------------------------------------------------
    def query(self, measurement, tags=None, field=None, start=None, end=None):
        """Iterates the Points of `measurement` whose series carry every tag of `tags`
        ({key: value or [values]}, a list meaning any of them) and, unless None, have field
        `field`, with start <= time <= end (inclusive, as SQL's BETWEEN; None: unbounded), in
        (series key, time) order, from a snapshot taken now. Returns a Query iterator."""
        m = _ffi.encode(measurement, "measurement")
        f = None if field is None else _ffi.encode(field, "field")
        t_min = _time_bound(start, _INT64_MIN, "start")
        t_max = _time_bound(end, _INT64_MAX, "end")
        queries = []
        try:
            for combo in _tag_combinations(tags):
                tag_arr, ntags = _ffi.tag_array(combo)
                cursor = _ffi.CursorP()
                _check(self._lib.strata_query(self._handle(), m, tag_arr, ntags, f, t_min, t_max,
                                              ctypes.byref(cursor)))
                queries.append(Query(self._lib, cursor))
        except BaseException:
            for q in queries:
                q.close()
            raise
        return queries[0] if len(queries) == 1 else Query.merged(queries)

    def rows(self, measurement, fields=None, tags=None, start=None, end=None):
        """Iterates the rows of `measurement`, as the SQL row view has them: a Row per tag set and
        time, Row.tags the tag set as {key: value}, Row.fields {name: value} for each field of
        `fields` (a name or a list; None: every field) that has a value then. tags:
        {key: value, [values] (IN) or a predicate (Not, Prefix, Regex)}; start <= time <= end
        (inclusive; None:
        unbounded). Rows come in tag-set order, then by time, from a snapshot taken now. Returns
        a Rows iterator (close it, or use `with`, to release the snapshot early)."""
        return Rows(self._lib, self._handle(), measurement, fields, tags, start, end)

    # -- columnar: numpy and pandas (imported only here) ------------------------------------------
    def read_columns(self, measurement, fields=None, tags=None, start=None, end=None):
        """Reads rows of `measurement` into numpy arrays, a block at a time: one row per tag set
        and time, as the SQL row view. fields: a name or list of names (None: every field);
        tags: {key: value, [values] (IN) or a predicate}; start <= time <= end (int ns,
        numpy.datetime64 or pandas.Timestamp; None: unbounded). Rows come in tag-set order, then
        by time, from a snapshot taken now. Returns a strata.Columns mapping (see its doc):
        cols["time"] is datetime64[ns], cols[field] a typed array, masked where rows lack a
        value. Needs numpy."""
        _columns = _import("_columns", "numpy", "python3-numpy")
        return _columns.read_columns(self._lib, self._handle(), measurement, fields, tags, start,
                                     end)

    def read_frame(self, measurement, fields=None, tags=None, start=None, end=None):
        """read_columns as a pandas DataFrame: columns time (datetime64[ns], UTC), the tags
        (categorical; NaN where a tag set lacks the key), the fields (float64 with NaN, Int64 and
        boolean where rows lack a value, object for text). Needs pandas."""
        _import("_frames", "pandas", "python3-pandas")
        return self.read_columns(measurement, fields, tags, start, end).to_frame()

    def write_columns(self, measurement, tags, time, fields):
        """Writes the points of one tag set from arrays, as one atomic batch through the columnar
        calls: tags {key: value}; time an array of int ns or datetime64; fields {name: array}
        of the same length (float -> float field, int -> integer, bool -> boolean, str objects
        -> string). NaN, None and masked entries are no value (skipped). Returns the number of
        points written. Needs numpy."""
        _writer = _import("_column_writer", "numpy", "python3-numpy")
        return _writer.write_columns(self._lib, self._handle(), measurement, tags, time, fields)

    def write_frame(self, measurement, frame, tags=None, time="time", fields=None,
                    batch_points=1_000_000):
        """Writes a pandas DataFrame, a row per tag set and time: `tags` the tag columns
        (default: the categorical ones, as read_frame makes them), `time` the time column (int
        ns or datetime64; naive times are UTC; default "time", else a DatetimeIndex), `fields`
        the field columns (default: all others). Rows are grouped by tag set and each field
        written as arrays; NaN, None and NA are no value. The points go in atomic batches of
        about batch_points (None: the whole frame in one batch, which the engine writes more
        slowly when it is large). Every column is converted and checked first, and so are the
        directory's field types and oldest writable time, so bad input (a wrong type, an old
        time, an empty or non-text tag) is refused before anything is written; a failure after
        the first batch (I/O, a series key over the library's limit) leaves the batches before
        it written. Returns the number of points written. Needs pandas."""
        _frames = _import("_frames", "pandas", "python3-pandas")
        return _frames.write_frame(self._lib, self._handle(), measurement, frame, tags, time,
                                   fields, batch_points)

    # -- maintenance -----------------------------------------------------------------------------
    def flush(self):
        """Writes every MemStore to segment files and waits for it."""
        _check(self._lib.strata_flush(self._handle()))

    def compact(self):
        """Flushes, then merges each shard's segments into one (synchronously)."""
        _check(self._lib.strata_compact(self._handle()))

    def backup(self, dest, progress=None):
        """Backs the directory up into the new directory `dest` while writes go on (see
        strata_backup): the copy holds every write acknowledged before the call and none started
        after it; opening it is the restore. progress(bytes_done, bytes_total), if given, is
        called as the copy goes on; returning True from it abandons the backup (strata.Error).
        An exception raised by it abandons the backup too and is raised again here."""
        path = _ffi.encode(os.fspath(dest), "dest")
        if progress is None:
            _check(self._lib.strata_backup(self._handle(), path))
            return
        raised = []

        def report(_ctx, done, total):
            try:
                return 1 if progress(done, total) else 0
            except BaseException as e:  # noqa: B902 -- handed back to the caller below
                raised.append(e)
                return 1

        callback = _ffi.BackupProgress(report)
        status = self._lib.strata_backup_ex(self._handle(), path, callback, None)
        if raised:
            raise raised[0]
        _check(status)

    def stats(self):
        """Engine statistics as a dict (see strata_stats_json)."""
        out = ctypes.c_void_p()
        _check(self._lib.strata_stats_json(self._handle(), ctypes.byref(out)))
        try:
            return json.loads(ctypes.string_at(out.value).decode("utf-8"))
        finally:
            self._lib.strata_free(out)


class Query(_Closeable):
    """An iterator of Points over a query's snapshot, read block by block. Close it (or use it as
    a context manager, or exhaust it) to release the snapshot early; it is also released when
    garbage-collected. One thread at a time."""

    def __init__(self, lib, cursor):
        self._lib = lib
        self._cursor = cursor
        self._times = (ctypes.c_int64 * _BLOCK)()
        self._doubles = (ctypes.c_double * _BLOCK)()
        self._ints = (ctypes.c_int64 * _BLOCK).from_buffer(self._doubles)
        self._n = ctypes.c_size_t()
        self._buf = iter(())

    def __iter__(self):
        return self

    def __next__(self):
        try:
            return next(self._buf)
        except StopIteration:
            pass
        while self._cursor:
            points = self._read_block()
            if points:
                self._buf = iter(points)
                return next(self._buf)
        raise StopIteration

    def _read_block(self):
        lib, c = self._lib, self._cursor
        rc = lib.strata_cursor_next_block(c, self._times, self._doubles, _BLOCK, ctypes.byref(self._n))
        if rc != _ffi._errors.ROW:
            if rc == _ffi._errors.DONE:
                self.close()
                return None
            err = _ffi._errors.error_for(rc, _ffi.errmsg())
            self.close()
            raise err
        n = self._n.value
        series = lib.strata_cursor_series(c).decode("utf-8", "surrogateescape")
        field = lib.strata_cursor_field(c).decode("utf-8", "surrogateescape")
        kind = lib.strata_cursor_type(c)
        times = self._times[:n]
        if kind == _ffi.FLOAT:
            values = self._doubles[:n]
        elif kind == _ffi.INT:
            values = self._ints[:n]
        elif kind == _ffi.BOOL:
            values = [v != 0 for v in self._ints[:n]]
        else:
            length = ctypes.c_size_t()
            values = []
            for i in range(n):
                ptr = lib.strata_cursor_block_str(c, i, ctypes.byref(length))
                values.append(ctypes.string_at(ptr, length.value).decode("utf-8", "surrogateescape")
                              if ptr else "")
        return [Point(series, field, t, v) for t, v in zip(times, values)]

    def close(self):
        """Releases the cursor; the iterator then ends. Idempotent."""
        self._buf = iter(())
        cursor, self._cursor = self._cursor, None
        if cursor:
            self._lib.strata_cursor_free(cursor)

    @staticmethod
    def merged(queries):
        """One iterator of the Points of `queries` (over disjoint series, as the tag values of an
        IN give them) in (series key, time) order; closing it closes them all."""
        return _MergedQuery(queries)


class _MergedQuery(_Closeable):
    """Query.merged: the union of queries over disjoint series, in (series key, time) order."""

    def __init__(self, queries):
        self._queries = queries
        self._merge = heapq.merge(*queries, key=lambda p: (p.series, p.time))

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._merge)

    def close(self):
        """Releases every cursor; the iterator then ends. Idempotent."""
        self._merge = iter(())
        for q in getattr(self, "_queries", ()):
            q.close()



def _import(module, needs, package):
    """The binding's module that needs numpy or pandas, imported on first use; a clear
    ImportError when they are missing."""
    import importlib
    try:
        importlib.import_module(needs)
    except ImportError as e:
        raise ImportError("this call needs %s (Debian: apt-get install %s): %s"
                          % (needs, package, e)) from e
    return importlib.import_module("." + module, __name__)


def load_extension(conn):
    """Loads Strata's SQLite module (CREATE VIRTUAL TABLE ... USING strata(...)) into the
    sqlite3.Connection `conn`, from the same libstrata.so. Extension loading is enabled only for
    the duration of the call. Raises strata.Error when the library has no SQLite module or SQLite
    refuses to load it."""
    lib = _ffi.lib()
    path = _ffi.loaded_path()
    try:
        getattr(lib, "sqlite3_strata_init")
    except AttributeError:
        raise Error("%s does not contain the SQLite module (no sqlite3_strata_init)" % path) from None
    if not hasattr(conn, "enable_load_extension"):
        raise Error("this Python's sqlite3 module cannot load extensions")
    conn.enable_load_extension(True)
    try:
        conn.load_extension(path)
    except Exception as e:  # sqlite3.OperationalError
        raise Error("SQLite could not load %s: %s" % (path, e)) from e
    finally:
        conn.enable_load_extension(False)


