#include "storage_engine.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "engine/engine_test_util.h"
#include "engine/faulty_env.h"
#include "series_key.h"

namespace strata {
namespace {

using testing::All;
using testing::PointValue;
using testing::QueryAll;
using testing::TempDir;

constexpr int64_t kDay = 86400LL * 1000000000LL;
constexpr int64_t kT0 = 1451606400LL * 1000000000LL;  // 2016-01-01, a day boundary

Options SmallOptions() {
  Options o;
  o.memstore_bytes = 64 << 10;
  return o;
}

class StorageEngineTest : public ::testing::Test {
 protected:
  std::shared_ptr<StorageEngine> Open(const Options& o = Options()) {
    auto db = StorageEngine::Open(dir_.Sub("db"), o);
    EXPECT_TRUE(db.has_value()) << (db ? "" : db.error().ToString());
    return db ? *db : nullptr;
  }
  TempDir dir_;
};

TEST_F(StorageEngineTest, WritesOfEveryTypeReadBack) {
  auto db = Open();
  WriteBatch b;
  std::vector<Tag> tags{{"host", "a"}};
  ASSERT_TRUE(b.AddFloat("m", tags, "f", kT0, 1.5));
  ASSERT_TRUE(b.AddInt("m", tags, "i", kT0, -7));
  ASSERT_TRUE(b.AddBool("m", tags, "b", kT0, true));
  ASSERT_TRUE(b.AddString("m", tags, "s", kT0, "hello"));
  ASSERT_TRUE(db->Write(b));
  auto got = QueryAll(*db, All("m"));
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got["m,host=a#f"], (std::vector<PointValue>{{kT0, FloatBits(1.5), ""}}));
  EXPECT_EQ(got["m,host=a#i"], (std::vector<PointValue>{{kT0, static_cast<uint64_t>(-7), ""}}));
  EXPECT_EQ(got["m,host=a#b"], (std::vector<PointValue>{{kT0, 1, ""}}));
  EXPECT_EQ(got["m,host=a#s"], (std::vector<PointValue>{{kT0, 0, "hello"}}));
}

TEST_F(StorageEngineTest, ARefilledBatchKeepsItsSeriesIdsPerDirectory) {
  // A batch remembers the IDs its series got from each directory's catalog; refilled after
  // ClearPoints it is written again without resolving them, and in another directory, where the
  // same series has another ID, it is resolved there.
  auto first = Open();
  auto second = StorageEngine::Open(dir_.Sub("other"), Options());
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE((*second)->WriteLines("m,host=z v=9 1\n"));  // takes ID 1 in the other directory
  WriteBatch b;
  std::vector<TagView> tags{{"host", "a"}};
  auto ref = b.SeriesFor("m", tags, "v", ValueType::kFloat);
  ASSERT_TRUE(ref.has_value());
  const int64_t t1[] = {kT0, kT0 + 1};
  const double v1[] = {1.5, 2.5};
  ASSERT_TRUE(b.AppendFloatColumn(*ref, t1, v1));
  ASSERT_TRUE(first->Write(b));
  b.ClearPoints();
  const int64_t t2[] = {kT0 + 2};
  const double v2[] = {3.5};
  ASSERT_TRUE(b.AppendFloatColumn(*ref, t2, v2));
  ASSERT_TRUE(first->Write(b));
  ASSERT_TRUE((*second)->Write(b));
  EXPECT_EQ(QueryAll(*first, All("m"))["m,host=a#v"],
            (std::vector<PointValue>{{kT0, FloatBits(1.5), ""},
                                     {kT0 + 1, FloatBits(2.5), ""},
                                     {kT0 + 2, FloatBits(3.5), ""}}));
  auto other = QueryAll(**second, All("m"));
  EXPECT_EQ(other["m,host=a#v"], (std::vector<PointValue>{{kT0 + 2, FloatBits(3.5), ""}}));
  EXPECT_EQ(other["m,host=z#v"], (std::vector<PointValue>{{1, FloatBits(9.0), ""}}));
}

TEST_F(StorageEngineTest, WriteAndClearTakesThePointsAndLaterReadsAndWritesSeeThem) {
  // WriteAndClear hands the points to the apply thread: a read, a delete or a flush that starts
  // after it returns must still see them, in order; the batch is left empty but reusable.
  auto db = Open(SmallOptions());
  WriteBatch b;
  std::vector<TagView> tags{{"host", "a"}};
  auto ref = b.SeriesFor("m", tags, "v", ValueType::kFloat);
  ASSERT_TRUE(ref.has_value());
  std::vector<PointValue> want;
  for (int round = 0; round < 50; round++) {
    std::vector<int64_t> times;
    std::vector<double> values;
    for (int i = 0; i < 40; i++) {
      times.push_back(kT0 + round * 40 + i);
      values.push_back(round + i / 100.0);
      want.push_back({times.back(), FloatBits(values.back()), ""});
    }
    ASSERT_TRUE(b.AppendFloatColumn(*ref, times, values));
    ASSERT_TRUE(db->WriteAndClear(b));
    EXPECT_EQ(b.point_count(), 0u);
    if (round % 10 == 9) {
      // A delete of the newest points, committed right behind the queued apply, applies after it.
      QueryRequest del = All("m");
      del.min_time = times[30];
      ASSERT_TRUE(db->Delete(del));
      want.resize(want.size() - 10);
    }
    if (round % 7 == 0) {
      ASSERT_TRUE(db->Flush());
    }
    ASSERT_EQ(QueryAll(*db, All("m"))["m,host=a#v"], want) << "round " << round;
  }
  EXPECT_EQ(db->Stats().points_written, 50u * 40);

  // A type conflict writes nothing and leaves the batch as it was.
  auto bad = b.SeriesFor("m", tags, "w", ValueType::kInt);
  ASSERT_TRUE(bad.has_value());
  ASSERT_TRUE(db->WriteLines("m,host=b w=1.5 1\n"));
  const int64_t t[] = {kT0};
  const uint64_t n[] = {7};
  ASSERT_TRUE(b.AppendColumn(*bad, ValueType::kInt, t, n));
  EXPECT_EQ(db->WriteAndClear(b).error().code(), Code::kTypeConflict);
  EXPECT_EQ(b.point_count(), 1u);

  db.reset();
  db = Open(SmallOptions());
  EXPECT_EQ(QueryAll(*db, All("m"))["m,host=a#v"], want);
}

TEST_F(StorageEngineTest, LastWriteWinsAcrossMemStoreAndSegments) {
  auto db = Open();
  ASSERT_TRUE(db->WriteLines("m,h=a v=1i 100\nm,h=a v=2i 200\n"));
  ASSERT_TRUE(db->Flush());
  ASSERT_TRUE(db->WriteLines("m,h=a v=3i 200\nm,h=a v=0i 50\n"));
  auto got = QueryAll(*db, All("m"));
  EXPECT_EQ(got["m,h=a#v"], (std::vector<PointValue>{{50, 0, ""}, {100, 1, ""}, {200, 3, ""}}));
  ASSERT_TRUE(db->Flush());
  ASSERT_TRUE(db->Compact());
  EXPECT_EQ(QueryAll(*db, All("m"))["m,h=a#v"],
            (std::vector<PointValue>{{50, 0, ""}, {100, 1, ""}, {200, 3, ""}}));
}

TEST_F(StorageEngineTest, UnflushedWritesSurviveReopen) {
  {
    auto db = Open();
    ASSERT_TRUE(db->WriteLines("m,h=a v=1i 100\nm,h=b v=2i 100\n"));
  }
  auto db = Open();
  auto got = QueryAll(*db, All("m"));
  EXPECT_EQ(got["m,h=a#v"], (std::vector<PointValue>{{100, 1, ""}}));
  EXPECT_EQ(got["m,h=b#v"], (std::vector<PointValue>{{100, 2, ""}}));
}

TEST_F(StorageEngineTest, FlushedAndUnflushedWritesSurviveReopen) {
  {
    auto db = Open(SmallOptions());
    WriteBatch b;
    std::vector<Tag> tags{{"h", "x"}};
    for (int i = 0; i < 20000; i++) ASSERT_TRUE(b.AddInt("m", tags, "v", kT0 + i, i));
    ASSERT_TRUE(db->Write(b));
    ASSERT_TRUE(db->Flush());
    ASSERT_TRUE(db->WriteLines("m,h=x v=-1i " + std::to_string(kT0 + 5) + "\n"));
  }
  auto db = Open(SmallOptions());
  auto got = QueryAll(*db, All("m"))["m,h=x#v"];
  ASSERT_EQ(got.size(), 20000u);
  EXPECT_EQ(got[5].num, static_cast<uint64_t>(-1));
  EXPECT_EQ(got[19999].num, 19999u);
}

TEST_F(StorageEngineTest, BatchSpanningShardsLandsInEachWindow) {
  auto db = Open();
  WriteBatch b;
  std::vector<Tag> tags{{"h", "a"}};
  ASSERT_TRUE(b.AddInt("m", tags, "v", kT0 - 1, 1));
  ASSERT_TRUE(b.AddInt("m", tags, "v", kT0, 2));
  ASSERT_TRUE(b.AddInt("m", tags, "v", kT0 + kDay, 3));
  ASSERT_TRUE(db->Write(b));
  EXPECT_EQ(db->Stats().shards.size(), 3u);
  auto got = QueryAll(*db, All("m"))["m,h=a#v"];
  EXPECT_EQ(got, (std::vector<PointValue>{{kT0 - 1, 1, ""}, {kT0, 2, ""}, {kT0 + kDay, 3, ""}}));
  QueryRequest q = All("m");
  q.min_time = kT0;
  q.max_time = kT0;
  EXPECT_EQ(QueryAll(*db, q)["m,h=a#v"], (std::vector<PointValue>{{kT0, 2, ""}}));
}

TEST_F(StorageEngineTest, TypeConflictWritesNothing) {
  auto db = Open();
  ASSERT_TRUE(db->WriteLines("m,h=a v=1i 100\n"));
  auto s = db->WriteLines("m,h=b w=1i 100\nm,h=b v=1.5 100\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kTypeConflict);
  EXPECT_NE(s.error().message().find("'v'"), std::string::npos) << s.error().message();
  auto got = QueryAll(*db, All("m"));
  EXPECT_EQ(got.size(), 1u);
  EXPECT_FALSE(db->catalog().FieldType("m", "w").has_value());
}

TEST_F(StorageEngineTest, FieldTypeIsFixedAcrossShards) {
  auto db = Open();
  ASSERT_TRUE(db->WriteLines("m v=1i " + std::to_string(kT0) + "\n"));
  auto s = db->WriteLines("m v=1.0 " + std::to_string(kT0 + 10 * kDay) + "\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kTypeConflict);
}

TEST_F(StorageEngineTest, MalformedLineFailsWholeCall) {
  auto db = Open();
  auto s = db->WriteLines("m v=1i 100\nm v= 200\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalid);
  EXPECT_NE(s.error().message().find("line 2"), std::string::npos) << s.error().message();
  EXPECT_TRUE(QueryAll(*db, All("m")).empty());
}

TEST_F(StorageEngineTest, NaNIsRejected) {
  auto db = Open();
  WriteBatch b;
  auto s = b.AddFloat("m", {}, "v", 1, std::nan(""));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalid);
}

TEST_F(StorageEngineTest, ASeriesKeyOverTheLimitIsRefusedAndTheRestFlushes) {
  // Tag values within their own limit can add up to a series key no segment could hold; such a
  // write must fail when made, not stop the engine at its flush.
  auto db = Open();
  const std::string a(32768, 'a');
  const std::string b(kMaxSeriesKeyBytes - 9 - a.size(), 'b');  // "m,a=<a>,b=<b>#v"
  const std::vector<Tag> at_limit{{"a", a}, {"b", b}};
  const std::vector<Tag> one_over{{"a", a}, {"b", b + "b"}};
  WriteBatch fits;
  ASSERT_TRUE(fits.AddInt("m", at_limit, "v", 10, 1));
  ASSERT_EQ(fits.series()[0].key.size(), kMaxSeriesKeyBytes);
  ASSERT_TRUE(db->Write(fits));
  WriteBatch over;
  ASSERT_TRUE(over.AddInt("m", std::vector<Tag>{{"h", "x"}}, "v", 20, 2));
  auto s = over.AddInt("m", one_over, "v", 20, 3);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalid);
  EXPECT_NE(s.error().message().find("is 65537 bytes, longer than 65536"), std::string::npos)
      << s.error().message().substr(0, 200);
  EXPECT_LT(s.error().message().size(), 300u);  // quotes a snippet of the key, not all of it
  ASSERT_TRUE(db->Write(over));                 // the batch keeps what was added before
  auto lines = db->WriteLines("m,h=y v=4i 30\nm,a=" + a + ",b=" + b + "b v=5i 30\n");
  ASSERT_FALSE(lines);
  EXPECT_EQ(lines.error().code(), Code::kInvalid);
  EXPECT_NE(lines.error().message().find("longer than 65536"), std::string::npos);
  ASSERT_TRUE(db->Flush());
  EXPECT_EQ(db->Stats().background_error, "");
  db.reset();
  db = Open();
  auto got = QueryAll(*db, All("m"));
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(got["m,h=x#v"], (std::vector<PointValue>{{20, 2, ""}}));
  EXPECT_EQ(got["m,a=" + a + ",b=" + b + "#v"], (std::vector<PointValue>{{10, 1, ""}}));
}

TEST_F(StorageEngineTest, TheShardDurationIsTheDirectorysOwn) {
  // Shards are laid out by the shard duration: a later open that asks for none gets the one the
  // directory was created with (before, it took the default and left most shards unread).
  constexpr int64_t kHour = 3'600'000'000'000;
  Options hourly;
  hourly.shard_duration_ns = kHour;
  auto db = Open(hourly);
  std::string lines;
  for (int h = 0; h < 5; h++) {
    lines += "m v=" + std::to_string(h) + "i " + std::to_string(kT0 + h * kHour + 7) + "\n";
  }
  ASSERT_TRUE(db->WriteLines(lines));
  ASSERT_TRUE(db->Flush());
  ASSERT_TRUE(db->WriteLines("m v=9i " + std::to_string(kT0 + 5 * kHour) + "\n"));  // in the WAL
  db.reset();
  db = Open();
  EXPECT_EQ(db->options().shard_duration_ns, kHour);
  EXPECT_EQ(db->Stats().shards.size(), 6u);
  EXPECT_EQ(QueryAll(*db, All("m"))["m#v"].size(), 6u);
  db.reset();
  Options daily;
  daily.shard_duration_ns = kDay;
  auto refused = StorageEngine::Open(dir_.Sub("db"), daily);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), Code::kInvalid);
  EXPECT_NE(refused.error().message().find("shard_duration 1d differs from 1h, the one "),
            std::string::npos)
      << refused.error().message();
  db = Open(hourly);  // the same one, given again
  EXPECT_EQ(QueryAll(*db, All("m"))["m#v"].size(), 6u);
  auto shared = StorageEngine::Open(dir_.Sub("db"), daily);  // while open in this process
  ASSERT_FALSE(shared);
  EXPECT_NE(shared.error().message().find("differs from 1h"), std::string::npos);
  EXPECT_EQ(StorageEngine::Open(dir_.Sub("db"), Options()).value(), db);
  db.reset();

  // While a directory holds no points, nothing is laid out by its duration: another replaces it.
  auto fresh = dir_.Sub("fresh");
  db = StorageEngine::Open(fresh, daily).value();
  db.reset();
  db = StorageEngine::Open(fresh, hourly).value();
  EXPECT_EQ(db->options().shard_duration_ns, kHour);
  ASSERT_TRUE(db->WriteLines("m v=1i 10\n"));  // in the WAL only
  db.reset();
  EXPECT_FALSE(StorageEngine::Open(fresh, daily));
  db = StorageEngine::Open(fresh, Options()).value();
  EXPECT_EQ(db->options().shard_duration_ns, kHour);
  EXPECT_EQ(QueryAll(*db, All("m"))["m#v"].size(), 1u);
  db.reset();

  // A directory whose identity file records no duration (made before it was recorded) takes the
  // one it is opened with, and keeps it from then on.
  auto legacy = dir_.Sub("legacy");
  db = StorageEngine::Open(legacy, hourly).value();
  db.reset();
  std::ofstream(legacy + "/STRATA", std::ios::trunc) << "strata data directory\nformat 1\n";
  db = StorageEngine::Open(legacy, hourly).value();
  db.reset();
  db = StorageEngine::Open(legacy, Options()).value();
  EXPECT_EQ(db->options().shard_duration_ns, kHour);
  db.reset();
  std::ofstream(legacy + "/STRATA", std::ios::trunc)
      << "strata data directory\nformat 1\nshard_duration_ns 12x\n";
  auto damaged = StorageEngine::Open(legacy, Options());
  ASSERT_FALSE(damaged);
  EXPECT_EQ(damaged.error().code(), Code::kCorrupt);
  EXPECT_NE(damaged.error().message().find("damaged shard_duration_ns line"), std::string::npos);
}

TEST_F(StorageEngineTest, DeleteRemovesRangeFromEverySource) {
  auto db = Open();
  ASSERT_TRUE(db->WriteLines("m,h=a v=1i 100\nm,h=a v=2i 200\nm,h=b v=9i 150\n"));
  ASSERT_TRUE(db->Flush());
  ASSERT_TRUE(db->WriteLines("m,h=a v=3i 300\n"));
  QueryRequest del = All("m");
  del.tags = {TagFilter{"h", {"a"}}};
  del.min_time = 150;
  del.max_time = 300;
  ASSERT_TRUE(db->Delete(del));
  ASSERT_TRUE(db->WriteLines("m,h=a v=4i 250\n"));  // after the delete: stays
  auto expect_a = std::vector<PointValue>{{100, 1, ""}, {250, 4, ""}};
  auto expect_b = std::vector<PointValue>{{150, 9, ""}};
  auto got = QueryAll(*db, All("m"));
  EXPECT_EQ(got["m,h=a#v"], expect_a);
  EXPECT_EQ(got["m,h=b#v"], expect_b);
  db.reset();
  db = Open();
  got = QueryAll(*db, All("m"));
  EXPECT_EQ(got["m,h=a#v"], expect_a);
  ASSERT_TRUE(db->Compact());
  db.reset();
  db = Open();
  got = QueryAll(*db, All("m"));
  EXPECT_EQ(got["m,h=a#v"], expect_a);
  EXPECT_EQ(got["m,h=b#v"], expect_b);
}

TEST_F(StorageEngineTest, TagFiltersSelectSeries) {
  auto db = Open();
  ASSERT_TRUE(db->WriteLines("m,h=a,r=x v=1i 1\nm,h=b,r=x v=2i 1\nm,h=c,r=y v=3i 1\n"));
  QueryRequest q = All("m");
  q.tags = {TagFilter{"r", {"x"}}};
  EXPECT_EQ(QueryAll(*db, q).size(), 2u);
  q.tags = {TagFilter{"h", {"a", "c"}}};
  auto got = QueryAll(*db, q);
  EXPECT_EQ(got.size(), 2u);
  EXPECT_TRUE(got.count("m,h=a,r=x#v"));
  EXPECT_TRUE(got.count("m,h=c,r=y#v"));
  q.tags = {TagFilter{"h", {"a"}}, TagFilter{"r", {"y"}}};
  EXPECT_TRUE(QueryAll(*db, q).empty());
}

TEST_F(StorageEngineTest, SecondOpenInProcessSharesEngine) {
  auto a = Open();
  auto b = Open();
  EXPECT_EQ(a.get(), b.get());
}

TEST_F(StorageEngineTest, OtherProcessGetsLocked) {
  // The child is forked before the engine starts its threads: a child forked from a process with
  // running threads may inherit a lock one of them held (the allocator's, say) and hang. It tries
  // the lock once the parent holds it, the way a new process would.
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(go[1]);
    char byte = 0;
    if (::read(go[0], &byte, 1) != 1) ::_exit(2);
    auto lock = Env::Default()->LockFile(dir_.Sub("db") + "/LOCK");
    ::_exit(!lock && lock.error().code() == Code::kLocked ? 0 : 1);
  }
  ::close(go[0]);
  auto db = Open();
  ASSERT_TRUE(db);
  const char byte = 'x';
  ASSERT_EQ(::write(go[1], &byte, 1), 1);
  ::close(go[1]);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
}

TEST_F(StorageEngineTest, ForeignDirectoryIsRefused) {
  std::filesystem::create_directories(dir_.Sub("other"));
  std::ofstream(dir_.Sub("other/notes.txt")) << "mine";
  auto db = StorageEngine::Open(dir_.Sub("other"), Options());
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code(), Code::kInvalid);
}

TEST_F(StorageEngineTest, PointsOlderThanRetentionAreRefused) {
  Options o;
  o.retention_ns = kDay;
  auto db = Open(o);
  auto s = db->WriteLines("m v=1i 1000\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalid);
  EXPECT_NE(s.error().message().find("retention"), std::string::npos);
}

TEST_F(StorageEngineTest, OldestWritableTimeIsWhereWritesStartToBeRefused) {
  FaultyEnv env(Env::Default());
  env.SetNow(kT0 + 10 * kDay + 5);
  Options o;
  o.env = &env;
  o.retention_ns = 2 * kDay;  // refused: points whose window ends by now - 2d = kT0 + 8d + 5
  auto db = Open(o);
  EXPECT_EQ(db->OldestWritableTime(), kT0 + 8 * kDay);
  auto s = db->WriteLines("m v=1i " + std::to_string(kT0 + 8 * kDay - 1) + "\n");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("older than the retention period"), std::string::npos);
  EXPECT_TRUE(db->WriteLines("m v=1i " + std::to_string(kT0 + 8 * kDay) + "\n"));
  env.SetNow(kT0 + 11 * kDay);
  EXPECT_EQ(db->OldestWritableTime(), kT0 + 9 * kDay);
  db.reset();
  // Without retention: the oldest routable time, the first whole day of the int64 range.
  db = Open();
  const int64_t first_day = INT64_MIN / kDay * kDay;
  EXPECT_EQ(db->OldestWritableTime(), first_day);
  EXPECT_LT(first_day - INT64_MIN, kDay);
  auto t = db->WriteLines("m v=1i " + std::to_string(first_day - 1) + "\n");
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message().find("outside the storable range"), std::string::npos);
  EXPECT_TRUE(db->WriteLines("m v=1i " + std::to_string(first_day) + "\n"));
}

TEST_F(StorageEngineTest, SmallMemStoresFlushInBackgroundAndStayReadable) {
  auto db = Open(SmallOptions());
  std::vector<Tag> tags{{"h", "a"}};
  for (int batch = 0; batch < 50; batch++) {
    WriteBatch b;
    for (int i = 0; i < 1000; i++) {
      ASSERT_TRUE(b.AddInt("m", tags, "v", kT0 + batch * 1000 + i, batch * 1000 + i));
    }
    ASSERT_TRUE(db->Write(b));
  }
  // 50 batches, each more than a 64 KiB MemStore holds: a writer waits once two MemStores' worth is
  // frozen, so all but the last few were flushed by the background thread before any explicit
  // Flush. (How many segments are left depends on how far compaction got, so that is not checked.)
  EngineStats st = db->Stats();
  ASSERT_EQ(st.shards.size(), 1u);
  EXPECT_GT(st.shards[0].segment_points, 25000u);
  ASSERT_TRUE(db->Flush());
  st = db->Stats();
  EXPECT_EQ(st.shards[0].segment_points, 50000u);
  EXPECT_EQ(st.shards[0].active_points, 0u);
  // The open segments' indexes are accounted for, per shard and in the JSON's total.
  EXPECT_GT(st.shards[0].segment_index_bytes, 0u);
  const std::string json = EngineStatsJson(st);
  EXPECT_NE(json.find("\"segment_index_bytes\":" + std::to_string(st.shards[0].segment_index_bytes)),
            std::string::npos);
  auto got = QueryAll(*db, All("m"))["m,h=a#v"];
  ASSERT_EQ(got.size(), 50000u);
  for (size_t i = 0; i < got.size(); i++) ASSERT_EQ(got[i].num, i);
}

TEST_F(StorageEngineTest, DropMeasurementRemovesDataForGood) {
  auto db = Open();
  ASSERT_TRUE(db->WriteLines("m v=1i 1\nn v=2i 1\n"));
  ASSERT_TRUE(db->DropMeasurement("m"));
  EXPECT_TRUE(QueryAll(*db, All("m")).empty());
  db.reset();
  db = Open();
  EXPECT_TRUE(QueryAll(*db, All("m")).empty());
  EXPECT_EQ(QueryAll(*db, All("n")).size(), 1u);
}

TEST_F(StorageEngineTest, BatchDeletesApplyBeforeItsPointsAtomically) {
  auto db = Open();
  ASSERT_TRUE(db->WriteLines("m,h=a v=1i 10\nm,h=a v=2i 20\nm,h=a,r=x v=3i 20\n"));
  ASSERT_TRUE(db->Flush());
  WriteBatch b;
  // Delete the row (h=a only, not h=a,r=x) at 20, then write it again in the same batch.
  ASSERT_TRUE(b.AddDelete(DeleteSpec{"m", {TagFilter{"h", {"a"}}}, true, {}, 10, 20}));
  std::vector<Tag> tags{{"h", "a"}};
  ASSERT_TRUE(b.AddInt("m", tags, "v", 20, 9));
  ASSERT_TRUE(db->Write(b));
  auto check = [&] {
    auto got = QueryAll(*db, All("m"));
    EXPECT_EQ(got["m,h=a#v"], (std::vector<PointValue>{{20, 9, ""}}));
    EXPECT_EQ(got["m,h=a,r=x#v"], (std::vector<PointValue>{{20, 3, ""}}));
  };
  check();
  db.reset();
  db = Open();
  check();
  ASSERT_TRUE(db->Compact());
  check();
}

// A delete selects series with any tag op (here a regex); a bad regex is refused, never read as
// equality.
TEST_F(StorageEngineTest, DeletesSelectByTagPredicates) {
  auto db = Open();
  ASSERT_TRUE(db->WriteLines("m,h=web-1 v=1i 10\nm,h=web-x v=2i 10\nm,h=db-1 v=3i 10\nm v=4i 10\n"));
  WriteBatch bad;
  auto refused = bad.AddDelete(DeleteSpec{"m", {TagFilter{"h", {"("}, TagOp::kRegex}}, false, {}, 0, 1});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message().find("invalid regex '('"), std::string::npos);
  WriteBatch b;
  ASSERT_TRUE(b.AddDelete(DeleteSpec{"m", {TagFilter{"h", {"[a-z]+-[0-9]"}, TagOp::kRegex}}, false,
                                     {}, INT64_MIN, INT64_MAX}));
  ASSERT_TRUE(db->Write(b));
  auto got = QueryAll(*db, All("m"));
  EXPECT_EQ(got.size(), 2u);
  EXPECT_EQ(got.count("m,h=web-x#v"), 1u);
  EXPECT_EQ(got.count("m#v"), 1u);
}

TEST_F(StorageEngineTest, EmptyDeleteRangeIsRefused) {
  WriteBatch b;
  auto s = b.AddDelete(DeleteSpec{"m", {}, false, {}, 20, 10});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalid);
}

TEST_F(StorageEngineTest, FlushEmptiesTheWalAndReopenReplaysNothing) {
  auto db = Open();
  ASSERT_TRUE(db->WriteLines("m,h=a v=1i 10\nm,h=b v=2i 20\n"));
  EXPECT_GT(db->Stats().wal_bytes, 0u);
  ASSERT_TRUE(db->Flush());
  EXPECT_EQ(db->Stats().wal_bytes, 0u);
  ASSERT_TRUE(db->WriteLines("m,h=a v=3i 30\n"));  // a new WAL file
  db.reset();
  db = Open();
  auto got = QueryAll(*db, All("m"));
  EXPECT_EQ(got["m,h=a#v"], (std::vector<PointValue>{{10, 1, ""}, {30, 3, ""}}));
  EXPECT_EQ(got["m,h=b#v"], (std::vector<PointValue>{{20, 2, ""}}));
}

TEST_F(StorageEngineTest, ExtremeTimesRoundTripOrAreRefused) {
  auto db = Open();
  WriteBatch b;
  std::vector<Tag> tags{{"h", "a"}};
  ASSERT_TRUE(b.AddInt("m", tags, "v", INT64_MAX, 1));
  ASSERT_TRUE(b.AddInt("m", tags, "v", INT64_MIN + 2 * kDay, 2));
  ASSERT_TRUE(db->Write(b));
  ASSERT_TRUE(db->Flush());
  EXPECT_EQ(QueryAll(*db, All("m"))["m,h=a#v"],
            (std::vector<PointValue>{{INT64_MIN + 2 * kDay, 2, ""}, {INT64_MAX, 1, ""}}));
  WriteBatch bad;
  ASSERT_TRUE(bad.AddInt("m", tags, "v", INT64_MIN, 3));
  auto s = db->Write(bad);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalid);
  // The oldest routable time, INT64_MIN + 1d and INT64_MIN + 1d + 1 are in the first whole day of
  // the range; a reopen reads its shard again (before, a window that started less than a shard
  // duration above INT64_MIN was taken for no window at all and left unread).
  const int64_t first_day = INT64_MIN / kDay * kDay;
  WriteBatch low;
  for (int64_t t : {first_day, INT64_MIN + kDay, INT64_MIN + kDay + 1}) {
    ASSERT_TRUE(low.AddInt("m", tags, "v", t, 4));
  }
  ASSERT_TRUE(db->Write(low));
  ASSERT_TRUE(db->Flush());
  db.reset();
  db = Open();
  EXPECT_EQ(QueryAll(*db, All("m"))["m,h=a#v"],
            (std::vector<PointValue>{{first_day, 4, ""},
                                     {INT64_MIN + kDay, 4, ""},
                                     {INT64_MIN + kDay + 1, 4, ""},
                                     {INT64_MIN + 2 * kDay, 2, ""},
                                     {INT64_MAX, 1, ""}}));
}

// Reads through the engine share its block cache: a repeated query reads no segment bytes and
// returns the same points; a presence-only (times-only) read of the same range is served by the
// full blocks. With block_cache_bytes=0 every query reads the file.
TEST(StorageEngineBlockCache, RepeatedQueryIsServedFromTheCache) {
  for (uint64_t cache_bytes : {uint64_t{32} << 20, uint64_t{0}}) {
    testing::TempDir tmp;
    FaultyEnv env(Env::Default());
    env.SetSkipSyncs(true);
    Options options;
    options.env = &env;
    options.block_cache_bytes = cache_bytes;
    auto db = StorageEngine::Open(tmp.Sub("db"), options);
    ASSERT_TRUE(db.has_value());
    std::string lines;
    for (int k = 0; k < 20000; k++) {
      lines += "cpu,host=h" + std::to_string(k % 2) + " usage=" + std::to_string(k % 97) +
               ".25 " + std::to_string(1000000 + 1000LL * k) + "\n";
    }
    ASSERT_TRUE((*db)->WriteLines(lines));
    ASSERT_TRUE((*db)->Flush());
    QueryRequest q = testing::All("cpu");
    q.min_time = 1000000 + 1000LL * 3000;
    q.max_time = 1000000 + 1000LL * 9000;
    auto bytes_for = [&](auto&& query) {
      const uint64_t before = env.bytes_read();
      query();
      return env.bytes_read() - before;
    };
    std::map<std::string, std::vector<testing::PointValue>> first, second;
    const uint64_t cold = bytes_for([&] { first = testing::QueryAll(**db, q); });
    const uint64_t warm = bytes_for([&] { second = testing::QueryAll(**db, q); });
    EXPECT_GT(cold, 0u);
    EXPECT_EQ(first, second);
    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first.begin()->second.size(), 3001u);
    RowOptions presence;
    presence.presence_only = {"usage"};
    size_t rows = 0;
    const uint64_t presence_bytes = bytes_for([&] {
      auto cursor = (*db)->QueryRows(q, presence);
      ASSERT_TRUE(cursor.has_value());
      while (true) {
        auto more = (*cursor)->Next();
        ASSERT_TRUE(more.has_value());
        if (!*more) break;
        rows++;
      }
    });
    EXPECT_EQ(rows, 6001u);
    if (cache_bytes > 0) {
      EXPECT_EQ(warm, 0u);
      EXPECT_EQ(presence_bytes, 0u);
    } else {
      EXPECT_EQ(warm, cold);
      EXPECT_GT(presence_bytes, 0u);
    }
  }
}

// A scan brings at most 1/kScanFillFraction of the cache into it: the blocks of a small query
// that ran before it stay cached.
TEST(StorageEngineBlockCache, ScanDoesNotFlushTheCache) {
  testing::TempDir tmp;
  FaultyEnv env(Env::Default());
  env.SetSkipSyncs(true);
  Options options;
  options.env = &env;
  options.block_cache_bytes = 256 << 10;  // about 15 float blocks
  auto db = StorageEngine::Open(tmp.Sub("db"), options);
  ASSERT_TRUE(db.has_value());
  constexpr int kPoints = 100000;  // about 100 blocks per series
  std::string lines;
  for (int k = 0; k < kPoints; k++) {
    for (int h = 0; h < 2; h++) {
      lines += "cpu,host=h" + std::to_string(h) + " usage=" + std::to_string(k % 89) + ".5 " +
               std::to_string(1000000 + 1000LL * k) + "\n";
    }
  }
  ASSERT_TRUE((*db)->WriteLines(lines));
  ASSERT_TRUE((*db)->Flush());
  QueryRequest small = testing::All("cpu");
  small.tags = {TagFilter{"host", {"h0"}}};
  small.min_time = 1000000 + 1000LL * (kPoints - 300);
  auto bytes_for = [&](const QueryRequest& q, size_t* points) {
    const uint64_t before = env.bytes_read();
    *points = 0;
    for (const auto& [key, list] : testing::QueryAll(**db, q)) *points += list.size();
    return env.bytes_read() - before;
  };
  size_t n = 0;
  EXPECT_GT(bytes_for(small, &n), 0u);
  EXPECT_EQ(n, 300u);
  EXPECT_EQ(bytes_for(small, &n), 0u);
  const uint64_t scan = bytes_for(testing::All("cpu"), &n);
  EXPECT_EQ(n, 2u * kPoints);
  EXPECT_GT(scan, 0u);
  EXPECT_EQ(bytes_for(small, &n), 0u) << "the scan evicted the small query's block";
  EXPECT_EQ(n, 300u);
}

}  // namespace
}  // namespace strata
