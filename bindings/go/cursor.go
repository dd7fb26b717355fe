package strata

/*
#include <stdlib.h>
#include "strata.h"
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// Point is one point of a Query: its series key ("cpu,host=a#usage"), field, time (ns) and
// value: float64, int64, bool or string by the field's type.
type Point struct {
	Series string
	Field  string
	Time   int64
	Value  any
}

// Block is a run of points of one series read by Cursor.NextBlock. Times holds them; the
// values are in Floats, Ints, Bools or Strings by Type (the others are nil). The slices are
// reused by the next NextBlock on the same Block: copy what you keep.
type Block struct {
	Series  string
	Field   string
	Type    ValueType
	Times   []int64
	Floats  []float64
	Ints    []int64
	Bools   []bool
	Strings []string
	words   []uint64 // the values as the C call writes them; Floats and Ints alias it
}

// Cursor iterates the points of a Query, in (series key, time) order, from a snapshot taken
// when the query started. Use as
//
//	for c.Next() { p := c.Point() ... }
//	if err := c.Err(); err != nil { ... }
//
// or read whole blocks with NextBlock. One goroutine at a time; Close releases the snapshot
// (a finalizer does so for a Cursor that was not closed).
type Cursor struct {
	c    *C.strata_cursor
	err  error
	buf  Block // points read ahead for Next
	pos  int
	cur  Point
	done bool
}

// defaultBlock is the number of points Next reads ahead per C call.
const defaultBlock = 4096

// Query reads the points of measurement: Tag options select series by equality (one value
// each), Fields at most one field, Between the time range. Unknown names give no points.
func (d *DB) Query(measurement string, opts ...QueryOption) (*Cursor, error) {
	q := newQuery(opts)
	if len(q.fields) > 1 {
		return nil, invalid("Query reads one field or all: use QueryRows for several")
	}
	if q.descending || q.limit != 0 || len(q.orderTags) > 0 {
		return nil, invalid("Descending, LimitPerTagSet and OrderByTags are for QueryRows")
	}
	tags := make(map[string]string, len(q.filters))
	for _, f := range q.filters {
		if len(f.values) != 1 {
			return nil, invalid("Query: tag %q takes one value (IN lists are for QueryRows)", f.key)
		}
		if prev, ok := tags[f.key]; ok && prev != f.values[0] {
			return &Cursor{done: true}, nil // two different values: nothing matches
		}
		tags[f.key] = f.values[0]
	}
	h, err := d.handle()
	if err != nil {
		return nil, err
	}
	defer d.mu.RUnlock()
	var a cArena
	defer a.free()
	ts, err := a.tagSet(measurement, tags)
	if err != nil {
		return nil, err
	}
	var field *C.char
	if len(q.fields) == 1 {
		if field, err = a.str(q.fields[0], "field"); err != nil {
			return nil, err
		}
	}
	var c *C.strata_cursor
	if err := call(func() C.int {
		return C.strata_query(h, ts.m, ts.tags, ts.ntags, field, C.int64_t(q.start), C.int64_t(q.end),
			&c)
	}); err != nil {
		return nil, err
	}
	cur := &Cursor{c: c}
	runtime.SetFinalizer(cur, (*Cursor).Close)
	return cur, nil
}

// Next moves to the next point; false at the end or after an error (see Err).
func (c *Cursor) Next() bool {
	for c.pos >= len(c.buf.Times) {
		if !c.NextBlock(&c.buf, defaultBlock) {
			return false
		}
		c.pos = 0
	}
	b := &c.buf
	c.cur = Point{Series: b.Series, Field: b.Field, Time: b.Times[c.pos]}
	switch b.Type {
	case Float:
		c.cur.Value = b.Floats[c.pos]
	case Int:
		c.cur.Value = b.Ints[c.pos]
	case Bool:
		c.cur.Value = b.Bools[c.pos]
	default:
		c.cur.Value = b.Strings[c.pos]
	}
	c.pos++
	return true
}

// Point is the current point (after Next returned true).
func (c *Cursor) Point() Point { return c.cur }

// NextBlock reads up to max points of the current series into b (reusing its slices), straight
// from the library into b's arrays. False at the end or after an error (see Err). Next and
// NextBlock share the cursor's position, but points Next has read ahead are not given again:
// use one or the other.
func (c *Cursor) NextBlock(b *Block, max int) bool {
	if c.done || c.c == nil {
		return false
	}
	if max <= 0 {
		max = defaultBlock
	}
	if cap(b.Times) < max {
		b.Times = make([]int64, max)
		b.words = make([]uint64, max)
	}
	if cap(b.words) < max {
		b.words = make([]uint64, max)
	}
	times, words := b.Times[:max], b.words[:max]
	var n C.size_t
	runtime.LockOSThread()
	rc := C.strata_cursor_next_block(c.c, (*C.int64_t)(unsafe.Pointer(&times[0])),
		unsafe.Pointer(&words[0]), C.size_t(max), &n)
	if rc != C.STRATA_ROW {
		c.err = statusError(rc)
		runtime.UnlockOSThread()
		c.finish()
		return false
	}
	runtime.UnlockOSThread()
	k := int(n)
	b.Series = C.GoString(C.strata_cursor_series(c.c))
	b.Field = C.GoString(C.strata_cursor_field(c.c))
	b.Type = ValueType(C.strata_cursor_type(c.c))
	b.Times = times[:k]
	b.Floats, b.Ints, b.Bools, b.Strings = nil, nil, nil, nil
	switch b.Type {
	case Float:
		b.Floats = unsafe.Slice((*float64)(unsafe.Pointer(&words[0])), k)
	case Int:
		b.Ints = unsafe.Slice((*int64)(unsafe.Pointer(&words[0])), k)
	case Bool:
		b.Bools = make([]bool, k)
		for i, w := range words[:k] {
			b.Bools[i] = w != 0
		}
	default:
		b.Strings = make([]string, k)
		var l C.size_t
		for i := 0; i < k; i++ {
			p := C.strata_cursor_block_str(c.c, C.size_t(i), &l)
			b.Strings[i] = C.GoStringN(p, C.int(l))
		}
	}
	return true
}

// Err is the error that ended the iteration, or nil.
func (c *Cursor) Err() error { return c.err }

func (c *Cursor) finish() {
	c.done = true
	if c.c != nil {
		C.strata_cursor_free(c.c)
		c.c = nil
		runtime.SetFinalizer(c, nil)
	}
}

// Close releases the cursor and its snapshot; Next then returns false. Idempotent.
func (c *Cursor) Close() error {
	c.finish()
	return nil
}
