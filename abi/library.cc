// The library itself: its versions, strata_free, and the checks that the header's pinned numbers
// (status codes, value types, limits) are the engine's.
#include <cstdint>
#include <cstdlib>

#include "point.h"
#include "result.h"
#include "series_key.h"
#include "strata.h"

static_assert(STRATA_OK == static_cast<int>(strata::Code::kOk));
static_assert(STRATA_ERROR == static_cast<int>(strata::Code::kError));
static_assert(STRATA_INVALID == static_cast<int>(strata::Code::kInvalid));
static_assert(STRATA_IO == static_cast<int>(strata::Code::kIO));
static_assert(STRATA_CORRUPT == static_cast<int>(strata::Code::kCorrupt));
static_assert(STRATA_LOCKED == static_cast<int>(strata::Code::kLocked));
static_assert(STRATA_NOT_FOUND == static_cast<int>(strata::Code::kNotFound));
static_assert(STRATA_TYPE_CONFLICT == static_cast<int>(strata::Code::kTypeConflict));
static_assert(STRATA_NOMEM == static_cast<int>(strata::Code::kNoMem));
static_assert(STRATA_READONLY == static_cast<int>(strata::Code::kReadOnly));
static_assert(STRATA_MAX_NAME_BYTES == strata::kMaxNameBytes);
static_assert(STRATA_MAX_SERIES_KEY_BYTES == strata::kMaxSeriesKeyBytes);
static_assert(STRATA_FLOAT == static_cast<int>(strata::ValueType::kFloat));
static_assert(STRATA_INT == static_cast<int>(strata::ValueType::kInt));
static_assert(STRATA_BOOL == static_cast<int>(strata::ValueType::kBool));
static_assert(STRATA_STRING == static_cast<int>(strata::ValueType::kString));
static_assert(sizeof(double) == sizeof(uint64_t));

namespace {

#define STRATA_STR2(x) #x
#define STRATA_STR(x) STRATA_STR2(x)
constexpr char kVersion[] =
    STRATA_STR(STRATA_VERSION_MAJOR) "." STRATA_STR(STRATA_VERSION_MINOR) "." STRATA_STR(
        STRATA_VERSION_PATCH);

}  // namespace

extern "C" {

int strata_abi_version(void) { return STRATA_ABI_VERSION; }

const char* strata_version(void) { return kVersion; }

void strata_free(void* p) { std::free(p); }

}  // extern "C"
