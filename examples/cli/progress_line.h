// The progress of an import on stderr: refreshed in place once a second on a terminal, a line a
// second otherwise. One thread.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>

#include "text_format.h"

namespace strata::cli {

class ProgressLine {
 public:
  ProgressLine() : tty_(isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {
    last_ = start_;
  }

  void Update(uint64_t points, uint64_t bytes, bool force = false) {
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    const double secs = elapsed();
    std::fprintf(stderr, "%simported %s points, %s points/s, %.1f MB read%s", tty_ ? "\r" : "",
                 Grouped(points).c_str(), Grouped(Rate(points, secs)).c_str(), bytes / 1e6,
                 tty_ ? "\033[K" : "\n");
    pending_ = tty_;
  }
  // Ends a refreshed line so that what follows starts on a line of its own.
  void Break() {
    if (pending_) std::fputc('\n', stderr);
    pending_ = false;
  }
  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  static uint64_t Rate(uint64_t n, double secs) {
    return secs > 0 ? static_cast<uint64_t>(static_cast<double>(n) / secs) : 0;
  }

 private:
  const bool tty_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
  bool pending_ = false;
};

}  // namespace strata::cli
