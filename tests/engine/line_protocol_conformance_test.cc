// Conformance of the line-protocol parser to InfluxDB's documented syntax (the "Line protocol
// reference" of the InfluxDB 2.x documentation: elements, data types, quotes, special characters,
// comments, naming, precision) and to its reference decoder (the `lineprotocol` package of
// InfluxData's line-protocol repository) where the documentation leaves a case open. One table row
// per rule; each row gives the input and either the lines it yields, rendered canonically, or the
// start of the error. Where Strata is stricter than the reference, the row says so.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "line_protocol.h"
#include "series_key.h"

namespace strata {
namespace {

// `s` with each backslash doubled and each control byte as \xNN, so that a rendering is one line
// and tells a backslash-n apart from a newline.
void AppendQuoted(std::string* out, std::string_view s) {
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (c == '\\') {
      *out += "\\\\";
    } else if (b < 0x20 || b == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      *out += buf;
    } else {
      *out += c;
    }
  }
}

// "measurement|k=v,k=v|key:type:value,...|time" per line, lines joined by " // ", names and
// strings quoted by AppendQuoted.
std::string Render(const ParsedLine& l) {
  std::string out;
  AppendQuoted(&out, l.measurement);
  out += '|';
  for (size_t i = 0; i < l.tags.size(); i++) {
    if (i) out += ',';
    AppendQuoted(&out, l.tags[i].first);
    out += '=';
    AppendQuoted(&out, l.tags[i].second);
  }
  out += '|';
  for (size_t i = 0; i < l.fields.size(); i++) {
    const ParsedField& f = l.fields[i];
    if (i) out += ',';
    AppendQuoted(&out, f.key);
    switch (f.type) {
      case ValueType::kFloat: {
        char buf[64];
        std::snprintf(buf, sizeof buf, ":f:%.17g", BitsFloat(f.num));
        out += buf;
        break;
      }
      case ValueType::kInt:
        out += ":i:" + std::to_string(static_cast<int64_t>(f.num));
        break;
      case ValueType::kBool:
        out += f.num ? ":b:true" : ":b:false";
        break;
      case ValueType::kString:
        out += ":s:\"";
        AppendQuoted(&out, f.str);
        out += '"';
        break;
    }
  }
  out += '|' + std::to_string(l.time);
  return out;
}

constexpr int64_t kDefaultTime = 1'700'000'000'123'456'789;

std::string ParseRendered(std::string_view text, Precision precision = Precision::kNanosecond) {
  LineProtocolParser parser;
  std::string out;
  Status st = parser.Parse(text, kDefaultTime, precision, [&](const ParsedLine& l) -> Status {
    if (!out.empty()) out += " // ";
    out += Render(l);
    return OkStatus();
  });
  if (!st) return "ERROR " + st.error().message();
  return out;
}

struct Case {
  const char* rule;  // what the documentation (or the reference decoder) says
  std::string input;
  std::string want;  // rendered lines, or "ERROR <prefix of the message>"
  Precision precision = Precision::kNanosecond;
};

std::vector<Case> Cases() {
  using std::string;
  return {
      // ---- elements of a line
      {"measurement, tag set, field set and timestamp", "cpu,host=a,region=eu usage=1.5 17",
       "cpu|host=a,region=eu|usage:f:1.5|17"},
      {"the tag set is optional", "cpu usage=1.5 17", "cpu||usage:f:1.5|17"},
      {"the timestamp is optional: the writer's time", "cpu usage=1.5",
       "cpu||usage:f:1.5|1700000000123456789"},
      {"the field set is required", "cpu,host=a", "ERROR line 1, column 11: missing fields"},
      {"the field set is required, also before a timestamp", "cpu 17",
       "ERROR line 1, column 7: missing '=' after field key"},
      {"the measurement is required", ",host=a v=1", "ERROR line 1, column 1: missing measurement"},
      {"several fields are comma-separated", "m a=1,b=2i,c=t",
       "m||a:f:1,b:i:2,c:b:true|" + std::to_string(kDefaultTime)},
      {"tags are sorted by key (the documentation asks writers to; readers sort)",
       "m,z=1,a=2 v=1 1", "m|a=2,z=1|v:f:1|1"},
      {"tag values may not be empty", "m,t= v=1", "ERROR line 1, column 5: missing tag value"},
      {"tag keys may not be empty", "m,=x v=1", "ERROR line 1, column 3: missing tag key"},
      {"a comma after the tags needs another tag", "m,t=1, v=1",
       "ERROR line 1, column 7: missing tag key"},
      {"a field needs a value", "m v= 1", "ERROR line 1, column 5: missing field value"},
      // ---- whitespace
      {"one space separates tags from fields and fields from the time", "m,t=1 v=1 2",
       "m|t=1|v:f:1|2"},
      {"runs of spaces are one separator; leading and trailing spaces are ignored",
       "   m,t=1   v=1    2   ", "m|t=1|v:f:1|2"},
      {"a TAB is no separator (reference decoder)", "m\tv=1",
       "ERROR line 1, column 2: control character 0x09 in measurement"},
      {"a TAB before the timestamp is part of the value (reference decoder)", "m v=1\t123",
       "ERROR line 1, column 5: invalid field value"},
      {"a TAB at the start of a line (reference decoder)", "\tm v=1",
       "ERROR line 1, column 1: control character 0x09 in measurement"},
      // ---- data types
      {"float: IEEE-754 64-bit, decimal", "m v=-1.25",
       "m||v:f:-1.25|" + std::to_string(kDefaultTime)},
      {"float: scientific notation", "m a=1e3,b=-1.5E-2,c=2e+2 1",
       "m||a:f:1000,b:f:-0.014999999999999999,c:f:200|1"},
      {"float: a bare integer is a float", "m v=3 1", "m||v:f:3|1"},
      {"float: leading or trailing point", "m a=.5,b=1. 1", "m||a:f:0.5,b:f:1|1"},
      {"float: NaN and Inf are not numbers line protocol can carry", "m v=NaN 1",
       "ERROR line 1, column 5: NaN and Inf are not allowed"},
      {"float: overflow to Inf is refused", "m v=1e400 1",
       "ERROR line 1, column 5: float out of range"},
      {"integer: suffix i, signed 64-bit", "m a=-9223372036854775808i,b=9223372036854775807i 1",
       "m||a:i:-9223372036854775808,b:i:9223372036854775807|1"},
      {"integer: out of range", "m a=9223372036854775808i 1",
       "ERROR line 1, column 5: integer out of int64 range"},
      {"unsigned integer: suffix u (stored as int64 here)", "m a=42u 1", "m||a:i:42|1"},
      {"unsigned integer: above INT64_MAX is refused here (the reference takes up to 2^64-1)",
       "m a=9223372036854775808u 1", "ERROR line 1, column 5: unsigned integer out of int64"},
      {"unsigned integer: no sign", "m a=-1u 1",
       "ERROR line 1, column 5: invalid unsigned integer value"},
      {"boolean: t T true True TRUE", "m a=t,b=T,c=true,d=True,e=TRUE 1",
       "m||a:b:true,b:b:true,c:b:true,d:b:true,e:b:true|1"},
      {"boolean: f F false False FALSE", "m a=f,b=F,c=false,d=False,e=FALSE 1",
       "m||a:b:false,b:b:false,c:b:false,d:b:false,e:b:false|1"},
      {"boolean: other spellings are refused", "m a=tRUE 1",
       "ERROR line 1, column 5: invalid boolean value"},
      {"string: double-quoted", "m s=\"hello world, a=b\" 1", "m||s:s:\"hello world, a=b\"|1"},
      {"string: empty", "m s=\"\" 1", "m||s:s:\"\"|1"},
      {"string: may hold newlines and span lines", "m s=\"a\nb\" 1\nm v=1 2",
       "m||s:s:\"a\\x0Ab\"|1 // m||v:f:1|2"},
      {"string: must be closed", "m s=\"abc 1", "ERROR line 1, column 5: unterminated string"},
      {"string: must be valid UTF-8 (reference decoder)", "m s=\"\xff\" 1",
       "ERROR line 1, column 5: string field value is not valid UTF-8"},
      {"string: UTF-8 is kept", "m s=\"Zürich ☃\" 1", "m||s:s:\"Zürich ☃\"|1"},
      {"timestamp: signed, nanoseconds by default", "m v=1 -5", "m||v:f:1|-5"},
      {"timestamp: int64 range", "m v=1 9223372036854775808",
       "ERROR line 1, column 7: timestamp out of int64 range"},
      {"timestamp: integer digits only", "m v=1 1.5", "ERROR line 1, column 7: invalid timestamp"},
      {"timestamp: nothing may follow it", "m v=1 1 x",
       "ERROR line 1, column 9: unexpected text after timestamp"},
      // ---- precision
      {"precision us", "m v=1 1700000000123456", "m||v:f:1|1700000000123456000",
       Precision::kMicrosecond},
      {"precision ms", "m v=1 1700000000123", "m||v:f:1|1700000000123000000",
       Precision::kMillisecond},
      {"precision s", "m v=1 -1700000000", "m||v:f:1|-1700000000000000000", Precision::kSecond},
      {"precision s: a time that does not fit int64 nanoseconds", "m v=1 9223372037",
       "ERROR line 1, column 7: timestamp out of int64 range once scaled", Precision::kSecond},
      {"precision: the default time is rounded down to it", "m v=1", "m||v:f:1|1700000000123000000",
       Precision::kMillisecond},
      {"precision s: the default time is rounded down to it", "m v=1",
       "m||v:f:1|1700000000000000000", Precision::kSecond},
      // ---- quotes
      {"quotes in names are part of the name", "\"m\",\"t\"=\"v\" \"f\"=1 1",
       "\"m\"|\"t\"=\"v\"|\"f\":f:1|1"},
      {"a quoted number is a string", "m v=\"1\" 1", "m||v:s:\"1\"|1"},
      {"single quotes are plain bytes", "m,t='a' v=1 1", "m|t='a'|v:f:1|1"},
      // ---- special characters
      {"measurement: escaped comma and space", "my\\ meas\\,x v=1 1", "my meas,x||v:f:1|1"},
      {"measurement: '=' needs no escape", "a=b v=1 1", "a=b||v:f:1|1"},
      {"measurement: '\\=' is two bytes", "a\\=b v=1 1", "a\\\\=b||v:f:1|1"},
      {"tag key, tag value, field key: escaped comma, equals and space",
       "m,k\\=1\\ x\\,y=v\\=2\\ z f\\=1\\ \\,g=1 1", "m|k=1 x,y=v=2 z|f=1 ,g:f:1|1"},
      {"names: a backslash before another byte is kept", "a\\b,t\\x=y\\z f\\q=1 1",
       "a\\\\b|t\\\\x=y\\\\z|f\\\\q:f:1|1"},
      {"names: '\\\\' is kept as two backslashes (reference decoder)",
       "cpu,path=\\\\srv\\share v=1 1", "cpu|path=\\\\\\\\srv\\\\share|v:f:1|1"},
      {"names: the second backslash of '\\\\' still escapes what follows (reference decoder)",
       "cpu,host=two\\\\\\ words v=1 1", "cpu|host=two\\\\\\\\ words|v:f:1|1"},
      {"names: '\\ ' is an escaped space, so no name ends in a backslash before a separator",
       "m,t=x\\ v=1 1", "ERROR line 1, column 9: unescaped '=' in tag value"},
      {"names: control characters are refused (reference decoder)", "m,t=a\x01 v=1 1",
       "ERROR line 1, column 6: control character 0x01 in tag value"},
      {"names: DEL is refused (reference decoder)", "m,t\x7f=a v=1 1",
       "ERROR line 1, column 4: control character 0x7F in tag key"},
      {"names: a TAB inside a tag value is refused (reference decoder)", "m,t=a\tb v=1 1",
       "ERROR line 1, column 6: control character 0x09 in tag value"},
      {"names: a control character in a field key", "m a\x1f=1 1",
       "ERROR line 1, column 4: control character 0x1F in field key"},
      {"names: UTF-8 is kept", "température,ville=Zürich wert=1 1",
       "température|ville=Zürich|wert:f:1|1"},
      {"names: invalid UTF-8 is refused", "m,t=\xc0\xaf v=1 1",
       "ERROR line 1, column 5: invalid tag value"},
      {"string: escaped double quote and backslash", R"(m s="a \"q\" b\\c" 1)",
       "m||s:s:\"a \"q\" b\\\\c\"|1"},
      {"string: the documentation's backslash table: 1 to 6 backslashes give 1 1 2 2 3 3",
       R"(m a="\b",b="\\b",c="\\\b",d="\\\\b",e="\\\\\b",f="\\\\\\b" 1)",
       R"(m||a:s:"\\b",b:s:"\\b",c:s:"\\\\b",d:s:"\\\\b",e:s:"\\\\\\b",f:s:"\\\\\\b"|1)"},
      {"string: a backslash before another byte is literal", R"(m s="C:\dir\file" 1)",
       "m||s:s:\"C:\\\\dir\\\\file\"|1"},
      {"string: \\n \\t \\r are LF, TAB, CR (reference decoder and encoder)",
       R"(m s="a\nb\tc\rd" 1)", R"(m||s:s:"a\x0Ab\x09c\x0Dd"|1)"},
      {"string: an escaped backslash before n is not a newline", R"(m s="a\\nb" 1)",
       "m||s:s:\"a\\\\nb\"|1"},
      // ---- comments and lines
      {"a line starting with # is a comment", "# comment, a=b\nm v=1 1", "m||v:f:1|1"},
      {"a comment may follow spaces", "   # comment\nm v=1 1", "m||v:f:1|1"},
      {"a control character in a comment is refused (reference decoder)", "# a\tb\nm v=1 1",
       "ERROR line 1, column 4: control character in a comment line"},
      {"empty lines are skipped", "\n\nm v=1 1\n\n", "m||v:f:1|1"},
      {"lines end with LF or CRLF", "m v=1 1\r\nm v=2 2\nm v=3 3\r\n",
       "m||v:f:1|1 // m||v:f:2|2 // m||v:f:3|3"},
      {"a CR that ends the input ends the line (reference decoder)", "m v=1\r",
       "m||v:f:1|" + std::to_string(kDefaultTime)},
      {"a CR that ends the input ends the line, after a timestamp", "m v=1 123\r", "m||v:f:1|123"},
      {"a CR elsewhere is an error", "m v=1\rm v=2",
       "ERROR line 1, column 6: expected ',' or ' ' after field value"},
      {"a CR after the timestamp, not before LF, is an error", "m v=1 5\rx",
       "ERROR line 1, column 8: unexpected text after timestamp"},
      {"errors give the line number of the first bad line", "m v=1 1\n\n# c\nm v=oops 2",
       "ERROR line 4, column 5: invalid field value"},
      // ---- naming
      {"names may begin with '_' (the reference decoder accepts; InfluxDB 2.x servers refuse "
       "some)",
       "_m,_t=1 _f=1 1", "_m|_t=1|_f:f:1|1"},
      {"duplicate tag keys are refused here (the reference decoder passes both on)",
       "m,t=1,t=2 v=1 1", "ERROR line 1, column 7: duplicate tag key"},
      {"duplicate field keys are refused here (the reference decoder passes both on)",
       "m v=1,v=2 1", "ERROR line 1, column 7: duplicate field key"},
  };
}

TEST(LineProtocolConformance, EveryRuleOfTheTable) {
  for (const Case& c : Cases()) {
    const std::string got = ParseRendered(c.input, c.precision);
    if (c.want.rfind("ERROR ", 0) == 0) {
      EXPECT_EQ(got.substr(0, c.want.size()), c.want) << c.rule;
    } else {
      EXPECT_EQ(got, c.want) << c.rule;
    }
  }
}

TEST(LineProtocolConformance, PrecisionNamesAreInfluxDb2s) {
  for (std::string_view name : {"ns", "us", "ms", "s"}) {
    auto p = ParsePrecision(name);
    ASSERT_TRUE(p.has_value()) << name;
    EXPECT_EQ(PrecisionName(*p), name);
  }
  EXPECT_EQ(PrecisionNanos(Precision::kSecond), 1'000'000'000);
  for (std::string_view name : {"", "n", "u", "m", "h", "NS", "sec"}) {
    auto p = ParsePrecision(name);
    ASSERT_FALSE(p.has_value()) << name;
    EXPECT_EQ(p.error().code(), Code::kInvalid);
  }
}

TEST(LineProtocolConformance, NegativeDefaultTimeRoundsDown) {
  LineProtocolParser parser;
  int64_t got = 0;
  ASSERT_TRUE(
      parser.Parse("m v=1", -1'500'000'000, Precision::kSecond, [&](const ParsedLine& l) -> Status {
        got = l.time;
        return OkStatus();
      }));
  EXPECT_EQ(got, -2'000'000'000);
}

}  // namespace
}  // namespace strata
