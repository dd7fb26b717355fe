// The module's SQL functions of time (README.md, "Functions"), deterministic and innocuous:
//   time_bucket(width, time [, origin [, zone]])
//                            the start of the bucket holding `time`, as integer ns: width,
//                            origin and zone as time_bucket.h defines them ('1h', '1d', '1w',
//                            '1mo', '1y', ...; origin a time where a bucket starts, default
//                            1970-01-01T00:00:00 on the zone's clock; zone a fixed UTC offset
//                            '+02:00', default UTC). time is integer ns (or text as INSERT takes
//                            it). NULL when width or time is NULL; a NULL origin or zone is the
//                            default.
//   strata_time(text)        an ISO-8601 date-time (or integer text) as integer ns, for writing
//                            WHERE time >= strata_time('2016-01-01T00:00:00Z').
//   strata_format_time(time) integer ns as RFC 3339 text in UTC ('2016-01-01T00:00:10.5Z'), the
//                            text strata_time reads back; NULL for NULL.
// Times are read as the `time` column reads them (convert.h), so one rule holds everywhere.
#pragma once

#include <sqlite3ext.h>

namespace strata_sql {

// Registers the functions on `db`. An SQLite result code.
int RegisterTimeFunctions(sqlite3* db);

}  // namespace strata_sql
