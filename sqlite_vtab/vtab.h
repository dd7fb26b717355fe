// The `strata` SQLite module (DESIGN section 7): shared declarations of the module's files. The module
// is a client of the C ABI (strata.h) only, reaches SQLite only through sqlite3ext.h's `sqlite3_api`
// (SQLITE_EXTENSION_INIT1 in module.cc, SQLITE_EXTENSION_INIT3 elsewhere), and keeps its logic in C++
// behind thin x* callbacks, each of which catches every exception (Guard).
//
// Table layout:  CREATE VIRTUAL TABLE cpu USING strata(hostname TAG, usage_user REAL, ..., opt='v')
//   column 0            time INTEGER (ns since the epoch, UTC)
//   columns 1..T        the tags, declared TEXT, in declaration order
//   columns T+1..T+F    the fields (REAL, INTEGER, TEXT, BOOLEAN), in declaration order
//   column T+F+1        _strata_aggregate HIDDEN: the aggregate of the aggregate view, see below
//   column T+F+2        _strata_every HIDDEN: its bucket width
//   column T+F+3        _strata_key BLOB HIDDEN PRIMARY KEY: the row's identity, see EncodeKey
// The table is WITHOUT ROWID (SQLite allows one PRIMARY KEY column on writable vtabs), so DELETE and
// UPDATE hand back _strata_key, which names exactly one (tag set, time).
//
// Rows: the row view of the measurement restricted to the declared fields: a row exists when at
// least one declared field has a value. A series with tags the table does not declare forms its own
// rows (identity = full tag set), and a declared tag it lacks reads as NULL.
//
// Aggregate view: `SELECT ... FROM cpu('mean', '1h') WHERE time >= a AND time < b` (the hidden
// columns as table-valued-function arguments, or `_strata_aggregate = 'mean'` in WHERE) yields one row
// per tag set and time bucket (`every`: a duration or ns; omitted or NULL: one bucket per tag set)
// that holds at least one point of a field the statement reads (of any declared field when it reads
// none), each field column holding that field's aggregate: count, sum, mean (or avg), min, max,
// first, last (aggregate.cc). The time and tag constraints select the points before they are
// aggregated; everything else filters the result.
//
// Per-connection state (Conn) is keyed by (sqlite3*, canonical data directory) and shared by every
// strata table of that directory in that connection: it holds the strata_db handle (strata_open
// shares one engine per directory and process) and the connection's uncommitted changes, one
// Overlay per measurement. Reads merge the overlay over engine rows (read-your-writes); other
// connections see only the engine. The first xSync of a transaction writes the overlays of all
// tables of the directory as ONE strata batch (deletes first, then points: one WAL record), so a
// crash keeps all or nothing of it; later xSync/xCommit find nothing left to do. xCommit never fails.
// The batch is the Conn's, kept from commit to commit with its series resolved, and handed over
// with strata_write_and_clear. Savepoints keep an undo log per overlay. One thread at a time per
// connection, as SQLite requires.
//
// Known limits: LIMIT/OFFSET are not pushed (the cursor is lazy, so SQLite stopping early stops the
// scan); only ORDER BY time [DESC] with a tag pinned by = is consumed, and when that still matches
// several tag sets the rows are collected and sorted in memory; the aggregate view computes all its
// rows (one per group) at xFilter, so its memory grows with the number of groups, and inside a
// transaction with pending writes to the table it aggregates the merged rows, which is slower than
// reading blocks; comparisons of `time` with text follow
// SQLite's INTEGER affinity (write time >= strata_time('2016-01-01T00:00:00Z')); a transaction over
// tables of several directories commits one batch per directory (atomic per directory only); two
// tables of one measurement and directory in ONE connection (e.g. main.cpu and aux.cpu) share one
// overlay and must declare the same fields (one that declares others is refused with an error while
// the other is in use); the tables of a directory share its engine and so its options: CREATE
// refuses options that differ from those of the directory's other tables (in the connection's
// databases, or open in the process), but tables of one directory in different database files, or
// made with different options by an older version, get those of the first one a process opens,
// except shard_duration, which is the directory's; DROP TABLE inside a transaction is refused
// (its data would be gone after a ROLLBACK), with SQLite's "database table is locked", as SQLite
// passes on no message of xDestroy; DROP TABLE keeps the directory's recorded field types, so
// re-creating the table with another type for a field is refused; ALTER TABLE RENAME is refused.
#pragma once

#include <sqlite3ext.h>

#include <cstdint>
#include <exception>
#include <map>
#include <new>
#include <memory>
#include <optional>
#include <set>
#include <unordered_map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata.h"

namespace strata_sql {

// ---- table arguments (table_args.cc) --------------------------------------------------------------

struct Schema {
  std::vector<std::string> tags;    // tag column names, in declaration order
  std::vector<std::string> fields;  // field column names, in declaration order
  std::vector<int> field_types;     // STRATA_FLOAT / _INT / _BOOL / _STRING per field
  std::string dir;                  // the dir= option as given; empty: <database file>.strata
  std::string options;              // the other options as strata_open text "k=v;k=v", by name

  int ntags() const { return static_cast<int>(tags.size()); }
  int nfields() const { return static_cast<int>(fields.size()); }
  int aggregate_column() const { return 1 + ntags() + nfields(); }
  int every_column() const { return 2 + ntags() + nfields(); }
  int key_column() const { return 3 + ntags() + nfields(); }
  int first_field_column() const { return 1 + ntags(); }
};

// Parses the module arguments (argv[3..] of xCreate/xConnect). False with *err set (a message
// without the "strata: table: " prefix) on any problem.
bool ParseTableArgs(int argc, const char* const* argv, Schema* schema, std::string* err);
// The CREATE TABLE statement for sqlite3_declare_vtab.
std::string DeclareSql(const Schema& schema);
// "REAL", "INTEGER", "BOOLEAN", "TEXT" for a STRATA_* type.
const char* SqlTypeName(int strata_type);

// ---- values and conversion (convert.cc) ------------------------------------------------------------

struct Value {
  int type = 0;  // 0 (SQL NULL) or STRATA_FLOAT / _INT / _BOOL / _STRING
  double f = 0;
  int64_t i = 0;  // _INT, and _BOOL as 0/1
  std::string s;
};

struct Tag {
  std::string key, value;
  bool operator==(const Tag&) const = default;
};

// Converts an SQL value to a field of type `type` without loss. NULL gives type 0. False with *err
// ("cannot store 'abc' in a REAL field") when it cannot.
bool ToField(sqlite3_value* v, int type, Value* out, std::string* err);
// A tag value: TEXT (numbers rendered as SQLite renders them), non-empty, no NUL, valid UTF-8.
bool ToTag(sqlite3_value* v, std::string* out, std::string* err);
// A timestamp: integer ns, integral REAL, integer or ISO-8601 text; NULL is the current time.
bool ToTime(sqlite3_value* v, int64_t* out, std::string* err);
// ISO-8601 date-time ("2016-01-01", "2016-01-01T00:00:00Z", "...T00:00:00.123456789+02:00"); no
// zone means UTC. False also for a valid one outside int64 ns, then with *out_of_range set.
bool ParseIsoTime(const std::string& text, int64_t* out, bool* out_of_range = nullptr);
// A positive width in ns: an integer, or a duration text ('30s', '1m', '1h'). False with *err.
bool ParseWidth(sqlite3_value* v, int64_t* ns, std::string* err);
// The bucket of `width` (> 0, aligned to the epoch) that holds `time`, as time_bucket(): *start
// (INT64_MIN for the first, partial bucket of the int64 range, which starts before it) and *end,
// exclusive; false when the bucket reaches past INT64_MAX (then *end is meaningless).
bool BucketOf(int64_t time, int64_t width, int64_t* start, int64_t* end);
// The current time in ns.
int64_t NowNs();
void ResultValue(sqlite3_context* ctx, const Value& v);
// A printable excerpt of a value for error messages ("'abc'", "1.5", "NULL", "a BLOB").
std::string Describe(sqlite3_value* v);
// `s` in single quotes (quotes doubled), cut after 60 bytes with "...", for error messages.
std::string Quote(const std::string& s);
bool ValidUtf8(const char* s, size_t n);

// ---- rows, keys and overlays -------------------------------------------------------------------------

// Hashes the long texts that key the module's maps (tag-set keys, tag values) with XXH3, and
// looks them up by string_view without a copy.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const;
};

// Canonical tag-set key `measurement,k=v,...` (tags sorted by key; `,` `=` ` ` `#` `\` escaped), as
// the engine spells it. REQUIRES: tags sorted by key.
std::string TagSetKey(const std::string& measurement, const std::vector<Tag>& tags);
// _strata_key: 8 bytes of time (big-endian, sign bit flipped) then key NUL value NUL per tag.
std::string EncodeKey(int64_t time, const std::vector<Tag>& tags);
bool DecodeKey(const void* data, int n, int64_t* time, std::vector<Tag>* tags);

// Order of rows in a scan: tag-set key + "#" (the order of canonical series keys), then time.
using RowKey = std::pair<std::string, int64_t>;

// The tag set of scanned rows, shared by all its rows (made once per tag set, not per row).
struct RowTagSet {
  std::string order;      // tag-set key + "#"
  std::vector<Tag> tags;  // all tags of the tag set, sorted by key
  std::vector<int> by_column;  // per declared tag column: index into tags, or -1 (NULL)

  RowTagSet(std::string order, std::vector<Tag> tags, const std::vector<std::string>& declared);
};

struct Row {
  int64_t time = 0;
  std::shared_ptr<const RowTagSet> tagset;
  // Per declared field; type 0 = NULL. A field the plan does not read (ScanSpec::values) has its
  // type (present or not) but no value.
  std::vector<Value> fields;
};

// Rows a cursor computes before returning them (ORDER BY time over several tag sets, the
// aggregate view). Clear() keeps the rows and their field vectors for the next fill, and a Table
// keeps one buffer between statements (Table::spare_rows), so that repeated statements do not
// allocate per row. One thread at a time.
class RowBuffer {
 public:
  void Clear() { size_ = 0; }
  // A row to fill: time 0, no tag set, `nfields` fields without a value.
  Row& Add(size_t nfields);
  void Add(Row&& row) { Add(0) = std::move(row); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  Row& operator[](size_t i) { return rows_[i]; }
  const Row& operator[](size_t i) const { return rows_[i]; }
  std::vector<Row>::iterator begin() { return rows_.begin(); }
  std::vector<Row>::iterator end() { return rows_.begin() + static_cast<std::ptrdiff_t>(size_); }
  size_t capacity() const { return rows_.size(); }

 private:
  std::vector<Row> rows_;  // [0, size_) in use, the rest kept for reuse
  size_t size_ = 0;
};

enum FieldState : uint8_t { kUntouched = 0, kSet = 1, kDeleted = 2 };

// A row changed by the open transaction: per declared field, untouched (engine value shows
// through), set, or deleted.
struct PendingRow {
  std::vector<Tag> tags;  // sorted by key
  std::vector<uint8_t> state;
  std::vector<Value> values;
};

// The bulk-load path of an Overlay: rows INSERTed while no savepoint is open, appended per tag set
// in insertion order instead of being merged into the ordered `rows` map one by one. A tag set is
// found by one hash lookup on the text of its declared tag values (`index`), so a row costs that
// and a few appends to one place; its tags are validated, sorted and keyed once, when first seen.
// Rows are kept row-major (a row's fields side by side), so that logging a row touches a few cache
// lines however many fields it has. Overlay::Fold moves the log into `rows` before anything reads
// or changes them; the commit writes it with the columnar batch calls. Owned by its Overlay; one
// thread at a time (the connection's).
struct InsertLog {
  struct TagSet {
    std::vector<Tag> tags;  // sorted by key
    std::string order;      // tag-set key + "#"
    // The logged rows: row r has time times[r] and, with n declared fields, field i in
    // cells[r * n + i] when present[r * n + i]: a double's bits (STRATA_FLOAT), the int64
    // (STRATA_INT; STRATA_BOOL as 0/1), or an index into strs (STRATA_STRING).
    std::vector<int64_t> times;
    std::vector<uint64_t> cells;
    std::vector<uint8_t> present;
    std::vector<std::string> strs;
    size_t absent = 0;      // cells without a value (when 0, every row has every field)
    bool listed = false;    // in `dirty`
    // Per field, its series reference in the Conn's commit batch plus one, valid while
    // refs_generation is Conn::batch_generation (0: not resolved yet).
    std::vector<uint32_t> refs;
    uint64_t refs_generation = 0;

    size_t rows() const { return times.size(); }
    void ClearRows();
  };
  // Tag sets ever seen (bounded: forgotten when the log is empty and it passes kMaxTagSets).
  std::vector<TagSet> tagsets;
  // The declared tag values, each length-prefixed, in declaration order -> tagsets[].
  std::unordered_map<std::string, uint32_t, TextHash, std::equal_to<>> index;
  std::vector<uint32_t> dirty;  // tag sets with logged rows, in first-logged order
  size_t rows = 0;
  static constexpr size_t kMaxTagSets = 100000;

  bool empty() const { return rows == 0; }
  void Clear();
};

struct Overlay {
  // The declared fields and their types of the tables that use this overlay: every table of the
  // measurement and directory in this connection declares the same ones (Init checks it), as
  // pending rows keep their values by field index. Set by the first table, and again by a table
  // that finds no other one using the overlay and nothing pending (after DROP, or DETACH).
  std::vector<std::string> fields;
  std::vector<int> field_types;
  // The declared tags of that first table: the insert log takes the rows of tables that declare
  // these (its keys are their values in this order); others take `rows`.
  std::vector<std::string> log_tags;
  int tables = 0;  // Tables of this connection using the overlay (Table::overlay, ~Table)
  InsertLog log;  // newer than `rows`: folded into them before they are used
  std::map<RowKey, PendingRow> rows;
  // Undo log while a savepoint is open: (key, previous entry or nullopt when it was absent).
  std::vector<std::pair<RowKey, std::optional<PendingRow>>> undo;
  std::vector<size_t> marks;  // savepoint level -> undo log size

  // Records the current entry of `key` for savepoints, then returns it (created when absent).
  // Folds the log first.
  PendingRow& Touch(const RowKey& key, const std::vector<Tag>& tags);
  // Moves the insert log into `rows` (a no-op when it is empty). Call before reading `rows`.
  void Fold();
  bool HasPending() const { return !rows.empty() || !log.empty(); }
  void Clear();
};

struct Conn;

// Adds an overlay's insert log to conn's commit batch, resolving each (tag set, field) series
// there once per batch generation. STRATA status.
int WriteInsertLog(Conn* conn, const std::string& measurement, Overlay& ov);

// Per (connection, data directory) state.
struct Conn {
  sqlite3* db = nullptr;
  std::string dir;      // canonical path
  std::string options;  // Schema::options of the table that opened it
  strata_db* sdb = nullptr;
  // strata_oldest_writable_time at the last xBegin: rows older than it are refused at their
  // INSERT or UPDATE rather than with the whole transaction at COMMIT.
  int64_t oldest_writable = INT64_MIN;
  std::map<std::string, Overlay> overlays;  // by measurement
  // The commit batch, emptied of points after each commit but keeping its series, so a series
  // is resolved once per generation rather than per commit. A new generation (the batch cleared)
  // starts when it has resolved kMaxBatchSeries series.
  strata_batch* batch = nullptr;
  uint64_t batch_generation = 1;
  size_t batch_series = 0;  // series resolved in this generation
  static constexpr size_t kMaxBatchSeries = 100000;

  ~Conn();
  // Writes every overlay as one batch and clears them. STRATA status; *err on failure.
  int CommitAll(std::string* err);
  bool HasPending() const;
};

// The Conn for (db, dir), opening the directory if needed. `create`: xCreate (strata_open may create
// the directory, and a table whose options differ from those of a Conn of the directory open in
// this process is refused, as the tables of a directory share one engine; xCreate connects the
// connection's other strata tables first, so that their Conns are open); otherwise the directory
// must already hold Strata's identity file. Null with *err.
std::shared_ptr<Conn> AcquireConn(sqlite3* db, const std::string& dir, const std::string& options,
                                  bool create, std::string* err);
// Every live Conn of a connection.
std::vector<std::shared_ptr<Conn>> ConnsOf(sqlite3* db);

// ---- the virtual table and its cursor ----------------------------------------------------------------

struct Table {
  sqlite3_vtab base;  // first: SQLite's view of the table
  sqlite3* db = nullptr;
  std::string name;   // measurement
  Schema schema;
  std::shared_ptr<Conn> conn;
  bool log_inserts = false;        // INSERTs may take the overlay's insert log (Overlay::log_tags)
  RowBuffer spare_rows;            // lent to one cursor at a time (Cursor::rows)
  // An engine cursor a closed scan left, reset (no snapshot kept), for the next scan to restart
  // (strata_rows_requery): a statement's repeated lookups (a join's, a correlated subquery's,
  // each on a cursor SQLite opens and closes) reuse its buffers.
  strata_rows* spare_engine_rows = nullptr;
  // Scratch of Scan::Start: the C arrays of an engine query, lent to the C ABI for the call only
  // (Start is not reentrant), kept so that a statement's repeated lookups do not allocate them.
  struct QueryArrays {
    std::vector<std::vector<const char*>> values;  // per tag filter: its values
    std::vector<strata_tag_filter> filters;
    std::vector<const char*> fields;  // every declared field's name
    std::vector<unsigned char> presence_only;
    std::vector<const char*> order_tags;
  } query_arrays;
  std::vector<std::string_view> log_texts;  // scratch of the INSERT path (write.cc)
  std::string log_key;             // scratch of the INSERT path (write.cc)

  Overlay* overlay_ = nullptr;     // cache of overlay()

  ~Table();
  // The connection's overlay of this measurement (looked up once; every row uses it).
  Overlay& overlay();

  // The shared tag set with tag-set key `key`, or with engine tag-set number `id`
  // (strata_rows_tagset_id), made by make() when not cached. Tag sets are immutable, so statements
  // reuse them instead of copying every tag again.
  template <class Make>
  const std::shared_ptr<const RowTagSet>& TagSet(std::string_view key, Make&& make) {
    auto it = tagsets_.find(key);
    if (it != tagsets_.end()) return it->second;
    if (tagsets_.size() >= kMaxCachedTagSets) tagsets_.clear();
    return tagsets_.emplace(std::string(key), make()).first->second;
  }
  template <class Make>
  const std::shared_ptr<const RowTagSet>& TagSet(uint64_t id, Make&& make) {
    auto it = tagsets_by_id_.find(id);
    if (it != tagsets_by_id_.end()) return it->second;
    if (tagsets_by_id_.size() >= kMaxCachedTagSets) tagsets_by_id_.clear();
    return tagsets_by_id_.emplace(id, make()).first->second;
  }

 private:
  static constexpr size_t kMaxCachedTagSets = 100000;
  std::unordered_map<std::string, std::shared_ptr<const RowTagSet>, TextHash, std::equal_to<>>
      tagsets_;
  std::unordered_map<uint64_t, std::shared_ptr<const RowTagSet>> tagsets_by_id_;
};

// Sets the table's error message (freeing the previous one): "strata: <table>: <message>".
void SetError(Table* t, const std::string& message);
// Maps a strata status to an SQLite result code.
int SqliteCode(int strata_status);

// A tag filter of a plan: key in values.
struct TagFilter {
  std::string key;
  std::set<std::string> values;
};

// What a scan reads.
struct ScanSpec {
  std::vector<TagFilter> filters;
  std::vector<uint8_t> values;  // per declared field: whether its value is read; empty: all are
  int64_t t_min = INT64_MIN, t_max = INT64_MAX;  // inclusive
  bool empty = false;  // the constraints admit no row
  bool descending = false;  // rows of each tag set newest first
  bool by_time = false;     // the caller needs time order across tag sets (Scan::single_tagset)
  // At most this many rows of each tag set, the first in scan order (0: all). A hint: the scan
  // takes it only while the connection has no pending change of the table (Scan::limited).
  size_t limit_per_tagset = 0;
  // Declared tag columns (0-based among the tags): rows must come ordered by their values, NULL
  // first (ORDER BY / GROUP BY of tag columns consumed; see Scan::tag_ordered).
  std::vector<int> order_tags;
};

// Reads value i of the current row of `rows` into *v (type 0: no value).
void ReadRowValue(strata_rows* rows, size_t i, Value* v);
// The tag set of the current row of `rows` (Table::TagSet).
const std::shared_ptr<const RowTagSet>& RowTagSetOf(Table* t, strata_rows* rows);

// Merges engine rows with the connection's overlay in (tag-set key, time) order, or with
// ScanSpec::descending in (tag-set key, time descending) order. While the connection has no pending
// change of the table (the common case) the scan is direct: the current row is the engine cursor's,
// and its values are read through the ABI when asked for (engine_rows()) instead of being copied;
// a change made while the scan is open turns it into a merge from the current row on.
class Scan {
 public:
  ~Scan();
  // Starts the scan. STRATA status with *err on failure.
  int Start(Table* t, ScanSpec spec, std::string* err);
  // Moves to the next row; sets eof(). STRATA status with *err on failure.
  int Next(std::string* err);
  bool eof() const { return eof_; }
  // The current row (of a direct scan: copied from the engine cursor on first use).
  const Row& row() const;
  // Whether the current row is the engine cursor's current row (see above).
  bool direct() const { return direct_; }
  // The current row's time and tag set, without copying a direct row.
  int64_t time() const { return direct_ ? block_times_[block_k_] : row_.time; }
  const RowTagSet& tagset() const { return direct_ ? *engine_ts_ : *row_.tagset; }
  // Field i of a direct row as the SQL result. REQUIRES: direct(), reads_value(i).
  void ResultEngineValue(sqlite3_context* ctx, size_t i) const;
  // Whether rows carry field i's value (see ScanSpec::values).
  bool reads_value(size_t i) const { return spec_.values.empty() || spec_.values[i]; }
  // With ScanSpec::by_time: whether every row of the scan belongs to one tag set, so that the scan
  // order is already time order.
  bool single_tagset() const { return single_tagset_; }
  // Whether the engine returns at most ScanSpec::limit_per_tagset rows per tag set. A limited scan
  // must be read to its end before the connection changes the table (a merge of later changes
  // would lack the rows past the limit): the cursor collects its rows at once.
  bool limited() const { return spec_.limit_per_tagset != 0; }
  // What the scan was started with.
  const ScanSpec& spec() const { return spec_; }
  // With ScanSpec::order_tags: whether the engine yields the tag sets in that order (the scan was
  // direct at its start), so that the rows need no sort. Such a scan stays direct to its end: a
  // change the connection makes while it is open is not seen by it (SQLite leaves open whether a
  // statement sees changes made after it started). Otherwise the cursor collects the rows and
  // sorts them (SortByTags).
  bool tag_ordered() const { return tag_ordered_; }

 private:
  // Moves to the engine's next row, the next of the current block or the first of the next
  // block (strata_rows_next_block), and notes its tag set (engine_eof_ at the end).
  int StepEngine(std::string* err);
  // StepEngine, then copies the engine row into erow_ (the merge's look-ahead).
  int AdvanceEngine(std::string* err);
  // Copies the engine's current row, or its field i, into *r / *v.
  void ReadEngineRow(Row* r) const;
  void ReadEngineValue(size_t i, Value* v) const;
  bool NextPending(RowKey* key);  // the next matching overlay entry after pend_pos_
  // Whether every matching overlay entry has tag-set key *order (set from the first when null).
  bool PendingWithin(const std::string* order);
  bool Matches(const PendingRow& p, int64_t time) const;
  // Hands rows_ to the table as its spare engine cursor (freed if it has one) and clears it.
  void ReleaseRows();

  Table* table_ = nullptr;
  ScanSpec spec_;
  strata_rows* rows_ = nullptr;
  bool engine_eof_ = true;
  Row erow_;                       // merge: the engine's look-ahead row
  // The engine's current block: row block_k_ of block_n_ is the engine's current row. Per
  // declared field: its type in the block (0: no value) and its values (when read).
  static constexpr size_t kBlockRows = 256;
  size_t block_n_ = 0, block_k_ = 0;
  const int64_t* block_times_ = nullptr;
  std::vector<int> block_types_;
  std::vector<const uint64_t*> block_nums_;
  uint64_t engine_tagset_ = 0;     // the tag-set number of the engine's current row ...
  std::shared_ptr<const RowTagSet> engine_ts_;  // ... and its tag set
  std::optional<RowKey> pend_pos_; // last overlay key consumed
  bool eof_ = true;
  bool single_tagset_ = false;
  bool tag_ordered_ = false;
  bool direct_ = false;
  mutable bool row_ready_ = true;  // a direct scan's row_ holds the current row
  mutable Row row_;
};

// The aggregate view's arguments (a plan with kPlanAggregate).
enum class AggregateFn { kCount, kSum, kMean, kMin, kMax, kFirst, kLast };
struct AggregateSpec {
  AggregateFn fn = AggregateFn::kCount;
  int64_t every = 0;  // bucket width in ns; 0: one bucket per tag set
  sqlite3_value* fn_arg = nullptr;     // the arguments as given (echoed by the hidden columns),
  sqlite3_value* every_arg = nullptr;  // valid during xFilter only
};

// The aggregate named by v: 'count', 'sum', 'mean' (or 'avg'), 'min', 'max', 'first', 'last', in
// any case. False with *err.
bool ParseAggregateFn(sqlite3_value* v, AggregateFn* fn, std::string* err);
// A bucket width: NULL (0: none) or as ParseWidth. False with *err.
bool ParseEvery(sqlite3_value* v, int64_t* every, std::string* err);

// Computes the aggregate view for the points `spec` selects (ScanSpec::values: the fields read; the
// others are neither aggregated nor read) into *rows, in (tag-set key, time) order. Reads the engine
// block by block, or merges the connection's pending rows when the table has some. STRATA status
// with *err on failure.
int Aggregate(Table* t, const ScanSpec& spec, const AggregateSpec& agg, RowBuffer* rows,
              std::string* err);

struct Cursor {
  sqlite3_vtab_cursor base;  // first
  Scan scan;
  // ORDER BY time over several tag sets (rows sorted) or the aggregate view: rows are in `rows`.
  bool materialized = false;
  bool aggregate = false;          // the aggregate view: `rows` hold aggregates
  Value aggregate_arg, every_arg;  // what the hidden columns read (the view's arguments)
  RowBuffer rows;
  size_t pos = 0;
  int64_t rowid = 0;
  std::string key;  // scratch for _strata_key

  bool eof() const { return materialized ? pos >= rows.size() : scan.eof(); }
  const Row& row() const { return materialized ? rows[pos] : scan.row(); }
};

// idxNum bits (plan.cc documents the argv order).
inline constexpr int kPlanTime = 1;       // time constraints present
inline constexpr int kPlanTags = 2;       // tag constraints present
inline constexpr int kPlanOrderTime = 4;  // rows must come in time order (ORDER BY time consumed)
inline constexpr int kPlanDescending = 8;  // ... newest first (ORDER BY time DESC)
inline constexpr int kPlanAggregate = 16;  // the aggregate view (_strata_aggregate = v)
inline constexpr int kPlanOrderTags = 32;  // rows ordered by tag columns (ORDER/GROUP BY consumed)
// The largest LIMIT handed to the engine: a limited scan's rows are collected at xFilter.
inline constexpr int64_t kMaxPushedLimit = 10000;

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info);
// Decodes a plan's argv into a ScanSpec and, with kPlanAggregate, *agg. False with *err for unusable
// values.
bool DecodePlan(Table* t, int idx_num, const char* idx_str, int argc, sqlite3_value** argv,
                ScanSpec* spec, AggregateSpec* agg, std::string* err);

// cursor.cc
int Open(sqlite3_vtab* vtab, sqlite3_vtab_cursor** out);
int Close(sqlite3_vtab_cursor* cur);
int Filter(sqlite3_vtab_cursor* cur, int idx_num, const char* idx_str, int argc,
           sqlite3_value** argv);
int NextRow(sqlite3_vtab_cursor* cur);
int Eof(sqlite3_vtab_cursor* cur);
int Column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col);
int Rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid);
// Reads the current state of one row (engine + overlay). False when it does not exist.
bool ReadRow(Table* t, const std::vector<Tag>& tags, int64_t time, Row* out, std::string* err,
             int* rc);

// write.cc
int Update(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64* rowid);
int Begin(sqlite3_vtab* vtab);
int Sync(sqlite3_vtab* vtab);
int Commit(sqlite3_vtab* vtab);
int Rollback(sqlite3_vtab* vtab);
int Savepoint(sqlite3_vtab* vtab, int n);
int Release(sqlite3_vtab* vtab, int n);
int RollbackTo(sqlite3_vtab* vtab, int n);

// functions.cc
int RegisterFunctions(sqlite3* db);

// Runs fn, mapping exceptions to SQLITE_NOMEM / SQLITE_ERROR (with a message on the table when
// one is given).
template <class Fn>
int Guard(Table* t, Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (const std::exception& e) {
    if (t != nullptr) {
      try {
        SetError(t, std::string("internal error: ") + e.what());
      } catch (...) {
      }
    }
    return SQLITE_ERROR;
  } catch (...) {
    return SQLITE_ERROR;
  }
}

}  // namespace strata_sql
