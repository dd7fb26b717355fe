#include "logger.h"

#include <cstdio>
#include <mutex>

namespace strata {
namespace {

std::mutex& SinkMutex() {
  static std::mutex mu;
  return mu;
}

LogSink& Sink() {
  static LogSink sink;
  return sink;
}

}  // namespace

void SetLogSink(LogSink sink) {
  std::lock_guard lock(SinkMutex());
  Sink() = std::move(sink);
}

void Log(const std::string& line) {
  std::lock_guard lock(SinkMutex());
  if (Sink()) {
    Sink()(line);
  } else {
    std::fprintf(stderr, "strata: %s\n", line.c_str());
  }
}

}  // namespace strata
