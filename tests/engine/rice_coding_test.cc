// Rice codes (rice_coding.h): round trips at every parameter on values of real shapes (zeros,
// small noise, geometric spreads, escapes up to 2^64 - 1), the exact size RiceBytes predicts,
// and the decoder's refusals: parts cut short anywhere, padding that is not zero, a gap longer
// than an escape, an escape past 64 bits, a parameter out of range in the Rice form of
// int_sequence_codec.h. Bytes past the codes are not consumed.
#include "rice_coding.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "coding.h"
#include "int_sequence_codec.h"

namespace strata {
namespace {

std::vector<std::vector<uint64_t>> Shapes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::geometric_distribution<uint64_t> geometric(0.01);
  std::normal_distribution<double> noise(0.0, 100.0);
  std::vector<std::vector<uint64_t>> out(5, std::vector<uint64_t>(n));
  for (size_t i = 0; i < n; i++) {
    out[0][i] = 0;
    out[1][i] = rng() % 4;
    out[2][i] = geometric(rng);
    out[3][i] = ZigZag(static_cast<int64_t>(noise(rng)));
    out[4][i] = i % 5 == 0 ? ~uint64_t{0} - rng() % 3 : rng() % 1000;  // escapes among small
  }
  return out;
}

std::string Encode(const std::vector<uint64_t>& v, int k) {
  std::string bytes;
  PutRiceCodes(v.size(), k, &bytes, [&v](size_t i) { return v[i]; });
  return bytes;
}

// The bytes GetRiceCodes consumes from `bytes` for n codes at k, or 0 when it refuses them.
size_t Decode(const std::string& bytes, size_t n, int k, std::vector<uint64_t>* out) {
  out->assign(n, 0);
  Decoder d(bytes);
  if (!GetRiceCodes(&d, n, k, out->data())) return 0;
  return bytes.size() - d.remaining();
}

TEST(RiceCodingTest, RoundTripsAtEveryParameterInTheSizeItsCodesTake) {
  uint64_t seed = 1;
  for (size_t n : {1, 7, 8, 63, 64, 65, 1000}) {
    for (const auto& v : Shapes(n, seed++)) {
      for (int k = 0; k <= kMaxRiceParameter; k++) {
        const std::string bytes = Encode(v, k);
        size_t quotient_bits = 0, escape_bytes = 0;
        for (uint64_t z : v) {
          const uint64_t q = z >> k;
          quotient_bits += q < kRiceEscape ? q + 1 : kRiceEscape + 1;
          if (q >= kRiceEscape) escape_bytes += VarintLength(q - kRiceEscape);
        }
        ASSERT_EQ(bytes.size(), RiceBytes(n, k, quotient_bits, escape_bytes))
            << "n=" << n << " k=" << k;
        std::vector<uint64_t> back;
        ASSERT_EQ(Decode(bytes + "\xff\xff", n, k, &back), bytes.size())  // what follows is not theirs
            << "n=" << n << " k=" << k;
        ASSERT_EQ(back, v) << "n=" << n << " k=" << k;
      }
    }
  }
}

TEST(RiceCodingTest, AStreamCutShortIsRefused) {
  for (const auto& v : Shapes(100, 9)) {
    for (int k : {0, 3, 7, 31, 63}) {
      const std::string bytes = Encode(v, k);
      std::vector<uint64_t> back;
      for (size_t cut = 0; cut < bytes.size(); cut++) {
        // Its own buffer: ASan sees any read past it.
        EXPECT_EQ(Decode(bytes.substr(0, cut), v.size(), k, &back), 0u)
            << "k=" << k << " cut at " << cut;
      }
    }
  }
}

TEST(RiceCodingTest, NonZeroPaddingAndOverlongGapsAreRefused) {
  // k = 0: no low parts; quotients 1, 2, 0: bits 0 1 0 0 1 1 from the lowest, 2 of padding.
  const std::vector<uint64_t> v = {1, 2, 0};
  std::string bytes = Encode(v, 0);
  ASSERT_EQ(bytes, std::string(1, '\x32'));
  std::vector<uint64_t> back;
  ASSERT_EQ(Decode(bytes, 3, 0, &back), 1u);
  EXPECT_EQ(Decode(std::string(1, '\xb2'), 3, 0, &back), 0u);  // a padding bit set
  // A gap of 33 zero bits before a one bit: longer than any quotient the encoder writes.
  EXPECT_EQ(Decode(std::string("\0\0\0\0\x02", 5), 1, 0, &back), 0u);
  // An escape (32 zero bits, a one bit) whose varint would take the value past 64 bits.
  std::string escape("\0\0\0\0\x01", 5);
  PutVarint64(&escape, ~uint64_t{0});
  EXPECT_EQ(Decode(escape, 1, 0, &back), 0u);
}

TEST(RiceCodingTest, TheRiceFormRefusesAParameterBeyond63) {
  std::string bytes;
  PutFixed8(&bytes, static_cast<uint8_t>(IntSequenceForm::kRice));
  PutVarsint64(&bytes, 0);
  PutFixed8(&bytes, 64);
  bytes.append(16, '\x01');
  Decoder d(bytes);
  std::vector<int64_t> out(8);
  EXPECT_FALSE(DecodeIntSequence(&d, out.size(), out.data()));
}

// Gauge noise (a random walk's deltas) takes the Rice form, and round-trips through it.
TEST(RiceCodingTest, NoisyDeltasTakeTheRiceFormAndRoundTrip) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0, 100.0);
  std::vector<int64_t> v(360);
  for (auto& x : v) x = static_cast<int64_t>(noise(rng));
  std::string bytes;
  EncodeIntSequence(v.data(), v.size(), &bytes, IntForms::kFormat5);
  EXPECT_EQ(bytes[0], static_cast<char>(IntSequenceForm::kRice));
  std::string format2;
  EncodeIntSequence(v.data(), v.size(), &format2, IntForms::kFormat2);
  EXPECT_LT(bytes.size(), format2.size());
  Decoder d(bytes);
  std::vector<int64_t> back(v.size());
  ASSERT_TRUE(DecodeIntSequence(&d, back.size(), back.data()));
  EXPECT_EQ(back, v);
  EXPECT_EQ(d.remaining(), 0u);
}

}  // namespace
}  // namespace strata
