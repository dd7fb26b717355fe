// Write batches: points by name (strata_batch_add_*), the columnar path (strata_batch_series and
// strata_batch_append_*), deletes (strata_batch_delete), and clearing a batch for reuse.
#include <span>
#include <string>
#include <string_view>

#include "errors.h"
#include "handles.h"
#include "strata.h"
#include "tags.h"

using namespace strata_abi;
using strata::TagView;
using strata::ValueType;

namespace {

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

}  // namespace

extern "C" {

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
    auto series =
        b->batch.SeriesFor(measurement, views.views(), field, static_cast<ValueType>(type));
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
    return ToStatus(b->batch.AppendColumn(
        series, ValueType::kInt, std::span<const int64_t>(times, n),
        std::span<const uint64_t>(reinterpret_cast<const uint64_t*>(values), n)));
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
        return SetError(STRATA_INVALID,
                        std::string(kFn) + ": fields[" + std::to_string(i) + "] is NULL");
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
}  // extern "C"
