// A time as text: the one definition of how Strata reads and writes a timestamp as text, used by
// every layer (the CLI's --start/--end and its output, and through the C ABI's strata_parse_time /
// strata_format_time the SQLite module's `time` column and strata_time()).
//
// Parsing takes, with white space around it ignored:
//   - integer nanoseconds since the epoch: [+|-]digits, within int64;
//   - an ISO-8601 date-time: YYYY-MM-DD[(T|t| )hh:mm[:ss[(.|,)fraction]]][Z|z|(+|-)hh[:]mm], in UTC
//     when it has no zone. A date that does not exist (2016-02-30), an hour past 23, a minute past
//     59, a leap second (:60, which Unix time cannot represent), a fraction finer than a nanosecond
//     (a non-zero digit past the ninth) and a zone past 23:59 are refused. Text times run from
//     1677-09-21T00:12:44Z to 2262-04-11T23:47:15.999999999Z, the whole seconds that int64
//     nanoseconds hold.
// Formatting writes RFC 3339 in UTC with as many fraction digits as the time needs (none, or up to
// nine): "2016-01-01T00:00:10Z", "2016-01-01T00:00:10.5Z". Parsing gives back every time it
// formats within the text range.
// Stateless and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "result.h"

namespace strata {

// The longest text FormatTimeText gives: "YYYY-MM-DDThh:mm:ss.nnnnnnnnnZ".
inline constexpr size_t kMaxTimeTextBytes = 30;

// The time `text` names, in ns since the epoch. Invalid otherwise, with a message that quotes the
// text and says why: "cannot use '2016-02-30' as a time: 2016-02 has no day 30".
[[nodiscard]] Result<int64_t> ParseTimeText(std::string_view text);

// `ns` as RFC 3339 text in UTC (see above); at most kMaxTimeTextBytes bytes.
std::string FormatTimeText(int64_t ns);

}  // namespace strata
