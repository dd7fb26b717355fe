// Writing: a batch (strata_write, strata_write_and_clear), line protocol (strata_write_lines,
// strata_write_lines_ex with a precision) and
// deletes by tags and time (strata_delete).
#include <string>
#include <string_view>

#include "errors.h"
#include "handles.h"
#include "line_protocol.h"
#include "strata.h"
#include "tags.h"

using namespace strata_abi;

extern "C" {

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

}  // extern "C"
