// xBestIndex and the plan encoding.
//
// idxNum is a bitmask:
//   1 (kPlanTime)       at least one constraint on `time` is in argv
//   2 (kPlanTags)       at least one constraint on a tag is in argv
//   4 (kPlanOrderTime)  ORDER BY time was consumed: rows must come in time order
//   8 (kPlanDescending) ... newest first (ORDER BY time DESC)
//  16 (kPlanAggregate)  the aggregate view (see '@' below)
//  32 (kPlanOrderTags)  ORDER BY / GROUP BY of tag columns was consumed: rows ordered by them
// argv holds the usable constraints in the order of aConstraint[], one slot each, and idxStr has one
// printable character per slot saying what the slot is:
//   '='  time = v       '>'  time > v      ']'  time >= v      '<'  time < v      '['  time <= v
//   'A'+k  tag column k (0-based among the tags, k < 26) = v
//   'a'+k  tag column k IN (list): the whole list in one xFilter (sqlite3_vtab_in(..., 1))
//   '@'    _strata_aggregate = v (sets kPlanAggregate)      '~'  _strata_every = v
//   '#'    _strata_key = v on the view: an error (a third argument); outside the view it is SQLite's
//   '$'    LIMIT v (SQLite applies it too; see Order below)
// so `EXPLAIN QUERY PLAN` shows e.g. "INDEX 3:]<A" for time >= ? AND time < ? AND hostname = ?.
// With kPlanOrderTags the slots are followed by "|" and one letter per ORDER BY term, 'A'+k for tag
// column k.
// BETWEEN arrives as ']' and '['. When the statement reads only some fields (colUsed), idxStr ends
// with "/" and one '1' (value read) or '0' (only presence needed) per declared field.
// xColumn is called only for columns in colUsed (UPDATE marks every column used).
//
// Omit: time constraints are enforced exactly by the engine (values are converted as SQLite's
// INTEGER affinity would), and tag =/IN with the BINARY collation too; both are omitted. Everything
// else (other operators, other collations, fields, tags past the 26th) is left to SQLite.
// Order: the scan yields rows by (tag-set key, time), or (tag-set key, time descending). ORDER BY
// time [DESC] alone is consumed when a tag is pinned by a single-value = (the table has no declared
// tags: always), so the rows likely belong to one tag set: the scan then streams in time order
// when the engine and the pending rows hold one tag set, and otherwise the cursor collects the
// rows and sorts them by time (cursor.cc). Streaming newest first makes `ORDER BY time DESC LIMIT
// 1` read no block (RowCursor). With the order consumed, every other constraint applied here and
// no OFFSET, a LIMIT of at most kMaxPushedLimit goes to the engine as a per-tag-set limit (SQLite
// offers none to a correlated subquery); otherwise the cursor is lazy, so SQLite stopping early
// stops the scan anyway. An ORDER BY of ascending tag columns only (also a GROUP BY of tag
// columns, which SQLite offers as one) is consumed too: the engine returns the tag sets ordered by
// those tags' values (a missing tag is NULL, first), each tag set's rows together, which is SQL's
// order of those columns (BINARY collation; SQLite offers no term with another). Other orders
// (tag-set key order is not SQL's order of the tag columns) are left to SQLite.
// Aggregate view: a plan needs its '@' slot; when that constraint is not usable the plan is refused
// (SQLITE_CONSTRAINT), so SQLite only runs the view with its argument known. ORDER BY is not
// consumed (the view has one row per tag set and bucket, few next to the points).
// Cost: a full scan is priced as 1e7 rows; a time range divides that (= by 1e6, two bounds by 100,
// one bound by 4), each pinned tag by 100, each IN list by 30 (a tag typically has many values).
#include "plan.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <set>

#include "table.h"

namespace strata_sql {
namespace {

char TimeChar(int op) {
  switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ: return '=';
    case SQLITE_INDEX_CONSTRAINT_GT: return '>';
    case SQLITE_INDEX_CONSTRAINT_GE: return ']';
    case SQLITE_INDEX_CONSTRAINT_LT: return '<';
    case SQLITE_INDEX_CONSTRAINT_LE: return '[';
  }
  return 0;
}

// Applies SQLite's INTEGER affinity comparison "time OP v" to [*lo, *hi]; sets *empty when no
// integer satisfies it.
void ApplyTimeBound(char op, sqlite3_value* v, int64_t* lo, int64_t* hi, bool* empty) {
  int type = sqlite3_value_type(v);
  if (type == SQLITE_TEXT) type = sqlite3_value_numeric_type(v);
  if (type == SQLITE_NULL) {
    *empty = true;
    return;
  }
  auto set_lo = [&](int64_t x) { *lo = std::max(*lo, x); };
  auto set_hi = [&](int64_t x) { *hi = std::min(*hi, x); };
  if (type == SQLITE_INTEGER) {
    const int64_t x = sqlite3_value_int64(v);
    switch (op) {
      case '=': set_lo(x); set_hi(x); break;
      case ']': set_lo(x); break;
      case '[': set_hi(x); break;
      case '>': if (x == INT64_MAX) *empty = true; else set_lo(x + 1); break;
      case '<': if (x == INT64_MIN) *empty = true; else set_hi(x - 1); break;
    }
    return;
  }
  if (type == SQLITE_FLOAT) {
    const double d = sqlite3_value_double(v);
    constexpr double kTwo63 = 9223372036854775808.0;
    // SQLite compares an integer with a real exactly, so round to an integer bound first and do
    // the +-1 of a strict bound in int64 arithmetic (a double near 1e18 has a 256 ns step).
    if (op == '=') {
      if (d != std::floor(d) || d >= kTwo63 || d < -kTwo63) {
        *empty = true;
        return;
      }
      set_lo(static_cast<int64_t>(d));
      set_hi(static_cast<int64_t>(d));
    } else if (op == '>' || op == ']') {
      const double c = std::ceil(d);  // the smallest integer >= d
      if (c >= kTwo63) {
        *empty = true;
      } else if (c >= -kTwo63) {
        int64_t n = static_cast<int64_t>(c);
        if (op == '>' && c == d) {
          if (n == INT64_MAX) {
            *empty = true;
            return;
          }
          n++;
        }
        set_lo(n);
      }
    } else {
      const double f = std::floor(d);  // the largest integer <= d
      if (f < -kTwo63) {
        *empty = true;
      } else if (f < kTwo63) {
        int64_t n = static_cast<int64_t>(f);
        if (op == '<' && f == d) {
          if (n == INT64_MIN) {
            *empty = true;
            return;
          }
          n--;
        }
        set_hi(n);
      }
    }
    return;
  }
  // TEXT or BLOB: every integer sorts before it.
  if (op == '=' || op == '>' || op == ']') *empty = true;
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

}  // namespace

int BestIndex(sqlite3_vtab* vtab, sqlite3_index_info* info) {
  Table* t = reinterpret_cast<Table*>(vtab);
  const int ntags = t->schema.ntags();
  std::string idx;
  int argv_index = 0;
  int idx_num = 0;
  bool has_eq = false, has_lo = false, has_hi = false;
  std::vector<int> pinned(ntags, 0);  // single-value = per tag
  double rows = 1e7;
  std::vector<bool> tag_used(ntags, false);
  bool view = false;  // the plan is the aggregate view's
  for (int i = 0; i < info->nConstraint; i++) {
    const auto& c = info->aConstraint[i];
    view = view || (c.usable && c.op == SQLITE_INDEX_CONSTRAINT_EQ &&
                    c.iColumn == t->schema.aggregate_column());
  }
  for (int i = 0; i < info->nConstraint; i++) {
    const auto& c = info->aConstraint[i];
    // _strata_key = v is taken only to reject it on the view (a third function argument).
    const bool hidden_eq = c.op == SQLITE_INDEX_CONSTRAINT_EQ &&
                           (c.iColumn == t->schema.aggregate_column() ||
                            c.iColumn == t->schema.every_column() ||
                            (c.iColumn == t->schema.key_column() && view));
    if (hidden_eq && !c.usable && c.iColumn == t->schema.aggregate_column()) {
      return SQLITE_CONSTRAINT;  // the view needs its argument
    }
    if (!c.usable) continue;
    if (hidden_eq) {
      const bool is_aggregate = c.iColumn == t->schema.aggregate_column();
      idx.push_back(is_aggregate ? '@' : c.iColumn == t->schema.every_column() ? '~' : '#');
      info->aConstraintUsage[i].argvIndex = ++argv_index;
      info->aConstraintUsage[i].omit = 1;
      if (is_aggregate) idx_num |= kPlanAggregate;
    } else if (c.iColumn == 0) {
      const char ch = TimeChar(c.op);
      if (ch == 0) continue;
      idx.push_back(ch);
      info->aConstraintUsage[i].argvIndex = ++argv_index;
      info->aConstraintUsage[i].omit = 1;
      idx_num |= kPlanTime;
      if (ch == '=') has_eq = true;
      if (ch == '>' || ch == ']') has_lo = true;
      if (ch == '<' || ch == '[') has_hi = true;
    } else if (c.iColumn >= 1 && c.iColumn <= ntags && c.iColumn <= 26 &&
               c.op == SQLITE_INDEX_CONSTRAINT_EQ) {
      const char* coll = sqlite3_vtab_collation(info, i);
      if (coll != nullptr && sqlite3_stricmp(coll, "BINARY") != 0) continue;
      const int k = c.iColumn - 1;
      const bool in = sqlite3_vtab_in(info, i, -1) != 0 && sqlite3_vtab_in(info, i, 1) != 0;
      idx.push_back(static_cast<char>((in ? 'a' : 'A') + k));
      info->aConstraintUsage[i].argvIndex = ++argv_index;
      info->aConstraintUsage[i].omit = 1;
      idx_num |= kPlanTags;
      if (!in) pinned[k] = 1;
      if (!tag_used[k]) rows /= in ? 30 : 100;
      tag_used[k] = true;
    }
  }
  if (has_eq) {
    rows /= 1e6;
  } else if (has_lo && has_hi) {
    rows /= 100;
  } else if (has_lo || has_hi) {
    rows /= 4;
  }
  if (idx_num & kPlanAggregate) rows /= 100;  // groups, not points
  if (rows < 1) rows = 1;
  if (info->nOrderBy == 1 && info->aOrderBy[0].iColumn == 0 && !(idx_num & kPlanAggregate)) {
    bool any = ntags == 0;
    for (int k = 0; k < ntags; k++) any = any || pinned[k];
    if (any) {
      info->orderByConsumed = 1;
      idx_num |= kPlanOrderTime;
      if (info->aOrderBy[0].desc) idx_num |= kPlanDescending;
    }
  }
  // ORDER BY (or GROUP BY) of tag columns only, ascending: the engine orders the tag sets by those
  // tags' values, so SQLite needs no sorter.
  std::string order_tags;
  if (info->nOrderBy >= 1 && !(idx_num & (kPlanAggregate | kPlanOrderTime))) {
    for (int i = 0; i < info->nOrderBy; i++) {
      const auto& o = info->aOrderBy[i];
      if (o.desc || o.iColumn < 1 || o.iColumn > ntags || o.iColumn > 26) {
        order_tags.clear();
        break;
      }
      order_tags.push_back(static_cast<char>('A' + o.iColumn - 1));
    }
    if (!order_tags.empty()) {
      info->orderByConsumed = 1;
      idx_num |= kPlanOrderTags;
    }
  }
  // LIMIT n: the first n rows in time order are among the first n of each tag set, so the engine
  // need not read further. Only with the order consumed, without OFFSET, and when every other
  // constraint is applied exactly here (SQLite offers LIMIT even when it filters or sorts after).
  if (idx_num & kPlanOrderTime) {
    int limit = -1;
    bool exact = true;
    for (int i = 0; i < info->nConstraint; i++) {
      const auto& c = info->aConstraint[i];
      if (c.op == SQLITE_INDEX_CONSTRAINT_LIMIT) {
        if (c.usable) limit = i;
      } else if (!c.usable || info->aConstraintUsage[i].argvIndex == 0 ||
                 !info->aConstraintUsage[i].omit) {
        exact = false;  // OFFSET, or a constraint SQLite checks itself
      }
    }
    if (limit >= 0 && exact) {
      idx.push_back('$');
      info->aConstraintUsage[limit].argvIndex = ++argv_index;
    }
  }
  // Fields the statement never reads need no values (their presence still decides which rows
  // exist): "/" then one '1' (read) or '0' per declared field, only when some field is unread.
  const int nfields = t->schema.nfields();
  std::string used(nfields, '1');
  for (int j = 0; j < nfields; j++) {
    const int col = t->schema.first_field_column() + j;
    if (((info->colUsed >> std::min(col, 63)) & 1) == 0) used[j] = '0';
  }
  if (!order_tags.empty()) idx += "|" + order_tags;
  if (used.find('0') != std::string::npos) idx += "/" + used;
  info->idxNum = idx_num;
  if (!idx.empty()) {
    info->idxStr = sqlite3_mprintf("%s", idx.c_str());
    if (info->idxStr == nullptr) return SQLITE_NOMEM;
    info->needToFreeIdxStr = 1;
  }
  info->estimatedRows = static_cast<sqlite3_int64>(rows);
  info->estimatedCost = rows + 10;
  return SQLITE_OK;
}

bool DecodePlan(Table* t, int idx_num, const char* idx_str, int argc, sqlite3_value** argv,
                ScanSpec* spec, AggregateSpec* agg, std::string* err) {
  spec->by_time = (idx_num & kPlanOrderTime) != 0;
  spec->descending = (idx_num & kPlanDescending) != 0;
  const char* slash = idx_str == nullptr ? nullptr : std::strchr(idx_str, '/');
  const char* bar = idx_str == nullptr ? nullptr : std::strchr(idx_str, '|');
  const size_t n = idx_str == nullptr ? 0
                   : bar != nullptr   ? bar - idx_str
                   : slash != nullptr ? slash - idx_str
                                      : std::strlen(idx_str);
  if (bar != nullptr) {
    for (const char* p = bar + 1; *p != '\0' && *p != '/'; p++) {
      const int k = *p - 'A';
      if (k < 0 || k >= t->schema.ntags()) {
        *err = "internal error: plan '" + std::string(idx_str) + "' orders by an unknown tag";
        return false;
      }
      spec->order_tags.push_back(k);
    }
  }
  if (slash != nullptr) {
    const std::string used(slash + 1);
    if (static_cast<int>(used.size()) != t->schema.nfields()) {
      *err = "internal error: plan '" + std::string(idx_str) + "' does not match the table's fields";
      return false;
    }
    spec->values.reserve(used.size());
    for (char ch : used) spec->values.push_back(ch == '1' ? 1 : 0);
  }
  if (static_cast<int>(n) != argc) {
    *err = "internal error: plan '" + std::string(idx_str == nullptr ? "" : idx_str) + "' has " +
           std::to_string(n) + " slots but xFilter got " + std::to_string(argc) + " values";
    return false;
  }
  std::map<int, std::set<std::string>> tags;  // tag column -> allowed values (intersected)
  for (int i = 0; i < argc; i++) {
    const char ch = idx_str[i];
    if (ch == '#') {
      *err = "the aggregate view takes at most two arguments: the aggregate and the bucket width";
      return false;
    }
    if (ch == '@' || ch == '~') {
      if (!(idx_num & kPlanAggregate)) {
        *err = "_strata_every needs _strata_aggregate (write cpu('mean', '1h'))";
        return false;
      }
      if (!(ch == '@' ? ParseAggregateFn(argv[i], &agg->fn, err)
                      : ParseEvery(argv[i], &agg->every, err))) {
        return false;
      }
      (ch == '@' ? agg->fn_arg : agg->every_arg) = argv[i];
    } else if (ch >= 'A' && ch < 'A' + 26) {
      const int k = ch - 'A';
      std::set<std::string> vals;
      std::string s;
      if (TagText(argv[i], &s)) vals.insert(s);
      Restrict(&tags, k, std::move(vals));
    } else if (ch >= 'a' && ch < 'a' + 26) {
      const int k = ch - 'a';
      std::set<std::string> vals;
      sqlite3_value* v = nullptr;
      int rc = sqlite3_vtab_in_first(argv[i], &v);
      while (rc == SQLITE_OK && v != nullptr) {
        std::string s;
        if (TagText(v, &s)) vals.insert(s);
        rc = sqlite3_vtab_in_next(argv[i], &v);
      }
      if (rc != SQLITE_OK && rc != SQLITE_DONE) {
        *err = "cannot read the IN list";
        return false;
      }
      Restrict(&tags, k, std::move(vals));
    } else if (ch == '$') {
      // Not an integer or negative: SQLite applies (or rejects) it; the scan reads everything.
      if (sqlite3_value_type(argv[i]) == SQLITE_INTEGER && sqlite3_value_int64(argv[i]) >= 0) {
        const int64_t limit = sqlite3_value_int64(argv[i]);
        if (limit == 0) spec->empty = true;
        if (limit <= kMaxPushedLimit) spec->limit_per_tagset = static_cast<size_t>(limit);
      }
    } else {
      ApplyTimeBound(ch, argv[i], &spec->t_min, &spec->t_max, &spec->empty);
    }
  }
  if (spec->t_min > spec->t_max) spec->empty = true;
  for (auto& [k, vals] : tags) {
    if (vals.empty()) spec->empty = true;
    spec->filters.push_back(TagFilter{t->schema.tags[k], std::move(vals)});
  }
  return true;
}

}  // namespace strata_sql
