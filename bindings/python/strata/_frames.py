"""pandas DataFrames to and from Strata: read_frame turns a Columns result into a DataFrame (tags
as categorical columns, missing values as NaN or pandas' nullable types), write_frame groups a
DataFrame's rows by tag set and writes them through a ColumnWriter as one atomic batch.

Imported only when read_frame or write_frame is called, so pandas stays optional.
"""
import numpy as np
import pandas as pd

from . import _errors, _ffi
from ._column_writer import ColumnWriter, check_writable, field_values, times_ns

_CODE_LIMIT = 1 << 62  # combined tag codes are made dense again before they could pass this


def columns_to_frame(cols):
    """See Columns.to_frame and Database.read_frame."""
    data = {"time": cols.time}
    for key in cols.tag_keys:
        codes, categories = cols.tag_codes(key)
        data[key] = pd.Categorical.from_codes(codes, categories=categories)
    for name, values in cols.fields.items():
        if name in data:
            raise _errors.InvalidError(
                "field %r has the name of a tag or of the time column: use read_columns, where "
                "Columns.tag(%r) and Columns.fields[%r] tell them apart" % (name, name, name))
        data[name] = _frame_column(values, cols.field_types[name])
    return pd.DataFrame(data, copy=False)


def _frame_column(values, kind):
    if not isinstance(values, np.ma.MaskedArray):
        return values
    mask = np.ma.getmaskarray(values)
    if kind == _ffi.INT:
        return pd.arrays.IntegerArray(values.data, mask)
    if kind == _ffi.BOOL:
        return pd.arrays.BooleanArray(values.data, mask)
    return values.data  # floats hold NaN and strings None where missing


def _series_values(series):
    """A DataFrame column as a numpy array, or a numpy.ma.MaskedArray for pandas' nullable
    types (Int64, boolean, Float64, string) when they hold NA."""
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return series.astype(object).to_numpy()
    if not pd.api.types.is_extension_array_dtype(dtype):
        return series.to_numpy()
    mask = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(dtype):
        data = series.to_numpy(dtype=bool, na_value=False)
    elif pd.api.types.is_integer_dtype(dtype):
        data = series.to_numpy(dtype=np.int64, na_value=0)
    elif pd.api.types.is_float_dtype(dtype):
        data = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        data = series.to_numpy(dtype=object, na_value=None)
    return np.ma.MaskedArray(data, mask=mask) if mask.any() else data


def _frame_times(frame, time):
    if time in frame.columns:
        series = frame[time]
    elif isinstance(frame.index, pd.DatetimeIndex) or frame.index.name == time:
        series = frame.index.to_series(index=None)
    else:
        raise _errors.InvalidError(
            "the frame has no time column %r (and no DatetimeIndex): name it with time=" % time)
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_convert("UTC").dt.tz_localize(None)
    return times_ns(series.to_numpy(), "time column %r" % time)


def _tag_codes(frame, key):
    """(codes, values) of a tag column: codes an int64 array (-1 where the row has no value)."""
    series = frame[key]
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy().astype(np.int64)
        values = list(series.cat.categories)
    else:
        codes, uniques = pd.factorize(series, sort=False)
        values = list(uniques)
    for v in values:
        if not isinstance(v, str):
            raise _errors.InvalidError("tag column %r holds %s %r: tag values are text (convert "
                                       "the column with astype(str))" % (key, type(v).__name__, v))
        if not v or "\0" in v:
            raise _errors.InvalidError("tag column %r holds %r: a tag value is non-empty text "
                                       "without NUL bytes" % (key, v))
    return codes, values


def write_frame(lib, db, measurement, frame, tags=None, time="time", fields=None,
                batch_points=1_000_000):
    """See Database.write_frame."""
    if not isinstance(frame, pd.DataFrame):
        raise _errors.InvalidError("write_frame takes a pandas DataFrame, not %s"
                                   % type(frame).__name__)
    if batch_points is not None and (not isinstance(batch_points, int) or batch_points < 1):
        raise _errors.InvalidError("batch_points must be a positive int or None")
    if tags is None:
        tags = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    tags = list(tags)
    if fields is None:
        fields = [c for c in frame.columns if c not in tags and c != time]
    fields = list(fields)
    for name in tags + fields:
        if name not in frame.columns:
            raise _errors.InvalidError("the frame has no column %r" % (name,))
    if not fields:
        raise _errors.InvalidError("write_frame needs at least one field column")
    frame_times = times = _frame_times(frame, time)
    n = len(times)
    group, tag_columns = _group_by_tags(frame, tags, n)
    if tag_columns:
        order = np.argsort(group, kind="stable")
        group = group[order]
        times = times[order]
    else:
        order = None
    ngroups = int(group[-1]) + 1 if n else 0
    bounds = np.searchsorted(group, np.arange(ngroups + 1))
    prepared = {}
    for name in fields:
        values = _series_values(frame[name])
        prepared[name] = field_values(name, values if order is None else values[order], n)
    check_writable(lib, db, measurement, prepared, frame_times)
    rows_per_batch = n if batch_points is None else max(1, batch_points // len(fields))
    written = pending = 0
    with ColumnWriter(lib, measurement) as w:
        for g in range(ngroups):
            a, b = int(bounds[g]), int(bounds[g + 1])
            first = a if order is None else int(order[a])
            tagset = {key: values[codes[first]]
                      for key, codes, values in tag_columns if codes[first] >= 0}
            while a < b:
                e = min(b, a + rows_per_batch - pending)
                w.add(tagset, times[a:e],
                      {name: (kind, vals[a:e], None if present is None else present[a:e])
                       for name, (kind, vals, present) in prepared.items()})
                pending += e - a
                a = e
                if pending >= rows_per_batch:
                    written += w.write_and_refill(db)
                    pending = 0
        if pending:
            written += w.write(db)
        return written


def _group_by_tags(frame, tags, n):
    """(group, tag_columns): a dense int64 tag-set number per row (numbered in order of first
    appearance) and (key, codes, values) per tag column."""
    tag_columns = []
    group = np.zeros(n, dtype=np.int64)
    span = 1
    for key in tags:
        codes, values = _tag_codes(frame, key)
        tag_columns.append((key, codes, values))
        if span * (len(values) + 1) >= _CODE_LIMIT:
            group, uniques = pd.factorize(group)
            group = group.astype(np.int64)
            span = len(uniques)
        group = group * (len(values) + 1) + (codes + 1)
        span *= len(values) + 1
    if tag_columns:
        group = pd.factorize(group)[0].astype(np.int64)
    return group, tag_columns
