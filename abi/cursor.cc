// Queries by series: strata_query and its cursor (strata_cursor_*), point by point or a block at a
// time.
#include <algorithm>
#include <cstring>
#include <memory>

#include "errors.h"
#include "handles.h"
#include "query_cursor.h"
#include "strata.h"
#include "tags.h"
#include "value_bits.h"

using namespace strata_abi;
using strata::ValueType;

// A query's cursor: the engine's cursor over chunks of points, and the current point in them.
struct strata_cursor {
  static constexpr size_t kNone = static_cast<size_t>(-1);

  std::shared_ptr<strata::StorageEngine> engine;  // keeps the catalog (SeriesInfo) alive
  std::unique_ptr<strata::QueryCursor> cursor;
  bool have_chunk = false;  // cursor->points() holds the current chunk
  bool done = false;
  size_t pos = 0;          // next unread point of the chunk
  size_t cur = kNone;      // the current point
  size_t block_start = 0;  // the last block read by strata_cursor_next_block
  size_t block_len = 0;
};

namespace {

// Moves the cursor to its next non-empty chunk: STRATA_ROW, STRATA_DONE or an error.
int AdvanceChunk(strata_cursor* c) {
  c->have_chunk = false;
  c->cur = strata_cursor::kNone;
  c->block_len = 0;
  c->pos = 0;
  while (true) {
    auto more = c->cursor->Next();
    if (!more) {
      c->done = true;
      return FromError(more.error());
    }
    if (!*more) {
      c->done = true;
      return STRATA_DONE;
    }
    if (!c->cursor->points().empty()) break;
  }
  c->have_chunk = true;
  return STRATA_ROW;
}

bool HasCurrent(const strata_cursor* c) {
  return c != nullptr && c->have_chunk && c->cur != strata_cursor::kNone;
}

}  // namespace

extern "C" {

int strata_query(strata_db* db, const char* measurement, const strata_tag* tag_eq, size_t ntags,
                 const char* field, int64_t t_min, int64_t t_max, strata_cursor** out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_query", "out");
    *out = nullptr;
    if (db == nullptr) return NullArg("strata_query", "db");
    strata::QueryRequest q;
    if (int rc = MakeRequest("strata_query", measurement, tag_eq, ntags, field, t_min, t_max, &q);
        rc != STRATA_OK) {
      return rc;
    }
    auto cursor = db->engine->Query(q);
    if (!cursor) return FromError(cursor.error());
    auto c = std::make_unique<strata_cursor>();
    c->engine = db->engine;
    c->cursor = std::move(*cursor);
    *out = c.release();
    return STRATA_OK;
  });
}

int strata_cursor_next(strata_cursor* c) {
  return Guard([&] {
    if (c == nullptr) return NullArg("strata_cursor_next", "cursor");
    if (c->done) return STRATA_DONE;
    if (!c->have_chunk || c->pos >= c->cursor->points().size()) {
      if (int rc = AdvanceChunk(c); rc != STRATA_ROW) return rc;
    }
    c->block_len = 0;
    c->cur = c->pos++;
    return STRATA_ROW;
  });
}

int strata_cursor_next_block(strata_cursor* c, int64_t* times, void* values, size_t cap,
                             size_t* n) {
  return Guard([&] {
    constexpr const char* kFn = "strata_cursor_next_block";
    if (n == nullptr) return NullArg(kFn, "n");
    *n = 0;
    if (c == nullptr) return NullArg(kFn, "cursor");
    if (times == nullptr) return NullArg(kFn, "times");
    if (cap == 0) return SetStaticError(STRATA_INVALID, "strata_cursor_next_block: cap is 0");
    if (c->done) return STRATA_DONE;
    if (!c->have_chunk || c->pos >= c->cursor->points().size()) {
      if (int rc = AdvanceChunk(c); rc != STRATA_ROW) return rc;
    }
    const strata::Column& col = c->cursor->points();
    if (col.type != ValueType::kString && values == nullptr) return NullArg(kFn, "values");
    const size_t k = std::min(cap, col.size() - c->pos);
    std::memcpy(times, col.times.data() + c->pos, k * sizeof(int64_t));
    if (col.type != ValueType::kString) {
      // Floats are stored as their bit patterns: copying the bytes yields the doubles.
      std::memcpy(values, col.nums.data() + c->pos, k * sizeof(uint64_t));
    }
    c->block_start = c->pos;
    c->block_len = k;
    c->pos += k;
    c->cur = c->pos - 1;
    *n = k;
    return STRATA_ROW;
  });
}

const char* strata_cursor_block_str(strata_cursor* c, size_t i, size_t* len) {
  if (len != nullptr) *len = 0;
  if (c == nullptr || !c->have_chunk || i >= c->block_len) return nullptr;
  const strata::Column& col = c->cursor->points();
  if (col.type != ValueType::kString) return nullptr;
  const std::string& s = col.strs[c->block_start + i];
  if (len != nullptr) *len = s.size();
  return s.c_str();
}

const char* strata_cursor_series(strata_cursor* c) {
  return HasCurrent(c) ? c->cursor->series().key.c_str() : nullptr;
}

const char* strata_cursor_field(strata_cursor* c) {
  return HasCurrent(c) ? c->cursor->series().field.c_str() : nullptr;
}

int64_t strata_cursor_time(strata_cursor* c) {
  return HasCurrent(c) ? c->cursor->points().times[c->cur] : 0;
}

int strata_cursor_type(strata_cursor* c) {
  return HasCurrent(c) ? static_cast<int>(c->cursor->points().type) : 0;
}

double strata_cursor_f64(strata_cursor* c) {
  if (!HasCurrent(c)) return 0;
  const strata::Column& col = c->cursor->points();
  return col.type == ValueType::kString ? 0 : NumToF64(col.type, col.nums[c->cur]);
}

int64_t strata_cursor_i64(strata_cursor* c) {
  if (!HasCurrent(c)) return 0;
  const strata::Column& col = c->cursor->points();
  return col.type == ValueType::kString ? 0 : NumToI64(col.type, col.nums[c->cur]);
}

const char* strata_cursor_str(strata_cursor* c, size_t* len) {
  if (len != nullptr) *len = 0;
  if (!HasCurrent(c)) return nullptr;
  const strata::Column& col = c->cursor->points();
  if (col.type != ValueType::kString) return nullptr;
  const std::string& s = col.strs[c->cur];
  if (len != nullptr) *len = s.size();
  return s.c_str();
}

void strata_cursor_free(strata_cursor* c) { delete c; }

}  // extern "C"
