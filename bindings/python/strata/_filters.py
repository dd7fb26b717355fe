"""What a read or delete selects, as the C ABI takes it: tag filters ({key: value or [values]},
a list meaning IN) and field-name lists. One rule for every call that takes `tags` or `fields`."""
import itertools

from . import _errors, _ffi


def _values(value):
    """The values of one tag key; an empty list matches nothing."""
    return [value] if isinstance(value, (str, bytes)) else list(value)


def tag_filters(tags):
    """(TagFilter array or None, count, keep-alive) for {key: value or [values]} (IN)."""
    if not tags:
        return None, 0, None
    arr = (_ffi.TagFilter * len(tags))()
    keep = []
    for i, (key, value) in enumerate(tags.items()):
        values = _values(value)
        cvals = (_ffi.c_char_p * max(1, len(values)))(*[_ffi.encode(v, "tag value") for v in values])
        keep.append(cvals)
        arr[i].key = _ffi.encode(key, "tag key")
        arr[i].values = cvals
        arr[i].nvalues = len(values)
    return arr, len(tags), keep


def tag_combinations(tags):
    """The {key: value} mappings that {key: value or [values]} stands for (one per combination
    of the listed values), for the calls that take equalities only (strata_query,
    strata_batch_delete): [{}] for no tags, [] when a list is empty (nothing matches)."""
    if not tags:
        return [{}]
    keys = list(tags)
    choices = [_values(tags[k]) for k in keys]
    return [dict(zip(keys, combo)) for combo in itertools.product(*choices)]


def name_list(fields):
    """None (every field), or the field names of a name or a list of names, each once."""
    if fields is None:
        return None
    if isinstance(fields, (str, bytes)):
        fields = [fields]
    names = list(fields)
    if not names:
        raise _errors.InvalidError("fields is empty: give field names, or None for every field")
    if len(set(names)) != len(names):
        raise _errors.InvalidError("fields lists a name twice: %r" % (names,))
    return names
