#include "block_codec.h"

#include <bit>
#include <cstring>

#include "coding.h"
#include "packed_codec.h"

namespace strata {
namespace {

// Appends n 64-bit words little-endian.
template <class T>
void AppendWords(const T* src, size_t n, std::string* out) {
  static_assert(sizeof(T) == 8);
  if constexpr (std::endian::native == std::endian::little) {
    out->append(reinterpret_cast<const char*>(src), n * 8);
  } else {
    for (size_t i = 0; i < n; i++) PutFixed64(out, static_cast<uint64_t>(src[i]));
  }
}

// Appends n little-endian 64-bit words from p to *dst.
template <class T>
void ReadWords(const char* p, size_t n, std::vector<T>* dst) {
  static_assert(sizeof(T) == 8);
  const size_t old = dst->size();
  dst->resize(old + n);
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(dst->data() + old, p, n * 8);
  } else {
    for (size_t i = 0; i < n; i++) (*dst)[old + i] = static_cast<T>(DecodeFixed64(p + 8 * i));
  }
}

bool DecodeRaw(ValueType type, std::string_view bytes, uint32_t count, Column* out) {
  const size_t n = count;
  const size_t time_bytes = n * 8;
  if (bytes.size() < time_bytes) return false;
  const char* values = bytes.data() + time_bytes;
  const size_t value_bytes = bytes.size() - time_bytes;
  if (out->times_only) {
    const size_t width = type == ValueType::kString ? 0 : type == ValueType::kBool ? 1 : 8;
    // A string takes at least its one-byte length prefix.
    if (width == 0 ? value_bytes < n : value_bytes != n * width) return false;
    ReadWords(bytes.data(), n, &out->times);
    return true;
  }
  switch (type) {
    case ValueType::kFloat:
    case ValueType::kInt:
      if (value_bytes != n * 8) return false;
      ReadWords(bytes.data(), n, &out->times);
      ReadWords(values, n, &out->nums);
      return true;
    case ValueType::kBool: {
      if (value_bytes != n) return false;
      for (size_t i = 0; i < n; i++) {
        if (static_cast<uint8_t>(values[i]) > 1) return false;
      }
      ReadWords(bytes.data(), n, &out->times);
      const size_t old = out->nums.size();
      out->nums.resize(old + n);
      for (size_t i = 0; i < n; i++) out->nums[old + i] = static_cast<uint8_t>(values[i]);
      return true;
    }
    case ValueType::kString: {
      // Each string takes at least its one-byte length prefix.
      if (value_bytes < n) return false;
      const size_t old = out->strs.size();
      out->strs.reserve(old + n);
      Decoder d(values, value_bytes);
      for (size_t i = 0; i < n; i++) {
        std::string_view s;
        if (!d.GetLengthPrefixed(&s)) {
          out->strs.resize(old);
          return false;
        }
        out->strs.emplace_back(s);
      }
      if (d.remaining() != 0) {
        out->strs.resize(old);
        return false;
      }
      ReadWords(bytes.data(), n, &out->times);
      return true;
    }
  }
  return false;
}

}  // namespace

void EncodeBlock(const Column& col, size_t begin, size_t end, std::string* out,
                 BlockEncoding encoding) {
  if (encoding == BlockEncoding::kPacked) {
    EncodePacked(col, begin, end, out);
    return;
  }
  const size_t n = end - begin;
  AppendWords(col.times.data() + begin, n, out);
  switch (col.type) {
    case ValueType::kFloat:
    case ValueType::kInt:
      AppendWords(col.nums.data() + begin, n, out);
      break;
    case ValueType::kBool:
      for (size_t i = begin; i < end; i++) out->push_back(col.nums[i] != 0 ? 1 : 0);
      break;
    case ValueType::kString:
      for (size_t i = begin; i < end; i++) PutLengthPrefixed(out, col.strs[i]);
      break;
  }
}

bool DecodeBlock(BlockEncoding encoding, ValueType type, std::string_view bytes, uint32_t count,
                 Column* out) {
  if (out->type != type || !IsValidValueType(static_cast<uint8_t>(type))) return false;
  switch (encoding) {
    case BlockEncoding::kRaw:
      return DecodeRaw(type, bytes, count, out);
    case BlockEncoding::kPacked:
      return DecodePacked(type, bytes, count, out);
  }
  return false;
}

}  // namespace strata
