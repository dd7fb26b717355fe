/* strata.h: the C interface of Strata, a time-series LSM storage engine.
**
** Conventions (they hold for every function below unless its comment says otherwise):
**
**  - Names.  Every symbol starts with strata_ and every macro with STRATA_.  Handles are opaque
**    pointers: strata_db (a data directory), strata_batch (points to write atomically),
**    strata_cursor (the result of a query by series) and strata_rows (the result of a query by
**    rows).
**  - Status codes.  Every fallible function returns an int status: STRATA_OK (0) on success, else
**    one of the codes below.  The numbers are pinned and never renumbered.  The status code, not
**    the message, signals failure.
**  - Error messages.  After a failure, strata_errmsg() returns a message for the calling thread
**    that names the problem (for a NULL argument: the argument).  The string is owned by the
**    library and valid until the next strata_* call on the same thread.
**  - Out-parameters come last, as T **out; *out is set to NULL (or 0) on failure.
**  - Ownership.  Pointers passed in are borrowed for the duration of the call only; the library
**    copies what it keeps.  Heap results (strata_stats_json, strata_canonical_dir,
**    strata_parse_series_key) are freed with strata_free().
**    Strings returned by cursor accessors belong to the cursor and stay valid until the next
**    strata_cursor_next / strata_cursor_next_block / strata_cursor_free on that cursor.
**    strata_close() and every *_free() accept NULL.
**  - Strings are NUL-terminated UTF-8 unless a length is passed with them.  Times are int64_t
**    nanoseconds since the Unix epoch (UTC).  Booleans are int (0 false, anything else true).
**  - Thread-safety, per handle type (each function's comment repeats its rule):
**      strata_db      thread-safe: any number of threads may use one handle at once, but none
**                     during or after its strata_close.
**      strata_batch   one thread at a time; different batches may be used concurrently, and a
**                     batch may move between threads.  strata_write / strata_write_and_clear use
**                     the batch for the duration of the call.
**      strata_cursor  one thread at a time; different cursors (also of one strata_db) may run
**                     concurrently.  A cursor reads a snapshot and may outlive strata_close.
**      strata_rows    as strata_cursor; strata_rows_requery also needs its strata_db open.
**    Functions without a handle are thread-safe.
**  - No C++ exception and no abort crosses this interface: out-of-memory is STRATA_NOMEM, any
**    other internal failure STRATA_ERROR.  Using a handle after it was freed or closed is
**    undefined behaviour.
**  - Layout.  The declarations are grouped by concept: errors and the library; opening and
**    closing a data directory; writing (batches, then the write calls); queries by series;
**    queries by rows; administration; backup; and the rules that clients share (durations, times as
**    text, series keys, UTF-8, data directories).
**  - Compatibility.  strata_abi_version() changes only when a change breaks existing callers;
**    functions and codes are only ever added.
*/
#ifndef STRATA_H
#define STRATA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define STRATA_API __attribute__((visibility("default")))
#else
#define STRATA_API
#endif

/* Version of this header.  strata_version() gives the library's at run time. */
#define STRATA_VERSION_MAJOR 0
#define STRATA_VERSION_MINOR 1
#define STRATA_VERSION_PATCH 0
/* The ABI generation this header describes; compare with strata_abi_version(). */
#define STRATA_ABI_VERSION 1

/* ---- status codes (pinned) ------------------------------------------------------------------ */
#define STRATA_OK 0            /* success */
#define STRATA_ERROR 1         /* internal error; the message says what */
#define STRATA_INVALID 2       /* bad argument, name, option, value or line-protocol text */
#define STRATA_IO 3            /* an operating-system call failed (message: path, errno text) */
#define STRATA_CORRUPT 4       /* damaged data; the message names the file and offset */
#define STRATA_LOCKED 5        /* the data directory is open in another process */
#define STRATA_NOT_FOUND 6     /* a required file or object does not exist */
#define STRATA_TYPE_CONFLICT 7 /* a field already holds values of another type; nothing written */
#define STRATA_NOMEM 8         /* out of memory */
#define STRATA_READONLY 9      /* a write, flush or backup through a read-only open, or a writer's
                               ** open of read-only storage */
#define STRATA_ROW 100         /* strata_cursor_next*: a point (or block) is available */
#define STRATA_DONE 101        /* strata_cursor_next*: the cursor is exhausted */

/* ---- value types (pinned) ------------------------------------------------------------------- */
#define STRATA_FLOAT 1  /* double; NaN and +-Inf are rejected on write */
#define STRATA_INT 2    /* int64_t */
#define STRATA_BOOL 3   /* 0 or 1 */
#define STRATA_STRING 4 /* bytes, with a length */

/* ---- limits (pinned) ------------------------------------------------------------------------ */
/* Longest measurement, tag key, tag value or field name, in bytes. */
#define STRATA_MAX_NAME_BYTES 65536
/* Longest series key, in bytes: the measurement, then ",key=value" per tag in key order, then
** "#field", with each ',' '=' ' ' '#' and '\' in a name preceded by a backslash.  Names within
** their own limit can add up to more; a write of such a series fails with STRATA_INVALID. */
#define STRATA_MAX_SERIES_KEY_BYTES 65536

typedef struct strata_db strata_db;         /* thread-safe */
typedef struct strata_batch strata_batch;   /* one thread at a time */
typedef struct strata_cursor strata_cursor; /* one thread at a time */
typedef struct strata_rows strata_rows;     /* one thread at a time */

/* One tag: key=value, both non-empty NUL-terminated UTF-8.  Tag arrays may be in any order; keys
** must be unique. */
typedef struct {
  const char *key;
  const char *value;
} strata_tag;

/* ---- errors and the library ---------------------------------------------------------------- */

/* The message of the calling thread's last failed strata_* call ("" when there is none).  Owned
** by the library; valid until the next strata_* call on this thread.  Meaningful only right after
** a call returned an error status.  Thread-safe (thread-local). */
STRATA_API const char *strata_errmsg(void);

/* The name of the status code `code` as its macro spells it ("STRATA_INVALID", "STRATA_ROW"), for
** messages and logs; NULL when `code` is none of the STRATA_* status codes.  Static storage; never
** freed.  Thread-safe. */
STRATA_API const char *strata_status_name(int code);

/* Frees memory the library returned to the caller (strata_stats_json, strata_canonical_dir,
** strata_canonical_options, strata_parse_series_key).  NULL is a no-op.  Thread-safe. */
STRATA_API void strata_free(void *p);

/* The ABI generation of the loaded library (STRATA_ABI_VERSION of its header).  Incremented only
** on an incompatible change.  Thread-safe. */
STRATA_API int strata_abi_version(void);

/* The library version, "MAJOR.MINOR.PATCH".  Static storage; never freed.  Thread-safe. */
STRATA_API const char *strata_version(void);

/* ---- opening and closing a data directory -------------------------------------------------- */

/* Opens the data directory `dir`, creating it when it does not exist or is empty.
**   dir      borrowed path; required.
**   options  borrowed "k=v;k=v" text or NULL for the defaults.  Keys: sync=full|normal|off,
**            sync_interval_ms, memstore_bytes, wal_segment_bytes (e.g. 64MiB), shard_duration
**            (1h, 1d, 7d, ...; the directory's own: set when it is created, default 1d; later
**            opens may leave it out, and once the directory holds points another value is
**            STRATA_INVALID), retention (0 = forever), compaction_threads, block_cache_bytes
**            (decoded segment blocks kept for repeated reads; 0 = none), read_only (0: open to
**            write, the default; 1: open to read while another process may write, taking no
**            lock and creating nothing; auto: to write when no other process has the directory
**            open and its storage allows, else to read), reader_staleness_ms (a read-only open
**            looks for new writes at most this often; 0, the default: at every query).  Unknown
**            keys and bad values are STRATA_INVALID.
**   out      receives the handle, to be closed with strata_close(); NULL on failure.
** Opening a directory this process already has open shares the same engine (later options are
** ignored, but for a shard_duration that differs: STRATA_INVALID).  Returns STRATA_OK,
** STRATA_INVALID (NULL argument, bad option, a non-empty directory that is not a Strata
** directory), STRATA_LOCKED (open to write in another process; read_only=1 or auto reads it),
** STRATA_READONLY (read_only=0 on storage that cannot be written), STRATA_NOT_FOUND (read_only=1
** of a directory that is not a Strata directory), STRATA_IO, STRATA_CORRUPT (recovery found
** damaged data) or STRATA_NOMEM.  A read-only open is a separate engine from a writing open of the
** same directory in this process, and every write, delete, flush, compact or backup through it
** is STRATA_READONLY.  Thread-safe. */
STRATA_API int strata_open(const char *dir, const char *options, strata_db **out);

/* Closes the handle.  Acknowledged writes are already durable per the `sync` option; close does
** not flush MemStores (the WAL holds them).  Cursors of this handle stay usable: the directory
** stays open until the last of them is freed.  NULL is a no-op.  Returns STRATA_OK.
** Thread-safety: no other thread may use `db` during or after the call. */
STRATA_API int strata_close(strata_db *db);

/* Whether `dir` is a Strata data directory: *out receives 1 when it holds Strata's identity file
** (which strata_open creates in a directory it makes), 0 otherwise (a missing path, an empty or a
** foreign directory).  Nothing is opened, locked or created: a client that must not create a data
** directory asks this before strata_open.  Returns STRATA_OK or STRATA_INVALID (NULL argument;
** *out 0).  Thread-safe. */
STRATA_API int strata_is_data_directory(const char *dir, int *out);

/* The canonical path of the data directory `dir`: absolute, without '.' and '..', with symbolic
** links resolved as far as the path exists, without a trailing '/'.  Paths with the same canonical
** path name one directory, which strata_open opens once per process and shares; a client that
** keeps state per data directory keys it by this.  *out receives a NUL-terminated string the
** caller frees with strata_free() (NULL on failure).  Returns STRATA_OK, STRATA_INVALID (NULL
** argument, empty path), STRATA_IO (the path cannot be resolved) or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_canonical_dir(const char *dir, char **out);

/* The meaning of strata_open's options text: every key in a fixed order, with its value spelled
** one way and defaults filled in ("sync=full;sync_interval_ms=1000;...").  Two texts that open
** the same way give the same result ("shard_duration=1h" and "shard_duration=60m"; "" and
** "sync=full").  shard_duration, the directory's own, appears only when given.
**   options  borrowed "k=v;k=v" text, or NULL (as "").
**   out      receives a NUL-terminated string the caller frees with strata_free() (NULL on
**            failure).
** Returns STRATA_OK, STRATA_INVALID (NULL out, an option strata_open refuses: the message names
** it) or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_canonical_options(const char *options, char **out);

/* ---- writing: batches ---------------------------------------------------------------------- */

/* Creates an empty batch; *out receives it (NULL on failure), to be freed with
** strata_batch_free().  Returns STRATA_OK, STRATA_INVALID (NULL out) or STRATA_NOMEM.
** Thread-safe. */
STRATA_API int strata_batch_new(strata_batch **out);

/* Frees the batch.  NULL is a no-op.  One thread at a time per batch. */
STRATA_API void strata_batch_free(strata_batch *b);

/* Empties the batch for reuse, keeping its memory.  Series references from strata_batch_series
** become invalid.  NULL is a no-op.  One thread at a time per batch. */
STRATA_API void strata_batch_clear(strata_batch *b);

/* Empties the batch of its points and deletes but keeps its series: references from
** strata_batch_series stay valid, and name the same series, until strata_batch_clear or
** strata_batch_free.  A writer that commits the same series batch after batch (a transaction per
** interval, say) resolves them once instead of per batch.  The batch keeps a little memory per
** series it has seen; strata_batch_clear drops them.  NULL is a no-op.  One thread at a time per
** batch. */
STRATA_API void strata_batch_clear_points(strata_batch *b);

/* The number of points in the batch (0 for NULL).  One thread at a time per batch. */
STRATA_API size_t strata_batch_count(const strata_batch *b);

/* Adds one point.  measurement and field: borrowed names (required); tags: ntags entries in any
** order (borrowed; NULL when ntags is 0); time_ns: the timestamp; value: see the suffix.  A second
** value for the same series and time replaces the first.  Consecutive points with the same
** measurement and tags are cheap (the tag set is resolved once).  Returns STRATA_OK,
** STRATA_INVALID (NULL argument, empty or non-UTF-8 name, duplicate tag key, a name or series
** key over its limit (STRATA_MAX_NAME_BYTES, STRATA_MAX_SERIES_KEY_BYTES), NaN or +-Inf) or
** STRATA_TYPE_CONFLICT (the series already holds another type in this batch), or STRATA_NOMEM;
** on error the batch is unchanged.  One thread at a time per batch. */
STRATA_API int strata_batch_add_f64(strata_batch *b, const char *measurement,
                                    const strata_tag *tags, size_t ntags, const char *field,
                                    int64_t time_ns, double value);
/* As strata_batch_add_f64, for an integer field. */
STRATA_API int strata_batch_add_i64(strata_batch *b, const char *measurement,
                                    const strata_tag *tags, size_t ntags, const char *field,
                                    int64_t time_ns, int64_t value);
/* As strata_batch_add_f64, for a boolean field: 0 is false, anything else true. */
STRATA_API int strata_batch_add_bool(strata_batch *b, const char *measurement,
                                     const strata_tag *tags, size_t ntags, const char *field,
                                     int64_t time_ns, int value);
/* As strata_batch_add_f64, for a string field: `len` bytes at `value` (borrowed, copied; may hold
** any bytes; NULL only when len is 0). */
STRATA_API int strata_batch_add_str(strata_batch *b, const char *measurement,
                                    const strata_tag *tags, size_t ntags, const char *field,
                                    int64_t time_ns, const char *value, size_t len);

/* Columnar fast path: a series resolved once, then arrays of points. */

/* Resolves a series of this batch once: (measurement, tags, field) with value type `type`
** (STRATA_FLOAT, STRATA_INT or STRATA_BOOL).  *out receives a reference for the
** strata_batch_append_* calls on this batch, valid until strata_batch_clear or strata_batch_free
** (strata_batch_clear_points keeps it; 0 on failure; a valid reference may also be 0).  Resolving
** the same series again returns the same reference.  Returns STRATA_OK, STRATA_INVALID (as
** strata_batch_add_f64, or an unknown or string type), STRATA_TYPE_CONFLICT (the series holds
** another type in this batch) or STRATA_NOMEM.  One thread at a time per batch. */
STRATA_API int strata_batch_series(strata_batch *b, const char *measurement,
                                   const strata_tag *tags, size_t ntags, const char *field,
                                   int type, uint32_t *out);

/* Appends n points to the series `series` (from strata_batch_series on this batch): times[i] with
** values[i].  Both arrays are borrowed and hold n elements (NULL only when n is 0); times need not
** be sorted, and a repeated time keeps the later value.  All or nothing: on error nothing is
** appended.  Returns STRATA_OK, STRATA_INVALID (NULL argument, unknown reference, NaN or +-Inf at
** an index the message gives), STRATA_TYPE_CONFLICT (the series was resolved with another type)
** or STRATA_NOMEM.  This is the fastest way to fill a batch.  One thread at a time per batch. */
STRATA_API int strata_batch_append_f64(strata_batch *b, uint32_t series, const int64_t *times,
                                       const double *values, size_t n);
/* As strata_batch_append_f64, for a series resolved as STRATA_INT. */
STRATA_API int strata_batch_append_i64(strata_batch *b, uint32_t series, const int64_t *times,
                                       const int64_t *values, size_t n);
/* As strata_batch_append_f64, for a series resolved as STRATA_BOOL: 0 is false, else true. */
STRATA_API int strata_batch_append_bool(strata_batch *b, uint32_t series, const int64_t *times,
                                        const int *values, size_t n);

/* Deletes in a batch. */

/* Adds a delete to the batch: the points of `measurement` whose series carry every tag of tags
** (ntags entries, borrowed; NULL when ntags is 0) -- and, when `exact` is non-zero, no other tag --
** restricted to the nfields fields named in `fields` (borrowed; NULL with nfields 0: every field),
** with t_min <= time <= t_max.  A batch's deletes take effect before its points, atomically with
** them, so delete-then-rewrite in one batch is one atomic replacement.  Returns STRATA_OK,
** STRATA_INVALID (NULL argument, empty measurement, t_min > t_max) or STRATA_NOMEM; on error the
** batch is unchanged.  One thread at a time per batch. */
STRATA_API int strata_batch_delete(strata_batch *b, const char *measurement,
                                   const strata_tag *tags, size_t ntags, int exact,
                                   const char *const *fields, size_t nfields, int64_t t_min,
                                   int64_t t_max);

/* The number of deletes in the batch (0 for NULL).  One thread at a time per batch. */
STRATA_API size_t strata_batch_delete_count(const strata_batch *b);

/* ---- writing: the write calls -------------------------------------------------------------- */

/* Writes every point of `b` as one atomic batch: after a crash all of it is there or none.  When
** it returns STRATA_OK the batch is durable per the `sync` option.  The batch is left unchanged
** (call strata_batch_clear to reuse it).  An empty batch is STRATA_OK.  Returns STRATA_OK,
** STRATA_INVALID (NULL argument, a time outside the storable range or retention),
** STRATA_TYPE_CONFLICT (a field already has another type in this directory; nothing is written),
** STRATA_IO or STRATA_NOMEM.  Thread-safe for `db`; `b` must not be used by another thread
** meanwhile. */
STRATA_API int strata_write(strata_db *db, strata_batch *b);

/* As strata_write, then empties the batch as strata_batch_clear_points does (its series
** references stay valid): the library takes the points instead of copying them, and may finish
** placing them in memory after it returns, on a thread of its own.  Every read, flush or write
** that starts after it returns sees them, as after strata_write.  For a writer that commits batch
** after batch.  On error the batch is left unchanged.  Returns as strata_write.  Thread-safe for
** `db`; `b` must not be used by another thread meanwhile. */
STRATA_API int strata_write_and_clear(strata_db *db, strata_batch *b);

/* Writes InfluxDB line protocol: `lines` (borrowed, `len` bytes, need not be NUL-terminated; NULL
** is allowed when len is 0).  All lines form one atomic batch; lines without a timestamp get the
** current time.  Returns STRATA_OK, STRATA_INVALID (malformed text: the message gives line and
** column; NULL argument), STRATA_TYPE_CONFLICT, STRATA_IO or STRATA_NOMEM; on error nothing is
** written.  Thread-safe. */
STRATA_API int strata_write_lines(strata_db *db, const char *lines, size_t len);

/* The unit of line-protocol timestamps (pinned). */
#define STRATA_PRECISION_NS 0 /* nanoseconds: what strata_write_lines takes */
#define STRATA_PRECISION_US 1 /* microseconds */
#define STRATA_PRECISION_MS 2 /* milliseconds */
#define STRATA_PRECISION_S 3  /* seconds */

/* Options of strata_write_lines_ex.  Initialise with STRATA_LINES_OPTIONS_INIT, then set fields;
** `version` tells the library which fields the caller's struct has. */
#define STRATA_LINES_OPTIONS_VERSION 1
typedef struct {
  int version;   /* STRATA_LINES_OPTIONS_VERSION of the caller's header */
  int precision; /* STRATA_PRECISION_*: the unit of the text's timestamps */
} strata_lines_options;
#define STRATA_LINES_OPTIONS_INIT {STRATA_LINES_OPTIONS_VERSION, STRATA_PRECISION_NS}

/* strata_write_lines with options (NULL: exactly strata_write_lines).  Timestamps are read in
** options->precision units and stored as nanoseconds; one that does not fit int64 nanoseconds
** once scaled is malformed.  Lines without a timestamp get the current time rounded down to the
** precision.  The message of a refused line starts "line N, column C: " for malformed text and
** "line N: " for a name or value that cannot be stored, N counting lines from 1.  Returns what
** strata_write_lines returns, and STRATA_INVALID when options->version is not one this library
** knows (1) or options->precision is not a STRATA_PRECISION_* value.  Thread-safe. */
STRATA_API int strata_write_lines_ex(strata_db *db, const char *lines, size_t len,
                                     const strata_lines_options *options);

/* Deletes the points of `measurement` whose series match every tag in tag_eq (ntags entries,
** borrowed; NULL when ntags is 0) and, when `field` is not NULL, that field, with
** t_min <= time <= t_max.  Atomic and durable like a write; affects only points written before
** it.  Deleting nothing is STRATA_OK.  Returns STRATA_OK, STRATA_INVALID (NULL argument),
** STRATA_IO or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_delete(strata_db *db, const char *measurement, const strata_tag *tag_eq,
                             size_t ntags, const char *field, int64_t t_min, int64_t t_max);

/* ---- queries by series --------------------------------------------------------------------- */

/* Starts a query over the series of `measurement` (required) that carry every tag of tag_eq
** (ntags entries, borrowed; NULL when ntags is 0) and, unless `field` is NULL, that field, for
** t_min <= time <= t_max (use INT64_MIN / INT64_MAX for no bound).  Points come in (series key,
** time) order, one per timestamp, from a snapshot taken now: later writes are not seen.  Unknown
** measurements, tags or fields give an empty result.  *out receives the cursor (NULL on failure),
** to be freed with strata_cursor_free(); it may outlive strata_close(db).  Returns STRATA_OK,
** STRATA_INVALID (NULL argument, empty measurement), STRATA_IO or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_query(strata_db *db, const char *measurement, const strata_tag *tag_eq,
                            size_t ntags, const char *field, int64_t t_min, int64_t t_max,
                            strata_cursor **out);

/* Advances the cursor to the next point.  Returns STRATA_ROW when a point is available,
** STRATA_DONE at the end, or an error status (STRATA_CORRUPT naming the file, STRATA_IO,
** STRATA_NOMEM, STRATA_INVALID for a NULL cursor); after an error the cursor is done.  Pointers
** from strata_cursor_series/field/str stay valid until the next call to strata_cursor_next,
** strata_cursor_next_block or strata_cursor_free on this cursor.
** Thread-safety: one thread at a time per cursor; different cursors may run concurrently. */
STRATA_API int strata_cursor_next(strata_cursor *c);

/* Reads up to `cap` points of the current series at once, starting after the last point read
** (strata_cursor_next and this function may be mixed).  A block never spans two series, so
** strata_cursor_series/field/type describe all of it; *n receives the count (0 with STRATA_DONE
** or an error).  times: cap int64_t (borrowed, written).  values: by type, cap doubles
** (STRATA_FLOAT), cap int64_t (STRATA_INT, and STRATA_BOOL as 0/1) or nothing for STRATA_STRING
** (may be NULL; use strata_cursor_block_str).  As the type is known only after the call, pass a
** buffer of cap * 8 bytes, aligned for double and int64_t.  After the call the cursor's current
** point is the block's last one.  Returns STRATA_ROW, STRATA_DONE, STRATA_INVALID (NULL argument,
** cap 0) or an error as strata_cursor_next.  One thread at a time per cursor. */
STRATA_API int strata_cursor_next_block(strata_cursor *c, int64_t *times, void *values,
                                        size_t cap, size_t *n);

/* ---- block summaries: aggregates over whole stored blocks ------------------------------------ */

/* The summary of one whole stored block of a FLOAT, INT or BOOL series (strata_cursor_next_piece):
** its `count` points run from first_time to last_time.  Values of a STRATA_FLOAT series are in the
** f fields, of STRATA_INT and STRATA_BOOL in the i fields (the others are 0).  min and max are as
** std::min / std::max folded in time order; sum_f is the doubles added in time order starting from
** 0.0.  The integer sums are exact 128-bit numbers, hi * 2^64 + lo in two's complement: the sum,
** and the least and greatest prefix sum (v0, v0 + v1, ...), which tell whether a running int64 sum
** overflows somewhere inside the block. */
typedef struct strata_block_summary {
  int64_t count, first_time, last_time;
  double min_f, max_f, first_f, last_f, sum_f;
  int64_t min_i, max_i, first_i, last_i;
  int64_t sum_hi, min_prefix_hi, max_prefix_hi;
  uint64_t sum_lo, min_prefix_lo, max_prefix_lo;
} strata_block_summary;

/* Whether the caller of strata_query_summaries takes the summary of a whole block whose points
** run from first_time to last_time (nonzero), or wants its points (0); `ctx` as given there.
** Called from within strata_cursor_next_piece; it must not use the cursor. */
typedef int (*strata_summary_accept)(void *ctx, int64_t first_time, int64_t last_time);

/* Starts a query as strata_query does (same arguments and statuses), whose cursor is read with
** strata_cursor_next_piece: points come piece by piece, and a piece that is one whole stored block
** with statistics (one that no other source - the memory table, another overlapping segment, a
** delete - touches in its time range, and that lies wholly inside [t_min, t_max]) comes as its
** summary when accept(ctx, first_time, last_time) says so.  Which pieces there are depends on the
** stored data alone, never on `accept` or on which blocks carry statistics: a fold that treats a
** summary as the points it summarizes gets the same answer either way.  accept may be NULL (every
** piece as points); ctx is borrowed and must stay valid while the cursor is read.  Thread-safe. */
STRATA_API int strata_query_summaries(strata_db *db, const char *measurement,
                                      const strata_tag *tag_eq, size_t ntags, const char *field,
                                      int64_t t_min, int64_t t_max, strata_summary_accept accept,
                                      void *ctx, strata_cursor **out);

/* Reads the next piece of a cursor of strata_query_summaries: either a summary, written to
** *summary with *summarized = 1 and *n = 0, or up to `cap` points of a piece, written to times and
** values as strata_cursor_next_block does, with *summarized = 0 (a piece of more than cap points
** comes in several calls; a block piece never has more than 1024).  strata_cursor_series, field,
** type and block_str describe the piece.  Returns STRATA_ROW, STRATA_DONE, STRATA_INVALID (NULL
** argument, cap 0, or a cursor of strata_query, which strata_cursor_next and
** strata_cursor_next_block read) or an error as strata_cursor_next.  One thread at a time per
** cursor. */
STRATA_API int strata_cursor_next_piece(strata_cursor *c, int64_t *times, void *values,
                                        size_t cap, size_t *n, strata_block_summary *summary,
                                        int *summarized);

/* Value i (0 <= i < *n) of the last block of a STRATA_STRING series: its bytes, *len receives the
** length (len may be NULL).  The bytes are NUL-terminated, owned by the cursor and valid until the
** next strata_cursor_next / strata_cursor_next_block / strata_cursor_free.  NULL (and *len 0) when
** there is no such value.  One thread at a time per cursor. */
STRATA_API const char *strata_cursor_block_str(strata_cursor *c, size_t i, size_t *len);

/* The canonical series key of the current point, `measurement,k1=v1,k2=v2#field` (tags sorted,
** `,` `=` ` ` `#` `\` escaped by a backslash).  Owned by the cursor, valid until the next
** strata_cursor_next / strata_cursor_next_block / strata_cursor_free.  NULL without a current
** point.  One thread at a time per cursor. */
STRATA_API const char *strata_cursor_series(strata_cursor *c);

/* The field name (unescaped) of the current point; lifetime as strata_cursor_series.  NULL
** without a current point.  One thread at a time per cursor. */
STRATA_API const char *strata_cursor_field(strata_cursor *c);

/* The timestamp of the current point (0 without one).  One thread at a time per cursor. */
STRATA_API int64_t strata_cursor_time(strata_cursor *c);

/* The value type of the current point: STRATA_FLOAT, STRATA_INT, STRATA_BOOL or STRATA_STRING
** (0 without a current point).  One thread at a time per cursor. */
STRATA_API int strata_cursor_type(strata_cursor *c);

/* The current value as a double: floats as is, integers and booleans converted, 0 for strings
** and without a current point.  One thread at a time per cursor. */
STRATA_API double strata_cursor_f64(strata_cursor *c);

/* The current value as an int64_t: integers as is, booleans as 0/1, floats truncated toward zero
** (saturating), 0 for strings and without a current point.  One thread at a time per cursor. */
STRATA_API int64_t strata_cursor_i64(strata_cursor *c);

/* The current string value: NUL-terminated bytes, *len receives the length (len may be NULL).
** Lifetime as strata_cursor_series.  NULL (and *len 0) when the current value is not a string or
** there is no current point.  One thread at a time per cursor. */
STRATA_API const char *strata_cursor_str(strata_cursor *c, size_t *len);

/* Frees the cursor and releases its snapshot.  NULL is a no-op.  One thread at a time per
** cursor. */
STRATA_API void strata_cursor_free(strata_cursor *c);

/* ---- queries by rows ----------------------------------------------------------------------- */

/* A row is the values of the fields of one tag set at one timestamp.  Every strata_rows_*
** function below is used by one thread at a time per cursor, unless its comment says more. */

/* A tag filter: the series' tag `key` equals one of values[0..nvalues) (one value: equality,
** several: IN).  key and values are borrowed NUL-terminated strings; nvalues 0 matches nothing. */
typedef struct {
  const char *key;
  const char *const *values;
  size_t nvalues;
} strata_tag_filter;

/* Starts a row-view query: the fields of one tag set at one timestamp form a row.
** measurement: required.  filters: nfilters entries that must all match (borrowed; NULL when
** nfilters is 0).  fields: the nfields field names to read (borrowed; NULL with nfields 0 means
** every field of each tag set); a row exists when at least one of them has a value.
** t_min <= time <= t_max (inclusive).  Rows come in tag-set order (that of the canonical series
** keys, i.e. of tag-set key + "#"), then by time, from a snapshot taken now.  *out receives the
** cursor (NULL on failure), freed with strata_rows_free(); it may outlive strata_close(db).
** Returns STRATA_OK, STRATA_INVALID (NULL argument, empty measurement), STRATA_IO or
** STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_query_rows(strata_db *db, const char *measurement,
                                 const strata_tag_filter *filters, size_t nfilters,
                                 const char *const *fields, size_t nfields, int64_t t_min,
                                 int64_t t_max, strata_rows **out);

/* Ops of a strata_tag_predicate.  Never renumbered. */
#define STRATA_TAG_IN 0            /* the value is one of values (as strata_tag_filter) */
#define STRATA_TAG_NOT_IN 1        /* the value is none of values (nvalues 0: any value) */
#define STRATA_TAG_PREFIX 2        /* the value starts with values[0], bytewise */
#define STRATA_TAG_PREFIX_NOCASE 3 /* the value starts with values[0], ASCII case ignored */
#define STRATA_TAG_REGEX 4         /* the whole value matches the RE2 pattern values[0] */

/* A tag predicate (strata_rows_options version 4): the series' tag `key` satisfies `op` (one of
** STRATA_TAG_*) with values[0..nvalues); PREFIX, PREFIX_NOCASE and REGEX take exactly one value.
** Like SQL, a series WITHOUT the tag key never matches any op (`host != 'a'` skips the series
** that have no host tag).  Selection walks the tag key's values in the index, never the data.
** key and values are borrowed NUL-terminated strings. */
typedef struct {
  const char *key;
  int op;
  const char *const *values;
  size_t nvalues;
} strata_tag_predicate;

/* Options of strata_query_rows_ex: start from STRATA_ROWS_OPTIONS_INIT and set what you need.
** Fields are only ever appended; version tells the library which ones the caller's struct has
** (1: up to presence_only; 2: also limit_per_tagset; 3: also order_tags; 4: also predicates). */
#define STRATA_ROWS_OPTIONS_VERSION 4
typedef struct {
  unsigned int version; /* STRATA_ROWS_OPTIONS_VERSION: the layout the caller was compiled with */
  int descending; /* nonzero: within each tag set, newest row first (tag sets keep their order) */
  /* NULL, or nfields flags, one per requested field: nonzero = only whether the field has a value
  ** is needed, not the value.  Such fields may skip decoding stored values; rows and times are
  ** exactly those of a full read, strata_rows_type still reports the field's type when it has a
  ** value, but strata_rows_f64 / _i64 return 0 and strata_rows_str NULL for it.  Borrowed for the
  ** duration of the call. */
  const unsigned char *presence_only;
  /* 0: no limit.  Otherwise at most this many rows per tag set: its first ones in the query's
  ** order (with descending, its newest), the rest of the tag set is not read.  With descending
  ** and 1, "the newest row of every tag set" costs at most about one stored block per field per
  ** tag set (per segment file holding it) instead of a read of every row, and usually none: each
  ** segment remembers its newest point per series.  Since version 2. */
  size_t limit_per_tagset;
  /* NULL, or norder_tags tag keys: the tag sets come ordered by their values of these keys (byte
  ** order; a tag set without the key sorts before every value), the first key first, and by
  ** canonical tag-set key among equals, instead of by canonical key alone.  Rows within a tag set
  ** are unchanged.  Borrowed for the duration of the call.  Since version 3. */
  const char *const *order_tags;
  size_t norder_tags;
  /* NULL, or npredicates tag predicates that must all match, besides the filters (borrowed for the
  ** duration of the call).  Since version 4. */
  const strata_tag_predicate *predicates;
  size_t npredicates;
} strata_rows_options;
#define STRATA_ROWS_OPTIONS_INIT {STRATA_ROWS_OPTIONS_VERSION, 0, NULL, 0, NULL, 0, NULL, 0}

/* strata_query_rows with options (NULL: exactly strata_query_rows).  descending makes the rows of
** each tag set come newest first; reading the first rows of a tag set then costs about one stored
** block per field, however long the series (the cheap "last point" query).  Returns what
** strata_query_rows returns, and STRATA_INVALID when options->version is not one this library
** knows (it accepts 1 to 4; an older struct is read without the fields added after it),
** options->presence_only is given with nfields 0 (the fields are then not known in advance),
** options->order_tags is NULL with norder_tags > 0 or holds a NULL, or a predicate is invalid
** (NULL key or value, unknown op, PREFIX/PREFIX_NOCASE/REGEX without exactly one value, a regex
** RE2 cannot compile); the message names the predicate (options->predicates[i]).
** Lifetime of *out and of the accessors' strings: as strata_query_rows.  Thread-safe. */
STRATA_API int strata_query_rows_ex(strata_db *db, const char *measurement,
                                    const strata_tag_filter *filters, size_t nfilters,
                                    const char *const *fields, size_t nfields, int64_t t_min,
                                    int64_t t_max, const strata_rows_options *options,
                                    strata_rows **out);

/* Runs a new query on the cursor r, which came from strata_query_rows or _ex on `db`: the same
** measurement and fields, with new filters, time range and options, exactly as if r were freed and
** strata_query_rows_ex(db, ...) had returned a new cursor -- but r's buffers are reused, so a
** client that runs many small queries in a row (a join's lookups, one per outer row) saves their
** allocations.  r's former query ends at once, whatever the outcome; on failure r stays done
** (strata_rows_next returns STRATA_DONE) until a later strata_rows_requery succeeds, and is freed
** with strata_rows_free as always.  Returns what strata_query_rows_ex returns, and STRATA_INVALID
** for a NULL db or r or a cursor from another strata_db.  db must be open.  Thread-safe for db;
** one thread at a time per cursor. */
STRATA_API int strata_rows_requery(strata_db *db, strata_rows *r, const strata_tag_filter *filters,
                                   size_t nfilters, int64_t t_min, int64_t t_max,
                                   const strata_rows_options *options);

/* Ends r's query at once: strata_rows_next returns STRATA_DONE, and the snapshot r held (with the
** segment files and memory it kept from being released) is released, while r keeps its buffers
** for a later strata_rows_requery.  For a client that keeps an idle cursor for reuse.  NULL is a
** no-op.  One thread at a time per cursor. */
STRATA_API void strata_rows_reset(strata_rows *r);

/* Advances to the next row: STRATA_ROW, STRATA_DONE, or an error status (STRATA_CORRUPT, STRATA_IO,
** STRATA_NOMEM, STRATA_INVALID for NULL); after an error the cursor is done.  Strings returned by
** the strata_rows_* accessors stay valid until the next strata_rows_next / strata_rows_free.
** One thread at a time per cursor. */
STRATA_API int strata_rows_next(strata_rows *r);

/* The number of tag sets the query matched: those with a series of a requested field (some may
** have no row in the time range).  0 for NULL.  Callable before the first strata_rows_next, e.g.
** to know whether the rows of a descending query are also in time order across tag sets. */
STRATA_API size_t strata_rows_tagset_count(strata_rows *r);

/* The current row's timestamp (0 without a current row). */
STRATA_API int64_t strata_rows_time(strata_rows *r);

/* The current row's canonical tag-set key, `measurement,k1=v1,...` (escaped as series keys); NULL
** without a current row.  Lifetime: see strata_rows_next. */
STRATA_API const char *strata_rows_tagset(strata_rows *r);

/* A number that identifies the current row's tag set among the tag sets of the data directory
** while `db` stays open: rows of one tag set get the same number and rows of different tag sets
** different ones, in every query (a key for caching what a client derives from a tag set).  0
** without a current row. */
STRATA_API uint64_t strata_rows_tagset_id(strata_rows *r);

/* The number of tags of the current row's tag set (0 without a current row), and tag i's key and
** value (sorted by key; NULL when i is out of range).  Lifetime: see strata_rows_next. */
STRATA_API size_t strata_rows_tag_count(strata_rows *r);
STRATA_API const char *strata_rows_tag_key(strata_rows *r, size_t i);
STRATA_API const char *strata_rows_tag_value(strata_rows *r, size_t i);

/* The number of fields of the row: nfields of strata_query_rows, or with nfields 0 the number of
** fields of the current tag set. */
STRATA_API size_t strata_rows_field_count(strata_rows *r);

/* Field i's name (the requested name, or with nfields 0 the current tag set's i-th field, in
** series-key order); NULL when out of range.  Lifetime: see strata_rows_next. */
STRATA_API const char *strata_rows_field_name(strata_rows *r, size_t i);

/* Field i's value type in the current row: STRATA_FLOAT, STRATA_INT, STRATA_BOOL, STRATA_STRING,
** or 0 when the field has no value in this row (SQL NULL) or i is out of range. */
STRATA_API int strata_rows_type(strata_rows *r, size_t i);

/* Field i's value, converted as strata_cursor_f64 / strata_cursor_i64 do (0 when absent). */
STRATA_API double strata_rows_f64(strata_rows *r, size_t i);
STRATA_API int64_t strata_rows_i64(strata_rows *r, size_t i);

/* Field i's string value (NUL-terminated, *len receives its length; len may be NULL); NULL when
** the value is absent or not a string.  Lifetime: see strata_rows_next. */
STRATA_API const char *strata_rows_str(strata_rows *r, size_t i, size_t *len);

/* Block reads: rows a block at a time, for clients that read many rows.  Moves past the current
** row (or block) to the next block: up to `max` (>= 1) consecutive rows of one tag set in which
** each field has a value in every row or in none.  Rows written field for field together (the
** usual case) come in long blocks when read in ascending order; other rows, and every row of a
** descending read, come one per block.  *n receives the block's row count (0 at the end).
** Returns STRATA_ROW, STRATA_DONE or an error status, as strata_rows_next (STRATA_INVALID for a
** NULL argument or max 0).  The block's first row is then the current row, so the functions above
** read it, and strata_rows_type (the same in every row of the block) tells which fields have
** values; strata_rows_next and strata_rows_next_block may be mixed.  Thread-safety: as
** strata_rows_next. */
STRATA_API int strata_rows_next_block(strata_rows *r, size_t max, size_t *n);

/* The current block's times: *n of them, in the cursor's order; NULL without a block or row.
** Lifetime: until the next strata_rows_next, strata_rows_next_block or strata_rows_free on r. */
STRATA_API const int64_t *strata_rows_block_times(strata_rows *r);

/* Field i's values in the current block's rows, as 64-bit words: the IEEE-754 bits of a
** STRATA_FLOAT value, the value of a STRATA_INT field, 0 or 1 for STRATA_BOOL.  NULL when the field
** has no value in the block, holds strings (see strata_rows_block_str), was requested
** presence-only, or i is out of range.  Lifetime: as strata_rows_block_times. */
STRATA_API const uint64_t *strata_rows_block_nums(strata_rows *r, size_t i);

/* The string value of field i in row k of the current block (NUL-terminated; *len receives its
** length, len may be NULL); NULL when absent, not a string, presence-only or out of range.
** Lifetime: as strata_rows_block_times. */
STRATA_API const char *strata_rows_block_str(strata_rows *r, size_t i, size_t k, size_t *len);

/* Frees the cursor and its snapshot.  NULL is a no-op. */
STRATA_API void strata_rows_free(strata_rows *r);

/* ---- administration ------------------------------------------------------------------------ */

/* Writes every MemStore to segment files and waits for it.  Returns STRATA_OK, STRATA_INVALID
** (NULL db), STRATA_IO or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_flush(strata_db *db);

/* Flushes, then merges each shard's segments into one, synchronously.  Returns STRATA_OK,
** STRATA_INVALID (NULL db), STRATA_IO, STRATA_CORRUPT or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_compact(strata_db *db);

/* Statistics as a JSON object (series, points_written, wal_bytes, segment_bytes, shards, and
** background_error when a background flush failed).  *out receives a NUL-terminated string the
** caller frees with strata_free(); NULL on failure.  Returns STRATA_OK, STRATA_INVALID (NULL
** argument) or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_stats_json(strata_db *db, char **out);

/* The directory's measurements as a JSON object, for a client that maps them to tables:
** {"measurements":[{"name":"cpu","tags":["host",...],"fields":[{"name":"usage","type":"float"},
** ...]}, ...]}, measurements, tags and fields sorted by name, tags the union of the tag keys of
** the measurement's series, types "float", "integer", "boolean" or "string".  *out receives a
** NUL-terminated string the caller frees with strata_free(); NULL on failure.  A read-only open
** looks for the writer's newest series first.  Returns STRATA_OK, STRATA_INVALID (NULL argument),
** STRATA_IO (a read-only open's reload failed) or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_schema_json(strata_db *db, char **out);

/* Drops `measurement`, durably and all or nothing: every point of it (all its shards), its series,
** its field types and its declaration (strata_declare_measurement).  Its series IDs are never
** handed out again, so none of its points comes back (not after a crash, a compaction or
** `strata repair`); a measurement of the same name written later is a new one and may give its
** fields other types.  Dropping an unknown measurement is STRATA_OK.  Returns STRATA_OK,
** STRATA_INVALID (NULL argument, empty measurement), STRATA_IO or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_drop_measurement(strata_db *db, const char *measurement);

/* Records in the directory, durably, that `measurement` is declared (a table of it was created
** over this directory) with the column schema `schema`: text the caller defines, copied; it
** replaces an earlier declaration's.  strata_drop_measurement removes it.  Returns STRATA_OK,
** STRATA_INVALID (NULL argument, empty measurement), STRATA_IO or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_declare_measurement(strata_db *db, const char *measurement,
                                          const char *schema);

/* What the directory knows of `measurement`: *declared receives 1 when it is declared
** (strata_declare_measurement), else 0; *series the number of its series (0 when nothing of it
** was written, or it was dropped).  Both are 0 on failure.  A read-only open looks for the
** writer's newest series first.  Returns STRATA_OK, STRATA_INVALID (NULL argument) or STRATA_IO (a
** read-only open's reload failed).  Thread-safe. */
STRATA_API int strata_measurement_info(strata_db *db, const char *measurement, int *declared,
                                       int64_t *series);

/* The value type recorded in the directory for (measurement, field): *type receives STRATA_FLOAT,
** STRATA_INT, STRATA_BOOL or STRATA_STRING (0 on failure).  Returns STRATA_OK, STRATA_NOT_FOUND
** (nothing of that field was ever written) or STRATA_INVALID (NULL argument).  Thread-safe. */
STRATA_API int strata_field_type(strata_db *db, const char *measurement, const char *field,
                                 int *type);

/* The oldest time a write takes now, into *out (0 on failure): the start of the shard window that
** holds now minus the retention period, or without retention the oldest storable time (the start
** of the first whole shard window of the int64 range, less than a shard duration above
** INT64_MIN).  A write of an older point is STRATA_INVALID.  Returns STRATA_OK or STRATA_INVALID
** (NULL argument).  Thread-safe. */
STRATA_API int strata_oldest_writable_time(strata_db *db, int64_t *out);

/* ---- tag listing --------------------------------------------------------------------------- */

/* A list of tag keys or tag values with their series counts (strata_list_tags).  Used by one thread
** at a time. */
typedef struct strata_tag_list strata_tag_list;

/* The tag keys of `measurement` (key NULL), or the values of its tag `key`, from the directory's
** tag index: no point is read, so the cost grows with the list, not with the data (InfluxDB's
** SHOW TAG KEYS and SHOW TAG VALUES).  Every series written and not dropped counts, whether or not
** points of it remain (deleted, or past the retention period).  Sorted bytewise; empty for an
** unknown measurement or key.  A read-only open (read_only=1) looks for the writer's newest series
** first, as a query does.  *out receives a list the caller frees with strata_tag_list_free; NULL on
** failure.  Returns STRATA_OK, STRATA_INVALID (NULL db, measurement or out), STRATA_IO (a
** read-only open's reload failed) or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_list_tags(strata_db *db, const char *measurement, const char *key,
                                strata_tag_list **out);
/* The number of keys or values in the list. */
STRATA_API size_t strata_tag_list_count(const strata_tag_list *l);
/* The i-th key or value, NUL-terminated (*len, when len is not NULL, receives its bytes), valid until
** the list is freed; NULL when i >= count. */
STRATA_API const char *strata_tag_list_name(const strata_tag_list *l, size_t i, size_t *len);
/* How many series have the i-th key or value (a series is a tag set and one field); 0 when
** i >= count. */
STRATA_API uint64_t strata_tag_list_series(const strata_tag_list *l, size_t i);
/* In a list of keys, how many values the i-th key has; 0 in a list of values or when i >= count. */
STRATA_API uint64_t strata_tag_list_values(const strata_tag_list *l, size_t i);
STRATA_API void strata_tag_list_free(strata_tag_list *l);

/* ---- backup -------------------------------------------------------------------------------- */

/* Progress of strata_backup_ex, called on the calling thread: first once the backup's point is
** fixed (bytes_done 0), then after each file and every few MiB, last with bytes_done ==
** bytes_total.  The bytes are those of the files to link or copy.  Return 0 to go on; anything
** else abandons the backup (it then returns STRATA_ERROR and leaves nothing at dest_dir). */
typedef int (*strata_backup_progress)(void *ctx, uint64_t bytes_done, uint64_t bytes_total);

/* Backs the open data directory up into the new directory `dest_dir`, online: writes, flushes and
** compactions go on, and the copy holds the directory at one point of the call -- every write
** acknowledged before the call, none that starts after it.  Writers wait only while the point is
** fixed, not during the copy.  Segment files are hard-linked when `dest_dir` is on the same file
** system (they are immutable), copied otherwise; the WAL and the catalog are copied.  The copy is
** written into "<dest_dir>.tmp-<pid>-<hex>" and renamed to `dest_dir` once every byte is durable:
** a backup that is interrupted (even by kill -9) leaves no `dest_dir`, and a temporary directory
** that strata_open refuses (STRATA_INVALID, "... is an unfinished backup ..."); delete it.  To
** restore, open the copy (strata_open) or put it where the original was.
**   dest_dir  borrowed path; must not exist (an empty directory is taken) and must not lie inside
**             the source directory; its parent is created if needed.
** Returns STRATA_OK, STRATA_INVALID (NULL argument, such a dest_dir), STRATA_IO, or the error that
** stopped the directory's writes.  Thread-safe; backups may run concurrently. */
STRATA_API int strata_backup(strata_db *db, const char *dest_dir);

/* As strata_backup, calling `progress(ctx, ...)` (NULL: none) as the copy goes on; STRATA_ERROR
** when it abandons.  Thread-safe. */
STRATA_API int strata_backup_ex(strata_db *db, const char *dest_dir,
                                strata_backup_progress progress, void *ctx);

/* ---- rules shared with clients ------------------------------------------------------------- */

/* Parses a duration ("500ms", "10s", "1m", "1h", "7d", "2w" or a bare integer of nanoseconds) into
** *out (0 on failure).  Returns STRATA_OK or STRATA_INVALID (malformed, negative or overflowing
** text, NULL argument).  Thread-safe. */
STRATA_API int strata_parse_duration(const char *text, int64_t *out);

/* The size of a buffer that holds any text strata_format_time writes, with its NUL:
** "YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ" and a NUL. */
#define STRATA_TIME_TEXT_BYTES 31

/* Parses a time given as text into *out (ns since the epoch, UTC; 0 on failure).  `len` bytes at
** `text` (borrowed, need not be NUL-terminated; NULL only when len is 0), white space around them
** ignored, holding integer nanoseconds ([+|-]digits, within int64) or an ISO-8601 date-time
** YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)fraction]]][Z|z|(+|-)hh[:]mm], UTC when it has no zone.
** Refused: a date that does not exist (2016-02-30), an hour past 23, a minute past 59, a leap
** second (:60), a fraction finer than a nanosecond, a zone past 23:59, and ISO text outside
** 1677-09-21T00:12:44Z to 2262-04-11T23:47:15.999999999Z (the whole seconds int64 ns hold).  The
** rule of the SQLite module's time column and of the CLI.  Returns STRATA_OK or STRATA_INVALID
** (the message quotes the text and says why; NULL argument).  Thread-safe. */
STRATA_API int strata_parse_time(const char *text, size_t len, int64_t *out);

/* Writes `time_ns` as RFC 3339 text in UTC, NUL-terminated, into buf: "2016-01-01T00:00:10Z",
** with as many fraction digits as the time needs (none, or up to nine: "...:10.5Z").  cap is buf's
** size, at least STRATA_TIME_TEXT_BYTES.  strata_parse_time reads the text back to the same time
** (within its range).  Returns STRATA_OK or STRATA_INVALID (NULL buf; cap too small, when buf
** holds "" if cap > 0).  Thread-safe. */
STRATA_API int strata_format_time(int64_t time_ns, char *buf, size_t cap);

/* Builds the canonical series key of (measurement, tags, field): the measurement, then
** ",key=value" per tag in key order, then "#field", with each ',' '=' ' ' '#' and '\' in a name
** preceded by a backslash -- the key strata_cursor_series returns and STRATA_MAX_SERIES_KEY_BYTES
** limits.  With field NULL, the tag-set key strata_rows_tagset returns: the same without "#field".
** tags: ntags entries in any order (borrowed; NULL when ntags is 0), each key once.  Names are
** taken as they are (the write calls check them).  *len receives the key's length in bytes;
** the key and a NUL are written to buf when they fit (cap > *len), else buf is left alone and the
** caller may call again with a larger one (buf may be NULL when cap is 0).  Returns STRATA_OK or
** STRATA_INVALID (NULL argument, a tag key given twice; *len 0).  Thread-safe. */
STRATA_API int strata_series_key(const char *measurement, const strata_tag *tags, size_t ntags,
                                 const char *field, char *buf, size_t cap, size_t *len);

/* The parts of a series key (strata_parse_series_key): NUL-terminated, unescaped strings.  The
** library fills this struct; fields are only ever appended to it. */
typedef struct {
  const char *measurement;
  const strata_tag *tags; /* ntags tags, sorted by key */
  size_t ntags;
  const char *field;      /* NULL for a tag-set key */
  size_t tagset_len;      /* bytes of the key before "#field" (all of a tag-set key) */
} strata_series_key_parts;

/* Splits a canonical series key (`len` bytes at `key`, as strata_series_key builds it and
** strata_cursor_series returns it), or a canonical tag-set key, into its parts.  *out receives
** them in one allocation the caller frees with strata_free() (NULL on failure).  Returns
** STRATA_OK, STRATA_INVALID (not canonical: an empty part, a bad escape, tags out of key order or
** repeated, an unescaped special character; NULL argument) or STRATA_NOMEM.  Thread-safe. */
STRATA_API int strata_parse_series_key(const char *key, size_t len,
                                       strata_series_key_parts **out);

/* 1 when `len` bytes at `text` are well-formed UTF-8 (no overlong forms, surrogates or code points
** past U+10FFFF; a NUL byte is well-formed), else 0; NULL text is 1 with len 0, else 0.  The check
** the write calls apply to names.  Thread-safe. */
STRATA_API int strata_valid_utf8(const char *text, size_t len);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* STRATA_H */
