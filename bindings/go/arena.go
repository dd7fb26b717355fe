package strata

/*
#include <stdlib.h>
#include "strata.h"
*/
import "C"

import (
	"strings"
	"unsafe"
)

// cArena holds the C memory of one call's arguments (names, tag arrays), freed together. C
// memory, not Go memory, because these arrays hold pointers (cgo's pointer rules).
type cArena struct {
	blocks []unsafe.Pointer
}

func (a *cArena) free() {
	for _, p := range a.blocks {
		C.free(p)
	}
	a.blocks = a.blocks[:0]
}

func (a *cArena) alloc(size uintptr) unsafe.Pointer {
	if size == 0 {
		size = 1
	}
	p := C.calloc(1, C.size_t(size))
	if p == nil {
		panic("strata: out of C memory")
	}
	a.blocks = append(a.blocks, p)
	return p
}

// str is s as a NUL-terminated C string; a NUL byte inside is an invalid-argument error.
func (a *cArena) str(s, what string) (*C.char, error) {
	cs, err := cString(s, what)
	if err != nil {
		return nil, err
	}
	a.blocks = append(a.blocks, unsafe.Pointer(cs))
	return cs, nil
}

// optStr is str, or NULL for "".
func (a *cArena) optStr(s, what string) (*C.char, error) {
	if s == "" {
		return nil, nil
	}
	return a.str(s, what)
}

// tags is a strata_tag array of the map, its strings in one C block (a write resolves series
// tag set by tag set, so this is on the columnar path's way).
func (a *cArena) tags(tags map[string]string) (*C.strata_tag, C.size_t, error) {
	if len(tags) == 0 {
		return nil, 0, nil
	}
	size := 0
	for k, v := range tags {
		if strings.IndexByte(k, 0) >= 0 || strings.IndexByte(v, 0) >= 0 {
			return nil, 0, invalid("tag %q=%q contains a NUL byte", k, v)
		}
		size += len(k) + len(v) + 2
	}
	arr := unsafe.Slice((*C.strata_tag)(a.alloc(unsafe.Sizeof(C.strata_tag{})*uintptr(len(tags)))),
		len(tags))
	buf := unsafe.Slice((*byte)(a.alloc(uintptr(size))), size) // calloc: NULs in place
	pos, i := 0, 0
	for k, v := range tags {
		arr[i].key = (*C.char)(unsafe.Pointer(&buf[pos]))
		pos += copy(buf[pos:], k) + 1
		arr[i].value = (*C.char)(unsafe.Pointer(&buf[pos]))
		pos += copy(buf[pos:], v) + 1
		i++
	}
	return &arr[0], C.size_t(len(tags)), nil
}

// tagSet is a measurement and tags in C memory, as the calls that name series take them.
type tagSet struct {
	m     *C.char
	tags  *C.strata_tag
	ntags C.size_t
}

func (a *cArena) tagSet(measurement string, tags map[string]string) (tagSet, error) {
	m, err := a.str(measurement, "measurement")
	if err != nil {
		return tagSet{}, err
	}
	ctags, ntags, err := a.tags(tags)
	if err != nil {
		return tagSet{}, err
	}
	return tagSet{m, ctags, ntags}, nil
}

// strs is a const char *const * array of the names (NULL for none).
func (a *cArena) strs(names []string, what string) (**C.char, C.size_t, error) {
	if len(names) == 0 {
		return nil, 0, nil
	}
	arr := unsafe.Slice((**C.char)(a.alloc(unsafe.Sizeof((*C.char)(nil))*uintptr(len(names)))),
		len(names))
	for i, n := range names {
		var err error
		if arr[i], err = a.str(n, what); err != nil {
			return nil, 0, err
		}
	}
	return &arr[0], C.size_t(len(names)), nil
}

// filters is a strata_tag_filter array: key = one of values.
func (a *cArena) filters(filters []tagFilter) (*C.strata_tag_filter, C.size_t, error) {
	if len(filters) == 0 {
		return nil, 0, nil
	}
	arr := unsafe.Slice((*C.strata_tag_filter)(a.alloc(
		unsafe.Sizeof(C.strata_tag_filter{})*uintptr(len(filters)))), len(filters))
	for i, f := range filters {
		var err error
		if arr[i].key, err = a.str(f.key, "tag key"); err != nil {
			return nil, 0, err
		}
		values, n, err := a.strs(f.values, "tag value")
		if err != nil {
			return nil, 0, err
		}
		arr[i].values, arr[i].nvalues = values, n
	}
	return &arr[0], C.size_t(len(filters)), nil
}
