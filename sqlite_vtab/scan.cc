#include "scan.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <bit>
#include <utility>

#include "row_key.h"
#include "table.h"

namespace strata_sql {

void ReadRowValue(strata_rows* rows, size_t i, Value* v) {
  v->type = strata_rows_type(rows, i);
  switch (v->type) {
    case STRATA_FLOAT: v->f = strata_rows_f64(rows, i); break;
    case STRATA_INT:
    case STRATA_BOOL: v->i = strata_rows_i64(rows, i); break;
    case STRATA_STRING: {
      size_t len = 0;
      const char* s = strata_rows_str(rows, i, &len);
      v->s.assign(s, len);
      break;
    }
    default: break;
  }
}

const std::shared_ptr<const RowTagSet>& RowTagSetOf(Table* t, strata_rows* rows) {
  return t->TagSet(strata_rows_tagset_id(rows), [&] {
    const std::string_view key = strata_rows_tagset(rows);
    const size_t ntags = strata_rows_tag_count(rows);
    std::vector<Tag> tags(ntags);
    for (size_t i = 0; i < ntags; i++) {
      tags[i].key.assign(strata_rows_tag_key(rows, i));
      tags[i].value.assign(strata_rows_tag_value(rows, i));
    }
    return std::make_shared<const RowTagSet>(std::string(key) + "#", std::move(tags),
                                             t->schema.tags);
  });
}

Scan::~Scan() { ReleaseRows(); }

void Scan::ReleaseRows() {
  if (rows_ == nullptr) return;
  if (table_ != nullptr && table_->spare_engine_rows == nullptr) {
    strata_rows_reset(rows_);  // an idle spare keeps no snapshot (files, MemStore copies)
    table_->spare_engine_rows = rows_;
  } else {
    strata_rows_free(rows_);
  }
  rows_ = nullptr;
}

bool Scan::Matches(const PendingRow& p, int64_t time) const {
  if (time < spec_.t_min || time > spec_.t_max) return false;
  for (const TagFilter& f : spec_.filters) {
    bool ok = false;
    for (const Tag& tag : p.tags) {
      if (tag.key == f.key) {
        ok = f.values.count(tag.value) > 0;
        break;
      }
    }
    if (!ok) return false;
  }
  return true;
}

bool Scan::NextPending(RowKey* key) {
  if (table_ == nullptr) return false;
  Overlay& ov = table_->overlay();
  ov.Fold();  // another statement may have inserted since
  auto& rows = ov.rows;
  if (!spec_.descending) {
    auto it = pend_pos_ ? rows.upper_bound(*pend_pos_) : rows.begin();
    for (; it != rows.end(); ++it) {
      if (Matches(it->second, it->first.second)) {
        *key = it->first;
        return true;
      }
    }
    return false;
  }
  // Tag sets ascending, times descending: walk each tag set's entries backwards.
  using It = std::map<RowKey, PendingRow>::iterator;
  auto group_end = [&](const std::string& order) {
    return rows.upper_bound(RowKey(order, INT64_MAX));
  };
  It it;
  if (!pend_pos_) {
    if (rows.empty()) return false;
    it = std::prev(group_end(rows.begin()->first.first));
  } else {
    const It at = rows.lower_bound(*pend_pos_);
    if (at != rows.begin() && std::prev(at)->first.first == pend_pos_->first) {
      it = std::prev(at);
    } else {
      const It next = group_end(pend_pos_->first);
      if (next == rows.end()) return false;
      it = std::prev(group_end(next->first.first));
    }
  }
  while (true) {
    if (Matches(it->second, it->first.second)) {
      *key = it->first;
      return true;
    }
    if (it != rows.begin() && std::prev(it)->first.first == it->first.first) {
      --it;
      continue;
    }
    const It next = group_end(it->first.first);
    if (next == rows.end()) return false;
    it = std::prev(group_end(next->first.first));
  }
}

bool Scan::PendingWithin(const std::string* order) {
  Overlay& ov = table_->overlay();
  ov.Fold();
  for (const auto& [key, p] : ov.rows) {
    if (!Matches(p, key.second)) continue;
    if (order == nullptr) {
      order = &key.first;
    } else if (*order != key.first) {
      return false;
    }
  }
  return true;
}

int Scan::StepEngine(std::string* err) {
  if (rows_ == nullptr) {
    engine_eof_ = true;
    return STRATA_OK;
  }
  if (block_k_ + 1 < block_n_) {  // the next row of the block
    block_k_++;
    return STRATA_OK;
  }
  size_t n = 0;
  const int rc = strata_rows_next_block(rows_, kBlockRows, &n);
  block_n_ = 0;
  block_k_ = 0;
  if (rc == STRATA_DONE) {
    engine_eof_ = true;
    return STRATA_OK;
  }
  if (rc != STRATA_ROW) {
    engine_eof_ = true;
    *err = std::string("read failed: ") + strata_errmsg();
    return rc;
  }
  engine_eof_ = false;
  block_n_ = n;
  block_times_ = strata_rows_block_times(rows_);
  const size_t nf = table_->schema.fields.size();
  block_types_.resize(nf);
  block_nums_.resize(nf);
  for (size_t i = 0; i < nf; i++) {
    block_types_[i] = strata_rows_type(rows_, i);
    block_nums_[i] = reads_value(i) ? strata_rows_block_nums(rows_, i) : nullptr;
  }
  // Rows of one tag set come one after another: its tags are read through the ABI once.
  const uint64_t tagset = strata_rows_tagset_id(rows_);
  if (engine_ts_ == nullptr || tagset != engine_tagset_) {
    engine_ts_ = RowTagSetOf(table_, rows_);
    engine_tagset_ = tagset;
  }
  return STRATA_OK;
}

void Scan::ReadEngineValue(size_t i, Value* v) const {
  v->type = block_types_[i];
  const uint64_t* nums = block_nums_[i];
  switch (v->type) {
    case STRATA_FLOAT:
      if (nums != nullptr) v->f = std::bit_cast<double>(nums[block_k_]);
      break;
    case STRATA_INT:
    case STRATA_BOOL:
      if (nums != nullptr) v->i = static_cast<int64_t>(nums[block_k_]);
      break;
    case STRATA_STRING:
      if (reads_value(i)) {
        size_t len = 0;
        const char* s = strata_rows_block_str(rows_, i, block_k_, &len);
        v->s.assign(s == nullptr ? "" : s, len);
      }
      break;
    default: break;
  }
}

void Scan::ReadEngineRow(Row* r) const {
  r->time = block_times_[block_k_];
  r->tagset = engine_ts_;
  const size_t nf = table_->schema.fields.size();
  r->fields.resize(nf);
  for (size_t i = 0; i < nf; i++) ReadEngineValue(i, &r->fields[i]);
}

int Scan::AdvanceEngine(std::string* err) {
  const int rc = StepEngine(err);
  if (rc == STRATA_OK && !engine_eof_) ReadEngineRow(&erow_);
  return rc;
}

const Row& Scan::row() const {
  if (!row_ready_) {
    ReadEngineRow(&row_);
    row_ready_ = true;
  }
  return row_;
}

int Scan::Query(std::string* err) {
  Table* t = table_;
  Table::QueryArrays& a = t->query_arrays;
  auto& values = a.values;
  auto& filters = a.filters;
  values.resize(spec_.filters.size());
  filters.resize(spec_.filters.size());
  for (size_t i = 0; i < spec_.filters.size(); i++) {
    values[i].clear();
    for (const std::string& v : spec_.filters[i].values) values[i].push_back(v.c_str());
    filters[i] =
        strata_tag_filter{spec_.filters[i].key.c_str(), values[i].data(), values[i].size()};
  }
  auto& fields = a.fields;
  if (fields.size() != t->schema.fields.size()) {
    fields.clear();
    for (const std::string& f : t->schema.fields) fields.push_back(f.c_str());
  }
  auto& presence_only = a.presence_only;
  presence_only.clear();
  for (uint8_t read : spec_.values) presence_only.push_back(read ? 0 : 1);
  auto& order_tags = a.order_tags;
  order_tags.clear();
  if (tag_ordered_) {
    for (int k : spec_.order_tags) order_tags.push_back(t->schema.tags[k].c_str());
  }
  // Tag predicates (!=, LIKE, GLOB): borrowed for the call; SQLite re-checks their rows.
  std::vector<const char*> predicate_values;
  std::vector<strata_tag_predicate> predicates;
  predicate_values.reserve(spec_.predicates.size());
  for (const TagPredicate& p : spec_.predicates) predicate_values.push_back(p.value.c_str());
  for (size_t i = 0; i < spec_.predicates.size(); i++) {
    predicates.push_back(strata_tag_predicate{spec_.predicates[i].key.c_str(),
                                              spec_.predicates[i].op, &predicate_values[i], 1});
  }
  strata_rows_options options = STRATA_ROWS_OPTIONS_INIT;
  options.predicates = predicates.empty() ? nullptr : predicates.data();
  options.npredicates = predicates.size();
  options.descending = spec_.descending ? 1 : 0;
  options.limit_per_tagset = spec_.limit_per_tagset;
  options.order_tags = order_tags.data();
  options.norder_tags = order_tags.size();
  options.presence_only = presence_only.empty() ? nullptr : presence_only.data();
  // The scan's former engine cursor, or a closed scan's, is restarted rather than a new one made;
  // should that fail, a new one is tried, and its error (if it fails too) is the one reported.
  if (rows_ == nullptr) std::swap(rows_, t->spare_engine_rows);
  int rc = STRATA_ERROR;
  if (rows_ != nullptr) {
    rc = strata_rows_requery(t->conn->sdb, rows_, filters.data(), filters.size(), spec_.t_min,
                             spec_.t_max, &options);
    if (rc != STRATA_OK) {
      strata_rows_free(rows_);
      rows_ = nullptr;
    }
  }
  if (rc != STRATA_OK) {
    rc = strata_query_rows_ex(t->conn->sdb, t->name.c_str(), filters.data(), filters.size(),
                              fields.data(), fields.size(), spec_.t_min, spec_.t_max, &options,
                              &rows_);
  }
  if (rc != STRATA_OK) *err = std::string("query failed: ") + strata_errmsg();
  return rc;
}

int Scan::Start(Table* t, ScanSpec spec, std::string* err) {
  if (table_ != t) ReleaseRows();
  table_ = t;
  spec_ = std::move(spec);
  block_n_ = block_k_ = 0;
  pend_pos_.reset();
  eof_ = false;
  direct_ = false;
  tag_ordered_ = false;
  row_ready_ = true;
  if (spec_.empty) {
    ReleaseRows();
    table_ = nullptr;
    eof_ = true;
    engine_eof_ = true;
    return STRATA_OK;
  }
  const bool pending = t->overlay().HasPending();
  if (pending) spec_.limit_per_tagset = 0;
  tag_ordered_ = !spec_.order_tags.empty() && !pending;
  int rc = Query(err);
  if (rc != STRATA_OK) return rc;
  direct_ = !t->overlay().HasPending();
  if (direct_) {
    rc = StepEngine(err);
    eof_ = engine_eof_;
    row_ready_ = false;
    single_tagset_ = spec_.by_time && strata_rows_tagset_count(rows_) <= 1;
    return rc;
  }
  if ((rc = AdvanceEngine(err)) != STRATA_OK) return rc;
  single_tagset_ = spec_.by_time && strata_rows_tagset_count(rows_) <= 1 &&
                   PendingWithin(engine_eof_ ? nullptr : &erow_.tagset->order);
  return Next(err);
}

int Scan::Next(std::string* err) {
  if (eof_) return STRATA_OK;
  if (direct_) {
    if (tag_ordered_ || !table_->overlay().HasPending()) {
      const int rc = StepEngine(err);
      eof_ = engine_eof_;
      row_ready_ = false;
      return rc;
    }
    // The connection changed the table while the scan is open: merge its changes from here on;
    // entries up to the current row are behind the scan.
    direct_ = false;
    row_ready_ = true;
    pend_pos_ = RowKey(engine_ts_->order, block_times_[block_k_]);
    if (const int rc = AdvanceEngine(err); rc != STRATA_OK) return rc;
  }
  const size_t nf = table_ == nullptr ? 0 : table_->schema.fields.size();
  while (true) {
    RowKey pkey;
    const bool have_pending = NextPending(&pkey);
    if (engine_eof_ && !have_pending) {
      eof_ = true;
      return STRATA_OK;
    }
    int cmp = 0;  // <0: engine row first
    if (engine_eof_) {
      cmp = 1;
    } else if (!have_pending) {
      cmp = -1;
    } else {
      const int c = erow_.tagset->order.compare(pkey.first);
      const int by_time = erow_.time < pkey.second ? -1 : erow_.time > pkey.second ? 1 : 0;
      cmp = c != 0 ? c : spec_.descending ? -by_time : by_time;
    }
    if (cmp < 0) {
      std::swap(row_, erow_);
      int rc = AdvanceEngine(err);
      if (rc != STRATA_OK) return rc;
      return STRATA_OK;  // engine rows always have a declared field
    }
    const PendingRow& p = table_->overlay().rows.find(pkey)->second;
    pend_pos_ = pkey;
    if (cmp == 0) {
      std::swap(row_, erow_);
      int rc = AdvanceEngine(err);
      if (rc != STRATA_OK) return rc;
    } else {
      row_.time = pkey.second;
      if (row_.tagset == nullptr || row_.tagset->order != pkey.first) {
        row_.tagset = std::make_shared<const RowTagSet>(pkey.first, p.tags, table_->schema.tags);
      }
      row_.fields.assign(nf, Value{});
    }
    bool any = false;
    for (size_t i = 0; i < nf; i++) {
      if (p.state[i] == kSet) row_.fields[i] = p.values[i];
      if (p.state[i] == kDeleted) row_.fields[i].type = 0;
      any = any || row_.fields[i].type != 0;
    }
    if (any) return STRATA_OK;
  }
}

void Scan::ResultEngineValue(sqlite3_context* ctx, size_t i) const {
  switch (block_types_[i]) {
    case STRATA_FLOAT:
      sqlite3_result_double(ctx, std::bit_cast<double>(block_nums_[i][block_k_]));
      break;
    case STRATA_INT:
    case STRATA_BOOL:
      sqlite3_result_int64(ctx, static_cast<int64_t>(block_nums_[i][block_k_]));
      break;
    case STRATA_STRING: {
      size_t len = 0;
      const char* s = strata_rows_block_str(rows_, i, block_k_, &len);
      sqlite3_result_text64(ctx, s == nullptr ? "" : s, len, SQLITE_TRANSIENT, SQLITE_UTF8);
      break;
    }
    default: sqlite3_result_null(ctx); break;
  }
}

bool ReadRow(Table* t, const std::vector<Tag>& tags, int64_t time, Row* out, std::string* err,
             int* rc) {
  ScanSpec spec;
  spec.t_min = spec.t_max = time;
  for (const Tag& tag : tags) spec.filters.push_back(TagFilter{tag.key, {tag.value}});
  const std::string order = TagSetKey(t->name, tags) + "#";
  Scan scan;
  *rc = scan.Start(t, spec, err);
  while (*rc == STRATA_OK && !scan.eof()) {
    if (scan.row().tagset->order == order) {
      *out = scan.row();
      return true;
    }
    *rc = scan.Next(err);
  }
  return false;
}

}  // namespace strata_sql
