// Crash test: a child process (crash_writer) writes batches and reports each acknowledged one over
// a pipe; the parent SIGKILLs it at a random moment, reopens the directory and checks that every
// acknowledged batch is whole, that no batch is partly there, and that acknowledged deletes hold.
// Rounds continue in the same directory, so recovery is itself recovered from. The seed is printed;
// STRATA_CRASH_SEED and STRATA_CRASH_ROUNDS override it and the number of rounds.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>

#include <chrono>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>

#include "crash_workload.h"
#include "engine/engine_test_util.h"
#include "storage_engine.h"

namespace strata {
namespace {

using namespace crash;

struct ChildReport {
  std::set<int64_t> acked;
  std::set<int64_t> deleted;    // acknowledged deletes
  std::set<int64_t> attempted;  // deletes issued, acknowledged or not
};

// Runs the writer until `kill_after`, then SIGKILLs it; returns what it acknowledged.
ChildReport RunAndKill(const std::string& dir, int64_t first, uint64_t seed,
                       std::chrono::milliseconds kill_after) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string first_s = std::to_string(first), seed_s = std::to_string(seed);
    ::execl(STRATA_CRASH_WRITER, STRATA_CRASH_WRITER, dir.c_str(), first_s.c_str(), seed_s.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  ChildReport report;
  std::string buf;
  auto deadline = std::chrono::steady_clock::now() + kill_after;
  bool killed = false;
  char chunk[4096];
  while (true) {
    auto now = std::chrono::steady_clock::now();
    if (!killed && now >= deadline) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    struct pollfd p{fds[0], POLLIN, 0};
    int timeout = killed ? 1000 : static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) + 1;
    if (::poll(&p, 1, timeout) <= 0) continue;
    ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;  // EOF: the child is gone
    buf.append(chunk, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer exited on its own (status " << status << "): it failed before the kill";
  size_t pos = 0;
  while (true) {
    size_t nl = buf.find('\n', pos);
    if (nl == std::string::npos) break;  // a line cut by the kill acknowledges nothing
    std::string line = buf.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.rfind("ACK ", 0) == 0) report.acked.insert(std::stoll(line.substr(4)));
    if (line.rfind("DEL ", 0) == 0) report.deleted.insert(std::stoll(line.substr(4)));
    if (line.rfind("DELETING ", 0) == 0) report.attempted.insert(std::stoll(line.substr(9)));
  }
  return report;
}

// batch -> (points in day 0, points in day 1) of field "v", checking that every value of every
// field matches the batch and row its time belongs to, that every row has all its fields and is in
// the series TagsOf names (the batch's own new series for some rows), and that the points of a
// batch's new series are there exactly when the batch's other points are.
std::map<int64_t, std::pair<int, int>> CountByBatch(StorageEngine& db) {
  std::map<int64_t, std::pair<int, int>> counts;
  std::map<int64_t, std::pair<int, int>> new_series;  // the same for the batch's new series
  std::map<int64_t, int> fields_at;  // time -> fields read there
  QueryRequest q;
  q.measurement = kMeasurement;
  auto cursor = db.Query(q);
  EXPECT_TRUE(cursor.has_value());
  if (!cursor) return counts;
  std::string str;
  while (true) {
    auto more = (*cursor)->Next();
    EXPECT_TRUE(more.has_value()) << more.error().ToString();
    if (!more || !*more) break;
    const Column& c = (*cursor)->points();
    const std::string& field = (*cursor)->series().field;
    for (size_t i = 0; i < c.size(); i++) {
      const int day = c.times[i] >= kT0 + kDay ? 1 : 0;
      const int64_t n = (c.times[i] - kT0 - day * kDay) / kRowsPerBatch;
      const int j = static_cast<int>((c.times[i] - kT0 - day * kDay) % kRowsPerBatch);
      fields_at[c.times[i]]++;
      EXPECT_EQ((*cursor)->series().tags, TagsOf(n, j))
          << "point at " << c.times[i] << " is in series " << (*cursor)->series().key;
      if (field == "v" && j % kNewSeriesEvery == 0) {
        (day == 0 ? new_series[n].first : new_series[n].second)++;
      }
      if (field == "v") {
        EXPECT_EQ(static_cast<int64_t>(c.nums[i]), n)
            << "point at " << c.times[i] << " holds a value no batch wrote there";
        (day == 0 ? counts[n].first : counts[n].second)++;
        continue;
      }
      const int f = static_cast<int>(
          std::find(std::begin(kShapedFields), std::end(kShapedFields), field) -
          std::begin(kShapedFields));
      if (f == 4) {
        ADD_FAILURE() << "unknown field " << field;
        continue;
      }
      const FieldValue want = ShapedValue(f, n, j, &str);
      if (c.type == ValueType::kString) {
        EXPECT_EQ(c.strs[i], want.str) << field << " at " << c.times[i];
      } else {
        EXPECT_EQ(c.nums[i], want.num) << field << " at " << c.times[i];
      }
    }
  }
  for (const auto& [t, n] : fields_at) {
    EXPECT_EQ(n, 5) << "the row at " << t << " has " << n << " of its 5 fields";
  }
  constexpr int kNewRows = (kRowsPerBatch + kNewSeriesEvery - 1) / kNewSeriesEvery;
  for (const auto& [n, c] : counts) {
    const std::pair<int, int> want{c.first == 0 ? 0 : kNewRows, kNewRows};
    EXPECT_EQ(new_series[n], want) << "batch " << n << "'s new series lost points";
  }
  return counts;
}

TEST(CrashTest, EveryAcknowledgedBatchSurvivesSigkill) {
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("STRATA_CRASH_SEED")) seed = std::strtoull(s, nullptr, 10);
  int rounds = 25;
  if (const char* r = std::getenv("STRATA_CRASH_ROUNDS")) rounds = std::atoi(r);
  std::printf("crash test seed %llu, %d rounds (STRATA_CRASH_SEED to replay)\n",
              static_cast<unsigned long long>(seed), rounds);
  std::mt19937_64 rng(seed);
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("db");

  std::set<int64_t> acked, deleted, attempted;
  int64_t next = 0;
  for (int round = 0; round < rounds; round++) {
    SCOPED_TRACE("round " + std::to_string(round) + ", seed " + std::to_string(seed));
    auto kill_after = std::chrono::milliseconds(20 + rng() % 400);
    ChildReport r = RunAndKill(dir, next, rng(), kill_after);
    acked.insert(r.acked.begin(), r.acked.end());
    deleted.insert(r.deleted.begin(), r.deleted.end());
    attempted.insert(r.attempted.begin(), r.attempted.end());

    Options options;
    options.memstore_bytes = 64 << 10;
    options.wal_segment_bytes = 64 << 10;
    auto db = StorageEngine::Open(dir, options);
    ASSERT_TRUE(db.has_value()) << db.error().ToString();
    auto counts = CountByBatch(**db);
    int64_t max_seen = next - 1;
    for (const auto& [n, c] : counts) {
      max_seen = std::max(max_seen, n);
      // All or nothing, in both shards (a deleted batch keeps only its day-1 half).
      const bool whole = c.first == kRowsPerBatch && c.second == kRowsPerBatch;
      const bool deleted_half = c.first == 0 && c.second == kRowsPerBatch;
      EXPECT_TRUE(whole || deleted_half)
          << "batch " << n << " is partly present: " << c.first << " + " << c.second << " points";
    }
    for (int64_t n : acked) {
      auto it = counts.find(n);
      ASSERT_TRUE(it != counts.end()) << "acknowledged batch " << n << " is missing";
      if (deleted.count(n)) {
        EXPECT_EQ(it->second.first, 0) << "acknowledged delete of batch " << n << " was lost";
      } else if (!attempted.count(n)) {
        EXPECT_EQ(it->second.first, kRowsPerBatch) << "batch " << n << " lost points";
      }
    }
    if (::testing::Test::HasFailure()) return;
    next = max_seen + 1;
  }
  std::printf("%zu batches and %zu deletes acknowledged across %d kills\n", acked.size(),
              deleted.size(), rounds);
  EXPECT_GT(acked.size(), 10u) << "the writer acknowledged too little to test anything";
}

}  // namespace
}  // namespace strata
