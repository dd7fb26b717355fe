#include "time_bucket.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <chrono>
#include <cstring>
#include <string_view>

#include "convert.h"
#include "strata.h"

namespace strata_sql {
namespace {

__extension__ typedef __int128 Wide;  // ns sums that may leave the int64 range
constexpr int64_t kNsPerDay = 86'400'000'000'000;
constexpr int64_t kNsPerMinute = 60'000'000'000;
constexpr int64_t kMaxMonths = 12 * 10'000;

Wide FloorDiv(Wide a, Wide b) {
  Wide q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}

std::string_view Trimmed(const char* text) {
  std::string_view s(text);
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// 'Nmo' or 'Ny' as a number of months; 0 when `s` is neither.
int64_t CalendarMonths(std::string_view s) {
  size_t digits = 0;
  int64_t n = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9' && n <= kMaxMonths) {
    n = n * 10 + (s[digits++] - '0');
  }
  const std::string_view unit = s.substr(digits);
  if (digits == 0 || n > kMaxMonths) return 0;
  if (unit == "mo") return n;
  if (unit == "y") return n * 12 <= kMaxMonths ? n * 12 : 0;
  return 0;
}

// A time on a clock, split into its civil date and its time of day.
struct Civil {
  int64_t months;  // since year 0: year * 12 + month - 1
  int day;         // 1-31
  int64_t time_of_day;  // ns
};

Civil ToCivil(Wide ns) {
  const Wide days = FloorDiv(ns, kNsPerDay);
  const std::chrono::year_month_day ymd{
      std::chrono::sys_days{std::chrono::days{static_cast<int64_t>(days)}}};
  return Civil{static_cast<int64_t>(static_cast<int>(ymd.year())) * 12 +
                   static_cast<unsigned>(ymd.month()) - 1,
               static_cast<int>(static_cast<unsigned>(ymd.day())),
               static_cast<int64_t>(ns - days * kNsPerDay)};
}

// The time on the same clock of `day` (1-28) of month `months` (see Civil) at `time_of_day`.
Wide FromCivil(int64_t months, int day, int64_t time_of_day) {
  const int64_t year = static_cast<int64_t>(FloorDiv(months, 12));
  const unsigned month = static_cast<unsigned>(months - year * 12 + 1);
  const std::chrono::sys_days d{std::chrono::year_month_day{
      std::chrono::year{static_cast<int>(year)}, std::chrono::month{month},
      std::chrono::day{static_cast<unsigned>(day)}}};
  return static_cast<Wide>(d.time_since_epoch().count()) * kNsPerDay + time_of_day;
}

// [start, end) on the zone's clock of the calendar bucket holding `local`.
void CalendarBucket(const BucketRule& rule, Wide local, Wide* start, Wide* end) {
  const Civil origin = ToCivil(rule.origin_ns);
  const Civil at = ToCivil(local);
  int64_t q = static_cast<int64_t>(FloorDiv(at.months - origin.months, rule.months));
  auto bucket_start = [&](int64_t k) {
    return FromCivil(origin.months + k * rule.months, origin.day, origin.time_of_day);
  };
  *start = bucket_start(q);
  if (*start > local) *start = bucket_start(--q);
  *end = bucket_start(q + 1);
}

}  // namespace

bool ParseBucketWidth(sqlite3_value* v, BucketRule* rule, std::string* err) {
  rule->width_ns = 0;
  rule->months = 0;
  int64_t width = 0;
  if (sqlite3_value_type(v) == SQLITE_INTEGER) {
    width = sqlite3_value_int64(v);
  } else {
    const unsigned char* text = sqlite3_value_text(v);
    const char* s = reinterpret_cast<const char*>(text);
    if (sqlite3_value_type(v) == SQLITE_TEXT && text != nullptr) {
      rule->months = CalendarMonths(Trimmed(s));
      if (rule->months > 0) return true;
    }
    if (sqlite3_value_type(v) != SQLITE_TEXT || text == nullptr ||
        strata_parse_duration(s, &width) != STRATA_OK) {
      *err = "bad width " + Describe(v) +
             " (expected a duration like '30s', '1m', '1h', '1d', '1w', a calendar width like "
             "'1mo' or '1y', or integer nanoseconds)";
      return false;
    }
  }
  if (width <= 0) {
    *err = "width must be positive, got " + Describe(v);
    return false;
  }
  rule->width_ns = width;
  return true;
}

bool ParseBucketZone(sqlite3_value* v, BucketRule* rule, std::string* err) {
  rule->offset_ns = 0;
  if (sqlite3_value_type(v) == SQLITE_NULL) return true;
  const unsigned char* text = sqlite3_value_text(v);
  std::string_view s = sqlite3_value_type(v) == SQLITE_TEXT && text != nullptr
                           ? Trimmed(reinterpret_cast<const char*>(text))
                           : std::string_view();
  if (s == "Z" || s == "z" || s == "UTC" || s == "utc") return true;
  auto digit = [&](size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
  int hours = -1, minutes = 0;
  if (s.size() >= 3 && (s[0] == '+' || s[0] == '-') && digit(1) && digit(2)) {
    hours = (s[1] - '0') * 10 + (s[2] - '0');
    std::string_view rest = s.substr(3);
    if (!rest.empty() && rest[0] == ':') rest.remove_prefix(1);
    if (rest.size() == 2 && rest[0] >= '0' && rest[0] <= '9' && rest[1] >= '0' && rest[1] <= '9') {
      minutes = (rest[0] - '0') * 10 + (rest[1] - '0');
    } else if (!rest.empty()) {
      hours = -1;
    }
  }
  if (hours < 0 || hours > 23 || minutes > 59) {
    *err = "bad zone " + Describe(v) +
           " (expected a fixed UTC offset like '+02:00', '-05:30' or 'Z'; zone names are not "
           "known)";
    return false;
  }
  rule->offset_ns = (s[0] == '-' ? -1 : 1) * (hours * 60 + minutes) * kNsPerMinute;
  return true;
}

bool ParseBucketOrigin(sqlite3_value* v, BucketRule* rule, std::string* err) {
  rule->origin_ns = 0;
  if (sqlite3_value_type(v) == SQLITE_NULL) return true;
  int64_t origin = 0;
  std::string why;
  if (!ToTime(v, &origin, &why)) {
    *err = "bad origin: " + why;
    return false;
  }
  const Wide local = static_cast<Wide>(origin) + rule->offset_ns;
  if (rule->months > 0 && ToCivil(local).day > 28) {
    *err = "the origin of a calendar width must fall on day 1-28 of a month, got " + Describe(v);
    return false;
  }
  // Only the origin's place within a bucket matters: keep it near the epoch, within int64.
  const Wide span = rule->months > 0 ? Wide{0} : Wide{rule->width_ns};
  rule->origin_ns = static_cast<int64_t>(span > 0 ? local - FloorDiv(local, span) * span : local);
  return true;
}

bool BucketOf(const BucketRule& rule, int64_t time, int64_t* start, int64_t* end) {
  const Wide local = static_cast<Wide>(time) + rule.offset_ns;
  Wide s = 0, e = 0;
  if (rule.months > 0) {
    CalendarBucket(rule, local, &s, &e);
  } else {
    s = rule.origin_ns + FloorDiv(local - rule.origin_ns, rule.width_ns) * rule.width_ns;
    e = s + rule.width_ns;
  }
  s -= rule.offset_ns;
  e -= rule.offset_ns;
  *start = s < INT64_MIN ? INT64_MIN : static_cast<int64_t>(s);
  if (e > INT64_MAX) return false;
  *end = static_cast<int64_t>(e);
  return true;
}

}  // namespace strata_sql
