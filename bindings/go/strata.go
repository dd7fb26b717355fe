// Package strata is the Go binding of Strata, an embedded time-series storage engine: a cgo
// package over its C ABI (abi/include/strata.h, libstrata.so).
//
//	db, err := strata.Open("data", "sync=full")
//	if err != nil { ... }
//	defer db.Close()
//	err = db.WriteLines([]byte("cpu,host=a usage=1.5 1451606400000000000\n"))
//	c, err := db.Query("cpu", strata.Tag("host", "a"), strata.Fields("usage"))
//	for c.Next() { p := c.Point(); ... }
//	err = c.Err()
//
// Times are int64 nanoseconds since the Unix epoch (time.Time.UnixNano). Errors are *Error
// values carrying the C status code; errors.Is(err, strata.ErrInvalid) and the other Err*
// values test the code. A DB may be used by any number of goroutines at once; a Batch, Cursor
// or Rows by one goroutine at a time. Handles are io.Closers; a finalizer frees a Batch,
// Cursor or Rows that was not closed, but close them to release memory and snapshots early.
//
// Building: the cgo flags below find abi/include and build/libstrata.so of the source tree
// this package sits in, with an rpath, so a program runs without LD_LIBRARY_PATH. A library
// elsewhere: CGO_LDFLAGS="-L/dir -Wl,-rpath,/dir" (flags from the environment come first).
package strata

/*
#cgo CFLAGS: -I${SRCDIR}/../../abi/include
#cgo LDFLAGS: -L${SRCDIR}/../../build -Wl,-rpath,${SRCDIR}/../../build -lstrata -ldl
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdlib.h>
#include "strata.h"

// The path of the libstrata.so this process loaded (for SQLite's load_extension), or NULL.
static const char *strata_go_library_path(void) {
  void *h = dlopen("libstrata.so", RTLD_LAZY | RTLD_NOLOAD);
  struct link_map *map = NULL;
  const char *path = NULL;
  if (h == NULL) return NULL;
  if (dlinfo(h, RTLD_DI_LINKMAP, &map) == 0 && map != NULL) path = map->l_name;
  dlclose(h);
  return path;
}
*/
import "C"

import (
	"errors"
	"math"
)

// The time range bounds of the C ABI: a query from MinTime to MaxTime reads every point.
const (
	MinTime int64 = math.MinInt64
	MaxTime int64 = math.MaxInt64
)

// Version is the library's version, "MAJOR.MINOR.PATCH" (strata_version).
func Version() string { return C.GoString(C.strata_version()) }

// ABIVersion is the ABI generation of the loaded library (strata_abi_version); it changes only
// on an incompatible change.
func ABIVersion() int { return int(C.strata_abi_version()) }

// LibraryPath is the path of the libstrata.so this process loaded. It is also the SQLite
// extension (entry point sqlite3_strata_init): see the sqlite subpackage.
func LibraryPath() (string, error) {
	p := C.strata_go_library_path()
	if p == nil || C.GoString(p) == "" {
		return "", errors.New("strata: cannot tell where libstrata.so was loaded from")
	}
	return C.GoString(p), nil
}

// ParseDuration parses a Strata duration ("500ms", "10s", "1h", "7d", "2w" or integer ns) into
// nanoseconds (strata_parse_duration).
func ParseDuration(text string) (int64, error) {
	cs, err := cString(text, "duration")
	if err != nil {
		return 0, err
	}
	defer C.free(unsafePointer(cs))
	var out C.int64_t
	if err := call(func() C.int { return C.strata_parse_duration(cs, &out) }); err != nil {
		return 0, err
	}
	return int64(out), nil
}
