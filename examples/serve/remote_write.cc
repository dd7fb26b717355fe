#include "remote_write.h"

#include <snappy.h>

#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "http_text.h"
#include "remote_write.pb.h"

namespace strata::serve {

namespace {

HttpResponse Text(int status, std::string message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(message) + "\n";
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

struct BatchFree {
  void operator()(strata_batch* b) const { strata_batch_free(b); }
};

}  // namespace

std::optional<HttpResponse> ScreenRemoteWrite(const HttpRequest& request) {
  if (MediaType(request.Header("content-type")) != "application/x-protobuf") {
    return Text(415, "remote write takes Content-Type application/x-protobuf, not '" +
                         request.Header("content-type") + "'");
  }
  if (AsciiLower(request.Header("content-encoding")) != "snappy") {
    return Text(415, "remote write takes Content-Encoding snappy, not '" +
                         request.Header("content-encoding") + "'");
  }
  return std::nullopt;
}

HttpResponse HandleRemoteWrite(strata_db* db, const HttpRequest& request, size_t max_body_bytes,
                               RemoteWriteCounters* counters) {
  size_t raw_size = 0;
  if (!snappy::GetUncompressedLength(request.body.data(), request.body.size(), &raw_size)) {
    return Text(400, "body is not snappy-compressed (block format)");
  }
  if (raw_size > max_body_bytes) {
    return Text(413, "body inflates to " + std::to_string(raw_size) + " bytes, over the limit of " +
                         std::to_string(max_body_bytes));
  }
  std::string raw;
  if (!snappy::Uncompress(request.body.data(), request.body.size(), &raw)) {
    return Text(400, "snappy body is corrupt or truncated");
  }
  prometheus::WriteRequest message;
  if (!message.ParseFromString(raw)) return Text(400, "body is not a remote write WriteRequest");

  std::unique_ptr<strata_batch, BatchFree> batch;
  {
    strata_batch* b = nullptr;
    if (strata_batch_new(&b) != STRATA_OK) return Text(500, strata_errmsg());
    batch.reset(b);
  }
  std::vector<strata_tag> tags;
  std::vector<int64_t> times;
  std::vector<double> values;
  uint64_t written = 0, skipped = 0;
  for (int s = 0; s < message.timeseries_size(); s++) {
    const prometheus::TimeSeries& series = message.timeseries(s);
    const char* name = nullptr;
    tags.clear();
    for (const prometheus::Label& label : series.labels()) {
      if (label.name() == "__name__") {
        name = label.value().c_str();
      } else if (!label.value().empty()) {
        tags.push_back(strata_tag{label.name().c_str(), label.value().c_str()});
      }
    }
    if (name == nullptr || *name == '\0') {
      return Text(400, "time series " + std::to_string(s) + " has no metric name (__name__)");
    }
    times.clear();
    values.clear();
    for (const prometheus::Sample& sample : series.samples()) {
      const double v = sample.value();
      if (!std::isfinite(v)) {  // NaN (staleness markers are NaNs too) or +-Inf
        skipped++;
        continue;
      }
      const int64_t ms = sample.timestamp();
      if (ms > std::numeric_limits<int64_t>::max() / 1'000'000 ||
          ms < std::numeric_limits<int64_t>::min() / 1'000'000) {
        return Text(400, "metric " + std::string(name) + ": timestamp " + std::to_string(ms) +
                             " ms is outside the int64 nanosecond range");
      }
      times.push_back(ms * 1'000'000);
      values.push_back(v);
    }
    if (times.empty()) continue;
    uint32_t ref = 0;
    int rc = strata_batch_series(batch.get(), name, tags.data(), tags.size(), "value", STRATA_FLOAT,
                                 &ref);
    if (rc == STRATA_OK) {
      rc = strata_batch_append_f64(batch.get(), ref, times.data(), values.data(), times.size());
    }
    if (rc != STRATA_OK) {
      return Text(rc == STRATA_NOMEM ? 500 : 400,
                  "metric " + std::string(name) + ": " + strata_errmsg());
    }
    written += times.size();
  }
  const int rc = strata_write(db, batch.get());
  if (rc != STRATA_OK) {
    const std::string why = strata_errmsg();
    if (rc == STRATA_IO) return Text(503, "writes are stopped: " + why);
    if (rc == STRATA_INVALID || rc == STRATA_TYPE_CONFLICT) return Text(400, why);
    return Text(500, why);
  }
  counters->samples_written += written;
  counters->samples_skipped += skipped;
  HttpResponse ok;
  ok.status = 204;
  ok.headers.emplace_back("X-Strata-Skipped-Samples", std::to_string(skipped));
  return ok;
}

}  // namespace strata::serve
