// Fuzz target for the format-2 column codecs (column_codec.h, float_codec.h,
// int_sequence_codec.h): the first two bytes choose a column kind and a row count (1..1024), the
// rest is decoded as a column of that kind. Decoding must never crash, read out of bounds or
// allocate past the documented bounds. Whatever decodes is re-encoded and decoded again, and must
// come back the same: the encoder's output always decodes (the issue-13 rule).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "column_codec.h"
#include "point.h"
#include "segment_format.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace strata;
  if (size < 2) return 0;
  const int kind = data[0] % 5;  // 0 times, then the four value types
  const size_t n = 1 + (static_cast<size_t>(data[1]) * 4 + (data[0] >> 3)) % kMaxBlockPoints;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 2, size - 2);
  if (kind == 0) {
    std::vector<int64_t> t(n);
    // A first time as the index would give it (format 5's form 1 stores none).
    const int64_t first_time = static_cast<int64_t>(data[1]) << 40;
    if (!DecodeTimeColumn(bytes, n, first_time, t.data())) return 0;
    // Only strictly increasing times are ever encoded.
    for (size_t i = 1; i < n; i++) {
      if (t[i - 1] >= t[i]) return 0;
    }
    for (IntForms forms : {IntForms::kFormat2, IntForms::kFormat5}) {
      std::string again;
      EncodeTimeColumn(t.data(), n, &again, forms);
      std::vector<int64_t> back(n);
      Check(DecodeTimeColumn(again, n, t[0], back.data()) && back == t);
    }
    return 0;
  }
  const auto type = static_cast<ValueType>(kind);
  Column col;
  col.type = type;
  if (!DecodeValueColumn(bytes, type, n, &col)) return 0;
  const size_t got = type == ValueType::kString ? col.strs.size() : col.nums.size();
  Check(got == n);
  for (size_t i = 0; i < n; i++) col.times.push_back(static_cast<int64_t>(i));
  std::string again;
  EncodeValueColumn(col, 0, n, &again);
  Column back;
  back.type = type;
  Check(DecodeValueColumn(again, type, n, &back));
  Check(back.nums == col.nums && back.strs == col.strs);
  return 0;
}
