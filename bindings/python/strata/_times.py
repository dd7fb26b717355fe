"""Times given to the binding, one rule for every call that takes a time:
  - int nanoseconds since the Unix epoch;
  - ISO-8601 / RFC 3339 text ("2016-01-01T00:00:00Z", "2016-01-01 02:00:00+02:00", or integer
    nanoseconds as text), read by the library's one parser (strata_parse_time, as SQL's time
    column and the CLI read it): no zone means UTC;
  - a datetime.datetime: an aware one at its own offset, a naive one as UTC (as numpy and the
    library's text rule read a time without a zone), to the microsecond;
  - a numpy.datetime64 or pandas.Timestamp (naive ones UTC), to the nanosecond.
"""
import ctypes
import datetime

from . import _errors

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def _parse_text(text, what):
    from . import _ffi  # late: the library is loaded on first use only
    data = text.encode("utf-8", "surrogateescape") if isinstance(text, str) else bytes(text)
    out = ctypes.c_int64()
    if _ffi.lib().strata_parse_time(data, len(data), ctypes.byref(out)) != _errors.OK:
        raise _errors.InvalidError("%s: %s" % (what, _ffi.errmsg()))
    return out.value


def _datetime_ns(value):
    ns = getattr(value, "value", None)  # pandas.Timestamp: exact ns, naive ones UTC as numpy's
    if isinstance(ns, int):
        return ns
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000


def to_ns(value, what):
    """`value` as int ns; InvalidError for other types, text that is not a time and out-of-range
    times."""
    if isinstance(value, bool):
        raise _errors.InvalidError("%s must be a time, not bool" % what)
    if isinstance(value, int):
        ns = value
    elif isinstance(value, (str, bytes)):
        ns = _parse_text(value, what)
    elif isinstance(value, datetime.datetime):
        ns = _datetime_ns(value)
    elif type(value).__name__ == "datetime64":
        import numpy as np
        if np.isnat(value):
            raise _errors.InvalidError("%s is NaT" % what)
        ns = int(value.astype("datetime64[ns]").astype("int64"))
    elif hasattr(value, "__index__") and not isinstance(value, float):  # numpy integers
        ns = int(value.__index__())
    else:
        raise _errors.InvalidError(
            "%s must be int ns, ISO-8601 text or a datetime, not %s" % (what, type(value).__name__))
    if not INT64_MIN <= ns <= INT64_MAX:
        raise _errors.InvalidError("%s %d is outside the int64 range" % (what, ns))
    return ns


def time_bound(value, default, what):
    """to_ns(value), or `default` for None."""
    return default if value is None else to_ns(value, what)
