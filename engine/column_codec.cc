#include "column_codec.h"

#include <zlib.h>

#include <bit>
#include <numeric>
#include <unordered_map>
#include <vector>

#include "coding.h"
#include "float_codec.h"
#include "int_sequence_codec.h"
#include "packed_codec.h"
#include "segment_format.h"
#include "thread_scratch.h"
#include "zlib_compress.h"

namespace strata {
namespace {

enum StringForm : uint8_t { kDictionary = 0, kPlain = 1, kZlib = 2 };

constexpr size_t kMinZlibBytes = 64;  // smaller bodies are not worth a zlib stream

uint64_t Sub(int64_t a, int64_t b) { return static_cast<uint64_t>(a) - static_cast<uint64_t>(b); }

// The largest g dividing every delta (1 when a delta does not fit int64, i.e. a wrapped span).
// Runs of equal deltas (regular times) take one gcd step, and the rest only until g is 1.
uint64_t CommonDivisor(const int64_t* t, size_t n) {
  uint64_t g = 0, last = 0;
  for (size_t i = 1; i < n; i++) {
    const uint64_t d = Sub(t[i], t[i - 1]);
    if (d > static_cast<uint64_t>(INT64_MAX)) return 1;
    if (d == last || g == 1) continue;
    g = std::gcd(g, d);
    last = d;
  }
  return g == 0 ? 1 : g;
}

// q[i - 1] = (t[i] - t[i - 1]) / g for i = 1..n-1, where g divides every delta: by a multiplication
// with the inverse of g's odd part modulo 2^64 (exact for multiples of g), not a division per value.
void DivideDeltas(const int64_t* t, size_t n, uint64_t g, int64_t* q) {
  const int shift = std::countr_zero(g);
  const uint64_t odd = g >> shift;
  uint64_t inverse = odd;  // odd * odd == 1 mod 8: 3 bits right; each Newton step doubles them
  for (int i = 0; i < 5; i++) inverse *= 2 - odd * inverse;
  for (size_t i = 1; i < n; i++) {
    q[i - 1] = static_cast<int64_t>((Sub(t[i], t[i - 1]) >> shift) * inverse);
  }
}

// Sets *body to the dictionary form's body (after the form byte); false, when the values are all
// distinct, leaving *body unspecified. The map and buffers are reused by each flush thread.
bool DictionaryBody(const Column& col, size_t begin, size_t end, IntForms forms,
                    std::string* body) {
  thread_local std::unordered_map<std::string_view, int64_t> codes;  // scratch: thread_scratch.h
  thread_local std::vector<int64_t> seq;
  thread_local std::string entries;
  codes.clear();
  seq.resize(end - begin);
  entries.clear();
  for (size_t i = begin; i < end; i++) {
    auto [it, added] = codes.try_emplace(col.strs[i], static_cast<int64_t>(codes.size()));
    if (added) PutLengthPrefixed(&entries, col.strs[i]);
    seq[i - begin] = it->second;
  }
  const size_t distinct = codes.size();
  codes.clear();  // its keys point into col
  if (distinct == end - begin && end - begin > 1) {
    TrimScratch(&entries);
    return false;
  }
  body->clear();
  PutVarint64(body, distinct);
  body->append(entries);
  EncodeIntSequence(seq.data(), seq.size(), body, forms);
  TrimScratch(&entries);
  return true;
}

void EncodeStrings(const Column& col, size_t begin, size_t end, IntForms forms, std::string* out) {
  thread_local std::string plain, dict, z;  // scratch: thread_scratch.h
  plain.clear();
  for (size_t i = begin; i < end; i++) PutLengthPrefixed(&plain, col.strs[i]);
  const bool has_dict = DictionaryBody(col, begin, end, forms, &dict);
  const bool use_dict = has_dict && dict.size() < plain.size();
  const std::string& body = use_dict ? dict : plain;
  const uint8_t inner = use_dict ? kDictionary : kPlain;
  if (body.size() >= kMinZlibBytes && ZlibCompress(body, Z_BEST_COMPRESSION, &z) &&
      z.size() + 8 < body.size() && body.size() <= kMaxZlibRatio * z.size()) {
    PutFixed8(out, kZlib);
    PutFixed8(out, inner);
    PutVarint64(out, body.size());
    out->append(z);
  } else {
    PutFixed8(out, inner);
    out->append(body);
  }
  TrimScratch(&plain);
  TrimScratch(&dict);
  TrimScratch(&z);
}

// Decodes a dictionary or plain body that must end exactly at the end of `body`.
bool DecodeStringBody(uint8_t form, std::string_view body, size_t n, std::vector<std::string>* out) {
  Decoder d(body);
  const size_t limit = n > 1 ? kMaxBlockValueBytes : body.size();
  size_t total = 0;
  if (form == kPlain) {
    for (size_t i = 0; i < n; i++) {
      std::string_view s;
      if (!d.GetLengthPrefixed(&s)) return false;
      out->emplace_back(s);
    }
    return d.remaining() == 0;
  }
  if (form != kDictionary) return false;
  uint64_t count = 0;
  if (!d.GetVarint64(&count) || count == 0 || count > n) return false;
  std::vector<std::string_view> entries(count);
  for (auto& e : entries) {
    if (!d.GetLengthPrefixed(&e)) return false;
  }
  std::vector<int64_t> codes(n);
  if (!DecodeIntSequence(&d, n, codes.data()) || d.remaining() != 0) return false;
  for (int64_t c : codes) {
    if (static_cast<uint64_t>(c) >= count) return false;
    total += entries[static_cast<size_t>(c)].size();
    if (total > limit) return false;
  }
  for (int64_t c : codes) out->emplace_back(entries[static_cast<size_t>(c)]);
  return true;
}

bool DecodeStrings(std::string_view bytes, size_t n, std::vector<std::string>* out) {
  Decoder d(bytes);
  uint8_t form = 0;
  if (!d.GetFixed8(&form)) return false;
  std::string_view rest(d.position(), d.remaining());
  if (form != kZlib) return DecodeStringBody(form, rest, n, out);
  uint8_t inner = 0;
  uint64_t body_size = 0;
  if (!d.GetFixed8(&inner) || inner == kZlib || !d.GetVarint64(&body_size) ||
      body_size > kMaxZlibRatio * d.remaining()) {
    return false;
  }
  std::string body(body_size, '\0');
  uLongf got = static_cast<uLongf>(body_size);
  if (uncompress(reinterpret_cast<Bytef*>(body.data()), &got,
                 reinterpret_cast<const Bytef*>(d.position()), static_cast<uLong>(d.remaining())) !=
          Z_OK ||
      got != body_size) {
    return false;
  }
  return DecodeStringBody(inner, body, n, out);
}

}  // namespace

void EncodeTimeColumn(const int64_t* t, size_t n, std::string* out, IntForms forms) {
  if (forms == IntForms::kFormat5) {
    PutFixed8(out, 1);  // t[0] is the block's min time in the index
  } else {
    PutFixed8(out, 0);
    PutVarsint64(out, t[0]);
  }
  const uint64_t g = CommonDivisor(t, n);
  PutVarint64(out, g);
  thread_local std::vector<int64_t> q;  // reused by each flush thread
  q.resize(n - 1);
  DivideDeltas(t, n, g, q.data());
  EncodeDifferenced(q.data(), n - 1, out, forms);
}

bool DecodeTimeColumn(std::string_view bytes, size_t n, int64_t first_time, int64_t* out) {
  Decoder d(bytes);
  uint8_t form = 2;
  uint64_t g = 0;
  if (!d.GetFixed8(&form) || form > 1) return false;
  out[0] = first_time;
  if ((form == 0 && !d.GetVarsint64(&out[0])) || !d.GetVarint64(&g) || g == 0 ||
      !DecodeDifferenced(&d, n - 1, out + 1) || d.remaining() != 0) {
    return false;
  }
  auto* u = reinterpret_cast<uint64_t*>(out);
  for (size_t i = 1; i < n; i++) u[i] = u[i - 1] + u[i] * g;
  return true;
}

void EncodeValueColumn(const Column& col, size_t begin, size_t end, std::string* out,
                       IntForms forms) {
  const size_t n = end - begin;
  switch (col.type) {
    case ValueType::kString:
      EncodeStrings(col, begin, end, forms, out);
      return;
    case ValueType::kFloat:
      PutFixed8(out, 0);
      EncodeFloats(col.nums.data() + begin, n, out, forms);
      return;
    case ValueType::kInt:
      PutFixed8(out, 0);
      EncodeDifferenced(reinterpret_cast<const int64_t*>(col.nums.data() + begin), n, out, forms);
      return;
    case ValueType::kBool:
      PutFixed8(out, 0);
      EncodeIntSequence(reinterpret_cast<const int64_t*>(col.nums.data() + begin), n, out, forms);
      return;
  }
}

bool DecodeValueColumn(std::string_view bytes, ValueType type, size_t n, Column* out) {
  if (type == ValueType::kString) {
    const size_t old = out->strs.size();
    if (DecodeStrings(bytes, n, &out->strs)) return true;
    out->strs.resize(old);
    return false;
  }
  Decoder d(bytes);
  uint8_t form = 1;
  if (!d.GetFixed8(&form) || form != 0) return false;
  const size_t old = out->nums.size();
  out->nums.resize(old + n);
  uint64_t* v = out->nums.data() + old;
  auto* s = reinterpret_cast<int64_t*>(v);
  bool ok = false;
  switch (type) {
    case ValueType::kFloat:
      ok = DecodeFloats(&d, n, v);
      break;
    case ValueType::kInt:
      ok = DecodeDifferenced(&d, n, s);
      break;
    case ValueType::kBool:
      ok = DecodeIntSequence(&d, n, s);
      for (size_t i = 0; ok && i < n; i++) ok = v[i] <= 1;
      break;
    case ValueType::kString:
      break;
  }
  if (!ok || d.remaining() != 0) {
    out->nums.resize(old);
    return false;
  }
  return true;
}

}  // namespace strata
