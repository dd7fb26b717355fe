// shape_gen prints the shaped test data of shaped_data.h for tests in other languages and tools
// (Python, SQL through Python, `strata import`), so that every path is tested with the same data:
//   shape_gen lp        line protocol, in the order written (measurement `shapes`, tag `shape`,
//                       one field per value type: f_float, f_integer, f_boolean, f_string)
//   shape_gen rows      the same points as `type<TAB>shape<TAB>time<TAB>value`, in the order written
//   shape_gen expected  what a store holds afterwards, `series key<TAB>time<TAB>value`, sorted
// Values are canonical text: f:<16 hex digits of the double's bits>, i:<decimal>, b:0|1,
// s:<hex of the bytes> (so that any value compares exactly). Strings are text-safe (UTF-8,
// printable ASCII or unicode words). Lengths 1, 2 and 1025 (two blocks) of every shape.
#include <cinttypes>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "series_key.h"
#include "shapes/shaped_data.h"

namespace strata::shapes {
namespace {

constexpr int64_t kFirstTime = 1704067200000000000;

std::string Field(ValueType t) { return std::string("f_") + ValueTypeName(t); }

std::string Canonical(const Column& c, size_t i) {
  char buf[40];
  switch (c.type) {
    case ValueType::kFloat:
      std::snprintf(buf, sizeof buf, "f:%016" PRIx64, c.nums[i]);
      return buf;
    case ValueType::kInt:
      std::snprintf(buf, sizeof buf, "i:%" PRId64, static_cast<int64_t>(c.nums[i]));
      return buf;
    case ValueType::kBool:
      return c.nums[i] != 0 ? "b:1" : "b:0";
    case ValueType::kString: {
      std::string out = "s:";
      for (unsigned char ch : c.strs[i]) {
        std::snprintf(buf, sizeof buf, "%02x", ch);
        out += buf;
      }
      return out;
    }
  }
  return "";
}

// The value as a line-protocol field value.
std::string LineValue(const Column& c, size_t i) {
  char buf[40];
  switch (c.type) {
    case ValueType::kFloat:
      std::snprintf(buf, sizeof buf, "%.17g", BitsFloat(c.nums[i]));
      return buf;
    case ValueType::kInt:
      std::snprintf(buf, sizeof buf, "%" PRId64 "i", static_cast<int64_t>(c.nums[i]));
      return buf;
    case ValueType::kBool:
      return c.nums[i] != 0 ? "t" : "f";
    case ValueType::kString: {
      std::string out = "\"";
      for (char ch : c.strs[i]) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
      }
      return out + "\"";
    }
  }
  return "";
}

// Shape names hold no character that a line-protocol tag value must escape.
int Main(int argc, char** argv) {
  const std::string mode = argc == 2 ? argv[1] : "";
  if (mode != "lp" && mode != "rows" && mode != "expected") {
    std::fprintf(stderr, "usage: shape_gen lp|rows|expected\n");
    return 2;
  }
  for (const Shape& shape : AllShapes({1, 2, 1025})) {
    const std::string name = Name(shape);
    const Column written = Generate(shape, 29, kFirstTime, /*text_safe=*/true);
    if (mode == "expected") {
      const Column want = Expected(written);
      const std::vector<Tag> tags = {{"shape", name}};
      const std::string key = MakeSeriesKey("shapes", tags, Field(shape.type));
      for (size_t i = 0; i < want.size(); i++) {
        std::printf("%s\t%" PRId64 "\t%s\n", key.c_str(), want.times[i], Canonical(want, i).c_str());
      }
      continue;
    }
    for (size_t i = 0; i < written.size(); i++) {
      if (mode == "lp") {
        std::printf("shapes,shape=%s %s=%s %" PRId64 "\n", name.c_str(), Field(shape.type).c_str(),
                    LineValue(written, i).c_str(), written.times[i]);
      } else {
        std::printf("%s\t%s\t%" PRId64 "\t%s\n", ValueTypeName(shape.type), name.c_str(),
                    written.times[i], Canonical(written, i).c_str());
      }
    }
  }
  return 0;
}

}  // namespace
}  // namespace strata::shapes

int main(int argc, char** argv) { return strata::shapes::Main(argc, argv); }
