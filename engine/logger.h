// Log lines from the engine (recovery notes such as a truncated WAL tail, background errors). By
// default they go to stderr prefixed with "strata: "; SetLogSink() redirects them (tests capture them,
// an embedding application can forward them). Thread-safe.
#pragma once

#include <functional>
#include <string>

namespace strata {

using LogSink = std::function<void(const std::string& line)>;

// Replaces the process-wide sink; an empty function restores stderr.
void SetLogSink(LogSink sink);
void Log(const std::string& line);

}  // namespace strata
