// The aggregate view: `cpu('mean', '1h')` (aggregate.h). Groups are (tag set, bucket), with buckets
// as time_bucket(every, time) cuts them (time_bucket.h: fixed or calendar widths, from the epoch,
// in UTC), or one per tag set. Only the fields the statement reads are read (all declared fields
// when it reads none), and a group exists when it holds a point of one of them; each such field
// column then holds the field's aggregate over the group's points:
//   count  the number of points (0 when the field has none in the group)          INTEGER
//   sum    the sum: REAL for a REAL field, INTEGER for INTEGER and BOOLEAN (an error when it
//          overflows, as SQLite's sum); NULL for TEXT
//   mean   sum / count as REAL (avg is the same); NULL for TEXT
//   min, max, first, last   the smallest, largest, oldest, newest value, in the field's type
// and the other aggregates are NULL for a field without points in the group. The row's time is the
// bucket's start; without `every` it is the time of the group's oldest point, or with `last` its
// newest point.
//
// Points come from the engine piece by piece, one query per field read (strata_query_summaries +
// strata_cursor_next_piece: no row merging, no per-point ABI call), and a stored block that lies
// wholly inside one bucket (and that no other source touches) comes as its summary, from the
// block statistics of the segment index, without being decoded; first and last without `every`
// read only each tag set's oldest or newest point of each field read (strata_query_rows_ex with
// limit_per_tagset 1). When the connection has pending changes to the table (an open transaction)
// they come from the merged row scan instead, so the view reads the transaction's own writes.
#include "aggregate.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <algorithm>
#include <cstring>
#include <string_view>
#include <vector>

#include "aggregator.h"
#include "convert.h"
#include "scan.h"
#include "table.h"
#include "time_bucket.h"

namespace strata_sql {
namespace {

// The tag set of the series `key` (a canonical series key the engine gave): its tag-set key + "#"
// into *order and its tags, unescaped, into *tags (strata_parse_series_key). False when the key
// does not parse.
bool SeriesTagSet(const char* key, std::string* order, std::vector<Tag>* tags) {
  strata_series_key_parts* parts = nullptr;
  if (strata_parse_series_key(key, std::strlen(key), &parts) != STRATA_OK) return false;
  order->assign(key, parts->tagset_len).push_back('#');
  tags->clear();
  for (size_t i = 0; i < parts->ntags; i++) {
    tags->push_back(Tag{parts->tags[i].key, parts->tags[i].value});
  }
  strata_free(parts);
  return true;
}

// How the engine is queried for the tag filters of a scan: single values go to the engine as
// equalities, the first list is queried value by value (a query each), and further lists are
// checked on each series here.
class EngineFilters {
 public:
  explicit EngineFilters(const ScanSpec& spec) {
    for (const TagFilter& f : spec.filters) {
      if (f.values.size() == 1) {
        eq_.push_back(strata_tag{f.key.c_str(), f.values.begin()->c_str()});
      } else if (split_ == nullptr) {
        split_ = &f;
        split_values_.assign(f.values.begin(), f.values.end());
      } else {
        checked_.push_back(&f);
      }
    }
  }
  size_t queries() const { return split_ == nullptr ? 1 : split_values_.size(); }
  // The tag equalities of query q.
  std::vector<strata_tag> Query(size_t q) const {
    std::vector<strata_tag> tags = eq_;
    if (split_ != nullptr) {
      tags.push_back(strata_tag{split_->key.c_str(), split_values_[q].c_str()});
    }
    return tags;
  }
  // Whether a series with `tags` passes the lists checked here.
  bool Passes(const std::vector<Tag>& tags) const {
    for (const TagFilter* f : checked_) {
      auto tag =
          std::find_if(tags.begin(), tags.end(), [&](const Tag& x) { return x.key == f->key; });
      if (tag == tags.end() || f->values.count(tag->value) == 0) return false;
    }
    return true;
  }

 private:
  std::vector<strata_tag> eq_;
  const TagFilter* split_ = nullptr;  // the filter queried value by value
  std::vector<std::string> split_values_;
  std::vector<const TagFilter*> checked_;
};

// strata_summary_accept of the view: a block is taken as its summary when its first and last
// points fall in one bucket (always without `every`: one bucket per tag set).
int InOneBucket(void* ctx, int64_t first_time, int64_t last_time) {
  const BucketRule& every = *static_cast<const BucketRule*>(ctx);
  if (every.empty()) return 1;
  int64_t first_start = 0, last_start = 0, end = 0;
  const bool bounded = BucketOf(every, first_time, &first_start, &end);
  BucketOf(every, last_time, &last_start, &end);
  return !bounded || first_start == last_start ? 1 : 0;
}

// Feeds the points of field j that one engine query (tag equalities `tags`) returns, piece by
// piece and series by series.
int FeedQuery(Table* t, const ScanSpec& spec, const AggregateSpec& spec_agg, size_t j,
              const std::vector<strata_tag>& tags, const EngineFilters& filters, Aggregator* agg,
              std::string* err) {
  constexpr size_t kCap = 4096;
  std::vector<int64_t> times(kCap), values(kCap);  // int64_t storage is aligned for double too
  strata_cursor* cur = nullptr;
  int rc = strata_query_summaries(t->conn->sdb, t->name.c_str(), tags.data(), tags.size(),
                                  t->schema.fields[j].c_str(), spec.t_min, spec.t_max,
                                  &InOneBucket, const_cast<BucketRule*>(&spec_agg.every), &cur);
  if (rc != STRATA_OK) {
    *err = std::string("query failed: ") + strata_errmsg();
    return rc;
  }
  std::string series, order;
  std::vector<Tag> parsed;
  bool skip = false;  // the series fails a checked filter
  size_t n = 0;
  strata_block_summary summary;
  int summarized = 0;
  while ((rc = strata_cursor_next_piece(cur, times.data(), values.data(), kCap, &n, &summary,
                                        &summarized)) == STRATA_ROW) {
    if (const char* key = strata_cursor_series(cur); series != key) {
      series.assign(key);
      if (!SeriesTagSet(key, &order, &parsed)) break;
      skip = !filters.Passes(parsed);
      if (!skip && !agg->SelectTagSet(order)) {
        const std::string_view tagset(order.data(), order.size() - 1);
        agg->SetTagSet(t->TagSet(tagset, [&] {
          return std::make_shared<const RowTagSet>(order, std::move(parsed), t->schema.tags);
        }));
      }
    }
    if (skip) continue;
    if (summarized) {
      agg->AddSummary(static_cast<int>(j), strata_cursor_type(cur), summary);
      continue;
    }
    if (strata_cursor_type(cur) != STRATA_STRING) {
      agg->AddNumbers(static_cast<int>(j), strata_cursor_type(cur), times.data(), values.data(), n);
      continue;
    }
    for (size_t i = 0; i < n; i++) {
      size_t len = 0;
      const char* s = strata_cursor_block_str(cur, i, &len);
      agg->AddString(static_cast<int>(j), times[i], std::string_view(s == nullptr ? "" : s, len));
    }
  }
  strata_cursor_free(cur);
  if (rc == STRATA_ROW) {
    *err = "internal error: unreadable series key '" + series + "'";
    return STRATA_CORRUPT;
  }
  if (rc != STRATA_DONE) {
    *err = std::string("read failed: ") + strata_errmsg();
    return rc;
  }
  return STRATA_OK;
}

// Feeds the engine's points of the fields in `read`: one query per field read and value of the
// first multi-valued tag filter (EngineFilters).
int FeedEngine(Table* t, const ScanSpec& spec, const AggregateSpec& spec_agg,
               const std::vector<size_t>& read, Aggregator* agg, std::string* err) {
  const EngineFilters filters(spec);
  for (size_t j : read) {
    for (size_t q = 0; q < filters.queries(); q++) {
      const int rc = FeedQuery(t, spec, spec_agg, j, filters.Query(q), filters, agg, err);
      if (rc != STRATA_OK) return rc;
    }
  }
  return STRATA_OK;
}

// Adds one point of field j.
void AddValue(Aggregator* agg, size_t j, int64_t time, const Value& v) {
  const int field = static_cast<int>(j);
  if (v.type == STRATA_STRING) {
    agg->AddString(field, time, v.s);
  } else if (v.type == STRATA_FLOAT) {
    agg->AddNumbers(field, v.type, &time, &v.f, 1);
  } else if (v.type != 0) {
    agg->AddNumbers(field, v.type, &time, &v.i, 1);
  }
}

// Feeds the fields in `read` of the merged rows of the engine and the connection's pending changes.
int FeedRows(Table* t, const ScanSpec& spec, const std::vector<size_t>& read, Aggregator* agg,
             std::string* err) {
  ScanSpec all = spec;
  all.values.clear();  // every value: pending rows carry them anyway
  all.descending = all.by_time = false;
  Scan scan;
  int rc = scan.Start(t, all, err);
  const RowTagSet* current = nullptr;
  while (rc == STRATA_OK && !scan.eof()) {
    const Row& r = scan.row();
    if (r.tagset.get() != current) agg->SetTagSet(r.tagset);
    current = r.tagset.get();
    for (size_t j : read) AddValue(agg, j, r.time, r.fields[j]);
    rc = scan.Next(err);
  }
  return rc;
}

// One edge row per tag set from a row query over `fields` (oldest or newest first, at most one row
// per tag set): ReadRowValue of each field into the row's field read[k]. `each(row)` is called
// with the tag set's row before it is read into; it returns the Row to fill, or null to skip the
// tag set.
template <class Each>
int ReadEdgeRows(Table* t, const ScanSpec& spec, const std::vector<size_t>& read, bool newest,
                 Each each, std::string* err) {
  std::vector<std::vector<const char*>> values(spec.filters.size());
  std::vector<strata_tag_filter> filters(spec.filters.size());
  for (size_t i = 0; i < spec.filters.size(); i++) {
    for (const std::string& v : spec.filters[i].values) values[i].push_back(v.c_str());
    filters[i] = strata_tag_filter{spec.filters[i].key.c_str(), values[i].data(), values[i].size()};
  }
  std::vector<const char*> fields;
  for (size_t j : read) fields.push_back(t->schema.fields[j].c_str());
  strata_rows_options options = STRATA_ROWS_OPTIONS_INIT;
  options.descending = newest ? 1 : 0;
  options.limit_per_tagset = 1;
  strata_rows* rows = nullptr;
  int rc = strata_query_rows_ex(t->conn->sdb, t->name.c_str(), filters.data(), filters.size(),
                                fields.data(), fields.size(), spec.t_min, spec.t_max, &options,
                                &rows);
  while (rc == STRATA_OK && (rc = strata_rows_next(rows)) == STRATA_ROW) {
    rc = STRATA_OK;
    Row* row = each(rows);
    if (row == nullptr) continue;
    for (size_t k = 0; k < read.size(); k++) ReadRowValue(rows, k, &row->fields[read[k]]);
  }
  strata_rows_free(rows);
  if (rc != STRATA_DONE) {
    *err = std::string("read failed: ") + strata_errmsg();
    return rc;
  }
  return STRATA_OK;
}

// first / last without `every` (and without pending rows): the edge row of each tag set over the
// fields read (its oldest or newest row; one query reading about a block, or no block, per field
// and tag set) is the group's row: its time is the group's first (last) time, and each field it
// has is at its own first (last) point there. A field the edge row lacks has its edge point
// further in; one query for that field alone then supplies it.
int EdgeRows(Table* t, const ScanSpec& spec, const std::vector<size_t>& read, bool newest,
             RowBuffer* out, std::string* err) {
  const size_t nf = t->schema.fields.size();
  int rc = ReadEdgeRows(
      t, spec, read, newest,
      [&](strata_rows* rows) {
        Row& row = out->Add(nf);
        row.time = strata_rows_time(rows);
        row.tagset = RowTagSetOf(t, rows);
        return &row;
      },
      err);
  if (rc != STRATA_OK) return rc;
  for (size_t j : read) {
    const bool missing = std::any_of(out->begin(), out->end(),
                                     [&](const Row& r) { return r.fields[j].type == 0; });
    if (!missing) continue;
    size_t at = 0;  // rows come in the same tag-set order as *out
    rc = ReadEdgeRows(
        t, spec, {j}, newest,
        [&](strata_rows* rows) -> Row* {
          const char* tagset = strata_rows_tagset(rows);
          while (at < out->size() && (*out)[at].tagset->order.compare(
                                         0, (*out)[at].tagset->order.size() - 1, tagset) < 0) {
            at++;
          }
          if (at == out->size() || (*out)[at].fields[j].type != 0) return nullptr;
          const std::string& order = (*out)[at].tagset->order;
          if (order.compare(0, order.size() - 1, tagset) != 0) return nullptr;
          return &(*out)[at];
        },
        err);
    if (rc != STRATA_OK) return rc;
  }
  return STRATA_OK;
}

}  // namespace

bool ParseAggregateFn(sqlite3_value* v, AggregateFn* fn, std::string* err) {
  static const std::pair<const char*, AggregateFn> kNames[] = {
      {"count", AggregateFn::kCount}, {"sum", AggregateFn::kSum},   {"mean", AggregateFn::kMean},
      {"avg", AggregateFn::kMean},    {"min", AggregateFn::kMin},   {"max", AggregateFn::kMax},
      {"first", AggregateFn::kFirst}, {"last", AggregateFn::kLast},
  };
  const unsigned char* text = sqlite3_value_text(v);
  if (sqlite3_value_type(v) == SQLITE_TEXT && text != nullptr) {
    for (const auto& [name, f] : kNames) {
      if (sqlite3_stricmp(name, reinterpret_cast<const char*>(text)) == 0) {
        *fn = f;
        return true;
      }
    }
  }
  *err = "unknown aggregate " + Describe(v) +
         " (expected count, sum, mean, avg, min, max, first or last)";
  return false;
}

bool ParseEvery(sqlite3_value* v, BucketRule* every, std::string* err) {
  if (sqlite3_value_type(v) == SQLITE_NULL) {
    *every = BucketRule();
    return true;
  }
  if (!ParseBucketWidth(v, every, err)) {
    *err = "the aggregate view's bucket width (its second argument): " + *err;
    return false;
  }
  return true;
}

int Aggregate(Table* t, const ScanSpec& spec, const AggregateSpec& agg, RowBuffer* rows,
              std::string* err) {
  rows->Clear();
  if (spec.empty) return STRATA_OK;
  std::vector<size_t> read;  // the fields the statement reads; all when it reads none
  for (size_t j = 0; j < spec.values.size(); j++) {
    if (spec.values[j]) read.push_back(j);
  }
  if (read.empty()) {
    for (size_t j = 0; j < t->schema.fields.size(); j++) read.push_back(j);
  }
  const bool edge =
      agg.every.empty() && (agg.fn == AggregateFn::kFirst || agg.fn == AggregateFn::kLast);
  const bool pending = t->overlay().HasPending();
  if (edge && !pending) return EdgeRows(t, spec, read, agg.fn == AggregateFn::kLast, rows, err);
  Aggregator aggregator(t->schema, agg, read);
  const int rc = pending ? FeedRows(t, spec, read, &aggregator, err)
                         : FeedEngine(t, spec, agg, read, &aggregator, err);
  if (rc != STRATA_OK) return rc;
  return aggregator.Finish(rows, err) ? STRATA_OK : STRATA_INVALID;
}

}  // namespace strata_sql
