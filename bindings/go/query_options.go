package strata

// QueryOption narrows a query (DB.Query, DB.QueryRows): which tag sets, fields and times, and
// for row queries their order and count. Options apply in order; a later one of the same kind
// replaces or adds to an earlier one as its comment says.
type QueryOption func(*query)

type tagFilter struct {
	key    string
	values []string
}

type query struct {
	filters    []tagFilter
	fields     []string
	start, end int64
	descending bool
	limit      int
	orderTags  []string
}

func newQuery(opts []QueryOption) *query {
	q := &query{start: MinTime, end: MaxTime}
	for _, o := range opts {
		o(q)
	}
	return q
}

// Tag keeps the series whose tag key equals value, or one of values (IN; row queries only).
// Several Tag options must all match.
func Tag(key string, values ...string) QueryOption {
	return func(q *query) { q.filters = append(q.filters, tagFilter{key, values}) }
}

// Fields reads these fields (Query: at most one). Without it every field is read.
func Fields(names ...string) QueryOption {
	return func(q *query) { q.fields = append(q.fields, names...) }
}

// Between keeps points with start <= time <= end (ns, inclusive).
func Between(start, end int64) QueryOption {
	return func(q *query) { q.start, q.end = start, end }
}

// Descending gives each tag set's rows newest first (row queries only).
func Descending() QueryOption { return func(q *query) { q.descending = true } }

// LimitPerTagSet stops each tag set after its first n rows in the query's order (row queries
// only); with Descending and 1, the newest row of every tag set, cheaply.
func LimitPerTagSet(n int) QueryOption { return func(q *query) { q.limit = n } }

// OrderByTags orders the tag sets by their values of these tag keys (row queries only).
func OrderByTags(keys ...string) QueryOption {
	return func(q *query) { q.orderTags = append(q.orderTags, keys...) }
}
