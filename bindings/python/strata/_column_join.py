"""read_columns for rows whose fields were written at different times. The row view gives such
rows one per block, which costs a few library calls per row; here each field is read alone (its
own row query, whose blocks are long) and the fields are joined on (tag set, time) with numpy.
The result is the row view's: one row per tag set and time at which any field has a value, tag
sets in the order of their canonical keys, then by time. Each field is read from its own
snapshot, so a write that lands between two of them may show in one field and not another.
"""
import numpy as np

from ._columns import Columns


def read_field_by_field(query, names):
    """Columns of `names` (None: every field of the matching tag sets) read field by field."""
    if names is None:
        names = query.field_names()
    parts = [(name, query.read([name])) for name in names]
    # Every tag set met, by its id, ranked as the row view orders them (canonical key + "#").
    keys, tags = {}, {}
    for _name, reader in parts:
        for tid, key, ts in zip(reader.ids, reader.keys, reader.tagsets):
            keys[tid], tags[tid] = key + b"#", ts
    ordered = sorted(keys, key=keys.get)
    rank = {tid: i for i, tid in enumerate(ordered)}
    ranks = [np.array([rank[t] for t in reader.ids] or [0], dtype=np.int64)[reader.result.tagset]
             for _name, reader in parts]
    all_ranks = np.concatenate(ranks) if ranks else np.empty(0, np.int64)
    all_times = (np.concatenate([reader.result.times for _n, reader in parts]) if parts
                 else np.empty(0, np.int64))
    order = np.lexsort((all_times, all_ranks))
    r_sorted, t_sorted = all_ranks[order], all_times[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (r_sorted[1:] != r_sorted[:-1]) | (t_sorted[1:] != t_sorted[:-1])
    row_of = np.empty(len(order), dtype=np.int64)
    row_of[order] = np.cumsum(first) - 1  # each point's row in the joined result
    nrows = int(first.sum())
    fields, types = {}, {}
    offset = 0
    for name, reader in parts:
        values = reader.result.fields[name]
        rows = row_of[offset:offset + len(values)]
        offset += len(values)
        fields[name] = _spread(values, rows, nrows)
        types[name] = reader.result.field_types[name]
    return Columns(t_sorted[first], r_sorted[first].astype(np.int32), [tags[t] for t in ordered],
                   fields, types)


def _spread(values, rows, nrows):
    """values placed at rows of an array of nrows, masked where no value was placed."""
    data = np.ma.getdata(values)
    if data.dtype == np.float64:
        out = np.full(nrows, np.nan)
    elif data.dtype == object:
        out = np.full(nrows, None, dtype=object)
    else:
        out = np.zeros(nrows, dtype=data.dtype)
    out[rows] = data
    mask = np.ones(nrows, dtype=bool)
    mask[rows] = False
    return np.ma.MaskedArray(out, mask=mask) if mask.any() else out
