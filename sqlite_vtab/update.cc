// xUpdate: see update.h. Semantics (README.md, "Writes"):
//   INSERT   time NULL = now; every tag required (non-NULL, non-empty); NULL fields are not
//            written; a row with no non-NULL field is an error; an existing (tags, time) row
//            keeps the fields not given (no UPSERT syntax on virtual tables); INSERT OR IGNORE
//            leaves it as it is, INSERT OR REPLACE replaces it whole.
//   DELETE   deletes the declared fields of exactly that (tag set, time).
//   UPDATE   SET field = NULL deletes that field's point; unchanged fields (sqlite3_value_nochange)
//            stay; changing a tag or time deletes the old row and inserts the new one with the old
//            row's fields overridden by the new values.
// INSERTs while no savepoint is open take the bulk path: they are appended to the overlay's insert
// log (overlay.h), which is folded into the ordered rows before anything reads or changes them.
#include "update.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "convert.h"
#include "error.h"
#include "row_key.h"
#include "scan.h"
#include "table.h"

namespace strata_sql {
namespace {

// Whether the series key of every declared field with the tag set whose key (TagSetKey + "#") is
// `order` is within STRATA_MAX_SERIES_KEY_BYTES, the engine's limit: false with the table's error
// set when not, so that such a row fails at its INSERT or UPDATE rather than at COMMIT. (Tag values
// within their own limit can add up to more.)
bool SeriesKeysFit(Table* t, const std::string& order) {
  const size_t bytes = order.size() - 1 + t->field_suffix_bytes;
  if (bytes <= STRATA_MAX_SERIES_KEY_BYTES) return true;
  SetError(t, "the tags of this row and field " + Quote(t->schema.fields[t->longest_field]) +
                  " make a series key of " + std::to_string(bytes) + " bytes, longer than " +
                  std::to_string(STRATA_MAX_SERIES_KEY_BYTES) +
                  " (the table name, tags and field together)");
  return false;
}

// False with the table's error set when `time` is older than the directory takes (its retention
// period, or the storable range).
bool TimeWritable(Table* t, int64_t time) {
  if (time >= t->conn->oldest_writable) return true;
  SetColumnError(t, "time", "cannot store " + DescribeTime(time) + ": older than " +
                                DescribeTime(t->conn->oldest_writable) +
                                ", the oldest time the data directory takes now (its retention "
                                "period, or the storable range)");
  return false;
}

// The new row of an INSERT or UPDATE, converted.
struct NewRow {
  int64_t time = 0;
  bool time_nochange = false;
  std::vector<std::optional<std::string>> tags;  // per declared tag; nullopt: NULL / unchanged
  std::vector<bool> tag_nochange;
  std::vector<Value> fields;
  std::vector<bool> field_nochange;
};

// Converts argv[2..] (time, tags, fields). `update`: nochange values are allowed. False with the
// table's error set.
bool ConvertRow(Table* t, sqlite3_value** argv, bool update, NewRow* out) {
  const Schema& s = t->schema;
  std::string err;
  sqlite3_value* tv = argv[2];
  out->time_nochange = update && sqlite3_value_nochange(tv);
  if (update && !out->time_nochange && sqlite3_value_type(tv) == SQLITE_NULL) {
    // NULL is "now" only for an INSERT (a row without a time); a row's time is never unknown.
    SetColumnError(t, "time", "cannot be set to NULL (only an INSERT takes a NULL time, as now)");
    return false;
  }
  if (!out->time_nochange && !ToTime(tv, &out->time, &err)) {
    SetColumnError(t, "time", err);
    return false;
  }
  if (!update && !TimeWritable(t, out->time)) return false;  // DoUpdate checks its new time
  out->tags.assign(s.ntags(), std::nullopt);
  out->tag_nochange.assign(s.ntags(), false);
  for (int k = 0; k < s.ntags(); k++) {
    sqlite3_value* v = argv[3 + k];
    if (update && sqlite3_value_nochange(v)) {
      out->tag_nochange[k] = true;
      continue;
    }
    if (update && sqlite3_value_type(v) == SQLITE_NULL) continue;  // checked against the old row
    std::string value;
    if (!ToTag(v, &value, &err)) {
      SetColumnError(t, s.tags[k], err);
      return false;
    }
    out->tags[k] = std::move(value);
  }
  out->fields.assign(s.nfields(), Value{});
  out->field_nochange.assign(s.nfields(), false);
  for (int i = 0; i < s.nfields(); i++) {
    sqlite3_value* v = argv[3 + s.ntags() + i];
    if (update && sqlite3_value_nochange(v)) {
      out->field_nochange[i] = true;
      continue;
    }
    if (!ToField(v, s.field_types[i], &out->fields[i], &err)) {
      SetColumnError(t, s.fields[i], err);
      return false;
    }
  }
  return true;
}

void SortTags(std::vector<Tag>* tags) {
  std::sort(tags->begin(), tags->end(), [](const Tag& a, const Tag& b) { return a.key < b.key; });
}

RowKey KeyOf(Table* t, const std::vector<Tag>& tags, int64_t time) {
  return RowKey(TagSetKey(t->name, tags) + "#", time);
}

void DeleteRow(Table* t, const std::vector<Tag>& tags, int64_t time) {
  PendingRow& p = t->overlay().Touch(KeyOf(t, tags, time), tags);
  for (size_t i = 0; i < p.state.size(); i++) {
    p.state[i] = kDeleted;
    p.values[i] = Value{};
  }
}

// The insert log's tag set for the declared tag values argv[3..], created (validated, sorted,
// keyed) when new. -1 when the row must take the ordered path instead (a tag that is not TEXT, a
// table whose tags are not the log's, a log that holds too many tag sets), -2 with the table's
// error set when a tag is invalid.
int64_t LogTagSet(Table* t, sqlite3_value** argv) {
  if (!t->log_inserts) return -1;
  const Schema& s = t->schema;
  InsertLog& log = t->overlay().log;
  // The key: each value's length (4 bytes) and bytes, built in one piece.
  std::vector<std::string_view>& texts = t->log_texts;
  texts.resize(s.tags.size());
  size_t size = 0;
  for (size_t k = 0; k < texts.size(); k++) {
    sqlite3_value* v = argv[3 + k];
    if (sqlite3_value_type(v) != SQLITE_TEXT) return -1;
    const unsigned char* text = sqlite3_value_text(v);
    if (text == nullptr) throw std::bad_alloc();
    texts[k] = std::string_view(reinterpret_cast<const char*>(text),
                                static_cast<size_t>(sqlite3_value_bytes(v)));
    size += sizeof(uint32_t) + texts[k].size();
  }
  std::string& key = t->log_key;
  key.resize_and_overwrite(size, [&](char* p, size_t) {
    for (std::string_view text : texts) {
      const uint32_t len = static_cast<uint32_t>(text.size());
      std::memcpy(p, &len, sizeof len);
      std::memcpy(p + sizeof len, text.data(), text.size());
      p += sizeof len + text.size();
    }
    return size;
  });
  auto it = log.index.find(key);
  if (it != log.index.end()) return it->second;
  if (log.tagsets.size() >= InsertLog::kMaxTagSets) return -1;
  InsertLog::TagSet ts;
  std::string err;
  for (int k = 0; k < s.ntags(); k++) {
    std::string value;
    if (!ToTag(argv[3 + k], &value, &err)) {
      SetColumnError(t, s.tags[k], err);
      return -2;
    }
    ts.tags.push_back(Tag{s.tags[k], std::move(value)});
  }
  SortTags(&ts.tags);
  ts.order = TagSetKey(t->name, ts.tags) + "#";
  if (!SeriesKeysFit(t, ts.order)) return -2;
  const uint32_t id = static_cast<uint32_t>(log.tagsets.size());
  log.tagsets.push_back(std::move(ts));
  log.index.emplace(key, id);
  return id;
}

// INSERT while no savepoint is open: converts the row, then appends it to the insert log. -1 when
// the row must take the ordered path instead.
int LogInsert(Table* t, sqlite3_value** argv) {
  const Schema& s = t->schema;
  std::string err;
  int64_t time = 0;
  if (!ToTime(argv[2], &time, &err)) {
    SetColumnError(t, "time", err);
    return SQLITE_ERROR;
  }
  if (!TimeWritable(t, time)) return SQLITE_ERROR;
  const int64_t id = LogTagSet(t, argv);
  if (id == -1) return -1;
  if (id < 0) return SQLITE_ERROR;
  InsertLog& log = t->overlay().log;
  InsertLog::TagSet& ts = log.tagsets[static_cast<size_t>(id)];
  // The fields go straight into the tag set's next row, which a failure takes back.
  const size_t n = static_cast<size_t>(s.nfields());
  const size_t at = ts.cells.size();
  const size_t strs = ts.strs.size();
  ts.cells.resize(at + n);
  ts.present.resize(at + n);
  uint64_t* cells = ts.cells.data() + at;
  uint8_t* present = ts.present.data() + at;
  auto fail = [&](const std::string& column, const std::string& message) {
    ts.cells.resize(at);
    ts.present.resize(at);
    ts.strs.resize(strs);
    SetColumnError(t, column, message);
    return SQLITE_ERROR;
  };
  sqlite3_value** field_args = argv + 3 + s.ntags();
  size_t absent = 0;
  Value v;
  for (size_t i = 0; i < n; i++) {
    // A REAL into a REAL field, the common case, without ToField's general conversions.
    if (s.field_types[i] == STRATA_FLOAT && sqlite3_value_type(field_args[i]) == SQLITE_FLOAT) {
      const double d = sqlite3_value_double(field_args[i]);
      if (std::isfinite(d)) {
        cells[i] = std::bit_cast<uint64_t>(d);
        present[i] = 1;
        continue;
      }
    }
    if (!ToField(field_args[i], s.field_types[i], &v, &err)) return fail(s.fields[i], err);
    present[i] = v.type != 0;
    switch (v.type) {
      case 0: absent++; break;
      case STRATA_FLOAT: cells[i] = std::bit_cast<uint64_t>(v.f); break;
      case STRATA_INT:
      case STRATA_BOOL: cells[i] = static_cast<uint64_t>(v.i); break;
      default:
        cells[i] = ts.strs.size();
        ts.strs.push_back(std::move(v.s));
        break;
    }
  }
  if (absent == n) {
    ts.cells.resize(at);
    ts.present.resize(at);
    SetError(t, "a row needs at least one non-NULL field");
    return SQLITE_ERROR;
  }
  ts.times.push_back(time);
  ts.absent += absent;
  if (!ts.listed) {
    log.dirty.push_back(static_cast<uint32_t>(id));
    ts.listed = true;
  }
  log.rows++;
  return SQLITE_OK;
}

// An INSERT sets the fields it gives of the row at its (tags, time), adding the row when new.
// INSERT OR IGNORE leaves an existing row as it is, and INSERT OR REPLACE (REPLACE INTO) replaces
// it whole, the fields it does not give becoming NULL; OR ABORT, FAIL and ROLLBACK never meet a
// conflict.
int DoInsert(Table* t, sqlite3_value** argv) {
  const int on_conflict = sqlite3_vtab_on_conflict(t->db);
  const bool ignore = on_conflict == SQLITE_IGNORE, replace = on_conflict == SQLITE_REPLACE;
  if (t->overlay().marks.empty() && !ignore && !replace) {
    const int rc = LogInsert(t, argv);
    if (rc != -1) return rc;
  }
  NewRow nr;
  if (!ConvertRow(t, argv, false, &nr)) return SQLITE_ERROR;
  std::vector<Tag> tags;
  for (int k = 0; k < t->schema.ntags(); k++) tags.push_back(Tag{t->schema.tags[k], *nr.tags[k]});
  SortTags(&tags);
  bool any = false;
  for (const Value& v : nr.fields) any = any || v.type != 0;
  if (!any) {
    SetError(t, "a row needs at least one non-NULL field");
    return SQLITE_ERROR;
  }
  std::string order = TagSetKey(t->name, tags) + "#";
  if (!SeriesKeysFit(t, order)) return SQLITE_ERROR;
  if (ignore) {
    Row old;
    std::string err;
    int rc = STRATA_OK;
    const bool found = ReadRow(t, tags, nr.time, &old, &err, &rc);
    if (rc != STRATA_OK) {
      SetError(t, err);
      return SqliteCode(rc);
    }
    if (found) return SQLITE_OK;
  }
  if (replace) DeleteRow(t, tags, nr.time);
  PendingRow& p = t->overlay().Touch(RowKey(std::move(order), nr.time), tags);
  for (size_t i = 0; i < nr.fields.size(); i++) {
    if (nr.fields[i].type == 0) continue;
    p.state[i] = kSet;
    p.values[i] = std::move(nr.fields[i]);
  }
  return SQLITE_OK;
}

bool DecodeArgKey(Table* t, sqlite3_value* v, int64_t* time, std::vector<Tag>* tags) {
  if (sqlite3_value_type(v) == SQLITE_NULL) {
    SetError(t, "rows of the aggregate view cannot be changed");
    return false;
  }
  if (sqlite3_value_type(v) != SQLITE_BLOB ||
      !DecodeKey(sqlite3_value_blob(v), sqlite3_value_bytes(v), time, tags)) {
    SetError(t, "invalid _strata_key " + Describe(v));
    return false;
  }
  return true;
}

int DoUpdate(Table* t, sqlite3_value** argv) {
  int64_t old_time = 0;
  std::vector<Tag> old_tags;
  if (!DecodeArgKey(t, argv[0], &old_time, &old_tags)) return SQLITE_ERROR;
  NewRow nr;
  if (!ConvertRow(t, argv, true, &nr)) return SQLITE_ERROR;
  const Schema& s = t->schema;
  const int64_t new_time = nr.time_nochange ? old_time : nr.time;
  if (!TimeWritable(t, new_time)) return SQLITE_ERROR;
  std::vector<Tag> new_tags = old_tags;
  for (int k = 0; k < s.ntags(); k++) {
    if (nr.tag_nochange[k]) continue;
    auto it = std::find_if(new_tags.begin(), new_tags.end(),
                           [&](const Tag& x) { return x.key == s.tags[k]; });
    if (!nr.tags[k]) {
      if (it != new_tags.end()) {
        SetColumnError(t, s.tags[k], "a tag cannot be NULL");
        return SQLITE_ERROR;
      }
      continue;  // the row has no such tag and keeps not having it
    }
    if (it != new_tags.end()) {
      it->value = *nr.tags[k];
    } else {
      new_tags.push_back(Tag{s.tags[k], *nr.tags[k]});
    }
  }
  SortTags(&new_tags);
  if (new_time == old_time && new_tags == old_tags) {
    PendingRow& p = t->overlay().Touch(KeyOf(t, old_tags, old_time), old_tags);
    for (int i = 0; i < s.nfields(); i++) {
      if (nr.field_nochange[i]) continue;
      if (nr.fields[i].type == 0) {
        p.state[i] = kDeleted;
        p.values[i] = Value{};
      } else {
        p.state[i] = kSet;
        p.values[i] = std::move(nr.fields[i]);
      }
    }
    return SQLITE_OK;
  }
  // The row moves: read the unchanged fields first.
  std::string new_order = TagSetKey(t->name, new_tags) + "#";
  if (new_tags != old_tags && !SeriesKeysFit(t, new_order)) return SQLITE_ERROR;
  Row old;
  std::string err;
  int rc = STRATA_OK;
  const bool found = ReadRow(t, old_tags, old_time, &old, &err, &rc);
  if (rc != STRATA_OK) {
    SetError(t, err);
    return SqliteCode(rc);
  }
  std::vector<Value> values(s.nfields());
  bool any = false;
  for (int i = 0; i < s.nfields(); i++) {
    if (nr.field_nochange[i]) {
      if (found) values[i] = old.fields[i];
    } else {
      values[i] = std::move(nr.fields[i]);
    }
    any = any || values[i].type != 0;
  }
  DeleteRow(t, old_tags, old_time);
  if (!any) return SQLITE_OK;
  PendingRow& p = t->overlay().Touch(RowKey(std::move(new_order), new_time), new_tags);
  for (int i = 0; i < s.nfields(); i++) {
    if (values[i].type == 0) continue;
    p.state[i] = kSet;
    p.values[i] = std::move(values[i]);
  }
  return SQLITE_OK;
}

}  // namespace

int Update(sqlite3_vtab* vtab, int argc, sqlite3_value** argv, sqlite3_int64*) {
  Table* t = reinterpret_cast<Table*>(vtab);
  return Guard(t, [&] {
    if (argc == 1) {
      int64_t time = 0;
      std::vector<Tag> tags;
      if (!DecodeArgKey(t, argv[0], &time, &tags)) return SQLITE_ERROR;
      DeleteRow(t, tags, time);
      return SQLITE_OK;
    }
    if (argc != t->schema.tags_column() + 3) {
      SetError(t, "internal error: xUpdate got " + std::to_string(argc) + " values");
      return SQLITE_ERROR;
    }
    for (int col : {t->schema.aggregate_column(), t->schema.every_column()}) {
      sqlite3_value* v = argv[2 + col];
      if (sqlite3_value_type(v) != SQLITE_NULL && !sqlite3_value_nochange(v)) {
        SetError(t, std::string(col == t->schema.aggregate_column() ? "the aggregate"
                                                                      : "the bucket width") +
                        " of the aggregate view cannot be written: the view is read-only");
        return SQLITE_CONSTRAINT;
      }
    }
    sqlite3_value* tags = argv[2 + t->schema.tags_column()];
    if (sqlite3_value_type(tags) != SQLITE_NULL && !sqlite3_value_nochange(tags)) {
      SetColumnError(t, "_strata_tags",
                     "cannot be written: it shows the row's tags (write the tag columns)");
      return SQLITE_CONSTRAINT;
    }
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return DoInsert(t, argv);
    return DoUpdate(t, argv);
  });
}

}  // namespace strata_sql
