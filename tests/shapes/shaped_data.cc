#include "shapes/shaped_data.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace strata::shapes {
namespace {

constexpr int64_t kTenSeconds = 10'000'000'000;
constexpr int64_t kMillisecond = 1'000'000;

const char* ValuesName(Values v) {
  switch (v) {
    case Values::kConstant: return "constant";
    case Values::kEmpty: return "empty";
    case Values::kAlternating: return "alternating";
    case Values::kRuns: return "runs";
    case Values::kCounter: return "counter";
    case Values::kRandom: return "random";
    case Values::kDecimal: return "decimal";
    case Values::kExtremes: return "extremes";
    case Values::kUnicode: return "unicode";
  }
  return "?";
}

const char* TimesName(Times t) {
  switch (t) {
    case Times::kRegular: return "regular";
    case Times::kJittered: return "jittered";
    case Times::kDense: return "dense";
    case Times::kDescending: return "descending";
    case Times::kDuplicates: return "duplicates";
  }
  return "?";
}

// Value number i of a series of `values`, as the 64 bits a Column holds (floats as FloatBits).
class NumberSource {
 public:
  NumberSource(ValueType type, Values values, uint64_t seed) : type_(type), values_(values), rng_(seed) {}

  uint64_t Next(size_t i) {
    switch (values_) {
      case Values::kConstant:
        return Of(type_ == ValueType::kBool ? 1 : 42.5, 42);
      case Values::kAlternating:
        return i % 2 == 0 ? Of(0, 0) : Of(1, 1);
      case Values::kRuns:
        if (run_left_ == 0) {
          run_left_ = 1 + rng_() % 500;
          run_value_ = Random();
        }
        run_left_--;
        return run_value_;
      case Values::kCounter:
        counter_ = rng_() % 997 == 0 ? 0 : counter_ + 1 + rng_() % 7;
        return Of(static_cast<double>(counter_), static_cast<int64_t>(counter_));
      case Values::kDecimal:
        walk_ = std::clamp(walk_ + static_cast<double>(static_cast<int>(rng_() % 201) - 100) / 100,
                           0.0, 100.0);
        return FloatBits(std::round(walk_ * 100) / 100);
      case Values::kExtremes:
        return Extreme(i);
      case Values::kRandom:
      case Values::kEmpty:
      case Values::kUnicode:
        return Random();
    }
    return 0;
  }

 private:
  uint64_t Of(double f, int64_t n) const {
    switch (type_) {
      case ValueType::kFloat: return FloatBits(f);
      case ValueType::kInt: return static_cast<uint64_t>(n);
      case ValueType::kBool: return n != 0 ? 1 : 0;
      case ValueType::kString: break;
    }
    return 0;
  }

  uint64_t Random() {
    const uint64_t r = rng_();
    if (type_ == ValueType::kBool) return r & 1;
    if (type_ == ValueType::kInt) return r;
    // Any finite double (the engine refuses NaN and infinities).
    const double d = BitsFloat(r);
    return std::isfinite(d) ? r : FloatBits(static_cast<double>(r >> 11));
  }

  uint64_t Extreme(size_t i) const {
    using F = std::numeric_limits<double>;
    using I = std::numeric_limits<int64_t>;
    static const double kFloats[] = {F::max(),         -F::max(),         F::min(),
                                     -F::min(),        F::denorm_min(),   -F::denorm_min(),
                                     0.0,              -0.0,              9007199254740992.0,
                                     -9007199254740991.0, 0.1,            1.0 / 3,
                                     1e-300,           4.9406564584124654e-320};
    static const int64_t kInts[] = {I::min(), I::max(), 0,  -1, 1, I::min() + 1, I::max() - 1,
                                    int64_t{1} << 53, -(int64_t{1} << 62)};
    if (type_ == ValueType::kFloat) return FloatBits(kFloats[i % std::size(kFloats)]);
    if (type_ == ValueType::kInt) return static_cast<uint64_t>(kInts[i % std::size(kInts)]);
    return (i / 3) % 2;
  }

  const ValueType type_;
  const Values values_;
  std::mt19937_64 rng_;
  uint64_t run_left_ = 0;
  uint64_t run_value_ = 0;
  uint64_t counter_ = 0;
  double walk_ = 50;
};

// Value number i of a string series of `values`.
class StringSource {
 public:
  StringSource(Values values, uint64_t seed, bool text_safe)
      : values_(values), rng_(seed), text_safe_(text_safe) {}

  std::string Next(size_t i) {
    switch (values_) {
      case Values::kConstant: return "ok";
      case Values::kEmpty: return "";
      case Values::kAlternating: return i % 2 == 0 ? "open" : "closed";
      case Values::kRuns:
        if (run_left_ == 0) {
          run_left_ = 1 + rng_() % 500;
          run_value_ = RandomString(1 + rng_() % 12);
        }
        run_left_--;
        return run_value_;
      case Values::kCounter:
        counter_ = rng_() % 997 == 0 ? 0 : counter_ + 1;
        return "req-" + std::to_string(counter_);
      case Values::kUnicode: {
        static const char* kWords[] = {"caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac",
                                       "\xf0\x9f\x9a\x80 launch", "\xd0\xbf\xd1\x80\xd0\xb8"};
        return kWords[(i / 7) % std::size(kWords)];
      }
      case Values::kExtremes: {
        // One long value at the start, then lengths from 0 to 4 KiB.
        static const size_t kLengths[] = {0, 1, 4096, 100, 1};
        const size_t n = i == 0 ? (size_t{64} << 10) : kLengths[i % std::size(kLengths)];
        return RandomString(n);
      }
      case Values::kRandom:
        return RandomString(rng_() % 40);
      case Values::kDecimal:
        break;
    }
    return "";
  }

 private:
  std::string RandomString(size_t n) {
    std::string s(n, '\0');
    uint64_t bits = 0;
    for (size_t i = 0; i < n; i++) {
      if (i % 8 == 0) bits = rng_();
      const auto byte = static_cast<uint8_t>(bits >> (8 * (i % 8)));
      // Text-safe: printable ASCII, among them '"', '\\', ',', '=', ' ' that line protocol
      // escapes.
      s[i] = static_cast<char>(text_safe_ ? ' ' + byte % 95 : byte);
    }
    return s;
  }

  const Values values_;
  std::mt19937_64 rng_;
  const bool text_safe_;
  uint64_t run_left_ = 0;
  std::string run_value_;
  uint64_t counter_ = 0;
};

}  // namespace

std::string Name(const Shape& s) {
  return std::string(ValueTypeName(s.type)) + "/" + ValuesName(s.values) + "/" +
         TimesName(s.times) + "/" + std::to_string(s.length);
}

bool Applies(ValueType type, Values values) {
  switch (values) {
    case Values::kEmpty:
    case Values::kUnicode:
      return type == ValueType::kString;
    case Values::kDecimal:
      return type == ValueType::kFloat;
    case Values::kCounter:
    case Values::kExtremes:
      return type != ValueType::kBool;
    default:
      return true;
  }
}

const std::vector<size_t>& InterestingLengths() {
  static const std::vector<size_t> kLengths = {1, 2, 3, 1023, 1024, 1025, 2047, 2048, 2049, 5000};
  return kLengths;
}

std::vector<Shape> AllShapes(const std::vector<size_t>& lengths) {
  static const ValueType kTypes[] = {ValueType::kFloat, ValueType::kInt, ValueType::kBool,
                                     ValueType::kString};
  static const Values kValues[] = {Values::kConstant, Values::kEmpty,   Values::kAlternating,
                                   Values::kRuns,     Values::kCounter, Values::kRandom,
                                   Values::kDecimal,  Values::kExtremes, Values::kUnicode};
  static const Times kTimes[] = {Times::kRegular, Times::kJittered, Times::kDense,
                                 Times::kDescending, Times::kDuplicates};
  std::vector<Shape> out;
  for (ValueType type : kTypes) {
    for (Values values : kValues) {
      if (!Applies(type, values)) continue;
      for (Times times : kTimes) {
        for (size_t n : lengths) out.push_back(Shape{type, values, times, n});
      }
    }
  }
  return out;
}

Column Generate(const Shape& shape, uint64_t seed, int64_t first_time, bool text_safe) {
  std::mt19937_64 jitter(seed ^ 0x9e3779b97f4a7c15ull);
  std::vector<int64_t> times(shape.length);
  for (size_t i = 0; i < shape.length; i++) {
    const auto k = static_cast<int64_t>(i);
    switch (shape.times) {
      case Times::kDense:
        times[i] = first_time + k;
        break;
      case Times::kJittered:
        // The jitter never reaches the neighbours: times stay strictly increasing.
        times[i] = first_time + kMillisecond + k * kTenSeconds +
                   static_cast<int64_t>(jitter() % (2 * kMillisecond + 1)) - kMillisecond;
        break;
      default:
        times[i] = first_time + k * kTenSeconds;
        break;
    }
  }
  Column c;
  c.type = shape.type;
  NumberSource nums(shape.type, shape.values, seed);
  StringSource strs(shape.values, seed, text_safe);
  // With duplicates, each timestamp first gets a value that a second write replaces: the loser
  // comes from a source of its own, so that the winner's sequence keeps its shape.
  NumberSource loser_nums(shape.type, Values::kRandom, seed + 1);
  StringSource loser_strs(Values::kRandom, seed + 1, text_safe);
  auto append = [&](int64_t t, size_t i, bool loser) {
    c.times.push_back(t);
    if (shape.type == ValueType::kString) {
      c.strs.push_back(loser ? loser_strs.Next(i) : strs.Next(i));
    } else {
      c.nums.push_back(loser ? loser_nums.Next(i) : nums.Next(i));
    }
  };
  for (size_t j = 0; j < shape.length; j++) {
    const size_t i = shape.times == Times::kDescending ? shape.length - 1 - j : j;
    if (shape.times == Times::kDuplicates) append(times[i], i, /*loser=*/true);
    append(times[i], i, /*loser=*/false);
  }
  return c;
}

Column Expected(const Column& written) {
  Column c = written;
  SortAndDedupe(&c);
  return c;
}

}  // namespace strata::shapes
