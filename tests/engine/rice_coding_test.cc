// Rice codes (rice_coding.h): round trips at every parameter on values of real shapes (zeros,
// small noise, geometric spreads, escapes up to 2^64 - 1), the exact size RiceCodeBits predicts,
// and the decoder's refusals: a stream cut short anywhere, padding that is not zero, a parameter
// out of range in the Rice form of int_sequence_codec.h. Bytes past the stream are not consumed.
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

TEST(RiceCodingTest, RoundTripsAtEveryParameterInTheSizeItsCodesTake) {
  uint64_t seed = 1;
  for (size_t n : {1, 7, 8, 63, 64, 65, 1000}) {
    for (const auto& v : Shapes(n, seed++)) {
      for (int k = 0; k <= kMaxRiceParameter; k++) {
        const std::string bytes = Encode(v, k);
        size_t bits = 0;
        for (uint64_t z : v) bits += RiceCodeBits(z, k);
        ASSERT_EQ(bytes.size(), (bits + 7) / 8) << "n=" << n << " k=" << k;
        std::string padded = bytes + "\xff\xff";  // what follows is not the stream's
        std::vector<uint64_t> back(n, 7);
        ASSERT_EQ(GetRiceCodes(padded.data(), padded.size(), n, k, back.data()), bytes.size())
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
      std::vector<uint64_t> back(v.size());
      for (size_t cut = 0; cut < bytes.size(); cut++) {
        const std::string prefix = bytes.substr(0, cut);  // its own buffer: ASan sees overreads
        EXPECT_EQ(GetRiceCodes(prefix.data(), prefix.size(), v.size(), k, back.data()), 0u)
            << "k=" << k << " cut at " << cut;
      }
    }
  }
}

TEST(RiceCodingTest, NonZeroPaddingIsRefused) {
  const std::vector<uint64_t> v = {1, 2, 3};  // 3 x (1 + 2) bits at k = 2: 9 bits, 7 of padding
  std::string bytes = Encode(v, 2);
  ASSERT_EQ(bytes.size(), 2u);
  std::vector<uint64_t> back(3);
  ASSERT_EQ(GetRiceCodes(bytes.data(), bytes.size(), 3, 2, back.data()), 2u);
  bytes[1] = static_cast<char>(bytes[1] | 0x80);
  EXPECT_EQ(GetRiceCodes(bytes.data(), bytes.size(), 3, 2, back.data()), 0u);
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
