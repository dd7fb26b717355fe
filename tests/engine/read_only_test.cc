// The read-only open (storage_engine.h, directory_reader.h; engine/README.md, section 12): a reader
// follows what a writer commits, creates and changes nothing, refuses writes with ReadOnly; auto
// opens a reader when the lock is held or the storage cannot be written. The writer here is an
// engine of this process: a reader takes no lock and shares nothing with it but the files, so it
// follows it exactly as it would one in another process (tests/crash/readers_test.cc does that).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "data_dir.h"
#include "engine_test_util.h"
#include "storage_engine.h"

namespace strata {
namespace {

using testing::TempDir;

constexpr int64_t kDay = 86'400'000'000'000;

class ReadOnlyTest : public ::testing::Test {
 protected:
  std::string Dir() const { return dir_.Sub("db"); }

  std::shared_ptr<StorageEngine> OpenAs(OpenMode mode, const std::string& extra = "") {
    auto options = ParseOptions("memstore_bytes=64KiB;wal_segment_bytes=64KiB" + extra);
    EXPECT_TRUE(options);
    options->read_only = mode;
    auto db = StorageEngine::Open(Dir(), *options);
    EXPECT_TRUE(db) << db.error().ToString();
    return db ? *db : nullptr;
  }

  // Transaction k: hosts h0..h4 get v = k at time k in day 0 and at day 1 + k: two shards.
  static void Commit(StorageEngine& db, int64_t k) {
    std::string lines;
    for (int h = 0; h < 5; h++) {
      for (int64_t t : {k, kDay + k}) {
        lines += "inv,host=h" + std::to_string(h) + " v=" + std::to_string(k) + "i " +
                 std::to_string(t) + "\n";
      }
    }
    ASSERT_TRUE(db.WriteLines(lines));
  }

  // v -> number of points holding it; every value must sit at its own times.
  static std::map<int64_t, int> Counts(StorageEngine& db) {
    std::map<int64_t, int> counts;
    QueryRequest q;
    q.measurement = "inv";
    auto cursor = db.Query(q);
    EXPECT_TRUE(cursor) << cursor.error().ToString();
    if (!cursor) return counts;
    for (;;) {
      auto more = (*cursor)->Next();
      EXPECT_TRUE(more) << more.error().ToString();
      if (!more || !*more) break;
      const Column& c = (*cursor)->points();
      for (size_t i = 0; i < c.size(); i++) {
        const auto v = static_cast<int64_t>(c.nums[i]);
        EXPECT_TRUE(c.times[i] == v || c.times[i] == kDay + v) << "v " << v << " at " << c.times[i];
        counts[v]++;
      }
    }
    return counts;
  }

  // Whole transactions 1..n.
  static std::map<int64_t, int> Through(int64_t n) {
    std::map<int64_t, int> m;
    for (int64_t k = 1; k <= n; k++) m[k] = 10;
    return m;
  }

  TempDir dir_;
};

TEST_F(ReadOnlyTest, ReaderFollowsEveryCommitThroughFlushesAndCompactions) {
  auto writer = OpenAs(OpenMode::kWriter);
  ASSERT_TRUE(writer);
  Commit(*writer, 1);
  auto reader = OpenAs(OpenMode::kReader);
  ASSERT_TRUE(reader);
  EXPECT_NE(reader.get(), writer.get());
  EXPECT_TRUE(reader->read_only());
  EXPECT_EQ(Counts(*reader), Through(1));
  int64_t k = 1;
  for (int round = 0; round < 12; round++) {
    for (int i = 0; i < 7; i++) Commit(*writer, ++k);
    EXPECT_EQ(Counts(*reader), Through(k)) << "round " << round;
    if (round % 3 == 1) {
      ASSERT_TRUE(writer->Flush());
    }
    if (round % 5 == 4) {
      ASSERT_TRUE(writer->Compact());
    }
    EXPECT_EQ(Counts(*reader), Through(k)) << "round " << round << ", after flush/compaction";
  }
  const EngineStats st = reader->Stats();
  EXPECT_TRUE(st.read_only);
  EXPECT_EQ(st.last_lsn, writer->Stats().last_lsn);
  EXPECT_NE(reader->StatsJson().find("\"read_only\":true"), std::string::npos);
}

// A reader's tag listing (CurrentCatalog, as strata_list_tags reads it) shows the series the
// writer registered since the reader's last look, without a query in between.
TEST_F(ReadOnlyTest, AReaderListsTheTagValuesTheWriterAddsSinceItOpened) {
  auto writer = OpenAs(OpenMode::kWriter);
  Commit(*writer, 1);
  auto reader = OpenAs(OpenMode::kReader);
  ASSERT_TRUE(reader);
  auto values = [&] {
    auto catalog = reader->CurrentCatalog();
    EXPECT_TRUE(catalog) << catalog.error().ToString();
    return catalog ? (*catalog)->TagValues("inv", "host").value() : std::vector<TagValueInfo>{};
  };
  EXPECT_EQ(values().size(), 5u);
  ASSERT_TRUE(writer->WriteLines("inv,host=h9 v=1i 1\ninv,host=h9 w=1i 1\n"));
  const std::vector<TagValueInfo> after = values();
  ASSERT_EQ(after.size(), 6u);
  EXPECT_EQ(after.back(), (TagValueInfo{"h9", 2}));
  EXPECT_EQ(reader->catalog().SeriesCount("inv"), 7u);
}

TEST_F(ReadOnlyTest, ACursorKeepsReadingFilesACompactionDeleted) {
  auto writer = OpenAs(OpenMode::kWriter);
  for (int64_t k = 1; k <= 20; k++) {
    Commit(*writer, k);
    if (k % 4 == 0) {
      ASSERT_TRUE(writer->Flush());
    }
  }
  auto reader = OpenAs(OpenMode::kReader);
  QueryRequest q;
  q.measurement = "inv";
  auto cursor = reader->Query(q);  // pins the segments of five flushes
  ASSERT_TRUE(cursor);
  ASSERT_TRUE(writer->Compact());  // merges them and deletes their files
  size_t points = 0;
  for (;;) {
    auto more = (*cursor)->Next();
    ASSERT_TRUE(more) << more.error().ToString();
    if (!*more) break;
    points += (*cursor)->points().size();
  }
  EXPECT_EQ(points, 200u);
  Commit(*writer, 21);
  EXPECT_EQ(Counts(*reader), Through(21));
}

TEST_F(ReadOnlyTest, WritesThroughAReaderAreRefusedWithReadOnly) {
  OpenAs(OpenMode::kWriter).reset();  // creates the directory
  auto reader = OpenAs(OpenMode::kReader);
  WriteBatch batch;
  const Tag tag{"host", "a"};
  ASSERT_TRUE(batch.AddInt("inv", std::span<const Tag>(&tag, 1), "v", 1, 1));
  auto expect_read_only = [](const Status& s, const char* what) {
    ASSERT_FALSE(s) << what;
    EXPECT_EQ(s.error().code(), Code::kReadOnly) << what;
    EXPECT_NE(s.error().message().find("read-only"), std::string::npos) << s.error().message();
  };
  expect_read_only(reader->Write(batch), "Write");
  expect_read_only(reader->WriteAndClear(batch), "WriteAndClear");
  expect_read_only(reader->WriteLines("inv,host=a v=1i 1"), "WriteLines");
  QueryRequest all;
  all.measurement = "inv";
  expect_read_only(reader->Delete(all), "Delete");
  expect_read_only(reader->DropMeasurement("inv"), "DropMeasurement");
  expect_read_only(reader->Flush(), "Flush");
  expect_read_only(reader->Compact(), "Compact");
  auto point = reader->TakeBackupPoint();
  ASSERT_FALSE(point);
  EXPECT_EQ(point.error().code(), Code::kReadOnly);
  EXPECT_EQ(Counts(*reader).size(), 0u);
}

TEST_F(ReadOnlyTest, LockHeldElsewhereGivesLockedToAWriterAndAReaderToAuto) {
  OpenAs(OpenMode::kWriter).reset();
  {
    auto writer = OpenAs(OpenMode::kWriter);
    Commit(*writer, 1);
  }
  // Another lock object on LOCK is what another process's writer holds (flock is per open file).
  auto lock = Env::Default()->LockFile(JoinPath(Dir(), kLockFileName));
  ASSERT_TRUE(lock);
  Options options;
  auto writer = StorageEngine::Open(Dir(), options);
  ASSERT_FALSE(writer);
  EXPECT_EQ(writer.error().code(), Code::kLocked);
  EXPECT_NE(writer.error().message().find("read_only=1"), std::string::npos)
      << writer.error().message();
  options.read_only = OpenMode::kAuto;
  auto automatic = StorageEngine::Open(Dir(), options);
  ASSERT_TRUE(automatic) << automatic.error().ToString();
  EXPECT_TRUE((*automatic)->read_only());
  EXPECT_EQ(Counts(**automatic), Through(1));
}

TEST_F(ReadOnlyTest, AutoWritesWhenNoOtherProcessHasTheLock) {
  auto automatic = OpenAs(OpenMode::kAuto);
  ASSERT_TRUE(automatic);
  EXPECT_FALSE(automatic->read_only());
  Commit(*automatic, 1);
  // A writer of this process is shared with later auto and writer opens.
  EXPECT_EQ(OpenAs(OpenMode::kAuto).get(), automatic.get());
  EXPECT_EQ(OpenAs(OpenMode::kWriter).get(), automatic.get());
}

TEST_F(ReadOnlyTest, AReaderCreatesNothing) {
  Options options;
  options.read_only = OpenMode::kReader;
  auto db = StorageEngine::Open(Dir(), options);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().code(), Code::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(Dir()));
  // A directory just created holds no shards, WAL or lock a reader would make.
  OpenAs(OpenMode::kWriter).reset();
  std::filesystem::remove(JoinPath(Dir(), kLockFileName));
  auto reader = OpenAs(OpenMode::kReader);
  ASSERT_TRUE(reader);
  EXPECT_EQ(Counts(*reader).size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(JoinPath(Dir(), kLockFileName)));
}

TEST_F(ReadOnlyTest, ATornTailOfTheLogIsNotVisible) {
  {
    auto writer = OpenAs(OpenMode::kWriter);
    Commit(*writer, 1);
    Commit(*writer, 2);
  }
  // A third record cut short, as a reader sees one the writer is still writing.
  std::string newest;
  for (const auto& e : std::filesystem::directory_iterator(JoinPath(Dir(), kWalDirName))) {
    newest = std::max(newest, e.path().string());
  }
  const std::string bytes = [&] {
    std::ifstream in(newest, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  ASSERT_GT(bytes.size(), 40u);
  {
    std::ofstream out(newest, std::ios::binary | std::ios::app);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2 - 3));
  }
  auto reader = OpenAs(OpenMode::kReader);
  ASSERT_TRUE(reader);
  EXPECT_EQ(Counts(*reader), Through(2));
}

TEST_F(ReadOnlyTest, StalenessBoundsHowOftenAReaderLooksForWrites) {
  auto writer = OpenAs(OpenMode::kWriter);
  Commit(*writer, 1);
  auto patient = OpenAs(OpenMode::kReader, ";reader_staleness_ms=3600000");
  ASSERT_TRUE(patient);
  EXPECT_EQ(patient->options().reader_staleness_ms, 3600000);
  Commit(*writer, 2);
  // Within the hour its view is the one it loaded at open; a reader of staleness 0 sees both.
  EXPECT_EQ(Counts(*patient), Through(1));
  // (The reader engine of this process is shared: a new one needs the first gone.)
  patient.reset();
  auto eager = OpenAs(OpenMode::kReader);
  EXPECT_EQ(Counts(*eager), Through(2));
}

TEST_F(ReadOnlyTest, ADirectoryThatCannotBeWrittenOpensReadOnly) {
  {
    auto writer = OpenAs(OpenMode::kWriter);
    Commit(*writer, 1);
  }
  std::filesystem::remove(JoinPath(Dir(), kLockFileName));  // as a copy without it would be
  std::vector<std::string> dirs;
  for (const auto& e : std::filesystem::recursive_directory_iterator(Dir())) {
    if (e.is_directory()) dirs.push_back(e.path().string());
  }
  dirs.push_back(Dir());
  for (const auto& d : dirs) ::chmod(d.c_str(), 0555);
  // Root ignores file permissions: as root, the opens run in a child that is user nobody.
  const bool root = ::geteuid() == 0;
  if (root) ::chmod(std::filesystem::path(Dir()).parent_path().c_str(), 0755);
  const pid_t child = root ? ::fork() : 0;
  if (child == 0) {
    [&] {
      ASSERT_TRUE(!root || (::setgid(65534) == 0 && ::setuid(65534) == 0));
      Options options;
      auto writer = StorageEngine::Open(Dir(), options);
      ASSERT_FALSE(writer);
      EXPECT_EQ(writer.error().code(), Code::kReadOnly) << writer.error().ToString();
      options.read_only = OpenMode::kAuto;
      auto automatic = StorageEngine::Open(Dir(), options);
      ASSERT_TRUE(automatic) << automatic.error().ToString();
      EXPECT_TRUE((*automatic)->read_only());
      EXPECT_EQ(Counts(**automatic), Through(1));
    }();
    if (root) ::_exit(HasFailure() ? 1 : 0);
  } else {
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "the opens as user nobody failed (status " << status << "): see above";
  }
  for (const auto& d : dirs) ::chmod(d.c_str(), 0755);
}

TEST(ReadOnlyOptions, ParseAndFormat) {
  EXPECT_EQ(ParseOptions("read_only=1")->read_only, OpenMode::kReader);
  EXPECT_EQ(ParseOptions("read_only=true")->read_only, OpenMode::kReader);
  EXPECT_EQ(ParseOptions("read_only=0")->read_only, OpenMode::kWriter);
  EXPECT_EQ(ParseOptions("read_only=auto")->read_only, OpenMode::kAuto);
  EXPECT_EQ(ParseOptions("reader_staleness_ms=250")->reader_staleness_ms, 250);
  EXPECT_FALSE(ParseOptions("read_only=maybe"));
  EXPECT_FALSE(ParseOptions("reader_staleness_ms=-1"));
  const Options o = *ParseOptions("read_only=auto;reader_staleness_ms=5");
  EXPECT_EQ(*ParseOptions(FormatOptions(o)), o);
  EXPECT_EQ(FormatOptions(Options()).find("read_only"), std::string::npos);
}

}  // namespace
}  // namespace strata
