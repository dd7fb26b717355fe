// The aggregate view (README.md, "The aggregate view"): `SELECT ... FROM cpu('mean', '1h')` has
// one row per tag set and time bucket, each field column holding that field's aggregate over the
// bucket's points, computed inside the module block by block from the engine (or from the merged
// rows when the connection has pending changes to the table). Stateless apart from the Table it
// reads through; one thread at a time per table.
#pragma once

#include <sqlite3ext.h>

#include <cstdint>
#include <string>

#include "row.h"
#include "scan_spec.h"
#include "time_bucket.h"

namespace strata_sql {

struct Table;

// The aggregate view's arguments (a plan with kPlanAggregate).
enum class AggregateFn { kCount, kSum, kMean, kMin, kMax, kFirst, kLast };
struct AggregateSpec {
  AggregateFn fn = AggregateFn::kCount;
  BucketRule every;  // the buckets (time_bucket.h); empty: one bucket per tag set
  sqlite3_value* fn_arg = nullptr;     // the arguments as given (echoed by the hidden columns),
  sqlite3_value* every_arg = nullptr;  // valid during xFilter only
};

// The aggregate named by v: 'count', 'sum', 'mean' (or 'avg'), 'min', 'max', 'first', 'last', in
// any case. False with *err.
bool ParseAggregateFn(sqlite3_value* v, AggregateFn* fn, std::string* err);
// The buckets of a width: NULL (empty: none) or as time_bucket(width, time) has them (default
// origin, UTC). False with *err.
bool ParseEvery(sqlite3_value* v, BucketRule* every, std::string* err);

// Computes the aggregate view for the points `spec` selects (ScanSpec::values: the fields read; the
// others are neither aggregated nor read) into *rows, in (tag-set key, time) order. Reads the
// engine block by block, or merges the connection's pending rows when the table has some. STRATA
// status with *err on failure.
int Aggregate(Table* t, const ScanSpec& spec, const AggregateSpec& agg, RowBuffer* rows,
              std::string* err);

}  // namespace strata_sql
