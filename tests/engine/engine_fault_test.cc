// Fault injection at the engine level: failed syncs and writes, a full disk during a flush, power
// cuts that lose unsynced data, and damaged WAL and segment files. Each must give a precise error or
// a clean recovery, never lose an acknowledged write, never return wrong data.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/engine_test_util.h"
#include "engine/faulty_env.h"
#include "storage_engine.h"

namespace strata {
namespace {

using testing::All;
using testing::PointValue;
using testing::QueryAll;

class EngineFaultTest : public ::testing::Test {
 protected:
  EngineFaultTest() : env_(Env::Default()) { options_.env = &env_; }

  std::shared_ptr<StorageEngine> Open() {
    auto db = StorageEngine::Open(tmp_.Sub("db"), options_);
    EXPECT_TRUE(db.has_value()) << (db ? "" : db.error().ToString());
    return db ? *db : nullptr;
  }
  static Status WriteRow(StorageEngine& db, int64_t t) {
    return db.WriteLines("m,h=a v=" + std::to_string(t) + "i " + std::to_string(t) + "\n");
  }
  std::vector<std::string> FilesUnder(const std::string& sub, const std::string& prefix) {
    std::vector<std::string> out;
    for (auto& e : std::filesystem::recursive_directory_iterator(tmp_.Sub("db/" + sub))) {
      if (e.path().filename().string().rfind(prefix, 0) == 0) out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  testing::TempDir tmp_;
  FaultyEnv env_;
  Options options_;
};

TEST_F(EngineFaultTest, FailedWalSyncFailsTheWriteAndStopsLaterWrites) {
  auto db = Open();
  ASSERT_TRUE(WriteRow(*db, 1));
  env_.FailSync(1);
  auto s = WriteRow(*db, 2);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kIO);
  auto again = WriteRow(*db, 3);
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message().find("earlier failure"), std::string::npos);
  EXPECT_NE(db->StatsJson().find("earlier failure"), std::string::npos);
  db.reset();
  env_.ClearFaults();
  db = Open();
  auto got = QueryAll(*db, All("m"))["m,h=a#v"];
  ASSERT_GE(got.size(), 1u);
  EXPECT_EQ(got[0].time, 1);  // the acknowledged write; the failed one may or may not be there
  EXPECT_TRUE(WriteRow(*db, 4));
}

TEST_F(EngineFaultTest, FailedWalAppendLeavesNoPartialBatch) {
  auto db = Open();
  ASSERT_TRUE(db->WriteLines("m,h=a v=1i 1\nm,h=b v=1i 1\n"));
  env_.FailAppend(1, ENOSPC, 7);  // a short write: 7 bytes of the WAL record reach the file
  auto s = db->WriteLines("m,h=a v=2i 2\nm,h=b v=3i 3\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kIO);
  EXPECT_NE(s.error().message().find("No space"), std::string::npos) << s.error().message();
  db.reset();
  env_.ClearFaults();
  db = Open();
  auto got = QueryAll(*db, All("m"));
  EXPECT_EQ(got["m,h=a#v"], (std::vector<PointValue>{{1, 1, ""}}));
  EXPECT_EQ(got["m,h=b#v"], (std::vector<PointValue>{{1, 1, ""}}));
}

TEST_F(EngineFaultTest, FailedCatalogAppendRegistersNothing) {
  auto db = Open();
  ASSERT_TRUE(WriteRow(*db, 1));
  env_.FailAppend(1, EIO, 5);  // the new series' catalog record is cut short
  auto s = db->WriteLines("m,h=new v=2i 2\n");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kIO);
  db.reset();
  env_.ClearFaults();
  db = Open();
  auto got = QueryAll(*db, All("m"));
  EXPECT_EQ(got.size(), 1u);
  ASSERT_TRUE(db->WriteLines("m,h=new v=2i 2\n"));
  EXPECT_EQ(QueryAll(*db, All("m")).size(), 2u);
}

TEST_F(EngineFaultTest, DiskFullDuringFlushKeepsDataReadableAndRecoverable) {
  auto db = Open();
  for (int t = 1; t <= 100; t++) ASSERT_TRUE(WriteRow(*db, t));
  env_.SetDiskFull(true);
  auto s = db->Flush();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kIO);
  EXPECT_EQ(QueryAll(*db, All("m"))["m,h=a#v"].size(), 100u);  // still served from memory
  db.reset();
  env_.SetDiskFull(false);
  db = Open();
  EXPECT_EQ(QueryAll(*db, All("m"))["m,h=a#v"].size(), 100u);  // replayed from the WAL
  ASSERT_TRUE(db->Flush());
}

TEST_F(EngineFaultTest, PowerCutLosesOnlyUnacknowledgedWrites) {
  options_.sync = SyncMode::kFull;
  auto db = Open();
  for (int t = 1; t <= 20; t++) ASSERT_TRUE(WriteRow(*db, t));
  ASSERT_TRUE(db->Flush());
  for (int t = 21; t <= 40; t++) ASSERT_TRUE(WriteRow(*db, t));
  db.reset();
  ASSERT_TRUE(env_.DropUnsyncedData());
  db = Open();
  EXPECT_EQ(QueryAll(*db, All("m"))["m,h=a#v"].size(), 40u);
}

TEST_F(EngineFaultTest, TornWalTailIsTruncatedOnOpen) {
  {
    auto db = Open();
    for (int t = 1; t <= 3; t++) ASSERT_TRUE(WriteRow(*db, t));
  }
  auto wals = FilesUnder("wal", "wal-");
  ASSERT_FALSE(wals.empty());
  const auto size = std::filesystem::file_size(wals.back());
  std::filesystem::resize_file(wals.back(), size - 3);  // cut into the last record
  auto db = Open();
  auto got = QueryAll(*db, All("m"))["m,h=a#v"];
  EXPECT_EQ(got.size(), 2u);
  ASSERT_TRUE(WriteRow(*db, 4));
  db.reset();
  db = Open();
  EXPECT_EQ(QueryAll(*db, All("m"))["m,h=a#v"].size(), 3u);
}

TEST_F(EngineFaultTest, CorruptWalRecordBeforeTheTailIsReportedNamingTheFile) {
  {
    auto db = Open();
    for (int t = 1; t <= 3; t++) ASSERT_TRUE(WriteRow(*db, t));
  }
  auto wals = FilesUnder("wal", "wal-");
  ASSERT_FALSE(wals.empty());
  {
    std::fstream f(wals.back(), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);  // inside the first record's payload
    f.put('\x7f');
  }
  auto db = StorageEngine::Open(tmp_.Sub("db"), options_);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code(), Code::kCorrupt);
  EXPECT_NE(db.error().message().find(wals.back()), std::string::npos) << db.error().message();
}

TEST_F(EngineFaultTest, FlippedSegmentByteGivesCorruptNamingTheFileNeverWrongData) {
  {
    auto db = Open();
    WriteBatch b;
    std::vector<Tag> tags{{"h", "a"}};
    for (int i = 0; i < 3000; i++) ASSERT_TRUE(b.AddInt("m", tags, "v", i, i));
    ASSERT_TRUE(db->Write(b));
    ASSERT_TRUE(db->Flush());
  }
  auto segs = FilesUnder("shards", "seg-");
  ASSERT_EQ(segs.size(), 1u);
  const auto size = std::filesystem::file_size(segs[0]);
  // Flip one byte in each of several places (header, blocks, index, footer), one at a time.
  for (uint64_t off : {uint64_t{3}, uint64_t{200}, size / 2, size - 40, size - 3}) {
    SCOPED_TRACE("offset " + std::to_string(off));
    std::string original;
    {
      std::fstream f(segs[0], std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(static_cast<std::streamoff>(off));
      char c;
      f.get(c);
      original.assign(1, c);
      f.seekp(static_cast<std::streamoff>(off));
      f.put(static_cast<char>(c ^ 0x20));
    }
    auto db = StorageEngine::Open(tmp_.Sub("db"), options_);
    if (!db) {
      EXPECT_EQ(db.error().code(), Code::kCorrupt);
      EXPECT_NE(db.error().message().find(segs[0]), std::string::npos) << db.error().message();
    } else {
      auto cursor = (*db)->Query(All("m"));
      ASSERT_TRUE(cursor.has_value());
      size_t n = 0;
      bool corrupt = false;
      while (true) {
        auto more = (*cursor)->Next();
        if (!more) {
          EXPECT_EQ(more.error().code(), Code::kCorrupt);
          EXPECT_NE(more.error().message().find(segs[0]), std::string::npos);
          corrupt = true;
          break;
        }
        if (!*more) break;
        const Column& c = (*cursor)->points();
        for (size_t i = 0; i < c.size(); i++, n++) {
          ASSERT_EQ(c.times[i], static_cast<int64_t>(c.nums[i])) << "wrong data returned";
        }
      }
      EXPECT_TRUE(corrupt || n == 3000u);
      EXPECT_FALSE((*db)->Verify().empty() && corrupt);
    }
    std::fstream f(segs[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(off));
    f.put(original[0]);
  }
}

}  // namespace
}  // namespace strata
