// The C ABI of abi/include/strata.h over the engine: opaque handles that own C++ objects, one
// exception guard per entry point, a thread-local error message, and argument checks that name the
// argument at fault. Nothing here throws or aborts across the boundary.
#include "strata.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "options.h"
#include "query_cursor.h"
#include "result.h"
#include "row_cursor.h"
#include "series_key.h"
#include "storage_engine.h"
#include "write_batch.h"

static_assert(STRATA_OK == static_cast<int>(strata::Code::kOk));
static_assert(STRATA_ERROR == static_cast<int>(strata::Code::kError));
static_assert(STRATA_INVALID == static_cast<int>(strata::Code::kInvalid));
static_assert(STRATA_IO == static_cast<int>(strata::Code::kIO));
static_assert(STRATA_CORRUPT == static_cast<int>(strata::Code::kCorrupt));
static_assert(STRATA_LOCKED == static_cast<int>(strata::Code::kLocked));
static_assert(STRATA_NOT_FOUND == static_cast<int>(strata::Code::kNotFound));
static_assert(STRATA_TYPE_CONFLICT == static_cast<int>(strata::Code::kTypeConflict));
static_assert(STRATA_NOMEM == static_cast<int>(strata::Code::kNoMem));
static_assert(STRATA_MAX_NAME_BYTES == strata::kMaxNameBytes);
static_assert(STRATA_MAX_SERIES_KEY_BYTES == strata::kMaxSeriesKeyBytes);
static_assert(STRATA_FLOAT == static_cast<int>(strata::ValueType::kFloat));
static_assert(STRATA_INT == static_cast<int>(strata::ValueType::kInt));
static_assert(STRATA_BOOL == static_cast<int>(strata::ValueType::kBool));
static_assert(STRATA_STRING == static_cast<int>(strata::ValueType::kString));
static_assert(sizeof(double) == sizeof(uint64_t));

struct strata_db {
  std::shared_ptr<strata::StorageEngine> engine;
};

struct strata_batch {
  strata::WriteBatch batch;
  std::vector<uint64_t> scratch;  // bool columns converted from int
};

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

struct strata_rows {
  std::shared_ptr<strata::StorageEngine> engine;  // keeps the catalog (SeriesInfo) alive
  std::unique_ptr<strata::RowCursor> cursor;
  std::string measurement;           // the query's (strata_rows_requery keeps it)
  std::vector<std::string> fields;  // requested names; empty: every field of the tag set
  std::vector<unsigned char> presence_only;  // per requested field: only presence is needed
  const strata::SeriesInfo* group = nullptr;  // first series of the tag set `slot` was built for
  std::vector<int> slot;  // per requested field: index into the cursor's fields, or -1
  bool have_row = false;
  size_t block = 0;  // rows of the current block (strata_rows_next_block); 1 after strata_rows_next
  bool done = false;
};

namespace {

using strata::Error;
using strata::TagView;
using strata::ValueType;

constexpr char kEmpty[] = "";

thread_local std::string t_message;
thread_local const char* t_errmsg = kEmpty;  // t_message.c_str() or a static string

int SetError(int code, std::string message) {
  try {
    t_message = std::move(message);
    t_errmsg = t_message.c_str();
  } catch (...) {
    t_errmsg = "out of memory while formatting an error message";
  }
  return code;
}

int SetStaticError(int code, const char* message) {
  t_errmsg = message;
  return code;
}

int FromError(const Error& e) { return SetError(static_cast<int>(e.code()), e.message()); }

int NullArg(const char* function, const char* arg) {
  return SetError(STRATA_INVALID, std::string(function) + ": " + arg + " is NULL");
}

// Runs fn, turning exceptions into status codes.
template <class Fn>
int Guard(Fn&& fn) noexcept {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return SetStaticError(STRATA_NOMEM, "out of memory");
  } catch (const std::exception& e) {
    return SetError(STRATA_ERROR, std::string("internal error: ") + e.what());
  } catch (...) {
    return SetStaticError(STRATA_ERROR, "internal error: unknown exception");
  }
}

int ToStatus(const strata::Status& s) { return s ? STRATA_OK : FromError(s.error()); }

// Borrowed tag views of a C tag array, on the stack for the usual handful of tags.
class Tags {
 public:
  // Returns STRATA_OK or STRATA_INVALID naming the NULL entry.
  int Init(const char* function, const strata_tag* tags, size_t ntags) {
    if (ntags == 0) return STRATA_OK;
    if (tags == nullptr) {
      return SetError(STRATA_INVALID, std::string(function) + ": tags is NULL but ntags is " +
                                          std::to_string(ntags));
    }
    TagView* out = inline_;
    if (ntags > kInline) {
      heap_.resize(ntags);
      out = heap_.data();
    }
    for (size_t i = 0; i < ntags; i++) {
      if (tags[i].key == nullptr) {
        return SetError(STRATA_INVALID,
                        std::string(function) + ": tags[" + std::to_string(i) + "].key is NULL");
      }
      if (tags[i].value == nullptr) {
        return SetError(STRATA_INVALID,
                        std::string(function) + ": tags[" + std::to_string(i) + "].value is NULL");
      }
      out[i] = TagView{tags[i].key, tags[i].value};
    }
    views_ = std::span<const TagView>(out, ntags);
    return STRATA_OK;
  }
  std::span<const TagView> views() const { return views_; }

 private:
  static constexpr size_t kInline = 16;
  TagView inline_[kInline];
  std::vector<TagView> heap_;
  std::span<const TagView> views_;
};

int AddPoint(const char* function, strata_batch* b, const char* measurement,
             const strata_tag* tags, size_t ntags, const char* field, int64_t time, ValueType type,
             uint64_t num, std::string_view str) {
  return Guard([&] {
    if (b == nullptr) return NullArg(function, "batch");
    if (measurement == nullptr) return NullArg(function, "measurement");
    if (field == nullptr) return NullArg(function, "field");
    Tags views;
    if (int rc = views.Init(function, tags, ntags); rc != STRATA_OK) return rc;
    return ToStatus(b->batch.AddView(measurement, views.views(), field, time, type, num, str));
  });
}

// Builds the QueryRequest shared by strata_query and strata_delete.
int MakeRequest(const char* function, const char* measurement, const strata_tag* tags,
                size_t ntags, const char* field, int64_t t_min, int64_t t_max,
                strata::QueryRequest* q) {
  if (measurement == nullptr) return NullArg(function, "measurement");
  Tags views;
  if (int rc = views.Init(function, tags, ntags); rc != STRATA_OK) return rc;
  q->measurement = measurement;
  for (const TagView& t : views.views()) {
    q->tags.push_back(strata::TagFilter{std::string(t.key), {std::string(t.value)}});
  }
  if (field != nullptr) q->fields.emplace_back(field);
  q->min_time = t_min;
  q->max_time = t_max;
  return STRATA_OK;
}

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

// A value's 64 bits (point.h) as a double / int64_t, as strata_cursor_f64 / _i64 document; 0 for
// strings and for type 0 (no value).
double NumToF64(ValueType type, uint64_t num) {
  switch (type) {
    case ValueType::kFloat: return strata::BitsFloat(num);
    case ValueType::kInt: return static_cast<double>(static_cast<int64_t>(num));
    case ValueType::kBool: return num != 0 ? 1.0 : 0.0;
    case ValueType::kString: return 0;
  }
  return 0;
}

int64_t NumToI64(ValueType type, uint64_t num) {
  switch (type) {
    case ValueType::kFloat: {
      const double v = std::trunc(strata::BitsFloat(num));
      if (std::isnan(v)) return 0;
      if (v >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
      if (v <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
      return static_cast<int64_t>(v);
    }
    case ValueType::kInt: return static_cast<int64_t>(num);
    case ValueType::kBool: return num != 0 ? 1 : 0;
    case ValueType::kString: return 0;
  }
  return 0;
}

#define STRATA_STR2(x) #x
#define STRATA_STR(x) STRATA_STR2(x)
constexpr char kVersion[] =
    STRATA_STR(STRATA_VERSION_MAJOR) "." STRATA_STR(STRATA_VERSION_MINOR) "." STRATA_STR(
        STRATA_VERSION_PATCH);

}  // namespace

extern "C" {

// ---- library ------------------------------------------------------------------------------------

int strata_abi_version(void) { return STRATA_ABI_VERSION; }

const char* strata_version(void) { return kVersion; }

const char* strata_errmsg(void) { return t_errmsg; }

void strata_free(void* p) { std::free(p); }

// ---- database -----------------------------------------------------------------------------------

int strata_open(const char* dir, const char* options, strata_db** out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_open", "out");
    *out = nullptr;
    if (dir == nullptr) return NullArg("strata_open", "dir");
    auto opts = strata::ParseOptions(options == nullptr ? "" : options);
    if (!opts) return FromError(opts.error());
    auto engine = strata::StorageEngine::Open(dir, *opts);
    if (!engine) return FromError(engine.error());
    auto db = std::make_unique<strata_db>();
    db->engine = std::move(*engine);
    *out = db.release();
    return STRATA_OK;
  });
}

int strata_close(strata_db* db) {
  return Guard([&] {
    delete db;
    return STRATA_OK;
  });
}

int strata_write_lines(strata_db* db, const char* lines, size_t len) {
  return Guard([&] {
    if (db == nullptr) return NullArg("strata_write_lines", "db");
    if (lines == nullptr && len > 0) return NullArg("strata_write_lines", "lines");
    return ToStatus(db->engine->WriteLines(std::string_view(lines == nullptr ? "" : lines, len)));
  });
}

int strata_write_lines_ex(strata_db* db, const char* lines, size_t len,
                          const strata_lines_options* options) {
  return Guard([&] {
    if (db == nullptr) return NullArg("strata_write_lines_ex", "db");
    if (lines == nullptr && len > 0) return NullArg("strata_write_lines_ex", "lines");
    strata::Precision precision = strata::Precision::kNanosecond;
    if (options != nullptr) {
      if (options->version < 1 || options->version > STRATA_LINES_OPTIONS_VERSION) {
        return SetError(STRATA_INVALID, "strata_write_lines_ex: options->version is " +
                                            std::to_string(options->version) +
                                            "; this library knows 1 to " +
                                            std::to_string(STRATA_LINES_OPTIONS_VERSION));
      }
      switch (options->precision) {
        case STRATA_PRECISION_NS: precision = strata::Precision::kNanosecond; break;
        case STRATA_PRECISION_US: precision = strata::Precision::kMicrosecond; break;
        case STRATA_PRECISION_MS: precision = strata::Precision::kMillisecond; break;
        case STRATA_PRECISION_S: precision = strata::Precision::kSecond; break;
        default:
          return SetError(STRATA_INVALID, "strata_write_lines_ex: options->precision is " +
                                              std::to_string(options->precision) +
                                              ", not a STRATA_PRECISION_* value");
      }
    }
    return ToStatus(
        db->engine->WriteLines(std::string_view(lines == nullptr ? "" : lines, len), precision));
  });
}

int strata_schema_json(strata_db* db, char** out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_schema_json", "out");
    *out = nullptr;
    if (db == nullptr) return NullArg("strata_schema_json", "db");
    const strata::Catalog& catalog = db->engine->catalog();
    nlohmann::json measurements = nlohmann::json::array();
    std::vector<std::string> names = catalog.Measurements();
    std::sort(names.begin(), names.end());
    for (const std::string& m : names) {
      std::set<std::string> tag_keys;
      for (const strata::SeriesInfo* s : catalog.Match(m, {}, {})) {
        for (const strata::Tag& t : s->tags) tag_keys.insert(t.key);
      }
      nlohmann::json fields = nlohmann::json::array();
      for (const auto& [field, type] : catalog.Fields(m)) {
        fields.push_back({{"name", field}, {"type", strata::ValueTypeName(type)}});
      }
      measurements.push_back({{"name", m}, {"tags", tag_keys}, {"fields", std::move(fields)}});
    }
    const std::string json =
        nlohmann::json{{"measurements", std::move(measurements)}}.dump(
            -1, ' ', false, nlohmann::json::error_handler_t::replace);
    char* copy = static_cast<char*>(std::malloc(json.size() + 1));
    if (copy == nullptr) return SetStaticError(STRATA_NOMEM, "out of memory");
    std::memcpy(copy, json.c_str(), json.size() + 1);
    *out = copy;
    return STRATA_OK;
  });
}

int strata_write(strata_db* db, strata_batch* b) {
  return Guard([&] {
    if (db == nullptr) return NullArg("strata_write", "db");
    if (b == nullptr) return NullArg("strata_write", "batch");
    return ToStatus(db->engine->Write(b->batch));
  });
}

int strata_write_and_clear(strata_db* db, strata_batch* b) {
  return Guard([&] {
    if (db == nullptr) return NullArg("strata_write_and_clear", "db");
    if (b == nullptr) return NullArg("strata_write_and_clear", "batch");
    return ToStatus(db->engine->WriteAndClear(b->batch));
  });
}

int strata_delete(strata_db* db, const char* measurement, const strata_tag* tag_eq, size_t ntags,
                  const char* field, int64_t t_min, int64_t t_max) {
  return Guard([&] {
    if (db == nullptr) return NullArg("strata_delete", "db");
    strata::QueryRequest q;
    if (int rc = MakeRequest("strata_delete", measurement, tag_eq, ntags, field, t_min, t_max, &q);
        rc != STRATA_OK) {
      return rc;
    }
    if (q.measurement.empty()) {
      return SetStaticError(STRATA_INVALID, "strata_delete: measurement is empty");
    }
    return ToStatus(db->engine->Delete(q));
  });
}

int strata_flush(strata_db* db) {
  return Guard([&] {
    if (db == nullptr) return NullArg("strata_flush", "db");
    return ToStatus(db->engine->Flush());
  });
}

int strata_compact(strata_db* db) {
  return Guard([&] {
    if (db == nullptr) return NullArg("strata_compact", "db");
    return ToStatus(db->engine->Compact());
  });
}

int strata_stats_json(strata_db* db, char** out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_stats_json", "out");
    *out = nullptr;
    if (db == nullptr) return NullArg("strata_stats_json", "db");
    const std::string json = db->engine->StatsJson();
    char* copy = static_cast<char*>(std::malloc(json.size() + 1));
    if (copy == nullptr) return SetStaticError(STRATA_NOMEM, "out of memory");
    std::memcpy(copy, json.c_str(), json.size() + 1);
    *out = copy;
    return STRATA_OK;
  });
}

// ---- batches ------------------------------------------------------------------------------------

int strata_batch_new(strata_batch** out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_batch_new", "out");
    *out = nullptr;
    *out = new strata_batch();
    return STRATA_OK;
  });
}

void strata_batch_free(strata_batch* b) { delete b; }

void strata_batch_clear(strata_batch* b) {
  if (b != nullptr) b->batch.Clear();
}

void strata_batch_clear_points(strata_batch* b) {
  if (b != nullptr) b->batch.ClearPoints();
}

size_t strata_batch_count(const strata_batch* b) {
  return b == nullptr ? 0 : b->batch.point_count();
}

int strata_batch_add_f64(strata_batch* b, const char* measurement, const strata_tag* tags,
                         size_t ntags, const char* field, int64_t time_ns, double value) {
  return AddPoint("strata_batch_add_f64", b, measurement, tags, ntags, field, time_ns,
                  ValueType::kFloat, strata::FloatBits(value), {});
}

int strata_batch_add_i64(strata_batch* b, const char* measurement, const strata_tag* tags,
                         size_t ntags, const char* field, int64_t time_ns, int64_t value) {
  return AddPoint("strata_batch_add_i64", b, measurement, tags, ntags, field, time_ns,
                  ValueType::kInt, static_cast<uint64_t>(value), {});
}

int strata_batch_add_bool(strata_batch* b, const char* measurement, const strata_tag* tags,
                          size_t ntags, const char* field, int64_t time_ns, int value) {
  return AddPoint("strata_batch_add_bool", b, measurement, tags, ntags, field, time_ns,
                  ValueType::kBool, value != 0 ? 1 : 0, {});
}

int strata_batch_add_str(strata_batch* b, const char* measurement, const strata_tag* tags,
                         size_t ntags, const char* field, int64_t time_ns, const char* value,
                         size_t len) {
  if (value == nullptr && len > 0) {
    return SetStaticError(STRATA_INVALID, "strata_batch_add_str: value is NULL but len is not 0");
  }
  return AddPoint("strata_batch_add_str", b, measurement, tags, ntags, field, time_ns,
                  ValueType::kString, 0, std::string_view(value == nullptr ? "" : value, len));
}

int strata_batch_series(strata_batch* b, const char* measurement, const strata_tag* tags,
                        size_t ntags, const char* field, int type, uint32_t* out) {
  return Guard([&] {
    constexpr const char* kFn = "strata_batch_series";
    if (out == nullptr) return NullArg(kFn, "out");
    *out = 0;
    if (b == nullptr) return NullArg(kFn, "batch");
    if (measurement == nullptr) return NullArg(kFn, "measurement");
    if (field == nullptr) return NullArg(kFn, "field");
    if (type != STRATA_FLOAT && type != STRATA_INT && type != STRATA_BOOL) {
      return SetError(STRATA_INVALID,
                      std::string(kFn) + ": type " + std::to_string(type) +
                          " is not STRATA_FLOAT, STRATA_INT or STRATA_BOOL");
    }
    Tags views;
    if (int rc = views.Init(kFn, tags, ntags); rc != STRATA_OK) return rc;
    auto series = b->batch.SeriesFor(measurement, views.views(), field, static_cast<ValueType>(type));
    if (!series) return FromError(series.error());
    *out = *series;
    return STRATA_OK;
  });
}

int strata_batch_append_f64(strata_batch* b, uint32_t series, const int64_t* times,
                            const double* values, size_t n) {
  return Guard([&] {
    constexpr const char* kFn = "strata_batch_append_f64";
    if (b == nullptr) return NullArg(kFn, "batch");
    if (n > 0 && times == nullptr) return NullArg(kFn, "times");
    if (n > 0 && values == nullptr) return NullArg(kFn, "values");
    return ToStatus(b->batch.AppendFloatColumn(series, std::span<const int64_t>(times, n),
                                               std::span<const double>(values, n)));
  });
}

int strata_batch_append_i64(strata_batch* b, uint32_t series, const int64_t* times,
                            const int64_t* values, size_t n) {
  return Guard([&] {
    constexpr const char* kFn = "strata_batch_append_i64";
    if (b == nullptr) return NullArg(kFn, "batch");
    if (n > 0 && times == nullptr) return NullArg(kFn, "times");
    if (n > 0 && values == nullptr) return NullArg(kFn, "values");
    // int64_t and uint64_t may alias each other.
    return ToStatus(b->batch.AppendColumn(series, ValueType::kInt, std::span<const int64_t>(times, n),
                                          std::span<const uint64_t>(
                                              reinterpret_cast<const uint64_t*>(values), n)));
  });
}

int strata_batch_append_bool(strata_batch* b, uint32_t series, const int64_t* times,
                             const int* values, size_t n) {
  return Guard([&] {
    constexpr const char* kFn = "strata_batch_append_bool";
    if (b == nullptr) return NullArg(kFn, "batch");
    if (n > 0 && times == nullptr) return NullArg(kFn, "times");
    if (n > 0 && values == nullptr) return NullArg(kFn, "values");
    b->scratch.resize(n);
    for (size_t i = 0; i < n; i++) b->scratch[i] = values[i] != 0 ? 1 : 0;
    return ToStatus(b->batch.AppendColumn(series, ValueType::kBool,
                                          std::span<const int64_t>(times, n),
                                          std::span<const uint64_t>(b->scratch)));
  });
}

// ---- queries ------------------------------------------------------------------------------------

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

// ---- row view -----------------------------------------------------------------------------------

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
      return SetError(STRATA_INVALID, std::string(fn) + ": filters[" + std::to_string(i) + "].key is NULL");
    }
    if (filters[i].nvalues > 0 && filters[i].values == nullptr) {
      return SetError(STRATA_INVALID, std::string(fn) + ": filters[" + std::to_string(i) + "].values is NULL");
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
    if (*measurement == '\0') return SetError(STRATA_INVALID, std::string(fn) + ": measurement is empty");
    if (nfields > 0 && fields == nullptr) return NullArg(fn, "fields");
    auto r = std::make_unique<strata_rows>();
    r->measurement = measurement;
    r->fields.reserve(nfields);
    for (size_t i = 0; i < nfields; i++) {
      if (fields[i] == nullptr) {
        return SetError(STRATA_INVALID, std::string(fn) + ": fields[" + std::to_string(i) + "] is NULL");
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
  return r != nullptr && r->have_row ? r->cursor->tagset().tagset_key.c_str() : nullptr;
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

// ---- batch deletes, measurements, catalog ---------------------------------------------------------

int strata_batch_delete(strata_batch* b, const char* measurement, const strata_tag* tags,
                        size_t ntags, int exact, const char* const* fields, size_t nfields,
                        int64_t t_min, int64_t t_max) {
  return Guard([&] {
    constexpr const char* kFn = "strata_batch_delete";
    if (b == nullptr) return NullArg(kFn, "batch");
    if (measurement == nullptr) return NullArg(kFn, "measurement");
    if (nfields > 0 && fields == nullptr) return NullArg(kFn, "fields");
    Tags views;
    if (int rc = views.Init(kFn, tags, ntags); rc != STRATA_OK) return rc;
    strata::DeleteSpec spec;
    spec.measurement = measurement;
    for (const TagView& t : views.views()) {
      spec.tags.push_back(strata::TagFilter{std::string(t.key), {std::string(t.value)}});
    }
    spec.exact_tags = exact != 0;
    for (size_t i = 0; i < nfields; i++) {
      if (fields[i] == nullptr) {
        return SetError(STRATA_INVALID, std::string(kFn) + ": fields[" + std::to_string(i) + "] is NULL");
      }
      spec.fields.emplace_back(fields[i]);
    }
    spec.min_time = t_min;
    spec.max_time = t_max;
    return ToStatus(b->batch.AddDelete(std::move(spec)));
  });
}

size_t strata_batch_delete_count(const strata_batch* b) {
  return b == nullptr ? 0 : b->batch.deletes().size();
}

int strata_drop_measurement(strata_db* db, const char* measurement) {
  return Guard([&] {
    if (db == nullptr) return NullArg("strata_drop_measurement", "db");
    if (measurement == nullptr) return NullArg("strata_drop_measurement", "measurement");
    if (*measurement == '\0') {
      return SetStaticError(STRATA_INVALID, "strata_drop_measurement: measurement is empty");
    }
    return ToStatus(db->engine->DropMeasurement(measurement));
  });
}

int strata_field_type(strata_db* db, const char* measurement, const char* field, int* type) {
  return Guard([&] {
    constexpr const char* kFn = "strata_field_type";
    if (type == nullptr) return NullArg(kFn, "type");
    *type = 0;
    if (db == nullptr) return NullArg(kFn, "db");
    if (measurement == nullptr) return NullArg(kFn, "measurement");
    if (field == nullptr) return NullArg(kFn, "field");
    auto t = db->engine->catalog().FieldType(measurement, field);
    if (!t) {
      return SetError(STRATA_NOT_FOUND, std::string(kFn) + ": no field '" + field +
                                            "' recorded for measurement '" + measurement + "'");
    }
    *type = static_cast<int>(*t);
    return STRATA_OK;
  });
}

int strata_oldest_writable_time(strata_db* db, int64_t* out) {
  return Guard([&] {
    constexpr const char* kFn = "strata_oldest_writable_time";
    if (out == nullptr) return NullArg(kFn, "out");
    *out = 0;
    if (db == nullptr) return NullArg(kFn, "db");
    *out = db->engine->OldestWritableTime();
    return STRATA_OK;
  });
}

int strata_parse_duration(const char* text, int64_t* out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_parse_duration", "out");
    *out = 0;
    if (text == nullptr) return NullArg("strata_parse_duration", "text");
    auto d = strata::ParseDuration(text);
    if (!d) return FromError(d.error());
    *out = *d;
    return STRATA_OK;
  });
}

}  // extern "C"
