// Administration of an open data directory: flush, compaction, statistics, dropping and declaring
// a measurement, and what the directory records (field types, the oldest writable time, the
// schema of its measurements).
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "errors.h"
#include "handles.h"
#include "strata.h"

using namespace strata_abi;

extern "C" {

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

int strata_declare_measurement(strata_db* db, const char* measurement, const char* schema) {
  return Guard([&] {
    constexpr const char* kFn = "strata_declare_measurement";
    if (db == nullptr) return NullArg(kFn, "db");
    if (measurement == nullptr) return NullArg(kFn, "measurement");
    if (schema == nullptr) return NullArg(kFn, "schema");
    if (*measurement == '\0') {
      return SetStaticError(STRATA_INVALID, "strata_declare_measurement: measurement is empty");
    }
    return ToStatus(db->engine->DeclareMeasurement(measurement, schema));
  });
}

int strata_measurement_info(strata_db* db, const char* measurement, int* declared,
                            int64_t* series) {
  return Guard([&] {
    constexpr const char* kFn = "strata_measurement_info";
    if (declared == nullptr) return NullArg(kFn, "declared");
    if (series == nullptr) return NullArg(kFn, "series");
    *declared = 0;
    *series = 0;
    if (db == nullptr) return NullArg(kFn, "db");
    if (measurement == nullptr) return NullArg(kFn, "measurement");
    auto catalog = db->engine->CurrentCatalog();
    if (!catalog) return FromError(catalog.error());
    *declared = (*catalog)->Declaration(measurement).has_value() ? 1 : 0;
    *series = static_cast<int64_t>((*catalog)->SeriesCount(measurement));
    return STRATA_OK;
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

int strata_schema_json(strata_db* db, char** out) {
  return Guard([&] {
    if (out == nullptr) return NullArg("strata_schema_json", "out");
    *out = nullptr;
    if (db == nullptr) return NullArg("strata_schema_json", "db");
    auto current = db->engine->CurrentCatalog();
    if (!current) return FromError(current.error());
    const strata::Catalog& catalog = **current;
    nlohmann::json measurements = nlohmann::json::array();
    for (const std::string& m : catalog.Measurements()) {
      nlohmann::json tag_keys = nlohmann::json::array();
      auto keys = catalog.TagKeys(m);
      if (!keys) return FromError(keys.error());
      for (const strata::TagKeyInfo& k : *keys) tag_keys.push_back(k.key);
      nlohmann::json fields = nlohmann::json::array();
      for (const auto& [field, type] : catalog.Fields(m)) {
        fields.push_back({{"name", field}, {"type", strata::ValueTypeName(type)}});
      }
      measurements.push_back({{"name", m},
                              {"tags", std::move(tag_keys)},
                              {"fields", std::move(fields)},
                              {"series", catalog.SeriesCount(m)}});
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
}  // extern "C"
