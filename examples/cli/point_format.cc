#include "point_format.h"

#include <charconv>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "time_text.h"

namespace strata::cli {
namespace {

void AppendTime(TimeFormat tf, int64_t ns, std::string* out) {
  *out += tf == TimeFormat::kNanoseconds ? std::to_string(ns) : FormatTimeText(ns);
}

// The shortest text that reads back as the same double.
std::string FloatText(double v) {
  char buf[40];
  auto [p, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  return ec == std::errc() ? std::string(buf, p) : "?";
}

// The value as plain text (strings unescaped).
std::string PlainValue(const Column& c, size_t i) {
  switch (c.type) {
    case ValueType::kFloat:
      return FloatText(BitsFloat(c.nums[i]));
    case ValueType::kInt:
      return std::to_string(static_cast<int64_t>(c.nums[i]));
    case ValueType::kBool:
      return c.nums[i] != 0 ? "true" : "false";
    case ValueType::kString:
      return c.strs[i];
  }
  return "?";
}

void AppendTsvEscaped(std::string_view s, std::string* out) {
  for (char ch : s) {
    if (ch == '\n') {
      *out += "\\n";
    } else if (ch == '\t') {
      *out += "\\t";
    } else if (ch == '\\') {
      *out += "\\\\";
    } else {
      *out += ch;
    }
  }
}

void AppendCsvField(std::string_view s, std::string* out) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
    *out += s;
    return;
  }
  *out += '"';
  for (char ch : s) {
    if (ch == '"') *out += '"';
    *out += ch;
  }
  *out += '"';
}

// A name in line protocol: `specials` get a backslash (line_protocol.h). A name that ends in a
// backslash cannot be written (the backslash would escape the separator after it).
Status AppendLpName(std::string_view name, std::string_view specials, std::string* out) {
  if (!name.empty() && name.back() == '\\') {
    return unexpected(Error::Invalid("'" + std::string(name) +
                                     "' ends in a backslash, which line protocol cannot hold"));
  }
  for (char ch : name) {
    if (specials.find(ch) != std::string_view::npos) *out += '\\';
    *out += ch;
  }
  return OkStatus();
}

void AppendLpValue(const Column& c, size_t i, std::string* out) {
  switch (c.type) {
    case ValueType::kFloat:
      *out += FloatText(BitsFloat(c.nums[i]));
      return;
    case ValueType::kInt:
      *out += std::to_string(static_cast<int64_t>(c.nums[i]));
      *out += 'i';
      return;
    case ValueType::kBool:
      *out += c.nums[i] != 0 ? "true" : "false";
      return;
    case ValueType::kString:
      *out += '"';
      for (char ch : c.strs[i]) {
        if (ch == '"' || ch == '\\') {
          *out += '\\';
          *out += ch;
        } else if (ch == '\n') {
          *out += "\\n";
        } else if (ch == '\r') {
          *out += "\\r";
        } else if (ch == '\t') {
          *out += "\\t";
        } else {
          *out += ch;
        }
      }
      *out += '"';
      return;
  }
}

Status AppendLineProtocol(const SeriesInfo& s, const Column& c, size_t i, std::string* out) {
  if (s.measurement.starts_with("#")) {
    return unexpected(Error::Invalid("measurement '" + s.measurement +
                                     "' starts with '#', which line protocol reads as a comment"));
  }
  STRATA_RETURN_IF_ERROR(AppendLpName(s.measurement, ", ", out));
  for (const Tag& t : s.tags) {
    *out += ',';
    STRATA_RETURN_IF_ERROR(AppendLpName(t.key, ",= ", out));
    *out += '=';
    STRATA_RETURN_IF_ERROR(AppendLpName(t.value, ",= ", out));
  }
  *out += ' ';
  STRATA_RETURN_IF_ERROR(AppendLpName(s.field, ",= ", out));
  *out += '=';
  AppendLpValue(c, i, out);
  *out += ' ';
  *out += std::to_string(c.times[i]);
  *out += '\n';
  return OkStatus();
}

void AppendJsonLine(TimeFormat tf, const SeriesInfo& s, const Column& c, size_t i,
                    std::string* out) {
  nlohmann::ordered_json j;
  j["measurement"] = s.measurement;
  j["tags"] = nlohmann::ordered_json::object();
  for (const Tag& t : s.tags) j["tags"][t.key] = t.value;
  j["field"] = s.field;
  if (tf == TimeFormat::kNanoseconds) {
    j["time"] = c.times[i];
  } else {
    j["time"] = FormatTimeText(c.times[i]);
  }
  switch (c.type) {
    case ValueType::kFloat:
      j["value"] = BitsFloat(c.nums[i]);
      break;
    case ValueType::kInt:
      j["value"] = static_cast<int64_t>(c.nums[i]);
      break;
    case ValueType::kBool:
      j["value"] = c.nums[i] != 0;
      break;
    case ValueType::kString:
      j["value"] = c.strs[i];
      break;
  }
  *out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  *out += '\n';
}

}  // namespace

std::optional<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "tsv") return OutputFormat::kTsv;
  if (name == "csv") return OutputFormat::kCsv;
  if (name == "jsonl") return OutputFormat::kJsonLines;
  if (name == "lp") return OutputFormat::kLineProtocol;
  return std::nullopt;
}

std::optional<TimeFormat> ParseTimeFormat(std::string_view name) {
  if (name == "iso") return TimeFormat::kIso;
  if (name == "ns") return TimeFormat::kNanoseconds;
  return std::nullopt;
}

std::string OutputHeader(OutputFormat format) {
  return format == OutputFormat::kCsv ? "series,time,value\n" : "";
}

Status AppendPoint(OutputFormat format, TimeFormat tf, const SeriesInfo& series,
                   const Column& points, size_t i, std::string* out) {
  switch (format) {
    case OutputFormat::kTsv:
      *out += series.key;
      *out += '\t';
      AppendTime(tf, points.times[i], out);
      *out += '\t';
      if (points.type == ValueType::kString) {
        AppendTsvEscaped(points.strs[i], out);
      } else {
        *out += PlainValue(points, i);
      }
      *out += '\n';
      return OkStatus();
    case OutputFormat::kCsv:
      AppendCsvField(series.key, out);
      *out += ',';
      AppendTime(tf, points.times[i], out);
      *out += ',';
      AppendCsvField(PlainValue(points, i), out);
      *out += '\n';
      return OkStatus();
    case OutputFormat::kJsonLines:
      AppendJsonLine(tf, series, points, i, out);
      return OkStatus();
    case OutputFormat::kLineProtocol:
      return AppendLineProtocol(series, points, i, out);
  }
  return OkStatus();
}

}  // namespace strata::cli
