#include "time_text.h"

#include <chrono>
#include <cstdio>

#include "series_key.h"

namespace strata {
namespace {

// The whole seconds of the int64 nanosecond range: text times are taken within them.
constexpr int64_t kMinTextSeconds = -9'223'372'036;  // 1677-09-21T00:12:44Z
constexpr int64_t kMaxTextSeconds = 9'223'372'035;   // 2262-04-11T23:47:15Z
constexpr int64_t kNsPerSecond = 1'000'000'000;

// Why a text is not a time.
enum class Refusal { kNone, kMalformed, kNoSuchDate, kOutOfRange };

// The parts of an ISO-8601 date-time.
struct DateTime {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t frac_ns = 0;
  int64_t offset_s = 0;  // the zone's offset from UTC
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

// [+|-]digits within int64.
bool ParseInteger(std::string_view s, int64_t* out) {
  size_t i = 0;
  const bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) i = 1;
  if (i == s.size()) return false;
  int64_t v = 0;
  for (; i < s.size(); i++) {
    if (!IsDigit(s[i])) return false;
    const int digit = s[i] - '0';
    if (__builtin_mul_overflow(v, int64_t{10}, &v) ||
        __builtin_add_overflow(v, negative ? -digit : digit, &v)) {
      return false;
    }
  }
  *out = v;
  return true;
}

// Exactly n digits at s[pos].
bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; i++) {
    if (!IsDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool IsLeapYear(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// YYYY-MM-DD at the start of s.
Refusal ParseDate(std::string_view s, DateTime* t) {
  if (s.size() < 10 || !Digits(s, 0, 4, &t->year) || s[4] != '-' || !Digits(s, 5, 2, &t->month) ||
      s[7] != '-' || !Digits(s, 8, 2, &t->day) || t->month < 1 || t->month > 12 || t->day < 1) {
    return Refusal::kMalformed;
  }
  return t->day > DaysInMonth(t->year, t->month) ? Refusal::kNoSuchDate : Refusal::kNone;
}

// The fraction of a second at s[*p] (after its '.' or ','), into t->frac_ns.
bool ParseFraction(std::string_view s, size_t* p, DateTime* t) {
  int n = 0;
  for (; *p < s.size() && IsDigit(s[*p]); (*p)++) {
    if (n < 9) {
      t->frac_ns = t->frac_ns * 10 + (s[*p] - '0');
      n++;
    } else if (s[*p] != '0') {
      return false;  // finer than a nanosecond: not representable
    }
  }
  if (n == 0) return false;
  for (; n < 9; n++) t->frac_ns *= 10;
  return true;
}

// hh:mm[:ss[(.|,)fraction]] at s[*p].
bool ParseClock(std::string_view s, size_t* p, DateTime* t) {
  if (!Digits(s, *p, 2, &t->hour) || *p + 2 >= s.size() || s[*p + 2] != ':' ||
      !Digits(s, *p + 3, 2, &t->minute)) {
    return false;
  }
  *p += 5;
  if (*p < s.size() && s[*p] == ':') {
    if (!Digits(s, *p + 1, 2, &t->second)) return false;
    *p += 3;
    if (*p < s.size() && (s[*p] == '.' || s[*p] == ',')) {
      (*p)++;
      if (!ParseFraction(s, p, t)) return false;
    }
  }
  // A leap second (:60) is not representable in Unix time.
  return t->hour <= 23 && t->minute <= 59 && t->second <= 59;
}

// The rest of s from p: nothing, Z, or (+|-)hh[:]mm.
bool ParseZone(std::string_view s, size_t p, DateTime* t) {
  if (p == s.size()) return true;
  if (s[p] == 'Z' || s[p] == 'z') return p + 1 == s.size();
  if (s[p] != '+' && s[p] != '-') return false;
  const int sign = s[p] == '-' ? -1 : 1;
  int hours = 0, minutes = 0;
  if (!Digits(s, p + 1, 2, &hours)) return false;
  size_t q = p + 3;
  if (q < s.size() && s[q] == ':') q++;
  if (!Digits(s, q, 2, &minutes) || q + 2 != s.size() || hours > 23 || minutes > 59) return false;
  t->offset_s = sign * (hours * 3600 + minutes * 60);
  return true;
}

// The ns of an ISO-8601 date-time (s trimmed).
Refusal ParseIso(std::string_view s, int64_t* out) {
  DateTime t;
  if (const Refusal r = ParseDate(s, &t); r != Refusal::kNone) return r;
  size_t p = 10;
  if (p < s.size()) {
    if (s[p] != 'T' && s[p] != 't' && s[p] != ' ') return Refusal::kMalformed;
    p++;
    if (!ParseClock(s, &p, &t) || !ParseZone(s, p, &t)) return Refusal::kMalformed;
  }
  using namespace std::chrono;
  const int64_t days = sys_days{year{t.year} / month{static_cast<unsigned>(t.month)} /
                                day{static_cast<unsigned>(t.day)}}
                           .time_since_epoch()
                           .count();
  const int64_t secs =
      days * 86400 + t.hour * 3600 + t.minute * 60 + t.second - t.offset_s;
  if (secs < kMinTextSeconds || secs > kMaxTextSeconds) return Refusal::kOutOfRange;
  *out = secs * kNsPerSecond + t.frac_ns;
  return Refusal::kNone;
}

std::string Reason(Refusal r, std::string_view s) {
  switch (r) {
    case Refusal::kNoSuchDate:
      return std::string(s.substr(0, 7)) + " has no day " + std::string(s.substr(8, 2));
    case Refusal::kOutOfRange:
      return "outside 1677-09-21T00:12:44Z to 2262-04-11T23:47:15.999999999Z, the text times "
             "int64 ns hold";
    default:
      return "expected integer nanoseconds or ISO-8601 text like '2016-01-01T00:00:00Z'";
  }
}

}  // namespace

Result<int64_t> ParseTimeText(std::string_view text) {
  const std::string_view s = Trim(text);
  int64_t ns = 0;
  if (ParseInteger(s, &ns)) return ns;
  const Refusal r = ParseIso(s, &ns);
  if (r == Refusal::kNone) return ns;
  std::string msg = "cannot use '";
  AppendSnippet(&msg, text, 60);
  msg += "' as a time: " + Reason(r, s);
  return unexpected(Error::Invalid(std::move(msg)));
}

std::string FormatTimeText(int64_t ns) {
  int64_t secs = ns / kNsPerSecond;
  int64_t frac = ns % kNsPerSecond;
  if (frac < 0) {
    frac += kNsPerSecond;
    secs--;
  }
  int64_t days = secs / 86400;
  int64_t second_of_day = secs % 86400;
  if (second_of_day < 0) {
    second_of_day += 86400;
    days--;
  }
  using namespace std::chrono;
  const year_month_day ymd{sys_days{std::chrono::days{days}}};
  char buf[48];
  int n = std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d",
                        static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                        static_cast<unsigned>(ymd.day()), static_cast<int>(second_of_day / 3600),
                        static_cast<int>(second_of_day / 60 % 60),
                        static_cast<int>(second_of_day % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (frac != 0) {
    n = std::snprintf(buf, sizeof(buf), ".%09lld", static_cast<long long>(frac));
    while (buf[n - 1] == '0') n--;
    out.append(buf, static_cast<size_t>(n));
  }
  out += 'Z';
  return out;
}

}  // namespace strata
