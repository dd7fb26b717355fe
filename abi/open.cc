// Opening and closing a data directory: strata_open and strata_close.
#include <memory>

#include "errors.h"
#include "handles.h"
#include "options.h"
#include "storage_engine.h"
#include "strata.h"

using namespace strata_abi;

extern "C" {

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

}  // extern "C"
