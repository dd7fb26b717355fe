// What the engine benchmarks (ingest_bench, cardinality_bench) measure a process with: the wall
// and CPU clocks, its memory figures from /proc/self/status (VmHWM can be reset, so that a phase's
// peak is told from the peak of preparing its input), running one phase in a forked child so that
// its figures start clean, and the benchmark's working directory. Header-only; every function
// reports a failure on stderr, prefixed with the benchmark's name, and exits 1 (a benchmark, not a
// library). Not thread-safe where it touches the process (InChild forks).
#pragma once

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>

namespace strata::bench {

[[noreturn]] inline void Fail(const char* who, const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n", who, msg.c_str());
  std::exit(1);
}

inline double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// User + system CPU seconds of RUSAGE_SELF (every thread) or RUSAGE_THREAD.
inline double CpuSeconds(int who = RUSAGE_SELF) {
  rusage ru{};
  getrusage(who, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// A "Vm...:" line of /proc/self/status, in KiB.
inline double ProcStatusKb(std::string_view key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with(key)) return std::strtod(line.c_str() + key.size(), nullptr);
  }
  return 0;
}

// Resets VmHWM to the current RSS (Linux >= 4.0). ru_maxrss is not reset.
inline void ResetHwm() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
}

// Runs fn in a forked child and returns the figures it reported over a pipe.
template <class Figures>
Figures InChild(const std::function<Figures()>& fn, const char* who) {
  static_assert(std::is_trivially_copyable_v<Figures>, "figures cross a pipe as bytes");
  std::fflush(stdout);
  std::fflush(stderr);
  int fds[2];
  if (pipe(fds) != 0) Fail(who, "pipe failed");
  const pid_t pid = fork();
  if (pid < 0) Fail(who, "fork failed");
  if (pid == 0) {
    close(fds[0]);
    const Figures f = fn();
    const ssize_t n = write(fds[1], &f, sizeof(f));
    std::fflush(stdout);
    _exit(n == static_cast<ssize_t>(sizeof(f)) ? 0 : 1);
  }
  close(fds[1]);
  Figures f;
  const ssize_t n = read(fds[0], &f, sizeof(f));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (n != static_cast<ssize_t>(sizeof(f)) || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    Fail(who, "a benchmark child process failed");
  }
  return f;
}

// `dir`, created if missing; or, when empty, a new temporary directory named after `prefix`.
inline std::string WorkDir(std::string dir, const char* prefix, const char* who) {
  namespace fs = std::filesystem;
  if (!dir.empty()) {
    fs::create_directories(dir);
    return dir;
  }
  std::string tmpl = (fs::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) Fail(who, "mkdtemp failed");
  return tmpl;
}

}  // namespace strata::bench
