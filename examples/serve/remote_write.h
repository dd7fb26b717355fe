// Prometheus remote write 1.0 into a Strata directory: POST /api/v1/write with a snappy-compressed
// protobuf WriteRequest (remote_write.proto). Each time series becomes the Strata series
// measurement = the metric name (label __name__), tags = the other labels (a label with an empty
// value is no label, as in Prometheus), field `value` (float), time = the sample's milliseconds
// as nanoseconds. Samples whose value is NaN -- Prometheus' staleness markers (NaN with the bit
// pattern 0x7ff0000000000002), which mark a series as gone, and ordinary NaN results -- and
// +-Inf are not stored, as Strata keeps no such floats; they are counted in the response header
// X-Strata-Skipped-Samples. The whole request is one atomic batch, durable before 204. Statuses
// as the specification asks: 204; 400 (not retried by Prometheus) for a body that is not snappy,
// not a WriteRequest, or holds a series without a metric name or with an invalid name; 413 for a
// body that inflates past the limit; 415 for another content type or encoding; 503 (retried)
// when the directory cannot write. Thread-safe; the counters are atomic.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>

#include "http_server.h"
#include "strata.h"

namespace strata::serve {

struct RemoteWriteCounters {
  std::atomic<uint64_t> samples_written{0};
  std::atomic<uint64_t> samples_skipped{0};  // NaN (staleness markers included) and +-Inf
};

// A response when the headers are not those of remote write 1.0 (415), else nothing.
std::optional<HttpResponse> ScreenRemoteWrite(const HttpRequest& request);

HttpResponse HandleRemoteWrite(strata_db* db, const HttpRequest& request, size_t max_body_bytes,
                               RemoteWriteCounters* counters);

}  // namespace strata::serve
