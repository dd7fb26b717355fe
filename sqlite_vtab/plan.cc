// The query plan: see plan.h for the encoding and README.md ("Plans") for what is pushed down.
//
// Omit: time constraints are enforced exactly by the engine (values are converted as SQLite's
// INTEGER affinity would), and tag =/IN with the BINARY collation too; both are omitted. Tag !=,
// LIKE and GLOB are pushed as superset filters (not in {v}; the literal prefix before the first
// wildcard, ASCII case ignored for LIKE, which is a superset with or without case_sensitive_like)
// and NOT omitted: SQLite re-checks every row, so they only narrow the series read. REGEXP is not
// taken (the application's regexp() need not speak RE2). Everything else (other operators, other
// collations, fields) is left to SQLite.
// Order: the scan yields rows by (tag-set key, time), or (tag-set key, time descending). ORDER BY
// time [DESC] alone is consumed when a tag is pinned by a single-value = (the table has no declared
// tags: always), so the rows likely belong to one tag set: the scan then streams in time order
// when the engine and the pending rows hold one tag set, and otherwise the cursor collects the
// rows and sorts them by time (cursor.cc). With the order consumed, every other constraint applied
// here and no OFFSET, a LIMIT of at most kMaxPushedLimit goes to the engine as a per-tag-set limit
// (SQLite offers none to a correlated subquery); otherwise the cursor is lazy, so SQLite stopping
// early stops the scan anyway. An ORDER BY of ascending tag columns only (also a GROUP BY of tag
// columns, which SQLite offers as one) is consumed too: the engine returns the tag sets ordered by
// those tags' values (a missing tag is NULL, first). Other orders are left to SQLite.
// Aggregate view: a plan needs its kAggregate slot; when that constraint is not usable the plan is
// refused (SQLITE_CONSTRAINT), so SQLite only runs the view with its argument known. ORDER BY is
// not consumed (the view has one row per tag set and bucket, few next to the points).
// Cost: a full scan is priced as 1e7 rows; a time range divides that (= by 1e6, two bounds by 100,
// one bound by 4), each pinned tag by 100, each IN list by 30 (a tag typically has many values),
// each tag predicate (!=, LIKE, GLOB) by 3,
// the aggregate view by 100 (groups, not points).
#include "plan.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "convert.h"
#include "error.h"
#include "table.h"

namespace strata_sql {

bool Plan::aggregate() const {
  return std::any_of(slots.begin(), slots.end(),
                     [](const PlanSlot& s) { return s.code == SlotCode::kAggregate; });
}

// ---- encoding
// ------------------------------------------------------------------------------------

bool IsTagPredicate(SlotCode code) {
  return code == SlotCode::kTagNe || code == SlotCode::kTagLike || code == SlotCode::kTagGlob;
}

bool HasTag(SlotCode code) {
  return code == SlotCode::kTagEq || code == SlotCode::kTagIn || IsTagPredicate(code);
}

int EncodePlanNum(const Plan& plan) {
  return (plan.order_by_time ? kPlanOrderByTime : 0) | (plan.descending ? kPlanDescending : 0);
}

std::string EncodePlan(const Plan& plan) {
  std::string out;
  for (const PlanSlot& slot : plan.slots) {
    out.push_back(static_cast<char>(slot.code));
    if (HasTag(slot.code)) {
      out += std::to_string(slot.tag);
    }
  }
  for (size_t i = 0; i < plan.order_tags.size(); i++) {
    out += (i == 0 ? "|" : ",") + std::to_string(plan.order_tags[i]);
  }
  if (!plan.values.empty()) {
    out.push_back('/');
    for (uint8_t read : plan.values) out.push_back(read ? '1' : '0');
  }
  return out;
}

namespace {

bool IsSlotCode(char c) {
  switch (static_cast<SlotCode>(c)) {
    case SlotCode::kTimeEq:
    case SlotCode::kTimeGt:
    case SlotCode::kTimeGe:
    case SlotCode::kTimeLt:
    case SlotCode::kTimeLe:
    case SlotCode::kTagEq:
    case SlotCode::kTagIn:
    case SlotCode::kAggregate:
    case SlotCode::kEvery:
    case SlotCode::kKey:
    case SlotCode::kLimit:
    case SlotCode::kTagNe:
    case SlotCode::kTagLike:
    case SlotCode::kTagGlob: return true;
  }
  return false;
}

// A tag column's number at s[*p], below ntags.
bool ReadTag(std::string_view s, size_t* p, int ntags, int* tag) {
  const size_t start = *p;
  int64_t k = 0;
  while (*p < s.size() && s[*p] >= '0' && s[*p] <= '9' && k < ntags) k = k * 10 + (s[(*p)++] - '0');
  if (*p == start || k >= ntags) return false;
  *tag = static_cast<int>(k);
  return true;
}

}  // namespace

bool DecodePlan(int idx_num, const char* idx_str, int ntags, int nfields, Plan* plan,
                std::string* err) {
  const std::string_view s = idx_str == nullptr ? "" : idx_str;
  plan->order_by_time = (idx_num & kPlanOrderByTime) != 0;
  plan->descending = (idx_num & kPlanDescending) != 0;
  size_t p = 0;
  bool ok = true;
  while (ok && p < s.size() && s[p] != '|' && s[p] != '/') {
    PlanSlot slot;
    ok = IsSlotCode(s[p]);
    slot.code = static_cast<SlotCode>(s[p++]);
    if (ok && HasTag(slot.code)) {
      ok = ReadTag(s, &p, ntags, &slot.tag);
    }
    plan->slots.push_back(slot);
  }
  if (ok && p < s.size() && s[p] == '|') {
    do {
      p++;
      int tag = 0;
      ok = ReadTag(s, &p, ntags, &tag);
      plan->order_tags.push_back(tag);
    } while (ok && p < s.size() && s[p] == ',');
  }
  if (ok && p < s.size() && s[p] == '/') {
    const std::string_view used = s.substr(p + 1);
    ok = static_cast<int>(used.size()) == nfields &&
         used.find_first_not_of("01") == std::string_view::npos;
    for (char c : used) plan->values.push_back(c == '1' ? 1 : 0);
    p = s.size();
  }
  if (ok && p == s.size()) return true;
  *err = "internal error: '" + std::string(s) + "' is not a plan of this table";
  return false;
}

// ---- choosing a plan (xBestIndex)
// --------------------------------------------------------------------

namespace {

// What the constraints a plan takes bound, for its cost and the orders it can consume.
struct Bounds {
  bool time_eq = false, time_lo = false, time_hi = false;
  std::vector<uint8_t> pinned;  // per tag: bound by a single-value =
  std::vector<uint8_t> used;    // per tag: bound by = or IN
  double rows = 1e7;            // the estimate
};

bool TimeCode(int op, SlotCode* code) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ: *code = SlotCode::kTimeEq; return true;
    case SQLITE_INDEX_CONSTRAINT_GT: *code = SlotCode::kTimeGt; return true;
    case SQLITE_INDEX_CONSTRAINT_GE: *code = SlotCode::kTimeGe; return true;
    case SQLITE_INDEX_CONSTRAINT_LT: *code = SlotCode::kTimeLt; return true;
    case SQLITE_INDEX_CONSTRAINT_LE: *code = SlotCode::kTimeLe; return true;
  }
  return false;
}

// Whether the statement is the aggregate view's: _strata_aggregate = v is usable.
bool IsView(const Schema& s, const sqlite3_index_info* info) {
  for (int i = 0; i < info->nConstraint; i++) {
    const auto& c = info->aConstraint[i];
    if (c.usable && c.op == SQLITE_INDEX_CONSTRAINT_EQ && c.iColumn == s.aggregate_column()) {
      return true;
    }
  }
  return false;
}

// Whether constraint i is one of the hidden columns' = that the view takes (_strata_key = v is
// taken only to refuse it on the view: a third function argument).
bool IsHiddenEq(const Schema& s, const sqlite3_index_info::sqlite3_index_constraint& c,
                bool view) {
  return c.op == SQLITE_INDEX_CONSTRAINT_EQ &&
         (c.iColumn == s.aggregate_column() || c.iColumn == s.every_column() ||
          (c.iColumn == s.key_column() && view));
}

// The slot of usable constraint i, when the engine applies it; false when SQLite must.
bool SlotOf(const Schema& s, sqlite3_index_info* info, int i, bool view, PlanSlot* slot) {
  const auto& c = info->aConstraint[i];
  if (IsHiddenEq(s, c, view)) {
    slot->code = c.iColumn == s.aggregate_column() ? SlotCode::kAggregate
                 : c.iColumn == s.every_column()   ? SlotCode::kEvery
                                                   : SlotCode::kKey;
    return true;
  }
  if (c.iColumn == 0) return TimeCode(c.op, &slot->code);
  if (c.iColumn < 1 || c.iColumn > s.ntags()) return false;
  // !=, LIKE and GLOB narrow the series read whatever the collation (a superset: SQLite re-checks).
  // REGEXP is not taken: the regexp() function SQLite calls is the application's, whose syntax
  // need not be RE2's, so a pushed pattern could drop rows that function keeps.
  switch (c.op) {
    case SQLITE_INDEX_CONSTRAINT_NE: slot->code = SlotCode::kTagNe; break;
    case SQLITE_INDEX_CONSTRAINT_LIKE: slot->code = SlotCode::kTagLike; break;
    case SQLITE_INDEX_CONSTRAINT_GLOB: slot->code = SlotCode::kTagGlob; break;
    default: break;
  }
  if (IsTagPredicate(slot->code)) {
    slot->tag = c.iColumn - 1;
    return true;
  }
  if (c.op != SQLITE_INDEX_CONSTRAINT_EQ) return false;
  const char* coll = sqlite3_vtab_collation(info, i);
  if (coll != nullptr && sqlite3_stricmp(coll, "BINARY") != 0) return false;
  const bool in = sqlite3_vtab_in(info, i, -1) != 0 && sqlite3_vtab_in(info, i, 1) != 0;
  slot->code = in ? SlotCode::kTagIn : SlotCode::kTagEq;
  slot->tag = c.iColumn - 1;
  return true;
}

// Records what a taken slot bounds.
void Note(const PlanSlot& slot, Bounds* b) {
  switch (slot.code) {
    case SlotCode::kTimeEq: b->time_eq = true; break;
    case SlotCode::kTimeGt:
    case SlotCode::kTimeGe: b->time_lo = true; break;
    case SlotCode::kTimeLt:
    case SlotCode::kTimeLe: b->time_hi = true; break;
    case SlotCode::kTagEq:
    case SlotCode::kTagIn: {
      const bool in = slot.code == SlotCode::kTagIn;
      if (!in) b->pinned[slot.tag] = 1;
      if (!b->used[slot.tag]) b->rows /= in ? 30 : 100;
      b->used[slot.tag] = 1;
      break;
    }
    case SlotCode::kTagNe:
    case SlotCode::kTagLike:
    case SlotCode::kTagGlob:
      b->rows /= 3;  // cheaper than a full scan, dearer than = (100) or IN (30)
      break;
    default: break;
  }
}

// The name of a constraint operator SQLite offers on a column, for messages.
const char* OpName(int op) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ: return "= (or IN, or an OR of equalities)";
    case SQLITE_INDEX_CONSTRAINT_NE: return "!=";
    case SQLITE_INDEX_CONSTRAINT_IS: return "IS";
    case SQLITE_INDEX_CONSTRAINT_ISNOT: return "IS NOT";
    case SQLITE_INDEX_CONSTRAINT_ISNULL: return "IS NULL";
    case SQLITE_INDEX_CONSTRAINT_ISNOTNULL: return "IS NOT NULL";
    case SQLITE_INDEX_CONSTRAINT_LIKE: return "LIKE";
    case SQLITE_INDEX_CONSTRAINT_GLOB: return "GLOB";
    case SQLITE_INDEX_CONSTRAINT_REGEXP: return "REGEXP";
    case SQLITE_INDEX_CONSTRAINT_MATCH: return "MATCH";
    default: return "this operator";
  }
}

// The aggregate view's rule for a condition on `time` (README.md, "The aggregate view"): it
// selects the points before they are aggregated, so the view takes it only as a range (<, <=, >,
// >=, BETWEEN) with its value known when the view runs. `time = v` and IN are refused: SQLite runs
// the view once per IN value (splitting groups) and substitutes v for `time` in the statement's
// other conditions, while a row's time is its bucket's start; any other operator would be applied
// by SQLite to the rows. A range whose value is not usable yet refuses the plan (SQLITE_CONSTRAINT:
// SQLite would compare it with the bucket's start). SQLITE_OK when the constraint is a usable range
// or not on `time`; SQLITE_ERROR with *err when it can never mean what the view defines.
int ViewTimeRule(const sqlite3_index_info::sqlite3_index_constraint& c, std::string* err) {
  if (c.iColumn != 0 || c.op == SQLITE_INDEX_CONSTRAINT_LIMIT ||
      c.op == SQLITE_INDEX_CONSTRAINT_OFFSET) {
    return SQLITE_OK;
  }
  SlotCode code = SlotCode::kTimeGt;
  if (!TimeCode(c.op, &code) || code == SlotCode::kTimeEq) {
    *err = std::string("the aggregate view selects its points by a range of time (<, <=, >, >=, "
                       "BETWEEN), not by time ") +
           OpName(c.op) + ": the rows' time is the bucket's start" +
           (code == SlotCode::kTimeEq && c.op == SQLITE_INDEX_CONSTRAINT_EQ
                ? "; for one time write time BETWEEN t AND t"
                : "");
    return SQLITE_ERROR;
  }
  return c.usable ? SQLITE_OK : SQLITE_CONSTRAINT;
}

// Takes the constraints the engine applies, in aConstraint order. SQLITE_CONSTRAINT when the
// view's argument (or a time range of the view) is not usable yet; SQLITE_ERROR with *err for a
// condition on time the view refuses (ViewTimeRule).
int TakeConstraints(const Schema& s, sqlite3_index_info* info, Plan* plan, Bounds* b,
                    std::string* err) {
  const bool view = IsView(s, info);
  for (int i = 0; i < info->nConstraint; i++) {
    const auto& c = info->aConstraint[i];
    if (view) {
      if (const int rc = ViewTimeRule(c, err); rc != SQLITE_OK) return rc;
    }
    if (!c.usable) {
      if (c.op == SQLITE_INDEX_CONSTRAINT_EQ && c.iColumn == s.aggregate_column()) {
        return SQLITE_CONSTRAINT;  // the view needs its argument
      }
      continue;
    }
    PlanSlot slot;
    if (!SlotOf(s, info, i, view, &slot)) continue;
    plan->slots.push_back(slot);
    info->aConstraintUsage[i].argvIndex = static_cast<int>(plan->slots.size());
    info->aConstraintUsage[i].omit = IsTagPredicate(slot.code) ? 0 : 1;
    Note(slot, b);
  }
  return SQLITE_OK;
}

// ORDER BY time [DESC] with a tag pinned, or ORDER BY / GROUP BY of ascending tag columns: the
// engine gives that order, so SQLite needs no sorter.
void ConsumeOrder(const Schema& s, sqlite3_index_info* info, const Bounds& b, Plan* plan) {
  if (info->nOrderBy == 0 || plan->aggregate()) return;
  if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == 0) {
    const bool pinned = s.ntags() == 0 || std::find(b.pinned.begin(), b.pinned.end(), 1) !=
                                              b.pinned.end();
    if (pinned) {
      info->orderByConsumed = 1;
      plan->order_by_time = true;
      plan->descending = info->aOrderBy[0].desc != 0;
    }
    return;
  }
  std::vector<int> tags;
  for (int i = 0; i < info->nOrderBy; i++) {
    const auto& o = info->aOrderBy[i];
    if (o.desc || o.iColumn < 1 || o.iColumn > s.ntags()) return;
    tags.push_back(o.iColumn - 1);
  }
  info->orderByConsumed = 1;
  plan->order_tags = std::move(tags);
}

// LIMIT n: the first n rows in time order are among the first n of each tag set, so the engine
// need not read further. Only with the order consumed, without OFFSET, and when every other
// constraint is applied exactly here (SQLite offers LIMIT even when it filters or sorts after).
void PushLimit(sqlite3_index_info* info, Plan* plan) {
  if (!plan->order_by_time) return;
  int limit = -1;
  for (int i = 0; i < info->nConstraint; i++) {
    const auto& c = info->aConstraint[i];
    if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
      if (c.usable) limit = i;
    } else if (!c.usable || info->aConstraintUsage[i].argvIndex == 0 ||
               !info->aConstraintUsage[i].omit) {
      return;  // OFFSET, or a constraint SQLite checks itself
    }
  }
  if (limit < 0) return;
  plan->slots.push_back(PlanSlot{SlotCode::kLimit});
  info->aConstraintUsage[limit].argvIndex = static_cast<int>(plan->slots.size());
}

// Fields the statement never reads need no values (their presence still decides which rows
// exist): plan->values, set only when some field is unread.
void FieldsRead(const Schema& s, const sqlite3_index_info* info, Plan* plan) {
  std::vector<uint8_t> read(s.nfields(), 1);
  for (int j = 0; j < s.nfields(); j++) {
    const int col = s.first_field_column() + j;
    if (((info->colUsed >> std::min(col, 63)) & 1) == 0) read[j] = 0;
  }
  if (std::find(read.begin(), read.end(), 0) != read.end()) plan->values = std::move(read);
}

}  // namespace

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  Table* t = reinterpret_cast<Table*>(vtab);
  const Schema& s = t->schema;
  Plan plan;
  Bounds b;
  b.pinned.assign(s.ntags(), 0);
  b.used.assign(s.ntags(), 0);
  std::string err;
  if (const int rc = TakeConstraints(s, info, &plan, &b, &err); rc != SQLITE_OK) {
    if (rc == SQLITE_ERROR) SetError(t, err);
    return rc;
  }
  if (b.time_eq) {
    b.rows /= 1e6;
  } else if (b.time_lo && b.time_hi) {
    b.rows /= 100;
  } else if (b.time_lo || b.time_hi) {
    b.rows /= 4;
  }
  if (plan.aggregate()) b.rows /= 100;  // groups, not points
  b.rows = std::max(b.rows, 1.0);
  ConsumeOrder(s, info, b, &plan);
  PushLimit(info, &plan);
  FieldsRead(s, info, &plan);
  info->idxNum = EncodePlanNum(plan);
  const std::string idx = EncodePlan(plan);
  if (!idx.empty()) {
    info->idxStr = sqlite3_mprintf("%s", idx.c_str());
    if (info->idxStr == nullptr) return SQLITE_NOMEM;
    info->needToFreeIdxStr = 1;
  }
  info->estimatedRows = static_cast<sqlite3_int64>(b.rows);
  info->estimatedCost = b.rows + 10;
  return SQLITE_OK;
}

// ---- binding xFilter's values (xFilter)
// ------------------------------------------------------------

namespace {

// Applies "time OP x" for an integer x to [*lo, *hi]; sets *empty when no time satisfies it.
void ApplyIntegerBound(SlotCode op, int64_t x, int64_t* lo, int64_t* hi, bool* empty) {
  switch (op) {
    case SlotCode::kTimeEq: *lo = std::max(*lo, x); *hi = std::min(*hi, x); break;
    case SlotCode::kTimeGe: *lo = std::max(*lo, x); break;
    case SlotCode::kTimeLe: *hi = std::min(*hi, x); break;
    case SlotCode::kTimeGt:
      if (x == INT64_MAX) *empty = true; else *lo = std::max(*lo, x + 1);
      break;
    case SlotCode::kTimeLt:
      if (x == INT64_MIN) *empty = true; else *hi = std::min(*hi, x - 1);
      break;
    default: break;
  }
}

// Applies "time OP d" for a REAL d as SQLite compares an integer with a real: exactly. The bound is
// rounded to an integer first and the +-1 of a strict bound done in int64 arithmetic (a double
// near 1e18 has a 256 ns step).
void ApplyRealBound(SlotCode op, double d, int64_t* lo, int64_t* hi, bool* empty) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (op == SlotCode::kTimeEq) {
    if (d != std::floor(d) || d >= kTwo63 || d < -kTwo63) {
      *empty = true;
    } else {
      ApplyIntegerBound(op, static_cast<int64_t>(d), lo, hi, empty);
    }
  } else if (op == SlotCode::kTimeGt || op == SlotCode::kTimeGe) {
    const double c = std::ceil(d);  // the smallest integer >= d
    if (c >= kTwo63) {
      *empty = true;
    } else if (c >= -kTwo63) {
      // time > c where c == d is time > n; otherwise time >= the integer above d.
      const bool strict = op == SlotCode::kTimeGt && c == d;
      ApplyIntegerBound(strict ? SlotCode::kTimeGt : SlotCode::kTimeGe, static_cast<int64_t>(c),
                        lo, hi, empty);
    }
  } else {
    const double f = std::floor(d);  // the largest integer <= d
    if (f < -kTwo63) {
      *empty = true;
    } else if (f < kTwo63) {
      const bool strict = op == SlotCode::kTimeLt && f == d;
      ApplyIntegerBound(strict ? SlotCode::kTimeLt : SlotCode::kTimeLe, static_cast<int64_t>(f),
                        lo, hi, empty);
    }
  }
}

// Applies "time OP v" to [*lo, *hi]; sets *empty when no time satisfies it. TEXT (and a BLOB, which
// is refused) is read as INSERT reads a time (ToTime: integer ns or ISO-8601), so `time >=
// '2024-01-01T00:00:00Z'` compares times and text that is not a time is an error (false with
// *err). INTEGER and REAL compare exactly, as SQLite compares them (INSERT's integral REAL is the
// same time); NULL satisfies nothing.
bool ApplyTimeBound(SlotCode op, sqlite3_value* v, int64_t* lo, int64_t* hi, bool* empty,
                    std::string* err) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_NULL: *empty = true; return true;
    case SQLITE_INTEGER: ApplyIntegerBound(op, sqlite3_value_int64(v), lo, hi, empty); return true;
    case SQLITE_FLOAT: ApplyRealBound(op, sqlite3_value_double(v), lo, hi, empty); return true;
    default: {
      int64_t t = 0;
      if (!ToTime(v, &t, err)) return false;
      ApplyIntegerBound(op, t, lo, hi, empty);
      return true;
    }
  }
}

// A tag value as SQLite's TEXT affinity would compare it; false when nothing can equal it.
bool TagText(sqlite3_value* v, std::string* out) {
  const int type = sqlite3_value_type(v);
  if (type == SQLITE_NULL || type == SQLITE_BLOB) return false;
  const unsigned char* t = sqlite3_value_text(v);
  if (t == nullptr) return false;
  out->assign(reinterpret_cast<const char*>(t), sqlite3_value_bytes(v));
  return true;
}

// The values a tag slot allows: v, or every value of the IN list v. False when the list cannot be
// read.
bool TagValues(SlotCode code, sqlite3_value* v, std::set<std::string>* values) {
  std::string s;
  if (code == SlotCode::kTagEq) {
    if (TagText(v, &s)) values->insert(s);
    return true;
  }
  sqlite3_value* item = nullptr;
  int rc = sqlite3_vtab_in_first(v, &item);
  while (rc == SQLITE_OK && item != nullptr) {
    if (TagText(item, &s)) values->insert(s);
    rc = sqlite3_vtab_in_next(v, &item);
  }
  return rc == SQLITE_OK || rc == SQLITE_DONE;
}

// Constrains tag column k to `vals`: the first constraint on k sets its values, later ones
// intersect with them.
void Restrict(std::map<int, std::set<std::string>>* tags, int k, std::set<std::string> vals) {
  auto [it, added] = tags->try_emplace(k, std::move(vals));
  if (added) return;
  std::set<std::string> both;
  for (const std::string& v : vals) {
    if (it->second.count(v)) both.insert(v);
  }
  it->second = std::move(both);
}

// Binds the value of one slot that is not a tag's.
bool BindSlot(const PlanSlot& slot, bool view, sqlite3_value* v, ScanSpec* spec, AggregateSpec* agg,
              std::string* err) {
  switch (slot.code) {
    case SlotCode::kKey:
      *err = "the aggregate view takes at most two arguments: the aggregate and the bucket width";
      return false;
    case SlotCode::kAggregate:
      agg->fn_arg = v;
      return ParseAggregateFn(v, &agg->fn, err);
    case SlotCode::kEvery:
      if (!view) {
        *err = "a bucket width needs an aggregate: write cpu('mean', '1h')";
        return false;
      }
      agg->every_arg = v;
      return ParseEvery(v, &agg->every, err);
    case SlotCode::kLimit:
      // Not an integer or negative: SQLite applies (or rejects) it; the scan reads everything.
      if (sqlite3_value_type(v) == SQLITE_INTEGER && sqlite3_value_int64(v) >= 0) {
        const int64_t limit = sqlite3_value_int64(v);
        if (limit == 0) spec->empty = true;
        if (limit <= kMaxPushedLimit) spec->limit_per_tagset = static_cast<size_t>(limit);
      }
      return true;
    default:
      return ApplyTimeBound(slot.code, v, &spec->t_min, &spec->t_max, &spec->empty, err);
  }
}

// The literal start of a LIKE or GLOB pattern: up to its first wildcard, and (LIKE) its first
// non-ASCII byte, since a LIKE with Unicode case folding (ICU) may match other bytes there.
std::string LiteralPrefix(SlotCode code, std::string_view pattern) {
  const std::string_view wild = code == SlotCode::kTagLike ? "%_" : "*?[";
  size_t end = pattern.find_first_of(wild);
  if (end == std::string_view::npos) end = pattern.size();
  if (code == SlotCode::kTagLike) {
    for (size_t i = 0; i < end; i++) {
      if (static_cast<unsigned char>(pattern[i]) >= 0x80) end = i;
    }
  }
  return std::string(pattern.substr(0, end));
}

// Adds the engine predicate of a tag predicate slot to spec when its value makes one that keeps
// every row SQLite would keep: a TEXT value without NUL bytes (the C ABI's strings end there).
// Otherwise nothing is pushed (SQLite alone filters, as it re-checks every row anyway).
void BindPredicate(const std::string& key, SlotCode code, sqlite3_value* v, ScanSpec* spec) {
  if (sqlite3_value_type(v) != SQLITE_TEXT) return;
  const char* text = reinterpret_cast<const char*>(sqlite3_value_text(v));
  if (text == nullptr) return;
  const std::string_view value(text, static_cast<size_t>(sqlite3_value_bytes(v)));
  if (value.find('\0') != std::string_view::npos) return;
  switch (code) {
    case SlotCode::kTagNe:
      spec->predicates.push_back(TagPredicate{key, STRATA_TAG_NOT_IN, std::string(value)});
      break;
    case SlotCode::kTagLike:
      spec->predicates.push_back(
          TagPredicate{key, STRATA_TAG_PREFIX_NOCASE, LiteralPrefix(code, value)});
      break;
    case SlotCode::kTagGlob:
      spec->predicates.push_back(TagPredicate{key, STRATA_TAG_PREFIX, LiteralPrefix(code, value)});
      break;
    default: break;
  }
}

}  // namespace

bool BindPlan(const Table* t, const Plan& plan, int argc, sqlite3_value** argv, ScanSpec* spec,
              AggregateSpec* agg, std::string* err) {
  if (static_cast<int>(plan.slots.size()) != argc) {
    *err = "internal error: plan '" + EncodePlan(plan) + "' has " +
           std::to_string(plan.slots.size()) + " slots but xFilter got " + std::to_string(argc) +
           " values";
    return false;
  }
  spec->by_time = plan.order_by_time;
  spec->descending = plan.descending;
  spec->order_tags = plan.order_tags;
  spec->values = plan.values;
  const bool view = plan.aggregate();
  std::map<int, std::set<std::string>> tags;  // tag column -> allowed values (intersected)
  for (int i = 0; i < argc; i++) {
    const PlanSlot& slot = plan.slots[i];
    if (IsTagPredicate(slot.code)) {
      BindPredicate(t->schema.tags[slot.tag], slot.code, argv[i], spec);
    } else if (slot.code == SlotCode::kTagEq || slot.code == SlotCode::kTagIn) {
      std::set<std::string> values;
      if (!TagValues(slot.code, argv[i], &values)) {
        *err = "cannot read the IN list";
        return false;
      }
      Restrict(&tags, slot.tag, std::move(values));
    } else if (!BindSlot(slot, view, argv[i], spec, agg, err)) {
      return false;
    }
  }
  if (spec->t_min > spec->t_max) spec->empty = true;
  for (auto& [k, values] : tags) {
    if (values.empty()) spec->empty = true;
    spec->filters.push_back(TagFilter{t->schema.tags[k], std::move(values)});
  }
  return true;
}

}  // namespace strata_sql
