// The merged row scan (README.md, "Reads"): the engine's rows of a measurement (strata_query_rows
// over the declared fields) merged with the connection's pending changes (overlay.h) in
// (tag-set key, time) order, the engine's order, or newest first within each tag set. An overlay
// entry replaces the engine values of the fields it sets or deletes; a row whose fields are all
// NULL after the merge does not exist. The overlay is re-sought by key at each step, so writes to
// it while a scan is open (SQLite's two-pass UPDATE/DELETE, or another statement) never invalidate
// the scan. A Scan borrows its Table and is used by one thread at a time.
#pragma once

#include <sqlite3ext.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "overlay.h"
#include "row.h"
#include "scan_spec.h"
#include "strata.h"

namespace strata_sql {

struct Table;

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
  // Runs spec_ as an engine row query into rows_ (restarting the scan's engine cursor, or the
  // table's spare one, when there is one). STRATA status with *err.
  int Query(std::string* err);
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

// Reads the current state of one row (engine + overlay) into *out. False when it does not exist
// (or with *rc not STRATA_OK and *err set, when the read failed).
bool ReadRow(Table* t, const std::vector<Tag>& tags, int64_t time, Row* out, std::string* err,
             int* rc);

}  // namespace strata_sql
