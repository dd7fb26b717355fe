#include "cursor.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <algorithm>
#include <utility>

#include "aggregate.h"
#include "error.h"
#include "plan.h"
#include "row_key.h"
#include "table.h"

namespace strata_sql {

namespace {

int Fail(Cursor* c, const std::string& err, int rc) {
  SetError(reinterpret_cast<Table*>(c->base.pVtab), err);
  return SqliteCode(rc);
}

// A copy of an SQL value (NULL when v is null).
Value CopyValue(sqlite3_value* v) {
  Value out;
  if (v == nullptr) return out;
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER: out.type = STRATA_INT, out.i = sqlite3_value_int64(v); break;
    case SQLITE_FLOAT: out.type = STRATA_FLOAT, out.f = sqlite3_value_double(v); break;
    case SQLITE_NULL: break;
    default: {
      const unsigned char* text = sqlite3_value_text(v);
      out.type = STRATA_STRING;
      if (text != nullptr)
        out.s.assign(reinterpret_cast<const char*>(text), sqlite3_value_bytes(v));
    }
  }
  return out;
}

}  // namespace

int Open(sqlite3_vtab*, sqlite3_vtab_cursor** out) {
  return Guard(nullptr, [&] {
    auto* c = new Cursor();
    c->base = sqlite3_vtab_cursor{};
    *out = &c->base;
    return SQLITE_OK;
  });
}

int Close(sqlite3_vtab_cursor* cur) {
  return Guard(nullptr, [&] {
    Cursor* c = reinterpret_cast<Cursor*>(cur);
    // The table keeps the larger of the two row buffers for its next statement.
    Table* t = reinterpret_cast<Table*>(cur->pVtab);
    if (c->rows.capacity() > t->spare_rows.capacity()) std::swap(c->rows, t->spare_rows);
    delete c;
    return SQLITE_OK;
  });
}

namespace {

// Orders rows by the values of tag columns `order` (NULL first), stably.
void SortByTags(const std::vector<int>& order, RowBuffer* rows) {
  auto value = [](const Row& r, int k) -> const std::string* {
    const int i = r.tagset->by_column[static_cast<size_t>(k)];
    return i < 0 ? nullptr : &r.tagset->tags[static_cast<size_t>(i)].value;
  };
  std::stable_sort(rows->begin(), rows->end(), [&](const Row& a, const Row& b) {
    for (int k : order) {
      const std::string* va = value(a, k);
      const std::string* vb = value(b, k);
      if (vb == nullptr) {
        if (va != nullptr) return false;
        continue;
      }
      if (va == nullptr) return true;
      if (const int c = va->compare(*vb); c != 0) return c < 0;
    }
    return false;
  });
}

// Reads the rest of the scan into c->rows. STRATA status with *err.
int CollectRows(Cursor* c, std::string* err) {
  while (!c->scan.eof()) {
    c->rows.Add(Row(c->scan.row()));
    if (const int rc = c->scan.Next(err); rc != STRATA_OK) return rc;
  }
  c->materialized = true;
  return STRATA_OK;
}

// Starts the merged scan of `spec`. Its rows are collected at once and sorted when the plan
// consumed an order the scan does not give by itself (ORDER BY time over several tag sets, ORDER BY
// tag columns over pending changes), and collected when the scan is limited (Scan::limited).
// STRATA status with *err.
int StartScan(Cursor* c, Table* t, ScanSpec spec, std::string* err) {
  int rc = c->scan.Start(t, std::move(spec), err);
  if (rc != STRATA_OK) return rc;
  const ScanSpec& s = c->scan.spec();
  if (!s.order_tags.empty() && !c->scan.tag_ordered()) {
    // The rows merge pending changes in tag-set key order.
    if ((rc = CollectRows(c, err)) == STRATA_OK) SortByTags(s.order_tags, &c->rows);
    return rc;
  }
  const bool sort = s.by_time && !c->scan.single_tagset();
  if (!sort && !c->scan.limited()) return STRATA_OK;
  if ((rc = CollectRows(c, err)) != STRATA_OK || !sort) return rc;
  // By time, stable, so that equal times keep the scan's order.
  const bool desc = s.descending;
  std::stable_sort(c->rows.begin(), c->rows.end(), [desc](const Row& a, const Row& b) {
    return desc ? a.time > b.time : a.time < b.time;
  });
  return STRATA_OK;
}

}  // namespace

int Filter(sqlite3_vtab_cursor* cur, int idx_num, const char* idx_str, int argc,
           sqlite3_value** argv) {
  Cursor* c = reinterpret_cast<Cursor*>(cur);
  Table* t = reinterpret_cast<Table*>(cur->pVtab);
  return Guard(t, [&] {
    Plan plan;
    ScanSpec spec;
    AggregateSpec agg;
    std::string err;
    if (!DecodePlan(idx_num, idx_str, t->schema.ntags(), t->schema.nfields(), &plan, &err) ||
        !BindPlan(t, plan, argc, argv, &spec, &agg, &err)) {
      SetError(t, err);
      return SQLITE_ERROR;
    }
    c->materialized = false;
    c->aggregate = plan.aggregate();
    if (c->rows.capacity() < t->spare_rows.capacity()) std::swap(c->rows, t->spare_rows);
    c->rows.Clear();
    c->pos = 0;
    c->rowid = 0;
    c->aggregate_arg = CopyValue(agg.fn_arg);
    c->every_arg = CopyValue(agg.every_arg);
    int rc = STRATA_OK;
    if (c->aggregate) {
      c->materialized = true;
      rc = Aggregate(t, spec, agg, &c->rows, &err);
    } else {
      rc = StartScan(c, t, std::move(spec), &err);
    }
    return rc == STRATA_OK ? SQLITE_OK : Fail(c, err, rc);
  });
}

int NextRow(sqlite3_vtab_cursor* cur) {
  Cursor* c = reinterpret_cast<Cursor*>(cur);
  return Guard(reinterpret_cast<Table*>(cur->pVtab), [&] {
    c->rowid++;
    if (c->materialized) {
      c->pos++;
      return SQLITE_OK;
    }
    std::string err;
    const int rc = c->scan.Next(&err);
    return rc == STRATA_OK ? SQLITE_OK : Fail(c, err, rc);
  });
}

int Eof(sqlite3_vtab_cursor* cur) { return reinterpret_cast<Cursor*>(cur)->eof() ? 1 : 0; }

int Column(sqlite3_vtab_cursor* cur, sqlite3_context* ctx, int col) {
  Cursor* c = reinterpret_cast<Cursor*>(cur);
  Table* t = reinterpret_cast<Table*>(cur->pVtab);
  return Guard(t, [&] {
    // A direct scan's row is read from the engine cursor, field by field as SQLite asks.
    const bool direct = !c->materialized && c->scan.direct();
    const Row* r = direct ? nullptr : &c->row();
    const Schema& s = t->schema;
    if (col == 0) {
      sqlite3_result_int64(ctx, direct ? c->scan.time() : r->time);
    } else if (col <= s.ntags()) {
      const RowTagSet& ts = direct ? c->scan.tagset() : *r->tagset;
      const int k = ts.by_column[col - 1];
      if (k < 0) {
        sqlite3_result_null(ctx);
      } else {
        const std::string& value = ts.tags[k].value;
        sqlite3_result_text64(ctx, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      }
    } else if (col < s.aggregate_column()) {
      // UPDATE: an unchanged field need not be read (write.cc treats it as unchanged).
      if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;
      const size_t j = static_cast<size_t>(col - s.first_field_column());
      if (!c->aggregate && !c->scan.reads_value(j)) {
        SetError(t, "internal error: column " + s.fields[j] + " was read but not planned");
        return SQLITE_ERROR;
      }
      if (direct) {
        c->scan.ResultEngineValue(ctx, j);
      } else {
        ResultValue(ctx, r->fields[j]);
      }
    } else if (col == s.aggregate_column()) {
      ResultValue(ctx, c->aggregate_arg);
    } else if (col == s.every_column()) {
      ResultValue(ctx, c->every_arg);
    } else if (col == s.tags_column()) {
      if (sqlite3_vtab_nochange(ctx)) return SQLITE_OK;  // UPDATE: never changed
      const RowTagSet& ts = direct ? c->scan.tagset() : *r->tagset;
      const std::string json = TagsJson(ts.tags);
      sqlite3_result_text64(ctx, json.data(), json.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else if (c->aggregate) {
      // A view row has no key. SQLite reads one only to change the row (DELETE, UPDATE) or to
      // combine the scans of a MULTI-INDEX OR plan (an OR over several columns, the view run once
      // per branch, each on its own cursor, rows kept once per key): each branch would aggregate
      // other points, and the constraints on the view's arguments are checked again on the rows,
      // so any answer would depend on the plan. Both are refused.
      SetError(t, "rows of the aggregate view have no key: the view is read-only, and an OR "
                  "that SQLite runs as several scans of it (MULTI-INDEX OR) cannot be combined; "
                  "write the OR's branches as separate queries, or keep time ranges outside the "
                  "OR");
      return SQLITE_ERROR;
    } else {
      c->key = direct ? EncodeKey(c->scan.time(), c->scan.tagset().tags)
                      : EncodeKey(r->time, r->tagset->tags);
      sqlite3_result_blob(ctx, c->key.data(), static_cast<int>(c->key.size()), SQLITE_TRANSIENT);
    }
    return SQLITE_OK;
  });
}

int Rowid(sqlite3_vtab_cursor* cur, sqlite3_int64* rowid) {
  *rowid = reinterpret_cast<Cursor*>(cur)->rowid;
  return SQLITE_OK;
}

}  // namespace strata_sql
