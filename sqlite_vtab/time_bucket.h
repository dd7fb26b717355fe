// Time buckets: the one rule by which time_bucket(width, time [, origin [, zone]]) and the
// aggregate view's `every` cut time into buckets. A BucketRule is a width and where buckets start:
//   - A fixed width: integer ns or a duration ('30s', '1m', '1h', '1d', '1w';
//     strata_parse_duration). Buckets start at origin + k * width for every integer k.
//   - A calendar width: 'Nmo' (N months) or 'Ny' (N years, 12N months). Buckets start at the
//     origin's day of the month and time of day, every N months from the origin's month
//     (k * N months for every integer k): with the default origin, on the first of each month
//     (of January, every year for 'Ny') at 00:00. The origin's day of the month must be 1-28, so
//     every month has it.
//   - The origin: a time at which a bucket starts (ns or ISO-8601, as the time column takes).
//     By default midnight of 1970-01-01 on the zone's clock, so '1d' buckets are the zone's days
//     and '1w' weeks start on Thursdays, the weekday of 1970-01-01: give a Monday
//     ('2024-01-01') for weeks from Monday.
//   - The zone: a fixed offset from UTC, 'Z' / 'UTC' (the default), '+02:00', '-0530', '+05'.
//     Calendar buckets are counted on the clock of that offset (a month in '+02:00' starts at
//     22:00 UTC of the day before). Daylight saving time is not followed: the offset is fixed
//     (a zone database's rules, e.g. Europe/Berlin, are not used).
// A bucket is [start, end). A bucket that would start before the int64 range starts at INT64_MIN.
// Stateless and thread-safe.
#pragma once

#include <sqlite3ext.h>

#include <cstdint>
#include <string>

namespace strata_sql {

struct BucketRule {
  int64_t width_ns = 0;  // fixed width; 0 for a calendar width
  int64_t months = 0;    // calendar width in months; 0 for a fixed width
  int64_t origin_ns = 0;  // on the zone's clock (UTC + offset_ns): a bucket starts here
  int64_t offset_ns = 0;  // the zone: its clock is UTC + offset_ns

  bool empty() const { return width_ns == 0 && months == 0; }
};

// Sets the width of *rule from `v`: integer ns, a duration text or a calendar width. False with
// *err when it is none of those or not positive.
bool ParseBucketWidth(sqlite3_value* v, BucketRule* rule, std::string* err);
// Sets the origin of *rule from `v`, a time (NULL: the default). REQUIRES: the width and the
// zone are set first. False with *err for what is not a time, or a calendar origin past day 28.
bool ParseBucketOrigin(sqlite3_value* v, BucketRule* rule, std::string* err);
// Sets the zone of *rule from `v`, a UTC offset text (NULL: UTC). False with *err.
bool ParseBucketZone(sqlite3_value* v, BucketRule* rule, std::string* err);

// The bucket of `rule` (not empty) that holds `time`: *start (INT64_MIN for a bucket that would
// start before the int64 range) and *end, exclusive; false when the bucket reaches past
// INT64_MAX (then *end is meaningless).
bool BucketOf(const BucketRule& rule, int64_t time, int64_t* start, int64_t* end);

}  // namespace strata_sql
