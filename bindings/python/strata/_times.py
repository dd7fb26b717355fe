"""Times given to the binding: int nanoseconds since the Unix epoch, or, for callers that hold
them so, a numpy.datetime64 or a pandas.Timestamp (naive ones are UTC, as in numpy) or a
timezone-aware datetime.datetime. One rule for every call that takes a time."""
import datetime

from . import _errors

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def to_ns(value, what):
    """`value` as int ns; InvalidError for other types, naive datetimes and out-of-range times."""
    if isinstance(value, bool):
        raise _errors.InvalidError("%s must be a time, not bool" % what)
    if isinstance(value, int):
        ns = value
    elif isinstance(value, datetime.datetime):
        ns = getattr(value, "value", None)  # pandas.Timestamp: exact ns, naive ones UTC as numpy's
        if not isinstance(ns, int):
            if value.tzinfo is None:
                raise _errors.InvalidError(
                    "%s %r has no timezone: give an aware datetime (e.g. tzinfo=timezone.utc)"
                    % (what, value))
            delta = value - _EPOCH
            ns = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    elif type(value).__name__ == "datetime64":
        import numpy as np
        if np.isnat(value):
            raise _errors.InvalidError("%s is NaT" % what)
        ns = int(value.astype("datetime64[ns]").astype("int64"))
    elif hasattr(value, "__index__") and not isinstance(value, float):  # numpy integers
        ns = int(value.__index__())
    else:
        raise _errors.InvalidError("%s must be an int (ns), not %s" % (what, type(value).__name__))
    if not INT64_MIN <= ns <= INT64_MAX:
        raise _errors.InvalidError("%s %d is outside the int64 range" % (what, ns))
    return ns


def time_bound(value, default, what):
    """to_ns(value), or `default` for None."""
    return default if value is None else to_ns(value, what)
