// The query plan (README.md, "Plans"): xBestIndex chooses which constraints, orders and limits
// the engine applies and encodes them as a Plan in idxNum and idxStr; xFilter decodes the Plan
// and binds the values of its slots into what the scan reads (ScanSpec) and, for the aggregate
// view, the view's arguments (AggregateSpec). The encoding is readable in EXPLAIN QUERY PLAN:
//
//   idxNum   bit 1 (kPlanOrderByTime): ORDER BY time was consumed, rows must come in time order;
//            bit 2 (kPlanDescending): ... newest first.
//   idxStr   slot* ['|' tag (',' tag)*] ['/' ('0'|'1') per field], where each slot is one value
//            of xFilter's argv, in argv order, written as its SlotCode (and for a tag slot the tag
//            column's number, 0-based among the tags); '|' lists the tag columns of a consumed
//            ORDER BY / GROUP BY; '/' says per declared field whether its value is read (1) or
//            only whether it has one (0), and is left out when every value is read.
//
// e.g. "]<T0I2" is time >= ? AND time < ? AND <tag 0> = ? AND <tag 2> IN (...).
// Stateless; called on the connection's thread.
#pragma once

#include <sqlite3ext.h>

#include <cstdint>
#include <string>
#include <vector>

#include "aggregate.h"
#include "scan_spec.h"

namespace strata_sql {

struct Table;

// What one xFilter value is.
enum class SlotCode : char {
  kTimeEq = '=',     // time = v
  kTimeGt = '>',     // time > v
  kTimeGe = ']',     // time >= v (BETWEEN arrives as >= and <=)
  kTimeLt = '<',     // time < v
  kTimeLe = '[',     // time <= v
  kTagEq = 'T',      // tag column k = v
  kTagIn = 'I',      // tag column k IN (list): the whole list in one xFilter (sqlite3_vtab_in)
  kAggregate = '@',  // _strata_aggregate = v: the plan is the aggregate view's
  kEvery = '~',      // _strata_every = v: the view's bucket width
  kKey = '#',        // _strata_key = v on the view: refused at xFilter (a third argument)
  kLimit = '$',      // LIMIT v, pushed to the engine per tag set
  kTagNe = '!',      // tag column k != v: not in {v}, a superset SQLite re-checks
  kTagLike = 'L',    // tag column k LIKE v: v's literal prefix, ASCII case ignored; re-checked
  kTagGlob = 'G',    // tag column k GLOB v: v's literal prefix, bytewise; re-checked
};

// Whether a slot is a tag predicate (kTagNe, kTagLike, kTagGlob): pushed down as a superset
// filter, with SQLite checking each row again (omit = 0).
bool IsTagPredicate(SlotCode code);
// Whether a slot names a tag column (kTagEq, kTagIn or a tag predicate).
bool HasTag(SlotCode code);

struct PlanSlot {
  SlotCode code = SlotCode::kTimeEq;
  int tag = -1;  // HasTag slots: the tag column, 0-based among the tags
};

struct Plan {
  bool order_by_time = false;    // ORDER BY time consumed: rows must come in time order
  bool descending = false;       // ... newest first
  std::vector<PlanSlot> slots;   // one per xFilter value, in argv order
  std::vector<int> order_tags;   // ORDER BY / GROUP BY of these tag columns consumed
  std::vector<uint8_t> values;   // per declared field: its value is read; empty: every value is

  // Whether the plan is the aggregate view's (it has a kAggregate slot).
  bool aggregate() const;
};

inline constexpr int kPlanOrderByTime = 1;
inline constexpr int kPlanDescending = 2;
// The largest LIMIT handed to the engine: a limited scan's rows are collected at xFilter.
inline constexpr int64_t kMaxPushedLimit = 10000;

// idxNum and idxStr of a plan.
int EncodePlanNum(const Plan& plan);
std::string EncodePlan(const Plan& plan);
// The plan idxNum and idxStr encode, for a table of `ntags` tags and `nfields` fields. False with
// *err when they are not a plan of such a table (an internal error).
bool DecodePlan(int idx_num, const char* idx_str, int ntags, int nfields, Plan* plan,
                std::string* err);

// xBestIndex.
int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info);

// Binds the argc values of xFilter to the slots of `plan`: *spec (what the scan reads) and, for
// the aggregate view, *agg. False with *err for unusable values (a bad aggregate or width, a
// third argument of the view) or values that do not fit the plan.
bool BindPlan(const Table* t, const Plan& plan, int argc, sqlite3_value** argv, ScanSpec* spec,
              AggregateSpec* agg, std::string* err);

}  // namespace strata_sql
