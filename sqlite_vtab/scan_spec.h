// What a scan reads: the time range, tag filters, fields and order a plan's values select
// (plan.h), for the merged row scan (scan.h) and the aggregate view (aggregate.h). A plain value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace strata_sql {

// A tag filter of a plan: key in values.
struct TagFilter {
  std::string key;
  std::set<std::string> values;
};

// A tag predicate of a plan (!=, LIKE, GLOB on a tag column): a superset filter the engine applies
// through its tag index (strata_tag_predicate); SQLite re-checks every row (omit = 0), so the
// predicate only narrows the series read and may keep rows SQLite then drops, never the reverse.
struct TagPredicate {
  std::string key;
  int op = 0;         // STRATA_TAG_NOT_IN, STRATA_TAG_PREFIX or STRATA_TAG_PREFIX_NOCASE
  std::string value;  // the excluded value or the prefix
};

struct ScanSpec {
  std::vector<TagFilter> filters;
  std::vector<TagPredicate> predicates;  // row scans only; the aggregate view leaves them to SQLite
  std::vector<uint8_t> values;  // per declared field: whether its value is read; empty: all are
  int64_t t_min = INT64_MIN, t_max = INT64_MAX;  // inclusive
  bool empty = false;  // the constraints admit no row
  bool descending = false;  // rows of each tag set newest first
  bool by_time = false;     // the caller needs time order across tag sets (Scan::single_tagset)
  // At most this many rows of each tag set, the first in scan order (0: all). A hint: the scan
  // takes it only while the connection has no pending change of the table (Scan::limited).
  size_t limit_per_tagset = 0;
  // Declared tag columns (0-based among the tags): rows must come ordered by their values, NULL
  // first (ORDER BY / GROUP BY of tag columns consumed; see Scan::tag_ordered).
  std::vector<int> order_tags;
};

}  // namespace strata_sql
