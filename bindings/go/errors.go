package strata

/*
#include "strata.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// Code is a status code of the C ABI (STRATA_*); the numbers are pinned.
type Code int

// The failure codes; Error values carry one of them.
const (
	CodeError        Code = C.STRATA_ERROR         // internal error
	CodeInvalid      Code = C.STRATA_INVALID       // bad argument, name, option, value or text
	CodeIO           Code = C.STRATA_IO            // an operating-system call failed
	CodeCorrupt      Code = C.STRATA_CORRUPT       // damaged data (message: file and offset)
	CodeLocked       Code = C.STRATA_LOCKED        // the directory is open in another process
	CodeNotFound     Code = C.STRATA_NOT_FOUND     // a required file or object does not exist
	CodeTypeConflict Code = C.STRATA_TYPE_CONFLICT // a field already holds another type
	CodeNoMem        Code = C.STRATA_NOMEM         // out of memory
	CodeReadOnly     Code = C.STRATA_READONLY      // a write through a read-only open
)

var codeNames = map[Code]string{
	CodeError: "ERROR", CodeInvalid: "INVALID", CodeIO: "IO", CodeCorrupt: "CORRUPT",
	CodeLocked: "LOCKED", CodeNotFound: "NOT_FOUND", CodeTypeConflict: "TYPE_CONFLICT",
	CodeNoMem: "NOMEM", CodeReadOnly: "READONLY",
}

// String gives the code's name without the STRATA_ prefix ("INVALID").
func (c Code) String() string {
	if name, ok := codeNames[c]; ok {
		return name
	}
	return fmt.Sprintf("status %d", int(c))
}

// Error is a failure reported by the library (or refused by this package before the call, as
// the library would): its status code and message (strata_errmsg).
type Error struct {
	Code    Code
	Message string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return "strata: " + e.Code.String()
	}
	return "strata: " + e.Message
}

// Is makes errors.Is(err, ErrInvalid) (and the other Err* values) test the code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Message == "" && t.Code == e.Code
}

// Sentinels for errors.Is: they match every *Error with their code.
var (
	ErrInternal     = &Error{Code: CodeError}
	ErrInvalid      = &Error{Code: CodeInvalid}
	ErrIO           = &Error{Code: CodeIO}
	ErrCorrupt      = &Error{Code: CodeCorrupt}
	ErrLocked       = &Error{Code: CodeLocked}
	ErrNotFound     = &Error{Code: CodeNotFound}
	ErrTypeConflict = &Error{Code: CodeTypeConflict}
	ErrNoMem        = &Error{Code: CodeNoMem}
)

func invalid(format string, args ...any) error {
	return &Error{Code: CodeInvalid, Message: fmt.Sprintf(format, args...)}
}

// call runs one C call that returns a status and, when it failed, reads strata_errmsg on the
// same OS thread (the message is thread-local, and a goroutine may move between threads
// between two cgo calls). ROW and DONE are not failures.
func call(f func() C.int) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	return statusError(f())
}

// statusError is the error for rc, reading strata_errmsg: call it on the thread of the call.
func statusError(rc C.int) error {
	if rc == C.STRATA_OK || rc == C.STRATA_ROW || rc == C.STRATA_DONE {
		return nil
	}
	return &Error{Code: Code(rc), Message: C.GoString(C.strata_errmsg())}
}

// cString copies a name for C (free with C.free); names may not hold a NUL byte.
func cString(s, what string) (*C.char, error) {
	if strings.IndexByte(s, 0) >= 0 {
		return nil, invalid("%s %q contains a NUL byte", what, s)
	}
	return C.CString(s), nil
}

func unsafePointer(p *C.char) unsafe.Pointer { return unsafe.Pointer(p) }
