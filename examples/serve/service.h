// The routes of `strata serve` over one open Strata directory, and what every route shares:
// bearer-token authentication and the stopped state of a shutdown.
//   GET|HEAD /ping           204 (InfluxDB 1.x and 2.x), no token needed
//   GET /health              200 {"status":"pass",...}; 503 {"status":"fail"} while stopping
//   POST /write              InfluxDB 1.x write (influx_write.h)
//   POST /api/v2/write       InfluxDB 2.x write (influx_write.h)
//   POST /api/v1/write       Prometheus remote write 1.0 (remote_write.h)
//   GET|POST /query          read-only SQL (sql_query.h)
// With a token, every route but /ping and /health needs it, as "Authorization: Bearer T" or
// "Authorization: Token T" (what InfluxDB 2.x clients send), or for the 1.x routes as the
// password of Basic authentication or the `p` parameter (what 1.x clients send); otherwise 401.
// /ping and /health answer even while --max-requests requests are in progress (they do not
// count toward that bound). Once Stop() is called, writes get 503 with Retry-After (the server
// is going away; requests already in progress finish). Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include "http_server.h"
#include "remote_write.h"
#include "sql_query.h"
#include "strata.h"

namespace strata::serve {

struct ServiceOptions {
  std::string token;                 // empty: no authentication
  size_t max_body_bytes = 64 << 20;  // a body inflated past this gets 413
  unsigned query_time_limit_seconds = 30;
  size_t max_result_bytes = 64 << 20;
};

class Service : public HttpService {
 public:
  // `db` is borrowed and must stay open while the service runs; `dir` is the path it was opened
  // with.
  Service(strata_db* db, const std::string& dir, ServiceOptions options);

  std::optional<HttpResponse> Screen(const HttpRequest& request) override;
  HttpResponse Handle(const HttpRequest& request) override;
  // All but /ping and /health.
  bool Bounded(const HttpRequest& request) override;
  HttpResponse Refusal(const HttpRequest& request, int status, const std::string& reason) override;

  // From now on writes get 503.
  void Stop() { stopping_ = true; }
  // Where /health reads the number of requests in progress ("requests_in_progress").
  void SetServer(HttpServer* server) { server_ = server; }

 private:
  enum class Route { kPing, kHealth, kWriteV1, kWriteV2, kRemoteWrite, kQuery, kNone };
  static Route RouteOf(const std::string& path);
  bool Authorized(Route route, const HttpRequest& request) const;
  // The error response in the form of the route's API.
  HttpResponse ErrorFor(Route route, int status, const std::string& message) const;

  strata_db* const db_;
  const ServiceOptions options_;
  SqlQuery sql_;
  RemoteWriteCounters remote_counters_;
  std::atomic<bool> stopping_{false};
  HttpServer* server_ = nullptr;
};

}  // namespace strata::serve
