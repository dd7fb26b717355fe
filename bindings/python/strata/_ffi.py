"""ctypes declarations of the C ABI (abi/include/strata.h): argtypes and restype of every function,
the library lookup, and `check`, which turns a status into an exception right after the call.

The library is found, in order: the STRATA_LIBRARY environment variable (a file path), a
libstrata.so next to this package, then build/libstrata.so of the source tree this package sits in.
It is loaded on first use, so importing strata never fails for want of it.
"""
import ctypes
import os
import threading
from pathlib import Path

from . import _errors

c_int = ctypes.c_int
c_int64 = ctypes.c_int64
c_uint32 = ctypes.c_uint32
c_uint64 = ctypes.c_uint64
c_size_t = ctypes.c_size_t
c_double = ctypes.c_double
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
POINTER = ctypes.POINTER

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

FLOAT, INT, BOOL, STRING = 1, 2, 3, 4


class Tag(ctypes.Structure):
    _fields_ = [("key", c_char_p), ("value", c_char_p)]


# Opaque handles.
class _Db(ctypes.Structure):
    pass


class _Batch(ctypes.Structure):
    pass


class _Cursor(ctypes.Structure):
    pass


class TagFilter(ctypes.Structure):
    _fields_ = [("key", c_char_p), ("values", POINTER(c_char_p)), ("nvalues", c_size_t)]


class _Rows(ctypes.Structure):
    pass


class TagPredicate(ctypes.Structure):
    _fields_ = [("key", c_char_p), ("op", c_int), ("values", POINTER(c_char_p)),
                ("nvalues", c_size_t)]


# STRATA_TAG_*: the ops of a TagPredicate.
TAG_NOT_IN, TAG_PREFIX, TAG_PREFIX_NOCASE, TAG_REGEX = 1, 2, 3, 4

ROWS_OPTIONS_VERSION = 4  # STRATA_ROWS_OPTIONS_VERSION: the layout of RowsOptions


class RowsOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("descending", c_int),
                ("presence_only", POINTER(ctypes.c_ubyte)), ("limit_per_tagset", c_size_t),
                ("order_tags", POINTER(c_char_p)), ("norder_tags", c_size_t),
                ("predicates", POINTER(TagPredicate)), ("npredicates", c_size_t)]


class SeriesKeyParts(ctypes.Structure):
    """strata_series_key_parts: what strata_parse_series_key returns (freed with strata_free)."""
    _fields_ = [("measurement", c_char_p), ("tags", POINTER(Tag)), ("ntags", c_size_t),
                ("field", c_char_p), ("tagset_len", c_size_t)]


TIME_TEXT_BYTES = 31  # STRATA_TIME_TEXT_BYTES

LINES_OPTIONS_VERSION = 1  # STRATA_LINES_OPTIONS_VERSION: the layout of LinesOptions
# STRATA_PRECISION_* by the names InfluxDB 2.x gives them.
PRECISIONS = {"ns": 0, "us": 1, "ms": 2, "s": 3}


class LinesOptions(ctypes.Structure):
    _fields_ = [("version", c_int), ("precision", c_int)]


DbP = POINTER(_Db)
RowsP = POINTER(_Rows)
BatchP = POINTER(_Batch)
CursorP = POINTER(_Cursor)
TagP = POINTER(Tag)
I64P = POINTER(c_int64)

# strata_backup_progress: int (*)(void *ctx, uint64_t bytes_done, uint64_t bytes_total).
BackupProgress = ctypes.CFUNCTYPE(c_int, c_void_p, c_uint64, c_uint64)

# strata_summary_accept: int (*)(void *ctx, int64_t first_time, int64_t last_time).
SummaryAccept = ctypes.CFUNCTYPE(c_int, c_void_p, c_int64, c_int64)


class BlockSummary(ctypes.Structure):
    """strata_block_summary (strata.h)."""
    _fields_ = [(name, c_int64) for name in ("count", "first_time", "last_time")] + \
        [(name, c_double) for name in ("min_f", "max_f", "first_f", "last_f", "sum_f")] + \
        [(name, c_int64) for name in ("min_i", "max_i", "first_i", "last_i", "sum_hi",
                                      "min_prefix_hi", "max_prefix_hi")] + \
        [(name, c_uint64) for name in ("sum_lo", "min_prefix_lo", "max_prefix_lo")]


# name: (restype, argtypes) for every exported function.
_SIGNATURES = {
    "strata_abi_version": (c_int, []),
    "strata_version": (c_char_p, []),
    "strata_errmsg": (c_char_p, []),
    "strata_free": (None, [c_void_p]),
    "strata_open": (c_int, [c_char_p, c_char_p, POINTER(DbP)]),
    "strata_close": (c_int, [DbP]),
    "strata_write_lines": (c_int, [DbP, c_char_p, c_size_t]),
    "strata_write_lines_ex": (c_int, [DbP, c_char_p, c_size_t, POINTER(LinesOptions)]),
    "strata_schema_json": (c_int, [DbP, POINTER(c_void_p)]),
    "strata_write": (c_int, [DbP, BatchP]),
    "strata_write_and_clear": (c_int, [DbP, BatchP]),
    "strata_delete": (c_int, [DbP, c_char_p, TagP, c_size_t, c_char_p, c_int64, c_int64]),
    "strata_flush": (c_int, [DbP]),
    "strata_compact": (c_int, [DbP]),
    "strata_backup": (c_int, [DbP, c_char_p]),
    "strata_backup_ex": (c_int, [DbP, c_char_p, BackupProgress, c_void_p]),
    "strata_stats_json": (c_int, [DbP, POINTER(c_void_p)]),
    "strata_batch_new": (c_int, [POINTER(BatchP)]),
    "strata_batch_free": (None, [BatchP]),
    "strata_batch_clear": (None, [BatchP]),
    "strata_batch_clear_points": (None, [BatchP]),
    "strata_batch_count": (c_size_t, [BatchP]),
    "strata_batch_add_f64": (c_int, [BatchP, c_char_p, TagP, c_size_t, c_char_p, c_int64, c_double]),
    "strata_batch_add_i64": (c_int, [BatchP, c_char_p, TagP, c_size_t, c_char_p, c_int64, c_int64]),
    "strata_batch_add_bool": (c_int, [BatchP, c_char_p, TagP, c_size_t, c_char_p, c_int64, c_int]),
    "strata_batch_add_str": (c_int, [BatchP, c_char_p, TagP, c_size_t, c_char_p, c_int64, c_char_p,
                                     c_size_t]),
    "strata_batch_series": (c_int, [BatchP, c_char_p, TagP, c_size_t, c_char_p, c_int,
                                    POINTER(c_uint32)]),
    "strata_batch_append_f64": (c_int, [BatchP, c_uint32, I64P, POINTER(c_double), c_size_t]),
    "strata_batch_append_i64": (c_int, [BatchP, c_uint32, I64P, I64P, c_size_t]),
    "strata_batch_append_bool": (c_int, [BatchP, c_uint32, I64P, POINTER(c_int), c_size_t]),
    "strata_query": (c_int, [DbP, c_char_p, TagP, c_size_t, c_char_p, c_int64, c_int64,
                             POINTER(CursorP)]),
    "strata_cursor_next": (c_int, [CursorP]),
    "strata_cursor_next_block": (c_int, [CursorP, I64P, c_void_p, c_size_t, POINTER(c_size_t)]),
    "strata_cursor_block_str": (c_void_p, [CursorP, c_size_t, POINTER(c_size_t)]),
    "strata_query_summaries": (c_int, [DbP, c_char_p, TagP, c_size_t, c_char_p, c_int64, c_int64,
                                       SummaryAccept, c_void_p, POINTER(CursorP)]),
    "strata_cursor_next_piece": (c_int, [CursorP, I64P, c_void_p, c_size_t, POINTER(c_size_t),
                                         POINTER(BlockSummary), POINTER(c_int)]),
    "strata_cursor_series": (c_char_p, [CursorP]),
    "strata_cursor_field": (c_char_p, [CursorP]),
    "strata_cursor_time": (c_int64, [CursorP]),
    "strata_cursor_type": (c_int, [CursorP]),
    "strata_cursor_f64": (c_double, [CursorP]),
    "strata_cursor_i64": (c_int64, [CursorP]),
    "strata_cursor_str": (c_void_p, [CursorP, POINTER(c_size_t)]),
    "strata_cursor_free": (None, [CursorP]),
    "strata_query_rows": (c_int, [DbP, c_char_p, POINTER(TagFilter), c_size_t, POINTER(c_char_p),
                                  c_size_t, c_int64, c_int64, POINTER(RowsP)]),
    "strata_query_rows_ex": (c_int, [DbP, c_char_p, POINTER(TagFilter), c_size_t,
                                     POINTER(c_char_p), c_size_t, c_int64, c_int64,
                                     POINTER(RowsOptions), POINTER(RowsP)]),
    "strata_rows_requery": (c_int, [DbP, RowsP, POINTER(TagFilter), c_size_t, c_int64, c_int64,
                                    POINTER(RowsOptions)]),
    "strata_rows_reset": (None, [RowsP]),
    "strata_rows_next": (c_int, [RowsP]),
    "strata_rows_next_block": (c_int, [RowsP, c_size_t, POINTER(c_size_t)]),
    "strata_rows_block_times": (POINTER(c_int64), [RowsP]),
    "strata_rows_block_nums": (POINTER(c_uint64), [RowsP, c_size_t]),
    "strata_rows_block_str": (c_void_p, [RowsP, c_size_t, c_size_t, POINTER(c_size_t)]),
    "strata_rows_tagset_count": (c_size_t, [RowsP]),
    "strata_rows_time": (c_int64, [RowsP]),
    "strata_rows_tagset": (c_char_p, [RowsP]),
    "strata_rows_tagset_id": (c_uint64, [RowsP]),
    "strata_rows_tag_count": (c_size_t, [RowsP]),
    "strata_rows_tag_key": (c_char_p, [RowsP, c_size_t]),
    "strata_rows_tag_value": (c_char_p, [RowsP, c_size_t]),
    "strata_rows_field_count": (c_size_t, [RowsP]),
    "strata_rows_field_name": (c_char_p, [RowsP, c_size_t]),
    "strata_rows_type": (c_int, [RowsP, c_size_t]),
    "strata_rows_f64": (c_double, [RowsP, c_size_t]),
    "strata_rows_i64": (c_int64, [RowsP, c_size_t]),
    "strata_rows_str": (c_void_p, [RowsP, c_size_t, POINTER(c_size_t)]),
    "strata_rows_free": (None, [RowsP]),
    "strata_batch_delete": (c_int, [BatchP, c_char_p, TagP, c_size_t, c_int, POINTER(c_char_p),
                                    c_size_t, c_int64, c_int64]),
    "strata_batch_delete_count": (c_size_t, [BatchP]),
    "strata_drop_measurement": (c_int, [DbP, c_char_p]),
    "strata_declare_measurement": (c_int, [DbP, c_char_p, c_char_p]),
    "strata_measurement_info": (c_int, [DbP, c_char_p, POINTER(c_int), POINTER(c_int64)]),
    "strata_field_type": (c_int, [DbP, c_char_p, c_char_p, POINTER(c_int)]),
    "strata_list_tags": (c_int, [DbP, c_char_p, c_char_p, POINTER(c_void_p)]),
    "strata_tag_list_count": (c_size_t, [c_void_p]),
    "strata_tag_list_name": (c_void_p, [c_void_p, c_size_t, POINTER(c_size_t)]),
    "strata_tag_list_series": (c_uint64, [c_void_p, c_size_t]),
    "strata_tag_list_values": (c_uint64, [c_void_p, c_size_t]),
    "strata_tag_list_free": (None, [c_void_p]),
    "strata_oldest_writable_time": (c_int, [DbP, I64P]),
    "strata_parse_duration": (c_int, [c_char_p, POINTER(c_int64)]),
    "strata_status_name": (c_char_p, [c_int]),
    "strata_is_data_directory": (c_int, [c_char_p, POINTER(c_int)]),
    "strata_canonical_dir": (c_int, [c_char_p, POINTER(c_void_p)]),
    "strata_canonical_options": (c_int, [c_char_p, POINTER(c_void_p)]),
    "strata_parse_time": (c_int, [c_char_p, c_size_t, I64P]),
    "strata_format_time": (c_int, [c_int64, c_char_p, c_size_t]),
    "strata_series_key": (c_int, [c_char_p, TagP, c_size_t, c_char_p, c_char_p, c_size_t,
                                  POINTER(c_size_t)]),
    "strata_parse_series_key": (c_int, [c_char_p, c_size_t, POINTER(POINTER(SeriesKeyParts))]),
    "strata_valid_utf8": (c_int, [c_char_p, c_size_t]),
}

_lock = threading.Lock()
_lib = None
_path = None


def library_path():
    """The path of libstrata.so this package uses (it need not be loaded yet)."""
    env = os.environ.get("STRATA_LIBRARY")
    if env:
        return env
    here = Path(__file__).resolve().parent
    beside = here / "libstrata.so"
    if beside.exists():
        return str(beside)
    return str(here.parents[2] / "build" / "libstrata.so")


def lib():
    """The loaded library, with every function declared. Raises strata.Error when missing."""
    global _lib, _path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is None:
            path = library_path()
            try:
                handle = ctypes.CDLL(path)
            except OSError as e:
                raise _errors.Error(
                    "cannot load the Strata library %s (set STRATA_LIBRARY to its path): %s"
                    % (path, e)) from None
            for name, (restype, argtypes) in _SIGNATURES.items():
                fn = getattr(handle, name)
                fn.restype = restype
                fn.argtypes = argtypes
            _path = path
            _lib = handle
    return _lib


def loaded_path():
    lib()
    return _path


def errmsg():
    raw = lib().strata_errmsg()
    return raw.decode("utf-8", "replace") if raw else ""


def check(rc):
    """Returns rc for OK/ROW/DONE; otherwise raises the matching strata.Error with the message of
    the call that just failed (read at once, on this thread, as strata_errmsg() is per thread)."""
    if rc == _errors.OK or rc == _errors.ROW or rc == _errors.DONE:
        return rc
    raise _errors.error_for(rc, errmsg())


def encode(text, what):
    """A name as NUL-terminated-safe UTF-8 bytes; InvalidError for other types or a NUL byte."""
    if isinstance(text, str):
        data = text.encode("utf-8", "surrogateescape")
    elif isinstance(text, bytes):
        data = text
    else:
        raise _errors.InvalidError("%s must be str, not %s" % (what, type(text).__name__))
    if b"\0" in data:
        raise _errors.InvalidError("%s %r contains a NUL byte" % (what, text))
    return data


def decode(raw):
    """Library bytes (a name, a tag value) as str; undecodable bytes kept as surrogates."""
    return raw.decode("utf-8", "surrogateescape")


def tag_array(tags):
    """(ctypes array or None, count) for a {key: value} mapping."""
    if not tags:
        return None, 0
    items = list(tags.items())
    arr = (Tag * len(items))()
    for i, (k, v) in enumerate(items):
        arr[i].key = encode(k, "tag key")
        arr[i].value = encode(v, "tag value")
    return arr, len(items)
