// Online backup (engine/backup.h): a backup taken while a writer, background flushes and
// compactions run equals the source at the backup's point, write for write; files a compaction
// removes after the point are still in the copy; a backup killed by SIGKILL leaves nothing that
// opens; the copy is restored by opening it.
#include "backup.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "directory_check.h"
#include "engine/engine_test_util.h"
#include "series_key.h"
#include "storage_engine.h"

namespace strata {
namespace {

using testing::All;
using testing::PointValue;
using testing::QueryAll;
using testing::TempDir;

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kT0 = 1451606400LL * kSecond;  // 2016-01-01
const char* const kStates[] = {"", "idle", "busy", "idle"};  // repeated and empty strings

using Series = std::map<std::string, std::vector<PointValue>>;

// The state the workload's first k batches leave, series key -> time -> value.
class Model {
 public:
  void Put(const std::string& key, int64_t t, uint64_t num, std::string str = "") {
    points_[key][t] = PointValue{t, num, std::move(str)};
  }
  void Erase(const std::string& key, int64_t lo, int64_t hi) {
    auto it = points_.find(key);
    if (it == points_.end()) return;
    it->second.erase(it->second.lower_bound(lo), it->second.upper_bound(hi));
  }
  // What QueryAll of `measurement` returns: series with points, in time order.
  Series Of(const std::string& measurement) const {
    Series out;
    for (const auto& [key, pts] : points_) {
      if (!key.starts_with(measurement + ",") || pts.empty()) continue;
      for (const auto& [t, p] : pts) out[key].push_back(p);
    }
    return out;
  }

 private:
  std::map<std::string, std::map<int64_t, PointValue>> points_;
};

// Batch k (k >= 1) of the workload, added to *b and applied to *model: a few hosts of `cpu` at a
// time that revisits earlier times (overwrites, several shard windows of 1h), a counter, strings,
// booleans, a steady constant, many short series of `mem`, and every 13th batch a delete.
void MakeBatch(uint64_t k, WriteBatch* b, Model* model) {
  const int64_t t = kT0 + static_cast<int64_t>((k * 7919) % 4000) * kSecond;
  if (k % 13 == 0) {
    const std::string host = "h" + std::to_string(k % 8);
    DeleteSpec d{"cpu", {TagFilter{"host", {host}}}, true, {"usage"}, t - 100 * kSecond, t};
    ASSERT_TRUE(b->AddDelete(d));
    const std::vector<Tag> tags{{"host", host}};
    model->Erase(MakeSeriesKey("cpu", tags, "usage"), d.min_time, d.max_time);
  }
  for (uint64_t j = 0; j < 3; j++) {
    const std::vector<Tag> tags{{"host", "h" + std::to_string((k + j * 3) % 8)}};
    const int64_t at = t + static_cast<int64_t>(j);  // jittered, and repeated by later batches
    const double usage = static_cast<double>(k % 100) + 0.25 * static_cast<double>(j);
    ASSERT_TRUE(b->AddFloat("cpu", tags, "usage", at, usage));
    model->Put(MakeSeriesKey("cpu", tags, "usage"), at, FloatBits(usage));
    ASSERT_TRUE(b->AddInt("cpu", tags, "count", at, static_cast<int64_t>(k)));
    model->Put(MakeSeriesKey("cpu", tags, "count"), at, k);
    ASSERT_TRUE(b->AddString("cpu", tags, "state", at, kStates[(k + j) % 4]));
    model->Put(MakeSeriesKey("cpu", tags, "state"), at, 0, kStates[(k + j) % 4]);
    ASSERT_TRUE(b->AddBool("cpu", tags, "up", at, (k + j) % 5 != 0));
    model->Put(MakeSeriesKey("cpu", tags, "up"), at, (k + j) % 5 != 0 ? 1 : 0);
    ASSERT_TRUE(b->AddInt("cpu", tags, "cores", at, 8));
    model->Put(MakeSeriesKey("cpu", tags, "cores"), at, 8);
  }
  const std::vector<Tag> tags{{"dc", "x"}, {"host", "m" + std::to_string(k % 200)}};
  ASSERT_TRUE(b->AddInt("mem", tags, "used", t, static_cast<int64_t>(k * 4096)));
  model->Put(MakeSeriesKey("mem", tags, "used"), t, k * 4096);
}

Model ModelAfter(uint64_t batches) {
  Model m;
  for (uint64_t k = 1; k <= batches; k++) {
    WriteBatch b;
    MakeBatch(k, &b, &m);
  }
  return m;
}

Options LoadOptions() {
  Options o;
  o.memstore_bytes = kMinBufferBytes;  // a flush every few hundred batches
  o.wal_segment_bytes = kMinBufferBytes;
  o.shard_duration_ns = 3600 * kSecond;
  o.compaction_threads = 2;
  return o;
}

class BackupTest : public ::testing::Test {
 protected:
  std::shared_ptr<StorageEngine> Open(const std::string& dir, const Options& o = LoadOptions()) {
    auto db = StorageEngine::Open(dir, o);
    EXPECT_TRUE(db.has_value()) << (db ? "" : db.error().ToString());
    return db ? *db : nullptr;
  }
  // Writes batches first..last, in order, one Write each: batch k is WAL record k.
  static void WriteBatches(StorageEngine& db, uint64_t first, uint64_t last) {
    Model ignored;
    for (uint64_t k = first; k <= last; k++) {
      WriteBatch b;
      MakeBatch(k, &b, &ignored);
      ASSERT_TRUE(db.Write(b));
    }
  }
  // The backup at `dir` opens, passes `strata verify`, and holds exactly the first `lsn` batches.
  void ExpectHoldsBatches(const std::string& dir, uint64_t lsn) {
    auto report = CheckDirectory(Env::Default(), dir);
    ASSERT_TRUE(report.has_value()) << report.error().ToString();
    for (const CheckFinding& f : report->findings) EXPECT_FALSE(f.damage) << f.message;
    auto copy = Open(dir);
    ASSERT_TRUE(copy);
    const Model want = ModelAfter(lsn);
    EXPECT_EQ(QueryAll(*copy, All("cpu")), want.Of("cpu")) << dir << " at LSN " << lsn;
    EXPECT_EQ(QueryAll(*copy, All("mem")), want.Of("mem")) << dir << " at LSN " << lsn;
    EXPECT_EQ(copy->Stats().last_lsn, lsn);
  }
  TempDir tmp_;
};

TEST_F(BackupTest, BackupsDuringWritesFlushesAndCompactionsEqualTheSourceAtTheirPoint) {
  constexpr uint64_t kBatches = 4000;
  constexpr int kBackups = 6;
  auto db = Open(tmp_.Sub("src"));
  ASSERT_TRUE(db);
  std::atomic<uint64_t> written{0};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    Model ignored;
    for (uint64_t k = 1; k <= kBatches; k++) {
      WriteBatch b;
      MakeBatch(k, &b, &ignored);
      ASSERT_TRUE(db->Write(b));
      written = k;
    }
    done = true;
  });
  std::atomic<int> full_compactions{0};
  std::thread compactor([&] {  // merges on top of the background ones, until the writer is done
    while (!done) {
      ASSERT_TRUE(db->Compact());
      full_compactions++;
    }
  });
  std::vector<BackupStats> backups;
  for (int i = 0; i < kBackups; i++) {
    const uint64_t before = written;
    auto stats = BackupDataDirectory(*db, tmp_.Sub("backup" + std::to_string(i)));
    const uint64_t after = written;
    ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
    // Every batch acknowledged before the call is in the copy; none acknowledged... after the
    // call returned can be, as it was not yet written when the point was fixed.
    EXPECT_GE(stats->lsn, before);
    EXPECT_LE(stats->lsn, after + 1);
    backups.push_back(*stats);
    while (!done && written < after + kBatches / (kBackups + 1)) std::this_thread::yield();
  }
  writer.join();
  compactor.join();
  const EngineStats st = db->Stats();
  EXPECT_GT(st.flushes, 10u);
  EXPECT_GT(full_compactions.load(), kBackups);  // merges (removing segments) ran throughout
  for (int i = 0; i < kBackups; i++) {
    SCOPED_TRACE("backup " + std::to_string(i));
    ExpectHoldsBatches(tmp_.Sub("backup" + std::to_string(i)), backups[i].lsn);
  }
  // Distinct points, so that "equal" above tells one LSN from the next.
  EXPECT_LT(backups.front().lsn, backups.back().lsn);
}

TEST_F(BackupTest, SegmentsAreHardLinkedOnTheSameFileSystem) {
  auto db = Open(tmp_.Sub("src"));
  WriteBatches(*db, 1, 300);
  ASSERT_TRUE(db->Flush());
  WriteBatches(*db, 301, 400);  // some in the WAL only
  auto stats = BackupDataDirectory(*db, tmp_.Sub("copy"));
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_EQ(stats->lsn, 400u);
  EXPECT_GT(stats->files_linked, 0u);
  EXPECT_GT(stats->files_copied, 0u);  // the WAL
  size_t linked = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(tmp_.Sub("copy"))) {
    struct stat st;
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    if (e.path().filename().string().starts_with("seg-")) linked += st.st_nlink == 2;
  }
  EXPECT_EQ(linked, stats->files_linked);
  ExpectHoldsBatches(tmp_.Sub("copy"), 400);
  // The copy is a directory of its own: writing to it leaves the source alone.
  {
    auto copy = Open(tmp_.Sub("copy"));
    WriteBatches(*copy, 401, 500);
    ASSERT_TRUE(copy->Compact());
  }
  EXPECT_EQ(QueryAll(*db, All("cpu")), ModelAfter(400).Of("cpu"));
}

TEST_F(BackupTest, SegmentsACompactionRemovesAfterThePointAreStillCopied) {
  auto db = Open(tmp_.Sub("src"));
  for (uint64_t part = 0; part < 4; part++) {  // four flushes: four segments per shard
    WriteBatches(*db, part * 100 + 1, part * 100 + 100);
    ASSERT_TRUE(db->Flush());
  }
  BackupOptions options;
  bool compacted = false;
  options.progress = [&](const BackupProgress& p) {
    if (p.files_done == 0 && !compacted) {
      compacted = true;
      // The point is fixed: this merge removes every segment the backup pinned.
      EXPECT_TRUE(db->Compact());
      WriteBatches(*db, 401, 450);  // after the point: not in the copy
    }
    return true;
  };
  auto stats = BackupDataDirectory(*db, tmp_.Sub("copy"), options);
  ASSERT_TRUE(stats.has_value()) << stats.error().ToString();
  EXPECT_TRUE(compacted);
  EXPECT_EQ(stats->lsn, 400u);
  EXPECT_EQ(stats->files_linked, 0u);  // their names were gone: read through the pinned files
  ExpectHoldsBatches(tmp_.Sub("copy"), 400);
}

TEST_F(BackupTest, ProgressRunsFromTheFixedPointToEverythingAndCanAbandon) {
  auto db = Open(tmp_.Sub("src"));
  WriteBatches(*db, 1, 300);
  ASSERT_TRUE(db->Flush());
  WriteBatches(*db, 301, 320);
  std::vector<BackupProgress> seen;
  BackupOptions options;
  options.progress = [&](const BackupProgress& p) {
    seen.push_back(p);
    return true;
  };
  ASSERT_TRUE(BackupDataDirectory(*db, tmp_.Sub("copy"), options));
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(seen.front().bytes_done, 0u);
  EXPECT_EQ(seen.front().files_done, 0u);
  EXPECT_GT(seen.front().bytes_total, 0u);
  for (size_t i = 1; i < seen.size(); i++) {
    EXPECT_GE(seen[i].bytes_done, seen[i - 1].bytes_done);
    EXPECT_EQ(seen[i].bytes_total, seen.front().bytes_total);
  }
  EXPECT_EQ(seen.back().bytes_done, seen.back().bytes_total);
  EXPECT_EQ(seen.back().files_done, seen.back().files_total);

  options.progress = [](const BackupProgress& p) { return p.files_done < 1; };
  auto abandoned = BackupDataDirectory(*db, tmp_.Sub("abandoned"), options);
  ASSERT_FALSE(abandoned);
  EXPECT_EQ(abandoned.error().code(), Code::kError);
  for (const auto& e : std::filesystem::directory_iterator(tmp_.path())) {
    EXPECT_FALSE(e.path().filename().string().starts_with("abandoned")) << e.path();
  }
}

TEST_F(BackupTest, ADestinationThatExistsOrLiesInsideTheSourceIsRefused) {
  auto db = Open(tmp_.Sub("src"));
  WriteBatches(*db, 1, 10);
  std::filesystem::create_directories(tmp_.Sub("full/x"));
  auto exists = BackupDataDirectory(*db, tmp_.Sub("full"));
  ASSERT_FALSE(exists);
  EXPECT_EQ(exists.error().code(), Code::kInvalid);
  EXPECT_NE(exists.error().message().find("already exists"), std::string::npos);
  auto inside = BackupDataDirectory(*db, tmp_.Sub("src/backup"));
  ASSERT_FALSE(inside);
  EXPECT_EQ(inside.error().code(), Code::kInvalid);
  std::filesystem::create_directories(tmp_.Sub("empty"));  // an empty directory is taken
  ASSERT_TRUE(BackupDataDirectory(*db, tmp_.Sub("empty")));
  ExpectHoldsBatches(tmp_.Sub("empty"), 10);
}

TEST_F(BackupTest, ADirectoryNamedAsABackupsTemporaryOneOpensOnlyWhenWhole) {
  // Killed between creating its temporary directory and its marker: empty, known by its name.
  const std::string killed = tmp_.Sub("dest.tmp-1234-0123456789abcdef");
  std::filesystem::create_directories(killed);
  auto opened = StorageEngine::Open(killed, LoadOptions());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code(), Code::kInvalid);
  EXPECT_NE(opened.error().message().find("unfinished backup"), std::string::npos);
  EXPECT_TRUE(std::filesystem::is_empty(killed));  // and left as it was
  // Names that only look alike are ordinary directories.
  for (const char* name : {"a.tmp-1234-0123", "b.tmp--0123456789abcdef", "c.tmp-12x-0123456789abcdef"}) {
    EXPECT_TRUE(StorageEngine::Open(tmp_.Sub(name), LoadOptions())) << name;
  }
  // A whole backup renamed to such a name (killed after removing its marker) opens.
  {
    auto db = Open(tmp_.Sub("src"));
    WriteBatches(*db, 1, 50);
    ASSERT_TRUE(BackupDataDirectory(*db, tmp_.Sub("whole")));
  }
  std::filesystem::rename(tmp_.Sub("whole"), tmp_.Sub("whole.tmp-99-fedcba9876543210"));
  ExpectHoldsBatches(tmp_.Sub("whole.tmp-99-fedcba9876543210"), 50);
}

// A child process backs the directory up and is killed with SIGKILL at a moment the seed picks:
// mid-copy (it stops after some files and waits for the signal), or wherever the kill lands. What
// it leaves is either the whole backup at `dest`, or no `dest` and a temporary directory that
// refuses to open, saying it is an unfinished backup.
TEST_F(BackupTest, ABackupKilledMidwayLeavesADirectoryThatIsRecognisedAsIncomplete) {
  const std::string src = tmp_.Sub("src");
  {
    auto db = Open(src);
    WriteBatches(*db, 1, 1500);
    ASSERT_TRUE(db->Flush());
    WriteBatches(*db, 1501, 2000);  // several segments, several WAL files
  }
  for (uint64_t seed = 1; seed <= 6; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 rng(seed);
    const std::string dest = tmp_.Sub("dest" + std::to_string(seed));
    const uint64_t stop_after = 1 + rng() % 6;  // files done when the child reports
    const bool wait_for_kill = seed % 2 == 1;
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(pipe_fds[0]);
      auto db = StorageEngine::Open(src, LoadOptions());
      if (!db) ::_exit(2);
      BackupOptions options;
      options.progress = [&](const BackupProgress& p) {
        if (p.files_done == std::min(stop_after, p.files_total) && p.bytes_done < p.bytes_total) {
          const char c = 'x';
          if (::write(pipe_fds[1], &c, 1) != 1) ::_exit(3);
          while (wait_for_kill) ::pause();
        }
        return true;
      };
      auto stats = BackupDataDirectory(**db, dest, options);
      const char c = stats ? 'd' : 'e';
      if (::write(pipe_fds[1], &c, 1) != 1) ::_exit(3);
      ::_exit(stats ? 0 : 1);
    }
    ::close(pipe_fds[1]);
    char c = 0;
    ASSERT_EQ(::read(pipe_fds[0], &c, 1), 1);
    ASSERT_EQ(c, 'x');
    if (!wait_for_kill) std::this_thread::sleep_for(std::chrono::microseconds(rng() % 2000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(pipe_fds[0]);
    const bool complete = std::filesystem::exists(dest);
    if (wait_for_kill) {
      EXPECT_FALSE(complete);
    }
    if (complete) {
      ExpectHoldsBatches(dest, 2000);
      continue;
    }
    int leftovers = 0;
    for (const auto& e : std::filesystem::directory_iterator(tmp_.path())) {
      if (!e.path().filename().string().starts_with("dest" + std::to_string(seed) + ".tmp-")) {
        continue;
      }
      leftovers++;
      if (!std::filesystem::exists(e.path() / kBackupIncompleteFileName)) {
        // Killed between removing the marker and the rename: whole, under its temporary name.
        ExpectHoldsBatches(e.path().string(), 2000);
        continue;
      }
      auto opened = StorageEngine::Open(e.path().string(), LoadOptions());
      ASSERT_FALSE(opened) << e.path();
      EXPECT_EQ(opened.error().code(), Code::kInvalid);
      EXPECT_NE(opened.error().message().find("unfinished backup"), std::string::npos)
          << opened.error().ToString();
    }
    EXPECT_EQ(leftovers, 1);
  }
  // The source is untouched by all of it.
  auto db = Open(src);
  EXPECT_EQ(QueryAll(*db, All("cpu")), ModelAfter(2000).Of("cpu"));
}

}  // namespace
}  // namespace strata
