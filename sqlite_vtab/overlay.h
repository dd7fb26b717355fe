// The row overlay: a connection's uncommitted changes to one measurement (README.md,
// "Transactions"). Reads merge it over the engine's rows, so a connection sees its own writes at
// once; the commit writer (commit_writer.h) turns it into one engine batch at xSync. Changes are
// kept in two forms: the ordered pending rows (`rows`, with an undo log while a savepoint is open)
// and the insert log, the bulk-load path of plain INSERTs, which is folded into `rows` before
// anything reads or changes them. Owned by its connection's Conn; one thread at a time (the
// connection's).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "convert.h"
#include "row.h"

namespace strata_sql {

enum FieldState : uint8_t { kUntouched = 0, kSet = 1, kDeleted = 2 };

// A row changed by the open transaction: per declared field, untouched (engine value shows
// through), set, or deleted.
struct PendingRow {
  std::vector<Tag> tags;  // sorted by key
  std::vector<uint8_t> state;
  std::vector<Value> values;
};

// Rows of one tag set, row-major (a row's fields side by side): row r has time times[r] and, with
// n declared fields, field i in cells[r * n + i] when present[r * n + i]: a double's bits
// (STRATA_FLOAT), the int64 (STRATA_INT; STRATA_BOOL as 0/1), or an index into strs
// (STRATA_STRING). The insert log keeps its rows so, and every pending point reaches the commit
// batch in this form (commit_writer.h).
struct RowBlock {
  std::vector<int64_t> times;
  std::vector<uint64_t> cells;
  std::vector<uint8_t> present;
  std::vector<std::string> strs;
  size_t absent = 0;  // cells without a value (when 0, every row has every field)

  size_t rows() const { return times.size(); }
  void ClearRows();
};

// The bulk-load path of an Overlay: rows INSERTed while no savepoint is open, appended per tag set
// in insertion order instead of being merged into the ordered `rows` map one by one. A tag set is
// found by one hash lookup on the text of its declared tag values (`index`), so a row costs that
// and a few appends to one place; its tags are validated, sorted and keyed once, when first seen.
// Rows are kept row-major (RowBlock), so that logging a row touches a few cache lines however many
// fields it has. Overlay::Fold moves the log into `rows` before anything reads or changes them;
// the commit writer writes it with the columnar batch calls.
struct InsertLog {
  struct TagSet : RowBlock {
    std::vector<Tag> tags;  // sorted by key
    std::string order;      // tag-set key + "#"
    bool listed = false;    // in `dirty`
    // Per field, its series reference in the Conn's commit batch plus one, valid while
    // refs_generation is Conn::batch_generation (0: not resolved yet).
    std::vector<uint32_t> refs;
    uint64_t refs_generation = 0;
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

}  // namespace strata_sql
