// Decode and encode speed of the format-2 column codecs (Google Benchmark), one core, on blocks of
// kMaxBlockPoints values shaped as real series are: regular and jittered nanosecond timestamps,
// decimal gauges, XOR-coded floats, counters, and dictionary and distinct strings. Items per
// second are values decoded (Decode*) or encoded (Encode*) per second (issue 19's decode targets:
// 300 M timestamps/s and 150 M floats/s; encoding runs at every flush and compaction, so it bounds
// ingest). The *_format1 cases decode the same points as one format-1 block (packed_codec.h), for
// comparison in one run.
//   build/tests/bench/codec_bench [--benchmark_repetitions=3] [--benchmark_filter=Encode]
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "block_codec.h"
#include "column_codec.h"
#include "segment_format.h"

namespace strata {
namespace {

constexpr size_t kN = kMaxBlockPoints;

std::vector<int64_t> Times(int64_t jitter_ns) {
  std::mt19937_64 rng(1);
  std::vector<int64_t> t;
  for (size_t i = 0; i < kN; i++) {
    t.push_back(1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 10'000'000'000 +
                (jitter_ns > 0 ? static_cast<int64_t>(rng() % jitter_ns) : 0));
  }
  return t;
}

void DecodeTimes(benchmark::State& state, int64_t jitter_ns) {
  const std::vector<int64_t> t = Times(jitter_ns);
  std::string bytes;
  EncodeTimeColumn(t.data(), kN, &bytes);
  std::vector<int64_t> out(kN);
  for (auto _ : state) {
    benchmark::DoNotOptimize(DecodeTimeColumn(bytes, kN, t[0], out.data()));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
  state.counters["bytes/value"] = static_cast<double>(bytes.size()) / kN;
}

Column Values(ValueType type, int shape) {
  std::mt19937_64 rng(2);
  Column c;
  c.type = type;
  double g = 50;
  std::normal_distribution<double> step(0.0, 1.0);  // tsbs_cpu.py's walk
  int64_t counter = 1'000'000;
  for (size_t i = 0; i < kN; i++) {
    c.times.push_back(static_cast<int64_t>(i));
    if (type == ValueType::kFloat) {
      // Shapes 0 and 2: a 2-decimal gauge with uniform or bell-shaped (Rice-coded) steps; 1: not
      // decimal.
      g += shape == 2 ? step(rng) : (static_cast<int>(rng() % 201) - 100) / 100.0;
      const double v = shape != 1 ? std::round(g * 100) / 100 : g * 1.000123456789;
      c.nums.push_back(FloatBits(v));
    } else if (type == ValueType::kInt) {
      counter += static_cast<int64_t>(rng() % 5000);
      c.nums.push_back(static_cast<uint64_t>(counter));
    } else if (type == ValueType::kBool) {
      c.nums.push_back(rng() % 10 == 0 ? 1 : 0);
    } else if (shape == 0) {
      c.strs.push_back(i % 10 == 0 ? "sleeping" : "running");
    } else {
      c.strs.push_back("request-" + std::to_string(rng() % 1'000'000));
    }
  }
  return c;
}

void DecodeValues(benchmark::State& state, ValueType type, int shape) {
  const Column c = Values(type, shape);
  std::string bytes;
  EncodeValueColumn(c, 0, kN, &bytes);
  Column out;
  out.type = type;
  out.nums.reserve(kN);
  for (auto _ : state) {
    out.nums.clear();
    out.strs.clear();
    benchmark::DoNotOptimize(DecodeValueColumn(bytes, type, kN, &out));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
  state.counters["bytes/value"] = static_cast<double>(bytes.size()) / kN;
}

// A TSBS-like block (regular 10 s times, a 2-decimal gauge) decoded whole: format 1's packed
// block, then format 2's time column plus value column. Items are points.
void DecodeBlockFormat1(benchmark::State& state) {
  Column c = Values(ValueType::kFloat, 0);
  c.times = Times(0);
  std::string bytes;
  EncodeBlock(c, 0, kN, &bytes, BlockEncoding::kPacked);
  Column out;
  out.type = ValueType::kFloat;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(DecodeBlock(BlockEncoding::kPacked, ValueType::kFloat, bytes, kN, &out));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
  state.counters["bytes/value"] = static_cast<double>(bytes.size()) / kN;
}

void DecodeBlockFormat2(benchmark::State& state) {
  Column c = Values(ValueType::kFloat, 0);
  c.times = Times(0);
  std::string times, values;
  EncodeTimeColumn(c.times.data(), kN, &times);
  EncodeValueColumn(c, 0, kN, &values);
  Column out;
  out.type = ValueType::kFloat;
  for (auto _ : state) {
    out.clear();
    out.times.resize(kN);
    benchmark::DoNotOptimize(DecodeTimeColumn(times, kN, c.times[0], out.times.data()));
    benchmark::DoNotOptimize(DecodeValueColumn(values, ValueType::kFloat, kN, &out));
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
  state.counters["bytes/value"] = static_cast<double>(times.size() + values.size()) / kN;
}

void EncodeTimes(benchmark::State& state, int64_t jitter_ns) {
  const std::vector<int64_t> t = Times(jitter_ns);
  std::string bytes;
  for (auto _ : state) {
    bytes.clear();
    EncodeTimeColumn(t.data(), kN, &bytes);
    benchmark::DoNotOptimize(bytes.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
  state.counters["bytes/value"] = static_cast<double>(bytes.size()) / kN;
}

void EncodeValues(benchmark::State& state, ValueType type, int shape) {
  const Column c = Values(type, shape);
  std::string bytes;
  for (auto _ : state) {
    bytes.clear();
    EncodeValueColumn(c, 0, kN, &bytes);
    benchmark::DoNotOptimize(bytes.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kN));
  state.counters["bytes/value"] = static_cast<double>(bytes.size()) / kN;
}

BENCHMARK(DecodeBlockFormat1);
BENCHMARK(DecodeBlockFormat2);
BENCHMARK_CAPTURE(DecodeTimes, regular_10s, 0);
BENCHMARK_CAPTURE(DecodeTimes, jittered_1ms, 1'000'000);
BENCHMARK_CAPTURE(DecodeValues, float_decimal, ValueType::kFloat, 0);
BENCHMARK_CAPTURE(DecodeValues, float_decimal_gauss, ValueType::kFloat, 2);
BENCHMARK_CAPTURE(DecodeValues, float_xor, ValueType::kFloat, 1);
BENCHMARK_CAPTURE(DecodeValues, int_counter, ValueType::kInt, 0);
BENCHMARK_CAPTURE(DecodeValues, string_dictionary, ValueType::kString, 0);
BENCHMARK_CAPTURE(EncodeTimes, regular_10s, 0);
BENCHMARK_CAPTURE(EncodeTimes, jittered_1ms, 1'000'000);
BENCHMARK_CAPTURE(EncodeValues, float_decimal, ValueType::kFloat, 0);
BENCHMARK_CAPTURE(EncodeValues, float_decimal_gauss, ValueType::kFloat, 2);
BENCHMARK_CAPTURE(EncodeValues, float_xor, ValueType::kFloat, 1);
BENCHMARK_CAPTURE(EncodeValues, int_counter, ValueType::kInt, 0);
BENCHMARK_CAPTURE(EncodeValues, bool_sparse, ValueType::kBool, 0);
BENCHMARK_CAPTURE(EncodeValues, string_dictionary, ValueType::kString, 0);
BENCHMARK_CAPTURE(EncodeValues, string_distinct_zlib, ValueType::kString, 1);

}  // namespace
}  // namespace strata

BENCHMARK_MAIN();
