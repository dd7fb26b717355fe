#include "row_cursor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>

#include "engine/engine_test_util.h"
#include "engine/faulty_env.h"
#include "storage_engine.h"

namespace strata {
namespace {

constexpr int64_t kDay = 86400LL * 1000000000LL;

// "tagset@time: field=value ..." for every row; a presence-only field (times-only column) shows
// as "field=?".
// At most `max` rows, from the cursor's current position on.
std::vector<std::string> RowsOf(RowCursor& r, size_t max = SIZE_MAX) {
  std::vector<std::string> out;
  while (out.size() < max) {
    auto more = r.Next();
    EXPECT_TRUE(more.has_value()) << (more ? "" : more.error().ToString());
    if (!more || !*more) break;
    std::string row = std::string(r.tagset().tagset_key) + "@" + std::to_string(r.time()) + ":";
    for (size_t i = 0; i < r.field_count(); i++) {
      if (!r.has_value(i)) continue;
      const Column& c = r.column(i);
      row += " " + r.field(i).field + "=";
      if (c.times_only) {
        EXPECT_TRUE(c.nums.empty() && c.strs.empty());
        row += "?";
      } else {
        row += c.type == ValueType::kString ? c.strs[r.value_index(i)]
                                            : std::to_string(c.nums[r.value_index(i)]);
      }
    }
    out.push_back(row);
  }
  return out;
}

std::vector<std::string> Rows(StorageEngine& db, const QueryRequest& q, RowOptions options = {}) {
  auto cursor = db.QueryRows(q, std::move(options));
  EXPECT_TRUE(cursor.has_value());
  if (!cursor) return {};
  return RowsOf(**cursor);
}

// As Rows, read with NextBlock(max) (and, every third block, a Next() in between), each block's
// rows spelled out from block_times() and the columns at value_index(i) + k.
std::vector<std::string> RowsByBlock(StorageEngine& db, const QueryRequest& q, RowOptions options,
                                     size_t max) {
  std::vector<std::string> out;
  auto cursor = db.QueryRows(q, std::move(options));
  EXPECT_TRUE(cursor.has_value());
  if (!cursor) return out;
  RowCursor& r = **cursor;
  for (int call = 0;; call++) {
    size_t n = 1;
    if (call % 3 == 2) {
      auto more = r.Next();
      EXPECT_TRUE(more.has_value());
      if (!more || !*more) break;
    } else {
      auto got = r.NextBlock(max);
      EXPECT_TRUE(got.has_value()) << (got ? "" : got.error().ToString());
      if (!got || *got == 0) break;
      EXPECT_LE(*got, max);
      n = *got;
    }
    EXPECT_EQ(r.block_times()[0], r.time());
    for (size_t k = 0; k < n; k++) {
      std::string row =
          std::string(r.tagset().tagset_key) + "@" + std::to_string(r.block_times()[k]) + ":";
      for (size_t i = 0; i < r.field_count(); i++) {
        if (!r.has_value(i)) continue;
        const Column& c = r.column(i);
        const size_t at = r.value_index(i) + k;
        EXPECT_EQ(c.times[at], r.block_times()[k]);
        row += " " + r.field(i).field + "=";
        if (c.times_only) {
          row += "?";
        } else {
          row += c.type == ValueType::kString ? c.strs[at] : std::to_string(c.nums[at]);
        }
      }
      out.push_back(row);
    }
  }
  return out;
}

// `rows` (as Rows gives them) with each tag set's rows reversed: what a descending cursor yields.
std::vector<std::string> ReverseWithinTagSets(std::vector<std::string> rows) {
  auto tagset = [](const std::string& row) { return row.substr(0, row.find('@')); };
  for (size_t b = 0; b < rows.size();) {
    size_t e = b + 1;
    while (e < rows.size() && tagset(rows[e]) == tagset(rows[b])) e++;
    std::reverse(rows.begin() + static_cast<std::ptrdiff_t>(b),
                 rows.begin() + static_cast<std::ptrdiff_t>(e));
    b = e;
  }
  return rows;
}

// `rows` with the values of `fields` replaced by "?", as a presence-only read shows them.
std::vector<std::string> MaskValues(std::vector<std::string> rows,
                                    const std::vector<std::string>& fields) {
  for (std::string& row : rows) {
    for (const std::string& f : fields) {
      const size_t at = row.find(" " + f + "=");
      if (at == std::string::npos) continue;
      const size_t begin = at + f.size() + 2;
      const size_t end = std::min(row.find(' ', begin), row.size());
      row.replace(begin, end - begin, "?");
    }
  }
  return rows;
}

TEST(RowCursor, MergesFieldsOfOneTagSetByTime) {
  testing::TempDir tmp;
  auto db = StorageEngine::Open(tmp.Sub("db"), Options());
  ASSERT_TRUE(db.has_value());
  ASSERT_TRUE((*db)->WriteLines(
      "cpu,host=a user=1i,sys=2i 10\n"
      "cpu,host=a user=3i 20\n"
      "cpu,host=a sys=4i 30\n"
      "cpu,host=b user=5i,note=\"x\" 10\n"));
  ASSERT_TRUE((*db)->Flush());
  ASSERT_TRUE((*db)->WriteLines("cpu,host=a user=6i 10\n"));  // overwrites one field of a row
  QueryRequest q;
  q.measurement = "cpu";
  EXPECT_EQ(Rows(**db, q), (std::vector<std::string>{
                               "cpu,host=a@10: sys=2 user=6",
                               "cpu,host=a@20: user=3",
                               "cpu,host=a@30: sys=4",
                               "cpu,host=b@10: note=x user=5",
                           }));
}

TEST(RowCursor, WalksShardWindowsInTimeOrderPerTagSet) {
  testing::TempDir tmp;
  auto db = StorageEngine::Open(tmp.Sub("db"), Options());
  ASSERT_TRUE(db.has_value());
  const std::string t1 = std::to_string(kDay + 5), t2 = std::to_string(2 * kDay + 5);
  ASSERT_TRUE((*db)->WriteLines("m,h=b v=2i " + t2 + "\nm,h=a v=1i " + t2 + "\nm,h=a v=0i " + t1 +
                                "\n"));
  QueryRequest q;
  q.measurement = "m";
  EXPECT_EQ(Rows(**db, q), (std::vector<std::string>{"m,h=a@" + t1 + ": v=0", "m,h=a@" + t2 + ": v=1",
                                                      "m,h=b@" + t2 + ": v=2"}));
  q.min_time = 2 * kDay;
  EXPECT_EQ(Rows(**db, q).size(), 2u);
}

// `rows` (as Rows gives them) with each tag set cut to its first `limit` rows.
std::vector<std::string> TruncateTagSets(const std::vector<std::string>& rows, size_t limit) {
  auto tagset = [](const std::string& row) { return row.substr(0, row.find('@')); };
  std::vector<std::string> out;
  size_t in_tagset = 0;
  for (size_t i = 0; i < rows.size(); i++) {
    in_tagset = i > 0 && tagset(rows[i]) == tagset(rows[i - 1]) ? in_tagset + 1 : 0;
    if (in_tagset < limit) out.push_back(rows[i]);
  }
  return out;
}

// Random writes over several shard windows, spread over several segments (small MemStore,
// flushes) and the MemStore, with overwrites across sources and deletes (some of them of a tag
// set's or a field's newest points in a window), and a model of what they leave; random queries
// over them. Hosts a and b write a random subset of the fields per row; host c writes every field
// of every row, so that its fields share their times (the cursor's aligned path) until deletes of
// one field set them apart.
class RowCursorRandomDataTest : public ::testing::Test {
 protected:
  static constexpr int64_t kSpan = 4 * kMinShardDurationNs;  // times in [0, kSpan): four windows
  // Times are on a grid of kSlots, so that rounds overwrite each other's points.
  static constexpr int64_t kSlots = 20000;
  static constexpr int64_t kSlotNs = kSpan / kSlots;

  void SetUp() override {
    Options options;
    options.memstore_bytes = kMinBufferBytes;
    options.shard_duration_ns = kMinShardDurationNs;
    auto db = StorageEngine::Open(tmp_.Sub("db"), options);
    ASSERT_TRUE(db.has_value());
    db_ = *db;
    const std::vector<std::string> hosts = {"a", "b", "c"};
    const std::vector<std::string> fields = {"f", "i", "s", "t"};  // float, int, string, bool
    int overwrites = 0;

    for (int round = 0; round < 12; round++) {
      std::string lines;
      for (const std::string& h : hosts) {
        const int64_t base = Uniform(0, kSlots - 1);
        const int64_t step = Uniform(1, 3);
        const int64_t n = Uniform(1, 2500);
        for (int64_t k = 0; k < n && base + k * step < kSlots; k++) {
          const int64_t t = (base + k * step) * kSlotNs;
          std::string fv;
          auto& row = model_["m,h=" + h][t];
          for (const std::string& f : fields) {
            if (h != "c" && Uniform(0, 2) == 0) continue;
            const int64_t v = Uniform(-1000, 1000);
            std::string text, shown;
            if (f == "f") {
              const double d = static_cast<double>(v) / 4;
              text = std::to_string(d);
              shown = std::to_string(FloatBits(d));
            } else if (f == "i") {
              text = std::to_string(v) + "i";
              shown = std::to_string(static_cast<uint64_t>(v));
            } else if (f == "s") {
              text = "\"v" + std::to_string(v) + "\"";
              shown = "v" + std::to_string(v);
            } else {
              text = v % 2 == 0 ? "true" : "false";
              shown = v % 2 == 0 ? "1" : "0";
            }
            fv += (fv.empty() ? "" : ",") + f + "=" + text;
            overwrites += row.count(f) != 0 ? 1 : 0;
            row[f] = shown;
          }
          if (fv.empty()) {
            if (row.empty()) model_["m,h=" + h].erase(t);
            continue;
          }
          lines += "m,h=" + h + " " + fv + " " + std::to_string(t) + "\n";
        }
      }
      ASSERT_TRUE(db_->WriteLines(lines));
      if (round % 3 == 1) {  // delete a range of one tag set
        const std::string h = hosts[static_cast<size_t>(Uniform(0, 2))];
        QueryRequest del;
        del.measurement = "m";
        del.tags = {TagFilter{"h", {h}}};
        del.min_time = Uniform(0, kSpan - 1);
        del.max_time = del.min_time + Uniform(0, kSpan / 8);
        ASSERT_TRUE(db_->Delete(del));
        auto& series = model_["m,h=" + h];
        series.erase(series.lower_bound(del.min_time), series.upper_bound(del.max_time));
      }
      if (round % 3 != 1) DeleteNewest(hosts[static_cast<size_t>(Uniform(0, 2))]);
      if (round % 4 != 3) {  // the last rounds stay in the MemStore
        ASSERT_TRUE(db_->Flush());
      }
    }
    // Last, in the MemStore, a new value of one field of each tag set's newest row in each
    // window: the same timestamp in two sources, of which the newer must win.
    std::string lines;
    for (const std::string& h : hosts) {
      auto& rows = model_["m,h=" + h];
      for (int64_t end = kMinShardDurationNs; end <= kSpan; end += kMinShardDurationNs) {
        auto newest = rows.lower_bound(end);
        if (newest == rows.begin() || std::prev(newest)->first < end - kMinShardDurationNs) {
          continue;
        }
        --newest;
        const int64_t v = Uniform(-1000, 1000);
        lines +=
            "m,h=" + h + " i=" + std::to_string(v) + "i " + std::to_string(newest->first) + "\n";
        overwrites += newest->second.count("i") != 0 ? 1 : 0;
        newest->second["i"] = std::to_string(static_cast<uint64_t>(v));
      }
    }
    ASSERT_TRUE(db_->WriteLines(lines));
    ASSERT_GT(db_->Stats().shards.size(), 2u);
    ASSERT_GT(overwrites, 100);
  }

  // Deletes the newest points of tag set `h` in a random window (the newest rows read first):
  // its newest row there, a few rows up to it or the window's tail, of all fields or of one.
  void DeleteNewest(const std::string& h) {
    auto& rows = model_["m,h=" + h];
    const int64_t window_end = Uniform(1, 4) * kMinShardDurationNs;
    auto newest = rows.lower_bound(window_end);
    if (newest == rows.begin()) return;
    --newest;
    QueryRequest del;
    del.measurement = "m";
    del.tags = {TagFilter{"h", {h}}};
    if (Uniform(0, 1) == 0) del.fields = {newest->second.begin()->first};
    del.min_time = newest->first - Uniform(0, 3) * kSlotNs;
    del.max_time = Uniform(0, 1) == 0 ? newest->first : window_end - 1;
    ASSERT_TRUE(db_->Delete(del));
    for (auto it = rows.lower_bound(del.min_time); it != rows.end() && it->first <= del.max_time;) {
      if (del.fields.empty()) {
        it->second.clear();
      } else {
        it->second.erase(del.fields[0]);
      }
      it = it->second.empty() ? rows.erase(it) : std::next(it);
    }
  }

  int64_t Uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  // Trial 0 reads everything; the others a random time range (every fifth a narrow one), and
  // every third two of the four fields.
  QueryRequest RandomQuery(int trial) {
    QueryRequest q = testing::All("m");
    if (trial > 0) {
      q.min_time = Uniform(-10, kSpan);
      q.max_time = trial % 5 == 0 ? q.min_time + Uniform(0, 1000) : Uniform(q.min_time, kSpan + 10);
    }
    if (trial % 3 == 1) q.fields = {"i", "s"};
    return q;
  }

  // The rows of `q` in ascending order, according to the model.
  std::vector<std::string> ModelRows(const QueryRequest& q) const {
    std::vector<std::string> want;
    for (const auto& [tagset, rows] : model_) {
      for (auto it = rows.lower_bound(q.min_time); it != rows.end() && it->first <= q.max_time;
           ++it) {
        std::string row = tagset + "@" + std::to_string(it->first) + ":";
        bool any = false;
        for (const auto& [f, v] : it->second) {
          const bool requested =
              q.fields.empty() || std::find(q.fields.begin(), q.fields.end(), f) != q.fields.end();
          if (!requested) continue;
          row += " " + f + "=" + v;
          any = true;
        }
        if (any) want.push_back(row);
      }
    }
    return want;
  }

  testing::TempDir tmp_;
  std::shared_ptr<StorageEngine> db_;
  std::mt19937_64 rng_{20240611};
  // "m,h=<host>" -> time -> field -> value as Rows prints it.
  std::map<std::string, std::map<int64_t, std::map<std::string, std::string>>> model_;
};

// For random time ranges and field lists, the ascending rows match the model, the descending
// cursor yields them reversed within each tag set, and presence-only reads yield the same rows
// without the values.
TEST_F(RowCursorRandomDataTest, DescendingAndPresenceOnlyMatchAscending) {
  for (int trial = 0; trial < 40; trial++) {
    const QueryRequest q = RandomQuery(trial);
    const std::vector<std::string> asc = Rows(*db_, q);
    ASSERT_EQ(asc, ModelRows(q)) << "trial " << trial;
    EXPECT_EQ(RowsByBlock(*db_, q, {}, 1 + static_cast<size_t>(trial) * 7), asc) << "trial " << trial;

    RowOptions desc;
    desc.descending = true;
    EXPECT_EQ(Rows(*db_, q, desc), ReverseWithinTagSets(asc)) << "trial " << trial;

    RowOptions presence;
    presence.presence_only = {"s", "f"};
    presence.descending = trial % 2 == 0;
    const std::vector<std::string> masked = MaskValues(asc, presence.presence_only);
    EXPECT_EQ(Rows(*db_, q, presence),
              presence.descending ? ReverseWithinTagSets(masked) : masked)
        << "trial " << trial;
  }
}

// With limit_per_tagset 1, 2 and 3, in both directions (and presence-only in some trials), a
// read yields the unlimited read's rows with each tag set cut to its first rows.
TEST_F(RowCursorRandomDataTest, LimitPerTagSetKeepsTheFirstRowsOfEachTagSet) {
  size_t cut = 0;  // tag sets the limit shortened, so that the test is known to bite
  for (int trial = 0; trial < 30; trial++) {
    QueryRequest q = RandomQuery(trial);
    // Up to past the newest points: the newest rows of the windows can come from every source's
    // newest point, without reading blocks.
    if (trial % 3 == 2) q.max_time = trial % 2 == 0 ? kSpan : std::numeric_limits<int64_t>::max();
    const std::vector<std::string> asc = ModelRows(q);
    for (bool descending : {false, true}) {
      RowOptions options;
      options.descending = descending;
      if (trial % 4 == 2) options.presence_only = {"s", "f"};
      std::vector<std::string> all = MaskValues(asc, options.presence_only);
      if (descending) all = ReverseWithinTagSets(std::move(all));
      ASSERT_EQ(Rows(*db_, q, options), all) << "trial " << trial;
      for (size_t limit : {1, 2, 3}) {
        options.limit_per_tagset = limit;
        const std::vector<std::string> want = TruncateTagSets(all, limit);
        cut += all.size() - want.size();
        EXPECT_EQ(Rows(*db_, q, options), want)
            << "trial " << trial << ", limit " << limit << (descending ? ", descending" : "");
        EXPECT_EQ(RowsByBlock(*db_, q, options, 2), want)
            << "trial " << trial << ", limit " << limit << (descending ? ", descending" : "");
      }
    }
  }
  EXPECT_GT(cut, 1000u);
}

// One cursor restarted for query after query (each left after a few rows, or at its end) yields
// what a new cursor of the same query and options yields, whatever the previous query was.
TEST_F(RowCursorRandomDataTest, RestartAnswersAsANewCursor) {
  std::unique_ptr<RowCursor> reused;
  for (int trial = 0; trial < 60; trial++) {
    const QueryRequest q = RandomQuery(trial);
    RowOptions options;
    options.descending = Uniform(0, 1) == 1;
    if (Uniform(0, 2) == 0) options.presence_only = {"s", "f"};
    if (Uniform(0, 2) == 0) options.limit_per_tagset = static_cast<size_t>(Uniform(1, 3));
    if (Uniform(0, 3) == 0) options.tagset_order = {"h"};
    auto snapshot = db_->Snapshot(q);
    ASSERT_TRUE(snapshot.has_value());
    if (reused == nullptr) {
      reused = std::make_unique<RowCursor>(std::move(*snapshot), options);
    } else {
      reused->Restart(std::move(*snapshot), options);
    }
    const size_t max = Uniform(0, 1) == 0 ? SIZE_MAX : static_cast<size_t>(Uniform(0, 5));
    std::vector<std::string> want = Rows(*db_, q, options);
    if (want.size() > max) want.resize(max);
    EXPECT_EQ(RowsOf(*reused, max), want)
        << "trial " << trial;
  }
}

// RowOptions::tagset_order: tag sets by the given tags' values (a missing tag first), then by key;
// each tag set's rows as without it, also descending and limited.
TEST(RowCursor, TagSetOrderSortsTagSetsByTheGivenTagsValues) {
  testing::TempDir tmp;
  auto db = StorageEngine::Open(tmp.Sub("db"), Options{});
  ASSERT_TRUE(db.has_value());
  // Keys sort by dc first (a < b), so "by host" differs from the key order; one tag set lacks dc
  // and one lacks host.
  std::string lines;
  const char* tagsets[] = {"dc=a,host=h3", "dc=a,host=h1", "dc=b,host=h2", "dc=b,host=h1",
                           "host=h2",      "dc=b"};
  for (int k = 0; k < 6; k++) {
    for (int t = 1; t <= 3; t++) {
      lines += std::string("cpu,") + tagsets[k] + " usage=" + std::to_string(10 * k + t) + " " +
               std::to_string(t) + "\n";
    }
  }
  ASSERT_TRUE((*db)->WriteLines(lines));
  const QueryRequest q = testing::All("cpu");
  auto tagset_sequence = [&](RowOptions o) {
    std::vector<std::string> seq;
    for (const std::string& row : Rows(**db, q, std::move(o))) {
      const std::string ts = row.substr(0, row.find('@'));
      if (seq.empty() || seq.back() != ts) seq.push_back(ts);
    }
    return seq;
  };
  RowOptions by_host;
  by_host.tagset_order = {"host"};
  EXPECT_EQ(tagset_sequence(by_host),
            (std::vector<std::string>{"cpu,dc=b", "cpu,dc=a,host=h1", "cpu,dc=b,host=h1",
                                      "cpu,dc=b,host=h2", "cpu,host=h2", "cpu,dc=a,host=h3"}));
  RowOptions by_host_dc;
  by_host_dc.tagset_order = {"host", "dc"};
  EXPECT_EQ(tagset_sequence(by_host_dc),
            (std::vector<std::string>{"cpu,dc=b", "cpu,dc=a,host=h1", "cpu,dc=b,host=h1",
                                      "cpu,host=h2", "cpu,dc=b,host=h2", "cpu,dc=a,host=h3"}));
  // Each tag set's rows are those of the unordered read, whatever the options.
  auto grouped = [](std::vector<std::string> rows) {
    std::stable_sort(rows.begin(), rows.end(), [](const std::string& a, const std::string& b) {
      return a.substr(0, a.find('@')) < b.substr(0, b.find('@'));
    });
    return rows;
  };
  for (bool descending : {false, true}) {
    for (size_t limit : {0, 2}) {
      RowOptions plain;
      plain.descending = descending;
      plain.limit_per_tagset = limit;
      RowOptions ordered = plain;
      ordered.tagset_order = {"host", "dc"};
      const std::vector<std::string> rows = Rows(**db, q, ordered);
      EXPECT_EQ(rows.size(), limit == 0 ? 18u : 12u);
      EXPECT_EQ(grouped(rows), Rows(**db, q, plain)) << descending << " " << limit;
    }
  }
}

// The newest row of a long series, read descending, costs about one block per field: a small
// fraction of what the window's ascending read fetches; and nothing once the segments know their
// series' newest values, with or without a limit.
TEST(RowCursor, FirstDescendingRowReadsFewBlocks) {
  testing::TempDir tmp;
  FaultyEnv env(Env::Default());
  env.SetSkipSyncs(true);
  Options options;
  options.env = &env;
  options.block_cache_bytes = 0;  // every read comes from the files
  auto db = StorageEngine::Open(tmp.Sub("db"), options);
  ASSERT_TRUE(db.has_value());
  constexpr int kPoints = 200000;  // about 200 blocks per field
  for (int part = 0; part < 2; part++) {  // two segments
    std::string lines;
    for (int k = part * kPoints / 2; k < (part + 1) * kPoints / 2; k++) {
      lines += "cpu,host=a usage=" + std::to_string(k % 977) + ".5,note=\"n" +
               std::to_string(k) + "\" " + std::to_string(1000000 + 1000LL * k) + "\n";
    }
    ASSERT_TRUE((*db)->WriteLines(lines));
    ASSERT_TRUE((*db)->Flush());
  }
  QueryRequest q = testing::All("cpu");
  auto bytes_for_first_row = [&](RowOptions o, std::string* row) {
    auto cursor = (*db)->QueryRows(q, std::move(o));
    EXPECT_TRUE(cursor.has_value());
    const uint64_t before = env.bytes_read();
    auto more = (*cursor)->Next();
    EXPECT_TRUE(more.has_value() && *more);
    *row = std::to_string((*cursor)->time());
    return env.bytes_read() - before;
  };
  std::string first, last;
  const uint64_t asc = bytes_for_first_row(RowOptions{}, &first);
  RowOptions desc;
  desc.descending = true;
  const uint64_t newest = bytes_for_first_row(desc, &last);
  EXPECT_EQ(first, "1000000");
  EXPECT_EQ(last, std::to_string(1000000 + 1000LL * (kPoints - 1)));
  EXPECT_GT(asc, 100u * 1024);
  EXPECT_LT(newest * 50, asc) << "descending " << newest << " bytes, ascending " << asc;
  std::string again;
  EXPECT_EQ(bytes_for_first_row(desc, &again), 0u);
  EXPECT_EQ(again, last);
  // The rows after it are read in slices below its time.
  auto cursor = (*db)->QueryRows(q, desc);
  ASSERT_TRUE(cursor.has_value());
  for (int k = kPoints - 1; k >= kPoints - 3000; k--) {
    auto more = (*cursor)->Next();
    ASSERT_TRUE(more.has_value() && *more);
    ASSERT_EQ((*cursor)->time(), 1000000 + 1000LL * k);
    ASSERT_EQ((*cursor)->field_count(), 2u);
    ASSERT_TRUE((*cursor)->has_value(0) && (*cursor)->has_value(1));
  }
}

// "The newest row of every tag set" (descending, limit_per_tagset 1) reads about one block per
// field and tag set, however long the series; so does the oldest row ascending. Without the
// limit the same query reads every block.
TEST(RowCursor, LimitOnePerTagSetReadsAboutOneBlockPerFieldAndTagSet) {
  testing::TempDir tmp;
  FaultyEnv env(Env::Default());
  env.SetSkipSyncs(true);
  Options options;
  options.env = &env;
  options.block_cache_bytes = 0;  // every read comes from the files
  auto db = StorageEngine::Open(tmp.Sub("db"), options);
  ASSERT_TRUE(db.has_value());
  constexpr int kHosts = 5;
  constexpr int kPoints = 40000;  // about 40 blocks per field and host
  for (int part = 0; part < 2; part++) {  // two segments
    std::string lines;
    for (int h = 0; h < kHosts; h++) {
      for (int k = part * kPoints / 2; k < (part + 1) * kPoints / 2; k++) {
        lines += "cpu,host=h" + std::to_string(h) + " usage=" + std::to_string((k + h) % 977) +
                 ".5,note=\"n" + std::to_string(k) + "\" " + std::to_string(1000000 + 1000LL * k) +
                 "\n";
      }
    }
    ASSERT_TRUE((*db)->WriteLines(lines));
    ASSERT_TRUE((*db)->Flush());
  }
  const QueryRequest q = testing::All("cpu");
  auto read = [&](RowOptions o, uint64_t* bytes) {
    const uint64_t before = env.bytes_read();
    std::vector<std::string> rows = Rows(**db, q, std::move(o));
    *bytes = env.bytes_read() - before;
    return rows;
  };
  RowOptions newest;
  newest.descending = true;
  newest.limit_per_tagset = 1;
  RowOptions oldest;
  oldest.limit_per_tagset = 1;
  uint64_t newest_bytes = 0, oldest_bytes = 0, all_bytes = 0;
  const std::vector<std::string> newest_rows = read(newest, &newest_bytes);
  const std::vector<std::string> oldest_rows = read(oldest, &oldest_bytes);
  const std::vector<std::string> all_rows = read(RowOptions{}, &all_bytes);
  ASSERT_EQ(all_rows.size(), static_cast<size_t>(kHosts) * kPoints);
  EXPECT_EQ(oldest_rows, TruncateTagSets(all_rows, 1));
  EXPECT_EQ(newest_rows, TruncateTagSets(ReverseWithinTagSets(all_rows), 1));
  EXPECT_EQ(newest_rows.size(), static_cast<size_t>(kHosts));
  EXPECT_GT(all_bytes, 100u * 1024);
  EXPECT_LT(newest_bytes * 20, all_bytes)
      << "limited descending " << newest_bytes << " bytes, unlimited " << all_bytes;
  EXPECT_LT(oldest_bytes * 20, all_bytes)
      << "limited ascending " << oldest_bytes << " bytes, unlimited " << all_bytes;
}

}  // namespace
}  // namespace strata
