// Queries by series: strata_query and its cursor (strata_cursor_*), point by point or a block at a
// time; strata_query_summaries and strata_cursor_next_piece, piece by piece with block summaries.
#include <algorithm>
#include <cstring>
#include <memory>

#include "errors.h"
#include "handles.h"
#include "query_cursor.h"
#include "strata.h"
#include "summary_cursor.h"
#include "tags.h"
#include "value_bits.h"

using namespace strata_abi;
using strata::ValueType;

// A query's cursor: the engine's cursor over chunks of points (strata_query) or over pieces
// (strata_query_summaries), and the current point in them.
struct strata_cursor {
  static constexpr size_t kNone = static_cast<size_t>(-1);

  std::shared_ptr<strata::StorageEngine> engine;  // keeps the catalog (SeriesInfo) alive
  std::unique_ptr<strata::QueryCursor> cursor;            // one of these two
  std::unique_ptr<strata::SummaryCursor> pieces;
  bool summarized = false;  // the current piece is a summary (no points)

  const strata::SeriesInfo& series() const {
    return cursor ? cursor->series() : pieces->series();
  }
  const strata::Column& points() const { return cursor ? cursor->points() : pieces->points(); }
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
    auto more = c->cursor ? c->cursor->Next() : c->pieces->Next();
    if (!more) {
      c->done = true;
      return FromError(more.error());
    }
    if (!*more) {
      c->done = true;
      return STRATA_DONE;
    }
    c->summarized = c->pieces && c->pieces->summary() != nullptr;
    if (c->summarized || !c->points().empty()) break;
  }
  c->have_chunk = true;
  return STRATA_ROW;
}

// strata_cursor_next(_block) on a cursor of strata_query_summaries.
int NotPieces(const char* fn) {
  return SetError(STRATA_INVALID, std::string(fn) +
                                      ": the cursor is of strata_query_summaries (read it with "
                                      "strata_cursor_next_piece)");
}

bool HasCurrent(const strata_cursor* c) {
  return c != nullptr && c->have_chunk && c->cur != strata_cursor::kNone;
}

// A series' description stays readable with a summary current (it has no point).
bool HasSeries(const strata_cursor* c) {
  return HasCurrent(c) || (c != nullptr && c->have_chunk && c->summarized);
}

void FillSummary(const strata::BlockSummary& b, ValueType type, strata_block_summary* out) {
  *out = strata_block_summary{};
  out->count = b.count;
  out->first_time = b.first_time;
  out->last_time = b.last_time;
  const strata::BlockStats& s = b.stats;
  if (type == ValueType::kFloat) {
    out->min_f = strata::BitsFloat(s.min);
    out->max_f = strata::BitsFloat(s.max);
    out->first_f = strata::BitsFloat(s.first);
    out->last_f = strata::BitsFloat(s.last);
    out->sum_f = strata::BitsFloat(s.fsum);
    return;
  }
  out->min_i = static_cast<int64_t>(s.min);
  out->max_i = static_cast<int64_t>(s.max);
  out->first_i = static_cast<int64_t>(s.first);
  out->last_i = static_cast<int64_t>(s.last);
  auto split = [](strata::Int128 v, int64_t* hi, uint64_t* lo) {
    *hi = static_cast<int64_t>(v >> 64);
    *lo = static_cast<uint64_t>(v);
  };
  split(s.isum, &out->sum_hi, &out->sum_lo);
  split(s.min_prefix, &out->min_prefix_hi, &out->min_prefix_lo);
  split(s.max_prefix, &out->max_prefix_hi, &out->max_prefix_lo);
}

// Copies up to cap points of the current chunk from c->pos into times and values.
size_t CopyPoints(strata_cursor* c, int64_t* times, void* values, size_t cap) {
  const strata::Column& col = c->points();
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
  return k;
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
    if (!c->cursor) return NotPieces("strata_cursor_next");
    if (c->done) return STRATA_DONE;
    if (!c->have_chunk || c->pos >= c->points().size()) {
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
    if (!c->cursor) return NotPieces(kFn);
    if (c->done) return STRATA_DONE;
    if (!c->have_chunk || c->pos >= c->points().size()) {
      if (int rc = AdvanceChunk(c); rc != STRATA_ROW) return rc;
    }
    const strata::Column& col = c->points();
    if (col.type != ValueType::kString && values == nullptr) return NullArg(kFn, "values");
    *n = CopyPoints(c, times, values, cap);
    return STRATA_ROW;
  });
}

int strata_query_summaries(strata_db* db, const char* measurement, const strata_tag* tag_eq,
                           size_t ntags, const char* field, int64_t t_min, int64_t t_max,
                           strata_summary_accept accept, void* ctx, strata_cursor** out) {
  return Guard([&] {
    constexpr const char* kFn = "strata_query_summaries";
    if (out == nullptr) return NullArg(kFn, "out");
    *out = nullptr;
    if (db == nullptr) return NullArg(kFn, "db");
    strata::QueryRequest q;
    if (int rc = MakeRequest(kFn, measurement, tag_eq, ntags, field, t_min, t_max, &q);
        rc != STRATA_OK) {
      return rc;
    }
    auto snap = db->engine->Snapshot(q);
    if (!snap) return FromError(snap.error());
    auto c = std::make_unique<strata_cursor>();
    c->engine = db->engine;
    strata::SummaryCursor::Accept take;
    if (accept != nullptr) {
      take = [accept, ctx](int64_t first, int64_t last) { return accept(ctx, first, last) != 0; };
    }
    c->pieces = std::make_unique<strata::SummaryCursor>(std::move(*snap), std::move(take));
    *out = c.release();
    return STRATA_OK;
  });
}

int strata_cursor_next_piece(strata_cursor* c, int64_t* times, void* values, size_t cap,
                             size_t* n, strata_block_summary* summary, int* summarized) {
  return Guard([&] {
    constexpr const char* kFn = "strata_cursor_next_piece";
    if (n == nullptr) return NullArg(kFn, "n");
    *n = 0;
    if (summarized == nullptr) return NullArg(kFn, "summarized");
    *summarized = 0;
    if (c == nullptr) return NullArg(kFn, "cursor");
    if (times == nullptr) return NullArg(kFn, "times");
    if (summary == nullptr) return NullArg(kFn, "summary");
    if (cap == 0) return SetStaticError(STRATA_INVALID, "strata_cursor_next_piece: cap is 0");
    if (!c->pieces) {
      return SetStaticError(
          STRATA_INVALID, "strata_cursor_next_piece: the cursor is not of strata_query_summaries");
    }
    if (c->done) return STRATA_DONE;
    if (!c->have_chunk || c->summarized || c->pos >= c->points().size()) {
      if (int rc = AdvanceChunk(c); rc != STRATA_ROW) return rc;
    }
    const ValueType type = c->series().type;
    if (c->summarized) {
      FillSummary(*c->pieces->summary(), type, summary);
      *summarized = 1;
      return STRATA_ROW;
    }
    if (type != ValueType::kString && values == nullptr) return NullArg(kFn, "values");
    *n = CopyPoints(c, times, values, cap);
    return STRATA_ROW;
  });
}

const char* strata_cursor_block_str(strata_cursor* c, size_t i, size_t* len) {
  if (len != nullptr) *len = 0;
  if (c == nullptr || !c->have_chunk || i >= c->block_len) return nullptr;
  const strata::Column& col = c->points();
  if (col.type != ValueType::kString) return nullptr;
  const std::string& s = col.strs[c->block_start + i];
  if (len != nullptr) *len = s.size();
  return s.c_str();
}

const char* strata_cursor_series(strata_cursor* c) {
  return HasSeries(c) ? c->series().key.c_str() : nullptr;
}

const char* strata_cursor_field(strata_cursor* c) {
  return HasSeries(c) ? c->series().field.c_str() : nullptr;
}

int64_t strata_cursor_time(strata_cursor* c) {
  return HasCurrent(c) ? c->points().times[c->cur] : 0;
}

int strata_cursor_type(strata_cursor* c) {
  return HasSeries(c) ? static_cast<int>(c->series().type) : 0;
}

double strata_cursor_f64(strata_cursor* c) {
  if (!HasCurrent(c)) return 0;
  const strata::Column& col = c->points();
  return col.type == ValueType::kString ? 0 : NumToF64(col.type, col.nums[c->cur]);
}

int64_t strata_cursor_i64(strata_cursor* c) {
  if (!HasCurrent(c)) return 0;
  const strata::Column& col = c->points();
  return col.type == ValueType::kString ? 0 : NumToI64(col.type, col.nums[c->cur]);
}

const char* strata_cursor_str(strata_cursor* c, size_t* len) {
  if (len != nullptr) *len = 0;
  if (!HasCurrent(c)) return nullptr;
  const strata::Column& col = c->points();
  if (col.type != ValueType::kString) return nullptr;
  const std::string& s = col.strs[c->cur];
  if (len != nullptr) *len = s.size();
  return s.c_str();
}

void strata_cursor_free(strata_cursor* c) { delete c; }

}  // extern "C"
