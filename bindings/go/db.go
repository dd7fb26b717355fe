package strata

/*
#include <stdlib.h>
#include "strata.h"
*/
import "C"

import (
	"encoding/json"
	"sync"
	"unsafe"
)

// DB is an open data directory (strata_db). Safe for concurrent use by many goroutines, except
// that Close must not race with other calls.
type DB struct {
	mu sync.RWMutex // held for reading by calls, for writing by Close
	db *C.strata_db
}

// Open opens the data directory dir, creating it when it does not exist or is empty. options
// is "k=v;k=v" text as strata_open takes it ("" for the defaults): sync=full|normal|off,
// sync_interval_ms, memstore_bytes, wal_segment_bytes, shard_duration, retention,
// compaction_threads, block_cache_bytes.
func Open(dir, options string) (*DB, error) {
	var a cArena
	defer a.free()
	cdir, err := a.str(dir, "directory")
	if err != nil {
		return nil, err
	}
	copts, err := a.optStr(options, "options")
	if err != nil {
		return nil, err
	}
	var h *C.strata_db
	if err := call(func() C.int { return C.strata_open(cdir, copts, &h) }); err != nil {
		return nil, err
	}
	return &DB{db: h}, nil
}

// Close closes the handle; acknowledged writes are already durable per the sync option. Open
// cursors stay usable. Closing twice is a no-op.
func (d *DB) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.db != nil {
		C.strata_close(d.db)
		d.db = nil
	}
	return nil
}

// handle returns the C handle with the read lock held (release with d.mu.RUnlock), or an
// error for a closed DB.
func (d *DB) handle() (*C.strata_db, error) {
	d.mu.RLock()
	if d.db == nil {
		d.mu.RUnlock()
		return nil, invalid("the database is closed")
	}
	return d.db, nil
}

// WriteLines writes InfluxDB line protocol as one atomic batch; lines without a timestamp get
// the current time. Malformed text is ErrInvalid with the line and column; nothing is written.
func (d *DB) WriteLines(lines []byte) error {
	h, err := d.handle()
	if err != nil {
		return err
	}
	defer d.mu.RUnlock()
	var p *C.char
	if len(lines) > 0 {
		p = (*C.char)(unsafe.Pointer(&lines[0]))
	}
	return call(func() C.int { return C.strata_write_lines(h, p, C.size_t(len(lines))) })
}

// Write writes every point and delete of b as one atomic batch; b is left unchanged.
func (d *DB) Write(b *Batch) error {
	return d.write(b, false)
}

// WriteAndClear writes b as Write does, then empties it of points as Batch.ClearPoints does,
// the library taking the points without a copy. For a writer that commits batch after batch.
func (d *DB) WriteAndClear(b *Batch) error {
	return d.write(b, true)
}

func (d *DB) write(b *Batch, clear bool) error {
	h, err := d.handle()
	if err != nil {
		return err
	}
	defer d.mu.RUnlock()
	if b == nil || b.b == nil {
		return invalid("the batch is closed")
	}
	if clear {
		return call(func() C.int { return C.strata_write_and_clear(h, b.b) })
	}
	return call(func() C.int { return C.strata_write(h, b.b) })
}

// Delete deletes the points of measurement whose series carry every tag of tags and, unless
// field is "", that field, with start <= time <= end.
func (d *DB) Delete(measurement string, tags map[string]string, field string, start, end int64) error {
	h, err := d.handle()
	if err != nil {
		return err
	}
	defer d.mu.RUnlock()
	var a cArena
	defer a.free()
	ts, err := a.tagSet(measurement, tags)
	if err != nil {
		return err
	}
	f, err := a.optStr(field, "field")
	if err != nil {
		return err
	}
	return call(func() C.int {
		return C.strata_delete(h, ts.m, ts.tags, ts.ntags, f, C.int64_t(start), C.int64_t(end))
	})
}

// DropMeasurement removes every point of measurement, durably.
func (d *DB) DropMeasurement(measurement string) error {
	return d.withName(measurement, "measurement", func(h *C.strata_db, m *C.char) C.int {
		return C.strata_drop_measurement(h, m)
	})
}

// Flush writes every MemStore to segment files and waits for it.
func (d *DB) Flush() error {
	return d.withName("", "", func(h *C.strata_db, _ *C.char) C.int { return C.strata_flush(h) })
}

// Compact flushes, then merges each shard's segments into one, synchronously.
func (d *DB) Compact() error {
	return d.withName("", "", func(h *C.strata_db, _ *C.char) C.int { return C.strata_compact(h) })
}

func (d *DB) withName(name, what string, f func(*C.strata_db, *C.char) C.int) error {
	h, err := d.handle()
	if err != nil {
		return err
	}
	defer d.mu.RUnlock()
	var a cArena
	defer a.free()
	var cs *C.char
	if what != "" {
		if cs, err = a.str(name, what); err != nil {
			return err
		}
	}
	return call(func() C.int { return f(h, cs) })
}

// Stats returns the engine's statistics (strata_stats_json): series, points_written,
// wal_bytes, segment_bytes, shards, and background_error when a background flush failed.
func (d *DB) Stats() (map[string]any, error) {
	h, err := d.handle()
	if err != nil {
		return nil, err
	}
	defer d.mu.RUnlock()
	var out *C.char
	if err := call(func() C.int { return C.strata_stats_json(h, &out) }); err != nil {
		return nil, err
	}
	defer C.strata_free(unsafe.Pointer(out))
	stats := map[string]any{}
	if err := json.Unmarshal([]byte(C.GoString(out)), &stats); err != nil {
		return nil, &Error{Code: CodeError, Message: "stats: " + err.Error()}
	}
	return stats, nil
}

// FieldType is the value type recorded for (measurement, field); ErrNotFound when nothing of
// that field was ever written.
func (d *DB) FieldType(measurement, field string) (ValueType, error) {
	h, err := d.handle()
	if err != nil {
		return 0, err
	}
	defer d.mu.RUnlock()
	var a cArena
	defer a.free()
	m, err := a.str(measurement, "measurement")
	if err != nil {
		return 0, err
	}
	f, err := a.str(field, "field")
	if err != nil {
		return 0, err
	}
	var t C.int
	if err := call(func() C.int { return C.strata_field_type(h, m, f, &t) }); err != nil {
		return 0, err
	}
	return ValueType(t), nil
}

// OldestWritableTime is the oldest time a write takes now (retention, or the storable range).
func (d *DB) OldestWritableTime() (int64, error) {
	h, err := d.handle()
	if err != nil {
		return 0, err
	}
	defer d.mu.RUnlock()
	var t C.int64_t
	if err := call(func() C.int { return C.strata_oldest_writable_time(h, &t) }); err != nil {
		return 0, err
	}
	return int64(t), nil
}
