package strata

/*
#include <stdlib.h>
#include "strata.h"
*/
import "C"

import (
	"math"
	"runtime"
	"unsafe"
)

// Rows iterates a row query (DB.QueryRows): the fields of one tag set at one time form a row, as
// in the SQL module's tables. Tag sets come in key order (or OrderByTags'), rows by time (or
// newest first with Descending). Use as
//
//	for r.Next() { t := r.Time(); v, ok := r.Value(0) ... }
//	if err := r.Err(); err != nil { ... }
//
// or a block of rows at a time with NextBlock and the AppendBlock* calls. One goroutine at a
// time; Close releases the snapshot (a finalizer does so for Rows that were not closed).
type Rows struct {
	r        *C.strata_rows
	err      error
	done     bool
	block    int
	tagsetID uint64
	tags     map[string]string
	fields   []string
	asked    bool // the query named its fields (else each tag set has its own)
}

// QueryRows starts a row query of measurement: Tag options (each a value or an IN list) must
// all match, Fields names the fields read (none: every field of each tag set; a row exists
// where one of them has a value), Between the time range, and Descending, LimitPerTagSet and
// OrderByTags order and limit the rows.
func (d *DB) QueryRows(measurement string, opts ...QueryOption) (*Rows, error) {
	q := newQuery(opts)
	if q.limit < 0 {
		return nil, invalid("LimitPerTagSet(%d): the limit is a row count", q.limit)
	}
	h, err := d.handle()
	if err != nil {
		return nil, err
	}
	defer d.mu.RUnlock()
	var a cArena
	defer a.free()
	m, err := a.str(measurement, "measurement")
	if err != nil {
		return nil, err
	}
	filters, nfilters, err := a.filters(q.filters)
	if err != nil {
		return nil, err
	}
	fields, nfields, err := a.strs(q.fields, "field")
	if err != nil {
		return nil, err
	}
	order, norder, err := a.strs(q.orderTags, "tag key")
	if err != nil {
		return nil, err
	}
	o := (*C.strata_rows_options)(a.alloc(unsafe.Sizeof(C.strata_rows_options{})))
	o.version = C.STRATA_ROWS_OPTIONS_VERSION
	o.descending = cBool(q.descending)
	o.limit_per_tagset = C.size_t(q.limit)
	o.order_tags, o.norder_tags = order, norder
	var r *C.strata_rows
	if err := call(func() C.int {
		return C.strata_query_rows_ex(h, m, filters, nfilters, fields, nfields,
			C.int64_t(q.start), C.int64_t(q.end), o, &r)
	}); err != nil {
		return nil, err
	}
	rows := &Rows{r: r, asked: len(q.fields) > 0, fields: append([]string(nil), q.fields...)}
	runtime.SetFinalizer(rows, (*Rows).Close)
	return rows, nil
}

// TagSetCount is the number of tag sets the query matched (some may have no row in range).
func (r *Rows) TagSetCount() int {
	if r.r == nil {
		return 0
	}
	return int(C.strata_rows_tagset_count(r.r))
}

// Next moves to the next row; false at the end or after an error (see Err).
func (r *Rows) Next() bool { return r.NextBlock(1) }

// NextBlock moves to the next block: up to max consecutive rows of one tag set in which each
// field has a value in every row or in none (rows written field for field together come in
// long blocks). BlockLen is its row count; Time, Tags and Value read its first row, the
// AppendBlock* calls all of it. False at the end or after an error (see Err).
func (r *Rows) NextBlock(max int) bool {
	if r.done || r.r == nil {
		return false
	}
	if max <= 0 {
		max = 1
	}
	var n C.size_t
	runtime.LockOSThread()
	rc := C.strata_rows_next_block(r.r, C.size_t(max), &n)
	if rc != C.STRATA_ROW {
		r.err = statusError(rc)
		runtime.UnlockOSThread()
		r.finish()
		return false
	}
	runtime.UnlockOSThread()
	r.block = int(n)
	if id := uint64(C.strata_rows_tagset_id(r.r)); id != r.tagsetID || r.tags == nil {
		r.tagsetID = id
		r.tags = nil
		if !r.asked {
			r.fields = r.fields[:0]
			for i := 0; i < int(C.strata_rows_field_count(r.r)); i++ {
				r.fields = append(r.fields, C.GoString(C.strata_rows_field_name(r.r, C.size_t(i))))
			}
		}
		r.tags = make(map[string]string, int(C.strata_rows_tag_count(r.r)))
		for i := 0; i < int(C.strata_rows_tag_count(r.r)); i++ {
			r.tags[C.GoString(C.strata_rows_tag_key(r.r, C.size_t(i)))] =
				C.GoString(C.strata_rows_tag_value(r.r, C.size_t(i)))
		}
	}
	return true
}

// BlockLen is the number of rows of the current block (1 after Next).
func (r *Rows) BlockLen() int { return r.block }

// Time is the current row's time (ns).
func (r *Rows) Time() int64 { return int64(C.strata_rows_time(r.r)) }

// TagSet is the current row's canonical tag-set key, "cpu,host=a,region=eu".
func (r *Rows) TagSet() string { return C.GoString(C.strata_rows_tagset(r.r)) }

// TagSetID numbers the current row's tag set while the DB stays open (a cache key).
func (r *Rows) TagSetID() uint64 { return r.tagsetID }

// Tags are the current row's tags. The map is shared by the rows of one tag set: do not
// modify it.
func (r *Rows) Tags() map[string]string { return r.tags }

// Fields are the names of the row's fields: those the query named, or the current tag set's.
func (r *Rows) Fields() []string { return r.fields }

// Type is field i's type in the current row, 0 when it has no value there.
func (r *Rows) Type(i int) ValueType {
	if r.r == nil || i < 0 {
		return 0
	}
	return ValueType(C.strata_rows_type(r.r, C.size_t(i)))
}

// Value is field i's value in the current row (float64, int64, bool or string), and false when
// the row has none.
func (r *Rows) Value(i int) (any, bool) {
	switch r.Type(i) {
	case Float:
		return float64(C.strata_rows_f64(r.r, C.size_t(i))), true
	case Int:
		return int64(C.strata_rows_i64(r.r, C.size_t(i))), true
	case Bool:
		return C.strata_rows_i64(r.r, C.size_t(i)) != 0, true
	case String:
		var n C.size_t
		p := C.strata_rows_str(r.r, C.size_t(i), &n)
		return C.GoStringN(p, C.int(n)), true
	}
	return nil, false
}

// AppendBlockTimes appends the current block's times to dst.
func (r *Rows) AppendBlockTimes(dst []int64) []int64 {
	p := C.strata_rows_block_times(r.r)
	if p == nil {
		return dst
	}
	return append(dst, unsafe.Slice((*int64)(unsafe.Pointer(p)), r.block)...)
}

func (r *Rows) blockWords(i int) []uint64 {
	if r.r == nil || i < 0 {
		return nil
	}
	p := C.strata_rows_block_nums(r.r, C.size_t(i))
	if p == nil {
		return nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(p)), r.block)
}

// AppendBlockFloats appends field i's values in the current block to dst; false (dst
// unchanged) when the field has no value in the block or is not a float field.
func (r *Rows) AppendBlockFloats(dst []float64, i int) ([]float64, bool) {
	if r.Type(i) != Float {
		return dst, false
	}
	for _, w := range r.blockWords(i) {
		dst = append(dst, math.Float64frombits(w))
	}
	return dst, true
}

// AppendBlockInts appends field i's values in the current block to dst, as AppendBlockFloats
// for an integer field.
func (r *Rows) AppendBlockInts(dst []int64, i int) ([]int64, bool) {
	if r.Type(i) != Int {
		return dst, false
	}
	return append(dst, unsafe.Slice((*int64)(unsafe.Pointer(&r.blockWords(i)[0])), r.block)...), true
}

// AppendBlockBools appends field i's values in the current block to dst, for a boolean field.
func (r *Rows) AppendBlockBools(dst []bool, i int) ([]bool, bool) {
	if r.Type(i) != Bool {
		return dst, false
	}
	for _, w := range r.blockWords(i) {
		dst = append(dst, w != 0)
	}
	return dst, true
}

// AppendBlockStrings appends field i's values in the current block to dst, for a string field.
func (r *Rows) AppendBlockStrings(dst []string, i int) ([]string, bool) {
	if r.Type(i) != String {
		return dst, false
	}
	var n C.size_t
	for k := 0; k < r.block; k++ {
		p := C.strata_rows_block_str(r.r, C.size_t(i), C.size_t(k), &n)
		dst = append(dst, C.GoStringN(p, C.int(n)))
	}
	return dst, true
}

// Err is the error that ended the iteration, or nil.
func (r *Rows) Err() error { return r.err }

func (r *Rows) finish() {
	r.done = true
	r.block = 0
	if r.r != nil {
		C.strata_rows_free(r.r)
		r.r = nil
		runtime.SetFinalizer(r, nil)
	}
}

// Close releases the query and its snapshot; Next then returns false. Idempotent.
func (r *Rows) Close() error {
	r.finish()
	return nil
}
