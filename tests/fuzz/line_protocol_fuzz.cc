// Fuzz target for LineProtocolParser. Besides never crashing, every delivered line must satisfy the
// parser's contract (valid names, sorted unique tags, unique field keys, finite floats, views into
// the input or the parser), and writing the delivered lines back out in canonical line protocol
// and parsing that must give the same lines. A violation calls abort().
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "line_protocol.h"
#include "series_key.h"

namespace {

using strata::ParsedField;
using strata::ParsedLine;
using strata::Status;
using strata::ValueType;

struct OwnedLine {
  std::string measurement;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<std::tuple<std::string, ValueType, uint64_t, std::string>> fields;
  int64_t time;
  bool operator==(const OwnedLine&) const = default;
};

void Check(bool ok) {
  if (!ok) abort();
}

// As InfluxDB's encoders escape names: the separators only, never a backslash (a parsed name
// never ends in one, so a backslash before an escaped separator stays a plain byte).
void AppendEscapedLp(std::string* out, std::string_view s, bool escape_equals) {
  for (char c : s) {
    if (c == ',' || c == ' ' || (escape_equals && c == '=')) out->push_back('\\');
    out->push_back(c);
  }
}

// Canonical line protocol for `l`.
void Serialize(const OwnedLine& l, std::string* out) {
  AppendEscapedLp(out, l.measurement, false);
  for (const auto& [k, v] : l.tags) {
    out->push_back(',');
    AppendEscapedLp(out, k, true);
    out->push_back('=');
    AppendEscapedLp(out, v, true);
  }
  out->push_back(' ');
  bool first = true;
  for (const auto& [key, type, num, str] : l.fields) {
    if (!first) out->push_back(',');
    first = false;
    AppendEscapedLp(out, key, true);
    out->push_back('=');
    switch (type) {
      case ValueType::kFloat: {
        char buf[64];
        auto r = std::to_chars(buf, buf + sizeof(buf), strata::BitsFloat(num));
        out->append(buf, r.ptr);
        break;
      }
      case ValueType::kInt:
        *out += std::to_string(static_cast<int64_t>(num)) + "i";
        break;
      case ValueType::kBool:
        *out += num ? "t" : "f";
        break;
      case ValueType::kString:
        out->push_back('"');
        for (char c : str) {
          if (c == '"' || c == '\\') out->push_back('\\');
          out->push_back(c);
        }
        out->push_back('"');
        break;
    }
  }
  *out += " " + std::to_string(l.time) + "\n";
}

bool Within(std::string_view v, const uint8_t* data, size_t size) {
  const auto* p = reinterpret_cast<const uint8_t*>(v.data());
  return v.empty() || (p >= data && p + v.size() <= data + size);
}

// A name of line protocol: valid, and without control characters (line_protocol.h).
bool GoodName(std::string_view name) {
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return false;
  }
  return strata::ValidateName("name", name).has_value();
}

std::vector<OwnedLine> ParseOwned(strata::LineProtocolParser& parser, std::string_view text,
                                  const uint8_t* data, size_t size, Status* status) {
  std::vector<OwnedLine> lines;
  *status = parser.Parse(text, 7, [&](const ParsedLine& pl) -> Status {
    Check(pl.line_number >= 1);
    Check(Within(pl.series_section, data, size));
    Check(GoodName(pl.measurement));
    OwnedLine l;
    l.measurement = pl.measurement;
    for (size_t i = 0; i < pl.tags.size(); i++) {
      Check(GoodName(pl.tags[i].first));
      Check(GoodName(pl.tags[i].second));
      if (i > 0) Check(pl.tags[i - 1].first < pl.tags[i].first);
      l.tags.emplace_back(pl.tags[i].first, pl.tags[i].second);
    }
    Check(!pl.fields.empty());
    for (size_t i = 0; i < pl.fields.size(); i++) {
      const ParsedField& f = pl.fields[i];
      Check(GoodName(f.key));
      for (size_t j = 0; j < i; j++) Check(pl.fields[j].key != f.key);
      if (f.type == ValueType::kFloat) Check(std::isfinite(strata::BitsFloat(f.num)));
      if (f.type == ValueType::kBool) Check(f.num <= 1);
      if (f.type != ValueType::kString) Check(f.str.empty());
      if (f.type == ValueType::kString) Check(strata::IsValidUtf8(f.str));
      l.fields.emplace_back(std::string(f.key), f.type, f.num, std::string(f.str));
    }
    l.time = pl.time;
    lines.push_back(std::move(l));
    return strata::OkStatus();
  });
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static strata::LineProtocolParser parser;  // reused, as callers do
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Status st;
  std::vector<OwnedLine> lines = ParseOwned(parser, text, data, size, &st);
  if (!st) {
    const std::string& msg = st.error().message();
    Check(st.error().code() == strata::Code::kInvalid);
    Check(msg.rfind("line ", 0) == 0 && msg.find(", column ") != std::string::npos);
    Check(strata::IsValidUtf8(msg));
  }

  // The delivered lines, written canonically, parse back to themselves.
  std::string canonical;
  for (const OwnedLine& l : lines) Serialize(l, &canonical);
  strata::LineProtocolParser second;
  Status st2;
  std::vector<OwnedLine> again =
      ParseOwned(second, canonical, reinterpret_cast<const uint8_t*>(canonical.data()),
                 canonical.size(), &st2);
  Check(st2.has_value());
  Check(again == lines);
  return 0;
}
