#include "packed_codec.h"

#include <zlib.h>

#include <bit>
#include <cmath>
#include <vector>

#include "coding.h"
#include "float_transforms.h"
#include "thread_scratch.h"
#include "zlib_compress.h"

namespace strata {
namespace {

constexpr int kMaxDecimalExponent = 9;  // format 1's bound on the decimal exponent
constexpr size_t kMinZlibBytes = 64;  // smaller string blocks are not worth a zlib stream

void EncodeTimes(const int64_t* t, size_t n, std::string* out) {
  if (n == 0) return;
  PutVarsint64(out, t[0]);
  int64_t prev_delta = 0;
  int64_t run_dod = 0;
  uint64_t run = 0;
  for (size_t i = 1; i < n; i++) {
    const int64_t delta = static_cast<int64_t>(static_cast<uint64_t>(t[i]) - static_cast<uint64_t>(t[i - 1]));
    const int64_t dod = static_cast<int64_t>(static_cast<uint64_t>(delta) - static_cast<uint64_t>(prev_delta));
    prev_delta = delta;
    if (run > 0 && dod == run_dod) {
      run++;
      continue;
    }
    if (run > 0) {
      PutVarsint64(out, run_dod);
      PutVarint64(out, run);
    }
    run_dod = dod;
    run = 1;
  }
  if (run > 0) {
    PutVarsint64(out, run_dod);
    PutVarint64(out, run);
  }
}

bool DecodeTimes(Decoder* d, size_t n, std::vector<int64_t>* out) {
  if (n == 0) return true;
  int64_t t;
  if (!d->GetVarsint64(&t)) return false;
  out->push_back(t);
  uint64_t delta = 0;
  size_t left = n - 1;
  while (left > 0) {
    int64_t dod;
    uint64_t run;
    if (!d->GetVarsint64(&dod) || !d->GetVarint64(&run) || run == 0 || run > left) return false;
    for (uint64_t k = 0; k < run; k++) {
      delta += static_cast<uint64_t>(dod);
      t = static_cast<int64_t>(static_cast<uint64_t>(t) + delta);
      out->push_back(t);
    }
    left -= run;
  }
  return true;
}

void EncodeDeltas(const int64_t* v, size_t n, std::string* out) {
  const size_t old = out->size();
  out->resize_and_overwrite(old + n * kMaxVarint64Bytes, [&](char* buf, size_t) {
    char* p = buf + old;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
      p = EncodeVarint64(p, ZigZag(static_cast<int64_t>(static_cast<uint64_t>(v[i]) - prev)));
      prev = static_cast<uint64_t>(v[i]);
    }
    return static_cast<size_t>(p - buf);
  });
}

bool DecodeDeltas(Decoder* d, size_t n, std::vector<uint64_t>* out) {
  uint64_t prev = 0;
  for (size_t i = 0; i < n; i++) {
    int64_t delta;
    if (!d->GetVarsint64(&delta)) return false;
    prev += static_cast<uint64_t>(delta);
    out->push_back(prev);
  }
  return true;
}

void EncodeStrings(const Column& col, size_t begin, size_t end, std::string* out) {
  std::string body;
  for (size_t i = begin; i < end; i++) PutLengthPrefixed(&body, col.strs[i]);
  if (body.size() >= kMinZlibBytes) {
    thread_local std::string z;  // scratch: thread_scratch.h
    const bool compressed = ZlibCompress(body, Z_DEFAULT_COMPRESSION, &z) &&
                            z.size() + 10 < body.size() && body.size() <= kMaxZlibRatio * z.size();
    if (compressed) {
      out->push_back(1);
      PutVarint64(out, body.size());
      PutVarint64(out, z.size());
      out->append(z);
    }
    TrimScratch(&z);
    if (compressed) return;
  }
  out->push_back(0);
  out->append(body);
}

bool DecodeStringBody(std::string_view body, size_t n, std::vector<std::string>* out) {
  Decoder d(body);
  for (size_t i = 0; i < n; i++) {
    std::string_view s;
    if (!d.GetLengthPrefixed(&s)) return false;
    out->emplace_back(s);
  }
  return d.remaining() == 0;
}

bool DecodeStrings(Decoder* d, size_t n, std::vector<std::string>* out) {
  uint8_t mode;
  if (!d->GetFixed8(&mode)) return false;
  std::string_view rest;
  if (!d->GetBytes(d->remaining(), &rest)) return false;
  if (mode == 0) return DecodeStringBody(rest, n, out);
  if (mode != 1) return false;
  Decoder z(rest);
  uint64_t raw_size, z_size;
  // The encoder compresses only bodies of at most kMaxZlibRatio times their stream.
  if (!z.GetVarint64(&raw_size) || !z.GetVarint64(&z_size) || z_size != z.remaining() ||
      raw_size > z_size * kMaxZlibRatio) {
    return false;
  }
  std::string body(raw_size, '\0');
  uLongf got = static_cast<uLongf>(raw_size);
  if (uncompress(reinterpret_cast<Bytef*>(body.data()), &got,
                 reinterpret_cast<const Bytef*>(z.position()), static_cast<uLong>(z.remaining())) !=
          Z_OK ||
      got != raw_size) {
    return false;
  }
  return DecodeStringBody(body, n, out);
}

}  // namespace

uint64_t MaxPackedPoints(ValueType type, size_t bytes) {
  switch (type) {
    case ValueType::kFloat:
    case ValueType::kInt:
      return bytes;
    case ValueType::kBool:
      return uint64_t{8} * bytes;
    case ValueType::kString:
      return kMaxZlibRatio * bytes;
  }
  return 0;
}

void EncodePacked(const Column& col, size_t begin, size_t end, std::string* out) {
  const size_t n = end - begin;
  if (n == 0) return;
  EncodeTimes(col.times.data() + begin, n, out);
  const uint64_t* nums = col.nums.data() + begin;
  switch (col.type) {
    case ValueType::kFloat: {
      thread_local std::vector<int64_t> scaled;  // reused: this runs per series and block
      const int e = DecimalExponent(nums, n, kMaxDecimalExponent, &scaled);
      if (e >= 0) {
        out->push_back(0);
        out->push_back(static_cast<char>(e));
        EncodeDeltas(scaled.data(), n, out);
      } else {
        out->push_back(1);
        EncodeXor(nums, n, out);
      }
      break;
    }
    case ValueType::kInt:
      EncodeDeltas(reinterpret_cast<const int64_t*>(nums), n, out);
      break;
    case ValueType::kBool: {
      std::string bits((n + 7) / 8, '\0');
      for (size_t i = 0; i < n; i++) {
        if (nums[i] != 0) bits[i / 8] = static_cast<char>(bits[i / 8] | (1 << (i % 8)));
      }
      out->append(bits);
      break;
    }
    case ValueType::kString:
      EncodeStrings(col, begin, end, out);
      break;
  }
}

bool DecodePacked(ValueType type, std::string_view bytes, uint64_t count, Column* out) {
  if (count > MaxPackedPoints(type, bytes.size())) return false;
  const size_t n = static_cast<size_t>(count);
  const size_t old_times = out->times.size(), old_nums = out->nums.size(),
               old_strs = out->strs.size();
  auto fail = [&] {
    out->times.resize(old_times);
    out->nums.resize(old_nums);
    out->strs.resize(old_strs);
    return false;
  };
  if (n == 0) return bytes.empty();
  Decoder d(bytes);
  if (!DecodeTimes(&d, n, &out->times)) return fail();
  if (out->times_only) return true;
  switch (type) {
    case ValueType::kFloat: {
      uint8_t mode;
      if (!d.GetFixed8(&mode)) return fail();
      if (mode == 0) {
        uint8_t e;
        if (!d.GetFixed8(&e) || e > kMaxDecimalExponent) return fail();
        if (!DecodeDeltas(&d, n, &out->nums)) return fail();
        const double scale = PowerOfTen(e);
        for (size_t i = old_nums; i < out->nums.size(); i++) {
          out->nums[i] = FloatBits(static_cast<double>(static_cast<int64_t>(out->nums[i])) / scale);
        }
      } else {
        out->nums.resize(old_nums + n);
        if (mode != 1 || !DecodeXor(&d, n, out->nums.data() + old_nums)) return fail();
      }
      break;
    }
    case ValueType::kInt:
      if (!DecodeDeltas(&d, n, &out->nums)) return fail();
      break;
    case ValueType::kBool: {
      std::string_view bits;
      if (!d.GetBytes((n + 7) / 8, &bits)) return fail();
      for (size_t i = 0; i < n; i++) out->nums.push_back((static_cast<uint8_t>(bits[i / 8]) >> (i % 8)) & 1);
      // Unused high bits of the last byte must be zero: anything else is damage.
      if (n % 8 != 0 && (static_cast<uint8_t>(bits.back()) >> (n % 8)) != 0) return fail();
      break;
    }
    case ValueType::kString:
      if (!DecodeStrings(&d, n, &out->strs)) return fail();
      break;
  }
  if (d.remaining() != 0) return fail();
  return true;
}

}  // namespace strata
