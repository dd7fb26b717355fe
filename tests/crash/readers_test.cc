// Readers in other processes (engine/README.md, section 12): one writer process commits
// transactions continuously (reader_workload.c: each one 10 points over two shards, with flushes,
// WAL deletions and compactions all the time) while reader processes query the directory in a
// loop, two through the C ABI (read_only=1) and one through SQL (a strata table whose default
// read_only=auto falls back to reading). The writer is SIGKILLed at random moments and started
// again, with the readers attached: its recovery truncates, flushes and deletes under them. Every
// reader checks each result itself (only whole transactions, exactly 1..K, K never decreasing)
// and, once the parent names the last acknowledged transaction, that it comes to see it. Print
// the seed; a failure names it.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "storage_engine.h"
#include "engine/engine_test_util.h"

namespace strata {
namespace {

pid_t Spawn(const std::vector<std::string>& args, int stdout_fd) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (stdout_fd >= 0) ::dup2(stdout_fd, 1);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Starts the writer at transaction `first`, lets it acknowledge `count` more, SIGKILLs it and
// returns the last transaction it acknowledged. `on_started` runs once it has acknowledged 5.
int64_t RunWriterAndKill(const std::string& dir, int64_t first, int64_t count,
                         const std::function<void()>& on_started = {}) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t pid = Spawn({STRATA_READER_WORKLOAD, "writer", dir, std::to_string(first)}, fds[1]);
  ::close(fds[1]);
  int64_t last = first - 1;
  std::string buf;
  char chunk[4096];
  bool killed = false, started = false;
  for (;;) {
    const ssize_t n = ::read(fds[0], chunk, sizeof chunk);
    if (n <= 0) break;  // the writer is gone
    buf.append(chunk, static_cast<size_t>(n));
    for (size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1)) {
      if (buf.rfind("ACK ", 0) == 0) last = std::stoll(buf.substr(4, nl - 4));
    }
    if (!started && last >= first + 4) {
      started = true;
      if (on_started) on_started();
    }
    if (!killed && last >= first - 1 + count) {
      ::kill(pid, SIGKILL);
      killed = true;  // read on: lines already written are acknowledgements too
    }
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "the writer exited on its own (status " << status << ")";
  return last;
}

// Waits until each reader has created `target`.ready.<pid> (it has the directory open), or has
// exited, or a minute has passed.
void WaitUntilOpen(const std::vector<pid_t>& readers, const std::string& target) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (pid_t pid : readers) {
    const std::string ready = target + ".ready." + std::to_string(pid);
    while (!std::filesystem::exists(ready)) {
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        ADD_FAILURE() << "reader " << pid << " exited before it opened the directory (status "
                      << status << "); its stderr says why";
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "reader " << pid << " did not open the directory within a minute";
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
}

TEST(ReadersInOtherProcesses, SeeOnlyWholeCommitsAndEveryOneThroughCompactionsAndKills) {
  const uint64_t seed = std::random_device{}();
  std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("db");
  const std::string target = tmp.Sub("target");
  // The readers start while the first writer runs: the SQL one, whose table opens the directory
  // with read_only=auto, reads it because the writer holds the lock.
  std::vector<pid_t> readers;
  int64_t last = 0;
  for (int run = 0; run < 5; run++) {
    last = RunWriterAndKill(dir, last + 1, 100 + static_cast<int64_t>(rng() % 300), [&] {
      if (!readers.empty()) return;
      readers = {Spawn({STRATA_READER_WORKLOAD, "abi-reader", dir, target}, -1),
                 Spawn({STRATA_READER_WORKLOAD, "abi-reader", dir, target}, -1),
                 Spawn({STRATA_READER_WORKLOAD, "sql-reader", STRATA_LIBRARY_PATH, dir, target}, -1)};
      // The writer runs on until they have opened: the SQL reader's read_only=auto must find it
      // holding the lock (a slow start, as under ASan, could otherwise see no writer and take it).
      WaitUntilOpen(readers, target);
    });
  }
  {
    std::ofstream out(target + ".tmp");
    out << last << "\n";
  }
  ASSERT_EQ(std::rename((target + ".tmp").c_str(), target.c_str()), 0);
  for (pid_t pid : readers) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "a reader failed (status " << status << ", seed " << seed << "); its stderr says why";
  }
  // The writer's own recovery agrees.
  auto db = StorageEngine::Open(dir, Options());
  ASSERT_TRUE(db) << db.error().ToString();
  QueryRequest q;
  q.measurement = "inv";
  auto cursor = (*db)->Query(q);
  ASSERT_TRUE(cursor);
  size_t points = 0;
  for (;;) {
    auto more = (*cursor)->Next();
    ASSERT_TRUE(more);
    if (!*more) break;
    points += (*cursor)->points().size();
  }
  EXPECT_GE(points, static_cast<size_t>(last) * 10) << "seed " << seed;
}

}  // namespace
}  // namespace strata
