"""What a read or delete selects, as the C ABI takes it: tags ({key: value, [values] (IN) or a
predicate}) and field-name lists. One rule for every call that takes `tags` or `fields`."""
import ctypes
import itertools

from . import _errors, _ffi


class TagPredicate:
    """A tag condition beyond equality, for the reads that take `tags` (rows, read_columns,
    read_frame): the series' tag satisfies it. As in SQL, a series without the tag key never
    matches. Selection walks the tag's values in the index, never the data. Immutable."""

    def __init__(self, op, values):
        self.op = op
        self.values = tuple(values)

    def __repr__(self):
        return "%s(%r)" % (type(self).__name__, list(self.values))

    def __eq__(self, other):
        return type(self) is type(other) and (self.op, self.values) == (other.op, other.values)

    def __hash__(self):
        return hash((self.op, self.values))


class Not(TagPredicate):
    """The tag's value is none of `values` (a value or a list; an empty list: any value)."""

    def __init__(self, values):
        super().__init__(_ffi.TAG_NOT_IN, _values(values))


class Prefix(TagPredicate):
    """The tag's value starts with `prefix`: bytewise, or ignoring ASCII case."""

    def __init__(self, prefix, ignore_case=False):
        super().__init__(_ffi.TAG_PREFIX_NOCASE if ignore_case else _ffi.TAG_PREFIX, [prefix])


class Regex(TagPredicate):
    """The tag's whole value matches `pattern`, in RE2 syntax (no backreferences)."""

    def __init__(self, pattern):
        super().__init__(_ffi.TAG_REGEX, [pattern])


def _values(value):
    """The values of one tag key; an empty list matches nothing."""
    return [value] if isinstance(value, (str, bytes)) else list(value)


def _strings(values, what):
    """A C array of the encoded values (at least one slot, as the C ABI reads no further)."""
    return (_ffi.c_char_p * max(1, len(values)))(*[_ffi.encode(v, what) for v in values])


class TagSelection:
    """`tags` as strata_query_rows_ex takes them: `filters`/`nfilters` (TagFilter, = and IN) and
    `predicates`/`npredicates` (TagPredicate: Not, Prefix, Regex), with the C strings kept alive
    as long as this object. Immutable."""

    def __init__(self, tags):
        tags = tags or {}
        plain = [(k, v) for k, v in tags.items() if not isinstance(v, TagPredicate)]
        preds = [(k, v) for k, v in tags.items() if isinstance(v, TagPredicate)]
        self._keep = []
        self.filters, self.nfilters = None, len(plain)
        if plain:
            self.filters = (_ffi.TagFilter * len(plain))()
            for i, (key, value) in enumerate(plain):
                values = _values(value)
                cvals = _strings(values, "tag value")
                self._keep.append(cvals)
                self.filters[i].key = _ffi.encode(key, "tag key")
                self.filters[i].values = cvals
                self.filters[i].nvalues = len(values)
        self.predicates, self.npredicates = None, len(preds)
        if preds:
            self.predicates = (_ffi.TagPredicate * len(preds))()
            for i, (key, pred) in enumerate(preds):
                cvals = _strings(pred.values, "tag value")
                self._keep.append(cvals)
                self.predicates[i].key = _ffi.encode(key, "tag key")
                self.predicates[i].op = pred.op
                self.predicates[i].values = cvals
                self.predicates[i].nvalues = len(pred.values)

    def options(self, limit_per_tagset=0):
        """RowsOptions carrying the predicates (kept alive by this object)."""
        options = _ffi.RowsOptions(version=_ffi.ROWS_OPTIONS_VERSION,
                                   limit_per_tagset=limit_per_tagset)
        if self.predicates is not None:
            options.predicates = ctypes.cast(self.predicates, ctypes.POINTER(_ffi.TagPredicate))
            options.npredicates = self.npredicates
        return options


def tag_combinations(tags):
    """The {key: value} mappings that {key: value or [values]} stands for (one per combination
    of the listed values), for the calls that take equalities only (strata_query,
    strata_batch_delete): [{}] for no tags, [] when a list is empty (nothing matches)."""
    if not tags:
        return [{}]
    for key, value in tags.items():
        if isinstance(value, TagPredicate):
            raise _errors.InvalidError(
                "tags[%r] is %r: delete and query take tag values and lists only; predicates "
                "(Not, Prefix, Regex) select the rows of rows, read_columns and read_frame"
                % (key, value))
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
