#include "line_protocol.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "series_key.h"

namespace strata {
namespace {

// Owned copy of a ParsedLine, for checking after Parse() returns.
struct Field {
  std::string key;
  ValueType type;
  uint64_t num;
  std::string str;
};
struct Line {
  size_t line_number;
  std::string series_section;
  std::string measurement;
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<Field> fields;
  int64_t time;
};

struct Outcome {
  std::vector<Line> lines;
  std::string error;  // empty on success
};

Outcome ParseAll(LineProtocolParser& parser, std::string_view text, int64_t default_time = -1) {
  Outcome out;
  Status st = parser.Parse(text, default_time, [&](const ParsedLine& pl) -> Status {
    Line l;
    l.line_number = pl.line_number;
    l.series_section = pl.series_section;
    l.measurement = pl.measurement;
    for (const auto& [k, v] : pl.tags) l.tags.emplace_back(k, v);
    for (const ParsedField& f : pl.fields) {
      l.fields.push_back(Field{std::string(f.key), f.type, f.num, std::string(f.str)});
    }
    l.time = pl.time;
    out.lines.push_back(std::move(l));
    return OkStatus();
  });
  if (!st) {
    EXPECT_EQ(st.error().code(), Code::kInvalid);
    out.error = st.error().message();
  }
  return out;
}

Outcome ParseAll(std::string_view text, int64_t default_time = -1) {
  LineProtocolParser parser;
  return ParseAll(parser, text, default_time);
}

// The single line of `text`, which must parse.
Line One(std::string_view text) {
  Outcome o = ParseAll(text);
  EXPECT_EQ(o.error, "");
  EXPECT_EQ(o.lines.size(), 1u);
  return o.lines.empty() ? Line{} : o.lines[0];
}

std::string ErrorOf(std::string_view text) { return ParseAll(text).error; }

double F(const Field& f) {
  EXPECT_EQ(f.type, ValueType::kFloat);
  return BitsFloat(f.num);
}
int64_t I(const Field& f) {
  EXPECT_EQ(f.type, ValueType::kInt);
  return static_cast<int64_t>(f.num);
}

// ---- values ----------------------------------------------------------------------------------

TEST(LineProtocol, ParsesMeasurementTagsFieldsAndTime) {
  Line l = One("cpu,host=a,region=eu usage=1.5 1700000000000000000");
  EXPECT_EQ(l.line_number, 1u);
  EXPECT_EQ(l.series_section, "cpu,host=a,region=eu");
  EXPECT_EQ(l.measurement, "cpu");
  EXPECT_EQ(l.tags,
            (std::vector<std::pair<std::string, std::string>>{{"host", "a"}, {"region", "eu"}}));
  ASSERT_EQ(l.fields.size(), 1u);
  EXPECT_EQ(l.fields[0].key, "usage");
  EXPECT_EQ(F(l.fields[0]), 1.5);
  EXPECT_EQ(l.time, 1700000000000000000);
}

TEST(LineProtocol, FloatsInEveryForm) {
  Line l = One("m a=1.5,b=-1e3,c=1.,d=.5,e=1,f=-0.25,g=1E+2,h=2e-3,i=-.5,j=0");
  ASSERT_EQ(l.fields.size(), 10u);
  const double want[] = {1.5, -1e3, 1.0, 0.5, 1.0, -0.25, 100.0, 2e-3, -0.5, 0.0};
  for (size_t i = 0; i < 10; i++) EXPECT_EQ(F(l.fields[i]), want[i]) << i;
}

TEST(LineProtocol, FloatsAreCorrectlyRounded) {
  std::mt19937_64 rng(3);
  LineProtocolParser parser;
  for (int i = 0; i < 20000; i++) {
    // Random decimals of 1..19 digits with the point anywhere, some with an exponent.
    std::string num = (rng() % 2) ? "-" : "";
    const int digits = 1 + static_cast<int>(rng() % 19);
    const int point = static_cast<int>(rng() % (digits + 1));
    for (int d = 0; d < digits; d++) {
      if (d == point) num += '.';
      num += static_cast<char>('0' + rng() % 10);
    }
    if (rng() % 4 == 0) num += "e" + std::to_string(static_cast<int>(rng() % 40) - 20);
    double want = 0;
    std::from_chars(num.data(), num.data() + num.size(), want);
    Outcome o = ParseAll(parser, "m a=" + num);
    ASSERT_EQ(o.error, "") << num;
    EXPECT_EQ(o.lines[0].fields[0].num, FloatBits(want)) << num;
  }
}

TEST(LineProtocol, FloatUnderflowBecomesSignedZero) {
  Line l = One("m a=1e-400,b=-1e-400,c=4.9e-324");
  EXPECT_EQ(l.fields[0].num, FloatBits(0.0));
  EXPECT_EQ(l.fields[1].num, FloatBits(-0.0));
  EXPECT_EQ(F(l.fields[2]), 4.9e-324);
}

TEST(LineProtocol, IntegersWithSuffixI) {
  Line l = One("m a=3i,b=-9223372036854775808i,c=9223372036854775807i,d=0i,e=-0i");
  EXPECT_EQ(I(l.fields[0]), 3);
  EXPECT_EQ(I(l.fields[1]), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(I(l.fields[2]), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(I(l.fields[3]), 0);
  EXPECT_EQ(I(l.fields[4]), 0);
}

TEST(LineProtocol, UnsignedIsStoredAsInteger) {
  Line l = One("m a=3u,b=9223372036854775807u,c=0u");
  EXPECT_EQ(I(l.fields[0]), 3);
  EXPECT_EQ(I(l.fields[1]), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(I(l.fields[2]), 0);
}

TEST(LineProtocol, BooleansInEverySpelling) {
  Line l = One("m a=t,b=T,c=true,d=True,e=TRUE,f=f,g=F,h=false,i=False,j=FALSE");
  ASSERT_EQ(l.fields.size(), 10u);
  for (size_t i = 0; i < 10; i++) {
    EXPECT_EQ(l.fields[i].type, ValueType::kBool) << i;
    EXPECT_EQ(l.fields[i].num, i < 5 ? 1u : 0u) << i;
  }
}

TEST(LineProtocol, StringsUnescapeQuoteAndBackslashOnly) {
  Line l = One(R"(m s="a \"q\" b\\c \d, e=f",e="")");
  ASSERT_EQ(l.fields.size(), 2u);
  EXPECT_EQ(l.fields[0].type, ValueType::kString);
  EXPECT_EQ(l.fields[0].str, R"(a "q" b\c \d, e=f)");
  EXPECT_EQ(l.fields[1].type, ValueType::kString);
  EXPECT_EQ(l.fields[1].str, "");
}

TEST(LineProtocol, StringMaySpanLines) {
  Outcome o = ParseAll("m s=\"one\ntwo\r\nthree\" 5\nm n=1 6\n");
  ASSERT_EQ(o.error, "");
  ASSERT_EQ(o.lines.size(), 2u);
  EXPECT_EQ(o.lines[0].fields[0].str, "one\ntwo\r\nthree");
  EXPECT_EQ(o.lines[0].time, 5);
  EXPECT_EQ(o.lines[1].line_number, 4u);
}

TEST(LineProtocol, MissingTimestampUsesDefault) {
  EXPECT_EQ(ParseAll("m a=1", 42).lines[0].time, 42);
  EXPECT_EQ(ParseAll("m a=1   ", 42).lines[0].time, 42);
  EXPECT_EQ(One("m a=1 -5").time, -5);
  EXPECT_EQ(One("m a=1 -9223372036854775808").time, std::numeric_limits<int64_t>::min());
}

// ---- escapes and names
// ---------------------------------------------------------------------------

TEST(LineProtocol, EscapedCommaInTagValueIsUnescaped) {
  Line l = One(R"(m,t=a\,b f=1)");
  EXPECT_EQ(l.tags[0].second, "a,b");
  EXPECT_EQ(l.series_section, R"(m,t=a\,b)");
}

TEST(LineProtocol, EscapedSpaceAndCommaInMeasurement) {
  Line l = One(R"(my\ meas\,x,t=1 f=1)");
  EXPECT_EQ(l.measurement, "my meas,x");
  EXPECT_EQ(l.series_section, R"(my\ meas\,x,t=1)");
}

TEST(LineProtocol, EqualsNeedsNoEscapeInMeasurement) {
  EXPECT_EQ(One("a=b f=1").measurement, "a=b");
  EXPECT_EQ(One(R"(a\=b f=1)").measurement, R"(a\=b)");
}

TEST(LineProtocol, EscapedEqualsSpaceAndCommaInKeys) {
  Line l = One(R"(m,k\=1\ x\,y=v\=2\ z f\=1\ \,g=1)");
  EXPECT_EQ(l.tags[0].first, "k=1 x,y");
  EXPECT_EQ(l.tags[0].second, "v=2 z");
  EXPECT_EQ(l.fields[0].key, "f=1 ,g");
}

TEST(LineProtocol, DoubleBackslashIsKeptAsTwoBytes) {
  Line l = One(R"(a\\b,t=x\\y f\\g=1)");
  EXPECT_EQ(l.measurement, R"(a\\b)");
  EXPECT_EQ(l.tags[0].second, R"(x\\y)");
  EXPECT_EQ(l.fields[0].key, R"(f\\g)");
  // The second backslash of a pair still escapes what follows it.
  Line m = One(R"(cpu,host=two\\\ words v=1)");
  EXPECT_EQ(m.tags[0].second, R"(two\\ words)");
  Line n = One(R"(cpu,path=\\srv\share v=1)");
  EXPECT_EQ(n.tags[0].second, R"(\\srv\share)");
}

TEST(LineProtocol, LoneBackslashIsLiteral) {
  Line l = One(R"(a\b,t\x=y\z f\q=1)");
  EXPECT_EQ(l.measurement, R"(a\b)");
  EXPECT_EQ(l.tags[0].first, R"(t\x)");
  EXPECT_EQ(l.tags[0].second, R"(y\z)");
  EXPECT_EQ(l.fields[0].key, R"(f\q)");
}

TEST(LineProtocol, TagsAreSortedByKey) {
  Line l = One("m,z=1,b=2,a=3,y=4 f=1");
  EXPECT_EQ(l.tags, (std::vector<std::pair<std::string, std::string>>{
                        {"a", "3"}, {"b", "2"}, {"y", "4"}, {"z", "1"}}));
  EXPECT_EQ(l.series_section, "m,z=1,b=2,a=3,y=4");
}

TEST(LineProtocol, FieldsKeepInputOrder) {
  Line l = One("m z=1,a=2");
  EXPECT_EQ(l.fields[0].key, "z");
  EXPECT_EQ(l.fields[1].key, "a");
}

TEST(LineProtocol, Utf8NamesAreAccepted) {
  Line l = One("température,ville=Zürich wert=1");
  EXPECT_EQ(l.measurement, "température");
  EXPECT_EQ(l.tags[0].second, "Zürich");
}

TEST(LineProtocol, ManyTagsAndFields) {
  std::string text = "m";
  for (int i = 40; i > 0; i--) text += ",t" + std::to_string(i) + "=v";
  text += " ";
  for (int i = 0; i < 40; i++)
    text += (i ? ",f" : "f") + std::to_string(i) + "=" + std::to_string(i) + "i";
  Line l = One(text);
  ASSERT_EQ(l.tags.size(), 40u);
  for (size_t i = 1; i < l.tags.size(); i++) EXPECT_LT(l.tags[i - 1].first, l.tags[i].first);
  ASSERT_EQ(l.fields.size(), 40u);
  EXPECT_EQ(I(l.fields[39]), 39);
}

// ---- lines
// ---------------------------------------------------------------------------------------

TEST(LineProtocol, BlankLinesAndCommentsAreSkipped) {
  Outcome o = ParseAll("# header\n\n   \nm a=1\n   # indented comment\r\n\nm b=2\n");
  ASSERT_EQ(o.error, "");
  ASSERT_EQ(o.lines.size(), 2u);
  EXPECT_EQ(o.lines[0].line_number, 4u);
  EXPECT_EQ(o.lines[1].line_number, 7u);
}

TEST(LineProtocol, CrlfLineEndsAreHandled) {
  Outcome o = ParseAll("m,t=x a=1i 10\r\nm b=\"s\"\r\nm c=true\r\n\r\n");
  ASSERT_EQ(o.error, "");
  ASSERT_EQ(o.lines.size(), 3u);
  EXPECT_EQ(o.lines[0].tags[0].second, "x");
  EXPECT_EQ(o.lines[0].time, 10);
  EXPECT_EQ(o.lines[1].fields[0].str, "s");
  EXPECT_EQ(o.lines[2].fields[0].num, 1u);
}

TEST(LineProtocol, WhitespaceOnlyTextHasNoLines) {
  Outcome o = ParseAll(" \r\n\n   \r");
  EXPECT_EQ(o.error, "");
  EXPECT_TRUE(o.lines.empty());
  EXPECT_TRUE(ParseAll("").lines.empty());
}

TEST(LineProtocol, LeadingAndRepeatedSpacesAreAllowed) {
  Line l = One("   m,t=1   a=1    7   ");
  EXPECT_EQ(l.measurement, "m");
  EXPECT_EQ(l.series_section, "m,t=1");
  EXPECT_EQ(l.time, 7);
}

TEST(LineProtocol, CallbackErrorIsPassedThroughAndStopsParsing) {
  LineProtocolParser parser;
  int calls = 0;
  Status st = parser.Parse("m a=1\nm a=2\nm a=3\n", 0, [&](const ParsedLine&) -> Status {
    if (++calls == 2) return unexpected(Error::TypeConflict("stop"));
    return OkStatus();
  });
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().code(), Code::kTypeConflict);
  EXPECT_EQ(st.error().message(), "stop");
  EXPECT_EQ(calls, 2);
}

TEST(LineProtocol, LinesBeforeAnErrorAreDelivered) {
  Outcome o = ParseAll("m a=1\nm a=2\nm a=\n");
  EXPECT_EQ(o.lines.size(), 2u);
  EXPECT_EQ(o.error, "line 3, column 5: missing field value, near 'm a='");
}

TEST(LineProtocol, ParserIsReusableAcrossCalls) {
  LineProtocolParser parser;
  std::string text;
  for (int i = 0; i < 2000; i++) {
    text += "m\\ " + std::to_string(i) + ",t=a\\,b" + std::to_string(i) + " s=\"x\\\"" +
            std::string(i % 50, 'y') + "\" " + std::to_string(i) + "\n";
  }
  for (int round = 0; round < 3; round++) {
    Outcome o = ParseAll(parser, text);
    ASSERT_EQ(o.error, "");
    ASSERT_EQ(o.lines.size(), 2000u);
    for (int i = 0; i < 2000; i += 97) {
      EXPECT_EQ(o.lines[i].measurement, "m " + std::to_string(i));
      EXPECT_EQ(o.lines[i].tags[0].second, "a,b" + std::to_string(i));
      EXPECT_EQ(o.lines[i].fields[0].str, "x\"" + std::string(i % 50, 'y'));
    }
    EXPECT_EQ(ErrorOf("m a=bad"), "line 1, column 5: invalid field value, near 'bad'");
  }
}

// ---- errors: every class, with its line and column
// -----------------------------------------------

TEST(LineProtocolErrors, NanAndInfAreRejected) {
  EXPECT_EQ(ErrorOf("m a=nan"), "line 1, column 5: NaN and Inf are not allowed, near 'nan'");
  EXPECT_EQ(ErrorOf("m a=1,b=-Inf 5"),
            "line 1, column 9: NaN and Inf are not allowed, near '-Inf 5'");
  EXPECT_EQ(ErrorOf("m a=NaN"), "line 1, column 5: NaN and Inf are not allowed, near 'NaN'");
  EXPECT_EQ(ErrorOf("m a=infinity"),
            "line 1, column 5: NaN and Inf are not allowed, near 'infinity'");
}

TEST(LineProtocolErrors, FloatOverflowingToInfIsRejected) {
  EXPECT_EQ(ErrorOf("m a=1e400"),
            "line 1, column 5: float out of range (overflows to Inf), near '1e400'");
  EXPECT_EQ(ErrorOf("m a=-" + std::string(400, '9')),
            "line 1, column 5: float out of range (overflows to Inf), near '-" +
                std::string(29, '9') + "...'");
}

TEST(LineProtocolErrors, MalformedFloatsAreRejected) {
  EXPECT_EQ(ErrorOf("m a=1.5.5"), "line 1, column 5: invalid float value, near '1.5.5'");
  EXPECT_EQ(ErrorOf("m a=1e"), "line 1, column 5: invalid float value, near '1e'");
  EXPECT_EQ(ErrorOf("m a=-"), "line 1, column 5: invalid float value, near '-'");
  EXPECT_EQ(ErrorOf("m a=."), "line 1, column 5: invalid float value, near '.'");
  EXPECT_EQ(ErrorOf("m a=+1"), "line 1, column 5: invalid field value, near '+1'");
  EXPECT_EQ(ErrorOf("m a=0x10"), "line 1, column 5: invalid field value, near '0x10'");
  EXPECT_EQ(ErrorOf("m a=abc"), "line 1, column 5: invalid field value, near 'abc'");
}

TEST(LineProtocolErrors, IntegerOutOfRangeIsRejected) {
  EXPECT_EQ(ErrorOf("m a=9223372036854775808i"),
            "line 1, column 5: integer out of int64 range, near '9223372036854775808i'");
  EXPECT_EQ(ErrorOf("m a=-9223372036854775809i"),
            "line 1, column 5: integer out of int64 range, near '-9223372036854775809i'");
}

TEST(LineProtocolErrors, MalformedIntegersAreRejected) {
  EXPECT_EQ(ErrorOf("m a=1.5i"), "line 1, column 5: invalid integer value, near '1.5i'");
  EXPECT_EQ(ErrorOf("m a=i"), "line 1, column 5: invalid integer value, near 'i'");
  EXPECT_EQ(ErrorOf("m a=+1i"), "line 1, column 5: invalid integer value, near '+1i'");
}

TEST(LineProtocolErrors, UnsignedAboveInt64MaxIsRejected) {
  EXPECT_EQ(ErrorOf("m a=9223372036854775808u"),
            "line 1, column 5: unsigned integer out of int64 range, near '9223372036854775808u'");
  EXPECT_EQ(ErrorOf("m a=99999999999999999999u"),
            "line 1, column 5: unsigned integer out of int64 range, near '99999999999999999999u'");
  EXPECT_EQ(ErrorOf("m a=-1u"), "line 1, column 5: invalid unsigned integer value, near '-1u'");
}

TEST(LineProtocolErrors, MisspelledBooleanIsRejected) {
  EXPECT_EQ(ErrorOf("m a=tru"), "line 1, column 5: invalid boolean value, near 'tru'");
  EXPECT_EQ(ErrorOf("m a=tRUE"), "line 1, column 5: invalid boolean value, near 'tRUE'");
}

TEST(LineProtocolErrors, MissingFieldsAreRejected) {
  EXPECT_EQ(ErrorOf("m"), "line 1, column 2: missing fields, near 'm'");
  EXPECT_EQ(ErrorOf("m,t=1"), "line 1, column 6: missing fields, near 'm,t=1'");
  EXPECT_EQ(ErrorOf("m,t=1   \nx a=1"), "line 1, column 9: missing fields, near 'm,t=1   '");
  EXPECT_EQ(ErrorOf("m,t=1\r\n"), "line 1, column 6: missing fields, near 'm,t=1'");
}

TEST(LineProtocolErrors, MissingFieldValueIsRejected) {
  EXPECT_EQ(ErrorOf("m a="), "line 1, column 5: missing field value, near 'm a='");
  EXPECT_EQ(ErrorOf("m a=,b=1"), "line 1, column 5: missing field value, near ',b=1'");
}

TEST(LineProtocolErrors, MissingFieldKeyIsRejected) {
  EXPECT_EQ(ErrorOf("m =1"), "line 1, column 3: missing field key, near '=1'");
  EXPECT_EQ(ErrorOf("m a=1,=2"), "line 1, column 7: missing field key, near '=2'");
  EXPECT_EQ(ErrorOf("m a=1, b=2"), "line 1, column 7: missing field key, near ' b=2'");
  EXPECT_EQ(ErrorOf("m a=1,"), "line 1, column 7: missing field key, near 'm a=1,'");
}

TEST(LineProtocolErrors, FieldWithoutEqualsIsRejected) {
  EXPECT_EQ(ErrorOf("m a"), "line 1, column 4: missing '=' after field key, near 'm a'");
  EXPECT_EQ(ErrorOf("m a b=1"), "line 1, column 4: missing '=' after field key, near ' b=1'");
}

TEST(LineProtocolErrors, MissingMeasurementIsRejected) {
  EXPECT_EQ(ErrorOf(",t=1 a=1"), "line 1, column 1: missing measurement, near ',t=1 a=1'");
}

TEST(LineProtocolErrors, EmptyTagValueIsRejected) {
  EXPECT_EQ(ErrorOf("m,t= a=1"), "line 1, column 5: missing tag value, near ' a=1'");
  EXPECT_EQ(ErrorOf("m,t=,u=1 a=1"), "line 1, column 5: missing tag value, near ',u=1 a=1'");
}

TEST(LineProtocolErrors, MalformedTagsAreRejected) {
  EXPECT_EQ(ErrorOf("m,=1 a=1"), "line 1, column 3: missing tag key, near '=1 a=1'");
  EXPECT_EQ(ErrorOf("m, a=1"), "line 1, column 3: missing tag key, near ' a=1'");
  EXPECT_EQ(ErrorOf("m,t a=1"), "line 1, column 4: missing '=' after tag key, near ' a=1'");
  EXPECT_EQ(ErrorOf("m,t=a=b a=1"), "line 1, column 6: unescaped '=' in tag value, near '=b a=1'");
}

TEST(LineProtocolErrors, DuplicateTagKeyIsRejected) {
  EXPECT_EQ(ErrorOf("m,b=1,a=2,b=3 f=1"), "line 1, column 11: duplicate tag key, near 'b=3 f=1'");
  EXPECT_EQ(ErrorOf("m,a=1,a=1 f=1"), "line 1, column 7: duplicate tag key, near 'a=1 f=1'");
}

TEST(LineProtocolErrors, DuplicateFieldKeyIsRejected) {
  EXPECT_EQ(ErrorOf("m a=1,b=2,a=3"), "line 1, column 11: duplicate field key, near 'a=3'");
  std::string many = "m ";
  for (int i = 0; i < 30; i++) many += "f" + std::to_string(i) + "=1,";
  many += "f7=2";  // column 3 + 30 fields' text
  const size_t col = many.size() - 3;
  EXPECT_EQ(ErrorOf(many),
            "line 1, column " + std::to_string(col) + ": duplicate field key, near 'f7=2'");
}

TEST(LineProtocolErrors, BadTimestampIsRejected) {
  EXPECT_EQ(ErrorOf("m a=1 12x"), "line 1, column 7: invalid timestamp, near '12x'");
  EXPECT_EQ(ErrorOf("m a=1 1.5"), "line 1, column 7: invalid timestamp, near '1.5'");
  EXPECT_EQ(ErrorOf("m a=1 b=2"), "line 1, column 7: invalid timestamp, near 'b=2'");
  EXPECT_EQ(ErrorOf("m a=1 +5"), "line 1, column 7: invalid timestamp, near '+5'");
  EXPECT_EQ(ErrorOf("m a=1 9223372036854775808"),
            "line 1, column 7: timestamp out of int64 range, near '9223372036854775808'");
}

TEST(LineProtocolErrors, TrailingGarbageIsRejected) {
  EXPECT_EQ(ErrorOf("m a=1 123 junk"),
            "line 1, column 11: unexpected text after timestamp, near 'junk'");
  EXPECT_EQ(ErrorOf("m a=1 123,4"),
            "line 1, column 10: unexpected text after timestamp, near ',4'");
  EXPECT_EQ(ErrorOf("m a=\"x\"y"),
            "line 1, column 8: expected ',' or ' ' after field value, near 'y'");
  EXPECT_EQ(ErrorOf("m a=1\rb"),
            "line 1, column 6: expected ',' or ' ' after field value, near '\\rb'");
}

TEST(LineProtocolErrors, UnterminatedStringIsRejected) {
  EXPECT_EQ(ErrorOf("m a=\"abc"), "line 1, column 5: unterminated string, near '\"abc'");
  EXPECT_EQ(ErrorOf("m a=1\nm b=\"x\\\"\ny\n"),
            "line 2, column 5: unterminated string, near '\"x\\\"'");
}

TEST(LineProtocolErrors, NamesFailingValidationAreRejected) {
  EXPECT_EQ(ErrorOf("m,t=\xff a=1"),
            "line 1, column 5: invalid tag value '\\xff': not valid UTF-8, near '\\xff a=1'");
  EXPECT_EQ(ErrorOf(std::string_view("a\0b f=1", 7)),
            "line 1, column 2: control character 0x00 in measurement, near '\\x00b f=1'");
  EXPECT_EQ(ErrorOf("m,\xc0\xaf=1 a=1"),
            "line 1, column 3: invalid tag key '\\xc0\\xaf': not valid UTF-8, near "
            "'\\xc0\\xaf=1 a=1'");
  EXPECT_EQ(ErrorOf("m \xed\xa0\x80=1"),
            "line 1, column 3: invalid field key '\\xed\\xa0\\x80': not valid UTF-8, near "
            "'\\xed\\xa0\\x80=1'");
  const std::string long_key(kMaxNameBytes + 1, 'k');
  std::string err = ErrorOf("m " + long_key + "=1");
  EXPECT_EQ(err.rfind("line 1, column 3: invalid field key 'kkk", 0), 0u) << err;
  EXPECT_NE(err.find("longer than 65536 bytes"), std::string::npos);
}

TEST(LineProtocolErrors, BadByteAfterBackslashIsValidated) {
  EXPECT_EQ(ErrorOf("m,t=x\\\xd9 a=1"),
            "line 1, column 5: invalid tag value 'x\\\\xd9': not valid UTF-8, near 'x\\\\xd9 a=1'");
  EXPECT_EQ(ErrorOf(std::string_view("m\\\0 a=1", 7)),
            "line 1, column 3: control character 0x00 in measurement, near '\\x00 a=1'");
}

TEST(LineProtocolErrors, ErrorLineNumbersCountBlankCommentAndStringLines) {
  EXPECT_EQ(ErrorOf("m a=1\n\n# c\nm b=oops\n"),
            "line 4, column 5: invalid field value, near 'oops'");
  EXPECT_EQ(ErrorOf("m s=\"a\nb\" 1\nm x=bad"),
            "line 3, column 5: invalid field value, near 'bad'");
  EXPECT_EQ(ErrorOf("m a=1\r\n  m b=tru\r\n"),
            "line 2, column 7: invalid boolean value, near 'tru'");
}

TEST(LineProtocolErrors, MessagesAreValidUtf8) {
  std::string err = ErrorOf("m,t=\xe2\x82 a=1");
  EXPECT_TRUE(IsValidUtf8(err)) << err;
}

}  // namespace
}  // namespace strata
