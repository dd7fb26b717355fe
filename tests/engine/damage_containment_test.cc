// A damaged segment is contained (issue 13): the directory opens, reads that need the segment fail
// naming it, everything else works, writes and flushes go on, compaction leaves the shard alone,
// and `strata repair` brings back every intact block.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "directory_check.h"
#include "engine/engine_test_util.h"
#include "repair.h"

namespace strata {
namespace {

constexpr int64_t kDay = 86400LL * 1000000000LL;
constexpr int64_t kT0 = 1451606400LL * 1000000000LL;  // a day boundary
const std::vector<Tag> kTags = {{"h", "a"}};

class DamageContainmentTest : public ::testing::Test {
 protected:
  std::shared_ptr<StorageEngine> Open() {
    auto db = StorageEngine::Open(dir_.Sub("db"), Options());
    EXPECT_TRUE(db.has_value()) << db.error().ToString();
    return db.value_or(nullptr);
  }

  // 100 points a day in days 0 and 1, flushed; returns the day-0 segment's path.
  std::string WriteTwoDays() {
    auto db = Open();
    WriteBatch b;
    for (int day = 0; day < 2; day++) {
      for (int i = 0; i < 100; i++) {
        EXPECT_TRUE(b.AddString("m", kTags, "s", kT0 + day * kDay + i, "ok"));
      }
    }
    EXPECT_TRUE(db->Write(b));
    EXPECT_TRUE(db->Flush());
    for (const auto& e : std::filesystem::directory_iterator(
             dir_.Sub("db") + "/shards/m/" + std::to_string(kT0))) {
      if (e.path().extension() == ".sst") return e.path().string();
    }
    return "";
  }

  static void FlipByte(const std::string& path, size_t at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    char c;
    f.get(c);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(static_cast<char>(c ^ 0x55));
  }

  static Result<size_t> Count(StorageEngine& db, int64_t min_t, int64_t max_t) {
    QueryRequest q;
    q.measurement = "m";
    q.min_time = min_t;
    q.max_time = max_t;
    STRATA_ASSIGN_OR_RETURN(auto cursor, db.Query(q));
    size_t n = 0;
    while (true) {
      STRATA_ASSIGN_OR_RETURN(bool more, cursor->Next());
      if (!more) return n;
      n += cursor->points().size();
    }
  }

  testing::TempDir dir_;
};

TEST_F(DamageContainmentTest, ADamagedFooterFailsOnlyTheReadsThatNeedTheSegment) {
  const std::string seg = WriteTwoDays();
  ASSERT_FALSE(seg.empty());
  FlipByte(seg, std::filesystem::file_size(seg) - 20);  // the footer
  auto db = Open();
  ASSERT_NE(db, nullptr);

  auto day0 = Count(*db, kT0, kT0 + kDay - 1);
  ASSERT_FALSE(day0.has_value());
  EXPECT_EQ(day0.error().code(), Code::kCorrupt);
  EXPECT_NE(day0.error().message().find(seg), std::string::npos) << day0.error().message();
  auto day1 = Count(*db, kT0 + kDay, kT0 + 2 * kDay - 1);
  ASSERT_TRUE(day1.has_value()) << day1.error().ToString();
  EXPECT_EQ(*day1, 100u);

  // Writes and flushes go on, also into the damaged shard; compaction leaves it alone.
  WriteBatch b;
  ASSERT_TRUE(b.AddString("m", kTags, "s", kT0 + 500, "new"));
  ASSERT_TRUE(b.AddString("m", kTags, "s", kT0 + kDay + 500, "new"));
  ASSERT_TRUE(db->Write(b));
  ASSERT_TRUE(db->Flush());
  auto compacted = db->Compact();
  ASSERT_FALSE(compacted.has_value());
  EXPECT_EQ(compacted.error().code(), Code::kCorrupt);
  EXPECT_EQ(*Count(*db, kT0 + kDay, kT0 + 2 * kDay - 1), 101u);
  const std::string stats = db->StatsJson();
  EXPECT_NE(stats.find("\"damage\":\"corrupt: " + seg), std::string::npos) << stats;
  EXPECT_EQ(db->Verify().size(), 1u);
  db.reset();

  // Repair keeps the intact blocks: here the whole section, whose own checksums hold.
  auto report = RepairDirectory(Env::Default(), dir_.Sub("db"), RepairOptions());
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  EXPECT_TRUE(report->lost.empty());
  auto check = CheckDirectory(Env::Default(), dir_.Sub("db"));
  ASSERT_TRUE(check.has_value());
  EXPECT_FALSE(check->damaged());
  db = Open();
  EXPECT_EQ(*Count(*db, kT0, kT0 + kDay - 1), 101u);
  EXPECT_TRUE(db->Compact());
}

TEST_F(DamageContainmentTest, AMissingSegmentIsReportedNotIgnored) {
  const std::string seg = WriteTwoDays();
  std::filesystem::remove(seg);
  auto db = Open();
  ASSERT_NE(db, nullptr);
  auto day0 = Count(*db, kT0, kT0 + kDay - 1);
  ASSERT_FALSE(day0.has_value());
  EXPECT_NE(day0.error().message().find("missing"), std::string::npos);
  EXPECT_EQ(*Count(*db, kT0 + kDay, kT0 + 2 * kDay - 1), 100u);
}

// A failed open changes nothing: here a WAL record in the middle of the log is damaged, and the
// catalog ends in a torn tail an open would otherwise truncate.
TEST_F(DamageContainmentTest, AFailedOpenLeavesEveryFileAsItWas) {
  {
    auto db = Open();
    for (int i = 0; i < 3; i++) {
      WriteBatch b;
      const std::vector<Tag> tags = {{"h", std::to_string(i)}};
      ASSERT_TRUE(b.AddInt("m", tags, "v", kT0 + i, i));
      ASSERT_TRUE(db->Write(b));
    }
  }
  const std::string root = dir_.Sub("db");
  const std::string wal = root + "/wal/" + std::filesystem::directory_iterator(root + "/wal")->path().filename().string();
  FlipByte(wal, 30);  // inside the first of three records
  std::string catalog_log;
  for (const auto& e : std::filesystem::directory_iterator(root + "/catalog")) catalog_log = e.path();
  std::ofstream(catalog_log, std::ios::app | std::ios::binary) << std::string(7, '\x01');
  auto snapshot = [&] {
    std::map<std::string, std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      files[e.path()] = std::string(std::istreambuf_iterator<char>(in), {});
    }
    return files;
  };
  const auto before = snapshot();
  auto db = StorageEngine::Open(root, Options());
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code(), Code::kCorrupt);
  EXPECT_NE(db.error().message().find(wal), std::string::npos) << db.error().message();
  EXPECT_NE(db.error().message().find("not a torn write"), std::string::npos)
      << db.error().message();
  EXPECT_EQ(snapshot(), before);
}

}  // namespace
}  // namespace strata
