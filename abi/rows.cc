// Queries by rows: strata_query_rows(_ex), strata_rows_requery / _reset and the row cursor's
// accessors, row by row or a block at a time.
#include <memory>
#include <string>
#include <vector>

#include "errors.h"
#include "handles.h"
#include "row_cursor.h"
#include "strata.h"
#include "tag_predicate.h"
#include "value_bits.h"

using namespace strata_abi;
using strata::ValueType;

// A row query's cursor: the engine's row cursor, the requested fields and where each is in the
// current tag set.
struct strata_rows {
  std::shared_ptr<strata::StorageEngine> engine;  // keeps the catalog (SeriesInfo) alive
  std::unique_ptr<strata::RowCursor> cursor;
  std::string measurement;           // the query's (strata_rows_requery keeps it)
  std::vector<std::string> fields;  // requested names; empty: every field of the tag set
  std::vector<unsigned char> presence_only;  // per requested field: only presence is needed
  const strata::SeriesInfo* group = nullptr;  // first series of the tag set `slot` was built for
  std::string tagset_text;  // strata_rows_tagset's NUL-terminated copy of the row's tag-set key
  std::vector<int> slot;  // per requested field: index into the cursor's fields, or -1
  bool have_row = false;
  size_t block = 0;  // rows of the current block (strata_rows_next_block); 1 after strata_rows_next
  bool done = false;
};

namespace {

// The cursor's field behind requested field i of the current row when it has a value there (and
// *value_wanted: whether its value was asked for, not only its presence); -1 otherwise. O(1).
int RowSlot(const strata_rows* r, size_t i, bool* value_wanted = nullptr) {
  if (r == nullptr || !r->have_row || i >= r->slot.size()) return -1;
  const int s = r->slot[i];
  if (s < 0 || !r->cursor->has_value(static_cast<size_t>(s))) return -1;
  if (value_wanted != nullptr) {
    *value_wanted = i >= r->presence_only.size() || r->presence_only[i] == 0;
  }
  return s;
}

// The numeric column behind requested field i of the current row, with the row's index in it in
// *index, when the field has a number there whose value was asked for; nullptr otherwise. O(1).
const strata::Column* RowNums(const strata_rows* r, size_t i, size_t* index) {
  bool wanted = false;
  const int s = RowSlot(r, i, &wanted);
  if (s < 0 || !wanted) return nullptr;
  const strata::Column& col = r->cursor->column(static_cast<size_t>(s));
  if (col.type == ValueType::kString) return nullptr;
  *index = r->cursor->value_index(static_cast<size_t>(s));
  return &col;
}

// Maps requested field i to the cursor's fields of the current tag set (slot) after the cursor
// moved to another tag set.
void MapFields(strata_rows* r) {
  const strata::RowCursor& c = *r->cursor;
  if (r->fields.empty()) {
    r->slot.resize(c.field_count());
    for (size_t j = 0; j < r->slot.size(); j++) r->slot[j] = static_cast<int>(j);
    return;
  }
  for (size_t i = 0; i < r->fields.size(); i++) {
    // Tag sets mostly have the same fields: the previous tag set's slot is checked first.
    const int was = r->slot[i];
    if (was >= 0 && static_cast<size_t>(was) < c.field_count() &&
        c.field(static_cast<size_t>(was)).field == r->fields[i]) {
      continue;
    }
    r->slot[i] = -1;
    for (size_t j = 0; j < c.field_count(); j++) {
      if (c.field(j).field == r->fields[i]) {
        r->slot[i] = static_cast<int>(j);
        break;
      }
    }
  }
}

static_assert(STRATA_TAG_IN == static_cast<int>(strata::TagOp::kIn));
static_assert(STRATA_TAG_NOT_IN == static_cast<int>(strata::TagOp::kNotIn));
static_assert(STRATA_TAG_PREFIX == static_cast<int>(strata::TagOp::kPrefix));
static_assert(STRATA_TAG_PREFIX_NOCASE == static_cast<int>(strata::TagOp::kPrefixNoCase));
static_assert(STRATA_TAG_REGEX == static_cast<int>(strata::TagOp::kRegex));

// Checks and converts the tag predicates of strata_rows_options (version 4) into q->tags.
int ConvertPredicates(const char* fn, const strata_tag_predicate* predicates, size_t n,
                      strata::QueryRequest* q) {
  if (n > 0 && predicates == nullptr) return NullArg(fn, "options->predicates");
  for (size_t i = 0; i < n; i++) {
    const strata_tag_predicate& p = predicates[i];
    const std::string name = std::string(fn) + ": options->predicates[" + std::to_string(i) + "]";
    if (p.key == nullptr) return SetError(STRATA_INVALID, name + ".key is NULL");
    if (p.op < STRATA_TAG_IN || p.op > STRATA_TAG_REGEX) {
      return SetError(STRATA_INVALID, name + ".op " + std::to_string(p.op) + " is unknown");
    }
    if (p.nvalues > 0 && p.values == nullptr) {
      return SetError(STRATA_INVALID, name + ".values is NULL");
    }
    strata::TagFilter f;
    f.key = p.key;
    f.op = static_cast<strata::TagOp>(p.op);
    for (size_t j = 0; j < p.nvalues; j++) {
      if (p.values[j] == nullptr) {
        return SetError(STRATA_INVALID, name + ".values[" + std::to_string(j) + "] is NULL");
      }
      f.values.emplace_back(p.values[j]);
    }
    if (auto compiled = strata::TagPredicate::Compile(f); !compiled) {
      return SetError(STRATA_INVALID, name + ": " + compiled.error().message());
    }
    q->tags.push_back(std::move(f));
  }
  return STRATA_OK;
}

// Checks a query's filters and options (as strata_query_rows_ex documents them) and converts them:
// the tag filters into q->tags, the options into *row_options and r->presence_only, for the fields
// in r->fields. STRATA_OK, or an error status with the message set.
int ConvertQuery(const char* fn, const strata_tag_filter* filters, size_t nfilters,
                 const strata_rows_options* options, strata_rows* r, strata::QueryRequest* q,
                 strata::RowOptions* row_options) {
  if (nfilters > 0 && filters == nullptr) return NullArg(fn, "filters");
  if (options != nullptr &&
      (options->version < 1 || options->version > STRATA_ROWS_OPTIONS_VERSION)) {
    return SetError(STRATA_INVALID, std::string(fn) + ": options->version is " +
                                        std::to_string(options->version) +
                                        ", this library knows 1 to " +
                                        std::to_string(STRATA_ROWS_OPTIONS_VERSION));
  }
  const size_t nfields = r->fields.size();
  if (options != nullptr && options->presence_only != nullptr && nfields == 0) {
    return SetError(STRATA_INVALID, std::string(fn) +
                                        ": options->presence_only needs the fields named "
                                        "(nfields > 0); with nfields 0 pass NULL");
  }
  q->tags.reserve(nfilters);
  for (size_t i = 0; i < nfilters; i++) {
    if (filters[i].key == nullptr) {
      return SetError(STRATA_INVALID,
                      std::string(fn) + ": filters[" + std::to_string(i) + "].key is NULL");
    }
    if (filters[i].nvalues > 0 && filters[i].values == nullptr) {
      return SetError(STRATA_INVALID,
                      std::string(fn) + ": filters[" + std::to_string(i) + "].values is NULL");
    }
    strata::TagFilter f;
    f.key = filters[i].key;
    f.values.reserve(filters[i].nvalues);
    for (size_t j = 0; j < filters[i].nvalues; j++) {
      if (filters[i].values[j] == nullptr) {
        return SetError(STRATA_INVALID, std::string(fn) + ": filters[" + std::to_string(i) +
                                            "].values[" + std::to_string(j) + "] is NULL");
      }
      f.values.emplace_back(filters[i].values[j]);
    }
    q->tags.push_back(std::move(f));
  }
  r->presence_only.clear();
  if (options == nullptr) return STRATA_OK;
  row_options->descending = options->descending != 0;
  // A version 1 caller's struct ends before limit_per_tagset.
  if (options->version >= 2) row_options->limit_per_tagset = options->limit_per_tagset;
  if (options->version >= 3) {
    if (options->norder_tags > 0 && options->order_tags == nullptr) {
      return NullArg(fn, "options->order_tags");
    }
    for (size_t i = 0; i < options->norder_tags; i++) {
      if (options->order_tags[i] == nullptr) {
        return SetError(STRATA_INVALID, std::string(fn) + ": options->order_tags[" +
                                            std::to_string(i) + "] is NULL");
      }
      row_options->tagset_order.emplace_back(options->order_tags[i]);
    }
  }
  if (options->version >= 4) {
    if (int rc = ConvertPredicates(fn, options->predicates, options->npredicates, q);
        rc != STRATA_OK) {
      return rc;
    }
  }
  if (options->presence_only != nullptr) {
    r->presence_only.assign(options->presence_only, options->presence_only + nfields);
    row_options->presence_only.reserve(nfields);
    // A field is read times-only when no request of it needs its value.
    for (size_t i = 0; i < nfields; i++) {
      bool value_needed = false;
      for (size_t j = 0; j < nfields && !value_needed; j++) {
        value_needed = r->presence_only[j] == 0 && r->fields[j] == r->fields[i];
      }
      if (!value_needed) row_options->presence_only.push_back(r->fields[i]);
    }
  }
  return STRATA_OK;
}

// Runs the query on db's engine into r: a new cursor, or r's own restarted (reusing its buffers).
// The fields are r->fields; q holds the rest.
int RunQuery(strata_db* db, strata::QueryRequest& q, strata::RowOptions row_options,
             strata_rows* r) {
  q.fields = std::move(r->fields);  // lent to the query, not copied
  auto snapshot = db->engine->Snapshot(q);
  r->fields = std::move(q.fields);
  if (!snapshot) return FromError(snapshot.error());
  if (r->cursor != nullptr) {
    r->cursor->Restart(std::move(*snapshot), std::move(row_options));
  } else {
    r->cursor = std::make_unique<strata::RowCursor>(std::move(*snapshot), std::move(row_options));
  }
  r->engine = db->engine;
  r->group = nullptr;
  r->slot.resize(r->fields.size(), -1);  // a requery keeps them: MapFields checks each
  r->have_row = false;
  r->block = 0;
  r->done = false;
  return STRATA_OK;
}

// strata_query_rows and strata_query_rows_ex; `fn` names the function in error messages.
int QueryRows(const char* fn, strata_db* db, const char* measurement,
              const strata_tag_filter* filters, size_t nfilters, const char* const* fields,
              size_t nfields, int64_t t_min, int64_t t_max, const strata_rows_options* options,
              strata_rows** out) {
  return Guard([&] {
    if (out == nullptr) return NullArg(fn, "out");
    *out = nullptr;
    if (db == nullptr) return NullArg(fn, "db");
    if (measurement == nullptr) return NullArg(fn, "measurement");
    if (*measurement == '\0')
      return SetError(STRATA_INVALID, std::string(fn) + ": measurement is empty");
    if (nfields > 0 && fields == nullptr) return NullArg(fn, "fields");
    auto r = std::make_unique<strata_rows>();
    r->measurement = measurement;
    r->fields.reserve(nfields);
    for (size_t i = 0; i < nfields; i++) {
      if (fields[i] == nullptr) {
        return SetError(STRATA_INVALID,
                        std::string(fn) + ": fields[" + std::to_string(i) + "] is NULL");
      }
      r->fields.emplace_back(fields[i]);
    }
    strata::QueryRequest q;
    strata::RowOptions row_options;
    if (int rc = ConvertQuery(fn, filters, nfilters, options, r.get(), &q, &row_options);
        rc != STRATA_OK) {
      return rc;
    }
    q.measurement = measurement;
    q.min_time = t_min;
    q.max_time = t_max;
    if (int rc = RunQuery(db, q, std::move(row_options), r.get()); rc != STRATA_OK) return rc;
    *out = r.release();
    return STRATA_OK;
  });
}

}  // namespace

extern "C" {

int strata_query_rows(strata_db* db, const char* measurement, const strata_tag_filter* filters,
                      size_t nfilters, const char* const* fields, size_t nfields, int64_t t_min,
                      int64_t t_max, strata_rows** out) {
  return QueryRows("strata_query_rows", db, measurement, filters, nfilters, fields, nfields, t_min,
                   t_max, nullptr, out);
}

int strata_query_rows_ex(strata_db* db, const char* measurement, const strata_tag_filter* filters,
                         size_t nfilters, const char* const* fields, size_t nfields, int64_t t_min,
                         int64_t t_max, const strata_rows_options* options, strata_rows** out) {
  return QueryRows("strata_query_rows_ex", db, measurement, filters, nfilters, fields, nfields,
                   t_min, t_max, options, out);
}

void strata_rows_reset(strata_rows* r) {
  if (r == nullptr) return;
  r->done = true;
  r->have_row = false;
  r->block = 0;
  // An empty snapshot allocates nothing: releasing the old one is all this does.
  try {
    r->cursor->Restart(strata::QuerySnapshot{}, strata::RowOptions{});
  } catch (...) {
  }
}

int strata_rows_requery(strata_db* db, strata_rows* r, const strata_tag_filter* filters,
                        size_t nfilters, int64_t t_min, int64_t t_max,
                        const strata_rows_options* options) {
  return Guard([&] {
    constexpr const char* kFn = "strata_rows_requery";
    if (r == nullptr) return NullArg(kFn, "r");
    // Whatever happens next, the cursor's former query is over.
    r->done = true;
    r->have_row = false;
    if (db == nullptr) return NullArg(kFn, "db");
    if (db->engine == nullptr || r->engine != db->engine) {
      return SetError(STRATA_INVALID, std::string(kFn) + ": the cursor is not from this database");
    }
    strata::QueryRequest q;
    strata::RowOptions row_options;
    if (int rc = ConvertQuery(kFn, filters, nfilters, options, r, &q, &row_options);
        rc != STRATA_OK) {
      return rc;
    }
    q.measurement = r->measurement;
    q.min_time = t_min;
    q.max_time = t_max;
    return RunQuery(db, q, std::move(row_options), r);
  });
}

namespace {

// strata_rows_next (max 1, n NULL) and strata_rows_next_block.
int NextRows(strata_rows* r, size_t max, size_t* n) {
  if (n != nullptr) *n = 0;
  if (r->done) return STRATA_DONE;
  r->have_row = false;
  r->block = 0;
  auto rows = r->cursor->NextBlock(max);
  if (!rows) {
    r->done = true;
    return FromError(rows.error());
  }
  if (*rows == 0) {
    r->done = true;
    return STRATA_DONE;
  }
  r->have_row = true;
  r->block = *rows;
  if (n != nullptr) *n = *rows;
  const strata::SeriesInfo* group = &r->cursor->field(0);
  if (group != r->group) {
    r->group = group;
    MapFields(r);
  }
  return STRATA_ROW;
}

}  // namespace

int strata_rows_next(strata_rows* r) {
  return Guard([&] {
    if (r == nullptr) return NullArg("strata_rows_next", "rows");
    return NextRows(r, 1, nullptr);
  });
}

int strata_rows_next_block(strata_rows* r, size_t max, size_t* n) {
  return Guard([&] {
    constexpr const char* kFn = "strata_rows_next_block";
    if (n != nullptr) *n = 0;
    if (r == nullptr) return NullArg(kFn, "rows");
    if (n == nullptr) return NullArg(kFn, "n");
    if (max == 0) return SetError(STRATA_INVALID, std::string(kFn) + ": max is 0");
    return NextRows(r, max, n);
  });
}

const int64_t* strata_rows_block_times(strata_rows* r) {
  return r != nullptr && r->have_row ? r->cursor->block_times() : nullptr;
}

const uint64_t* strata_rows_block_nums(strata_rows* r, size_t i) {
  size_t k = 0;
  const strata::Column* col = RowNums(r, i, &k);
  return col == nullptr ? nullptr : col->nums.data() + k;
}

const char* strata_rows_block_str(strata_rows* r, size_t i, size_t k, size_t* len) {
  if (len != nullptr) *len = 0;
  bool wanted = false;
  const int s = RowSlot(r, i, &wanted);
  if (s < 0 || !wanted || k >= r->block) return nullptr;
  const strata::Column& col = r->cursor->column(static_cast<size_t>(s));
  if (col.type != ValueType::kString) return nullptr;
  const std::string& v = col.strs[r->cursor->value_index(static_cast<size_t>(s)) + k];
  if (len != nullptr) *len = v.size();
  return v.c_str();
}

size_t strata_rows_tagset_count(strata_rows* r) {
  return r == nullptr ? 0 : r->cursor->tagset_count();
}

int64_t strata_rows_time(strata_rows* r) {
  return r != nullptr && r->have_row ? r->cursor->time() : 0;
}

const char* strata_rows_tagset(strata_rows* r) {
  if (r == nullptr || !r->have_row) return nullptr;
  // The key is a view of the series key (no NUL after it): copied, and kept until the next call
  // (assigning the same tag set again reuses the buffer, so an earlier pointer stays valid).
  r->tagset_text.assign(r->cursor->tagset().tagset_key);
  return r->tagset_text.c_str();
}

uint64_t strata_rows_tagset_id(strata_rows* r) {
  return r != nullptr && r->have_row ? r->cursor->tagset().tagset_id : 0;
}

size_t strata_rows_tag_count(strata_rows* r) {
  return r != nullptr && r->have_row ? r->cursor->tagset().tags.size() : 0;
}

const char* strata_rows_tag_key(strata_rows* r, size_t i) {
  if (i >= strata_rows_tag_count(r)) return nullptr;
  return r->cursor->tagset().tags[i].key.c_str();
}

const char* strata_rows_tag_value(strata_rows* r, size_t i) {
  if (i >= strata_rows_tag_count(r)) return nullptr;
  return r->cursor->tagset().tags[i].value.c_str();
}

size_t strata_rows_field_count(strata_rows* r) {
  if (r == nullptr) return 0;
  if (!r->fields.empty()) return r->fields.size();
  return r->have_row ? r->cursor->field_count() : 0;
}

const char* strata_rows_field_name(strata_rows* r, size_t i) {
  if (r == nullptr) return nullptr;
  if (!r->fields.empty()) return i < r->fields.size() ? r->fields[i].c_str() : nullptr;
  if (!r->have_row || i >= r->cursor->field_count()) return nullptr;
  return r->cursor->field(i).field.c_str();
}

int strata_rows_type(strata_rows* r, size_t i) {
  const int s = RowSlot(r, i);
  return s < 0 ? 0 : static_cast<int>(r->cursor->column(static_cast<size_t>(s)).type);
}

double strata_rows_f64(strata_rows* r, size_t i) {
  size_t k = 0;
  const strata::Column* col = RowNums(r, i, &k);
  return col == nullptr ? 0 : NumToF64(col->type, col->nums[k]);
}

int64_t strata_rows_i64(strata_rows* r, size_t i) {
  size_t k = 0;
  const strata::Column* col = RowNums(r, i, &k);
  return col == nullptr ? 0 : NumToI64(col->type, col->nums[k]);
}

const char* strata_rows_str(strata_rows* r, size_t i, size_t* len) {
  bool wanted = false;
  const int s = RowSlot(r, i, &wanted);
  const strata::Column* col = s < 0 ? nullptr : &r->cursor->column(static_cast<size_t>(s));
  if (col == nullptr || !wanted || col->type != ValueType::kString) {
    if (len != nullptr) *len = 0;
    return nullptr;
  }
  const std::string& v = col->strs[r->cursor->value_index(static_cast<size_t>(s))];
  if (len != nullptr) *len = v.size();
  return v.c_str();
}

void strata_rows_free(strata_rows* r) { delete r; }

}  // extern "C"
