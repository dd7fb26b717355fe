// The query plan (README.md, "Plans"): xBestIndex chooses which constraints, orders and limits the
// engine applies, and encodes that in idxNum and idxStr; xFilter decodes them with the values of
// the chosen constraints into a ScanSpec (and, for the aggregate view, an AggregateSpec).
// Stateless; called by SQLite on the connection's thread.
#pragma once

#include <sqlite3ext.h>

#include <cstdint>
#include <string>

#include "aggregate.h"
#include "scan_spec.h"

namespace strata_sql {

struct Table;

// idxNum bits (plan.cc documents the argv order).
inline constexpr int kPlanTime = 1;       // time constraints present
inline constexpr int kPlanTags = 2;       // tag constraints present
inline constexpr int kPlanOrderTime = 4;  // rows must come in time order (ORDER BY time consumed)
inline constexpr int kPlanDescending = 8;  // ... newest first (ORDER BY time DESC)
inline constexpr int kPlanAggregate = 16;  // the aggregate view (_strata_aggregate = v)
inline constexpr int kPlanOrderTags = 32;  // rows ordered by tag columns (ORDER/GROUP BY consumed)
// The largest LIMIT handed to the engine: a limited scan's rows are collected at xFilter.
inline constexpr int64_t kMaxPushedLimit = 10000;

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info);
// Decodes a plan's argv into a ScanSpec and, with kPlanAggregate, *agg. False with *err for unusable
// values.
bool DecodePlan(Table* t, int idx_num, const char* idx_str, int argc, sqlite3_value** argv,
                ScanSpec* spec, AggregateSpec* agg, std::string* err);

}  // namespace strata_sql
