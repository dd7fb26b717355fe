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

// ValueType is a field's value type (STRATA_FLOAT ...).
type ValueType int

// The value types; the numbers are pinned.
const (
	Float  ValueType = C.STRATA_FLOAT
	Int    ValueType = C.STRATA_INT
	Bool   ValueType = C.STRATA_BOOL
	String ValueType = C.STRATA_STRING
)

func (t ValueType) String() string {
	switch t {
	case Float:
		return "float"
	case Int:
		return "int"
	case Bool:
		return "bool"
	case String:
		return "string"
	}
	return "none"
}

// SeriesRef names a series resolved in one Batch (Batch.Series), for the Append* calls.
type SeriesRef uint32

// Batch collects points and deletes to write atomically (strata_batch). One goroutine at a
// time. Close frees it; a finalizer frees a Batch that was not closed.
type Batch struct {
	b *C.strata_batch
}

// NewBatch creates an empty batch.
func NewBatch() (*Batch, error) {
	var h *C.strata_batch
	if err := call(func() C.int { return C.strata_batch_new(&h) }); err != nil {
		return nil, err
	}
	b := &Batch{b: h}
	runtime.SetFinalizer(b, (*Batch).Close)
	return b, nil
}

// Close frees the batch. Closing twice is a no-op.
func (b *Batch) Close() error {
	if b.b != nil {
		C.strata_batch_free(b.b)
		b.b = nil
		runtime.SetFinalizer(b, nil)
	}
	return nil
}

func (b *Batch) handle() (*C.strata_batch, error) {
	if b == nil || b.b == nil {
		return nil, invalid("the batch is closed")
	}
	return b.b, nil
}

// Len is the number of points in the batch.
func (b *Batch) Len() int {
	if b.b == nil {
		return 0
	}
	return int(C.strata_batch_count(b.b))
}

// DeleteCount is the number of deletes in the batch.
func (b *Batch) DeleteCount() int {
	if b.b == nil {
		return 0
	}
	return int(C.strata_batch_delete_count(b.b))
}

// Clear empties the batch for reuse; its SeriesRefs become invalid.
func (b *Batch) Clear() {
	if b.b != nil {
		C.strata_batch_clear(b.b)
	}
}

// ClearPoints empties the batch of points and deletes but keeps its series: SeriesRefs stay
// valid, so a writer that commits the same series batch after batch resolves them once.
func (b *Batch) ClearPoints() {
	if b.b != nil {
		C.strata_batch_clear_points(b.b)
	}
}

// point adds one point through f, with the measurement, tags and field in C memory.
func (b *Batch) point(measurement string, tags map[string]string, field string,
	f func(h *C.strata_batch, m *C.char, t *C.strata_tag, n C.size_t, fl *C.char) C.int) error {
	h, err := b.handle()
	if err != nil {
		return err
	}
	var a cArena
	defer a.free()
	ts, err := a.tagSet(measurement, tags)
	if err != nil {
		return err
	}
	fl, err := a.str(field, "field")
	if err != nil {
		return err
	}
	return call(func() C.int { return f(h, ts.m, ts.tags, ts.ntags, fl) })
}

// AddFloat adds one float point (NaN and ±Inf are ErrInvalid). A second value for the same
// series and time replaces the first.
func (b *Batch) AddFloat(measurement string, tags map[string]string, field string, t int64,
	v float64) error {
	return b.point(measurement, tags, field, func(h *C.strata_batch, m *C.char,
		ct *C.strata_tag, n C.size_t, f *C.char) C.int {
		return C.strata_batch_add_f64(h, m, ct, n, f, C.int64_t(t), C.double(v))
	})
}

// AddInt adds one integer point.
func (b *Batch) AddInt(measurement string, tags map[string]string, field string, t int64,
	v int64) error {
	return b.point(measurement, tags, field, func(h *C.strata_batch, m *C.char,
		ct *C.strata_tag, n C.size_t, f *C.char) C.int {
		return C.strata_batch_add_i64(h, m, ct, n, f, C.int64_t(t), C.int64_t(v))
	})
}

// AddBool adds one boolean point.
func (b *Batch) AddBool(measurement string, tags map[string]string, field string, t int64,
	v bool) error {
	return b.point(measurement, tags, field, func(h *C.strata_batch, m *C.char,
		ct *C.strata_tag, n C.size_t, f *C.char) C.int {
		return C.strata_batch_add_bool(h, m, ct, n, f, C.int64_t(t), cBool(v))
	})
}

// AddString adds one string point (any bytes).
func (b *Batch) AddString(measurement string, tags map[string]string, field string, t int64,
	v string) error {
	data := []byte(v)
	return b.point(measurement, tags, field, func(h *C.strata_batch, m *C.char,
		ct *C.strata_tag, n C.size_t, f *C.char) C.int {
		var p *C.char
		if len(data) > 0 {
			p = (*C.char)(unsafe.Pointer(&data[0]))
		}
		return C.strata_batch_add_str(h, m, ct, n, f, C.int64_t(t), p, C.size_t(len(data)))
	})
}

// Series resolves a series of this batch once, for the Append* calls: (measurement, tags,
// field) with type Float, Int or Bool. Resolving it again gives the same SeriesRef.
func (b *Batch) Series(measurement string, tags map[string]string, field string,
	t ValueType) (SeriesRef, error) {
	var ref C.uint32_t
	err := b.point(measurement, tags, field, func(h *C.strata_batch, m *C.char,
		ct *C.strata_tag, n C.size_t, f *C.char) C.int {
		return C.strata_batch_series(h, m, ct, n, f, C.int(t), &ref)
	})
	return SeriesRef(ref), err
}

func checkLens(times int, values int) error {
	if times != values {
		return invalid("%d times but %d values", times, values)
	}
	return nil
}

func timesPtr(times []int64) *C.int64_t {
	if len(times) == 0 {
		return nil
	}
	return (*C.int64_t)(unsafe.Pointer(&times[0]))
}

// AppendFloats appends times[i] with values[i] to a Float series (the fastest way to fill a
// batch): all or nothing. Times need not be sorted; a repeated time keeps the later value.
func (b *Batch) AppendFloats(s SeriesRef, times []int64, values []float64) error {
	h, err := b.handle()
	if err != nil {
		return err
	}
	if err := checkLens(len(times), len(values)); err != nil {
		return err
	}
	var v *C.double
	if len(values) > 0 {
		v = (*C.double)(unsafe.Pointer(&values[0]))
	}
	return call(func() C.int {
		return C.strata_batch_append_f64(h, C.uint32_t(s), timesPtr(times), v, C.size_t(len(times)))
	})
}

// AppendInts appends to an Int series, as AppendFloats.
func (b *Batch) AppendInts(s SeriesRef, times []int64, values []int64) error {
	h, err := b.handle()
	if err != nil {
		return err
	}
	if err := checkLens(len(times), len(values)); err != nil {
		return err
	}
	return call(func() C.int {
		return C.strata_batch_append_i64(h, C.uint32_t(s), timesPtr(times), timesPtr(values),
			C.size_t(len(times)))
	})
}

// AppendBools appends to a Bool series, as AppendFloats.
func (b *Batch) AppendBools(s SeriesRef, times []int64, values []bool) error {
	h, err := b.handle()
	if err != nil {
		return err
	}
	if err := checkLens(len(times), len(values)); err != nil {
		return err
	}
	ints := make([]C.int, len(values))
	for i, v := range values {
		ints[i] = cBool(v)
	}
	var v *C.int
	if len(ints) > 0 {
		v = &ints[0]
	}
	return call(func() C.int {
		return C.strata_batch_append_bool(h, C.uint32_t(s), timesPtr(times), v, C.size_t(len(times)))
	})
}

// Delete adds a delete: the points of measurement whose series carry every tag of tags (and,
// when exact, no other tag), of the given fields (none: every field), with start <= time <=
// end. A batch's deletes take effect before its points.
func (b *Batch) Delete(measurement string, tags map[string]string, exact bool, fields []string,
	start, end int64) error {
	h, err := b.handle()
	if err != nil {
		return err
	}
	var a cArena
	defer a.free()
	ts, err := a.tagSet(measurement, tags)
	if err != nil {
		return err
	}
	cfields, nfields, err := a.strs(fields, "field")
	if err != nil {
		return err
	}
	return call(func() C.int {
		return C.strata_batch_delete(h, ts.m, ts.tags, ts.ntags, cBool(exact), cfields, nfields,
			C.int64_t(start), C.int64_t(end))
	})
}

func cBool(v bool) C.int {
	if v {
		return 1
	}
	return 0
}
