// An HttpServer serves HTTP/1.1 on one listening socket through GNU libmicrohttpd (which parses
// the protocol: request lines, headers, chunked bodies, keep-alive), a thread per connection. It
// gathers each request's body in memory up to a limit and hands the whole request to the
// service's Handle(); Screen() sees the headers first and may answer at once (a bad token, an
// unknown path, a declared length over the limit), so that such a body is never read. It bounds
// the requests in progress that the service says count (one more is answered 503 with
// Retry-After at once), the connections,
// a connection's idle time and a request's total time (a slow client gets 408). Shutdown() stops
// accepting, lets the requests in progress finish and then closes every connection.
// Thread-safety: Start and Shutdown from one thread; the service is called from many at once.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct MHD_Daemon;

namespace strata::serve {

struct HttpRequest {
  std::string method;
  std::string path;                            // without the query string
  std::map<std::string, std::string> query;    // decoded; a repeated name keeps the first value
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;                            // as received (not decoded)

  // The header's value, "" when absent. REQUIRES: `lower_name` in lower case.
  const std::string& Header(const std::string& lower_name) const;
  // The query parameter's value, "" when absent.
  const std::string& Param(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type;  // none when empty
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What the server calls; both are called concurrently from connection threads.
class HttpService {
 public:
  virtual ~HttpService() = default;
  // Called once the headers are in: a response here is sent without reading the body.
  virtual std::optional<HttpResponse> Screen(const HttpRequest& request) = 0;
  // Called with the whole request.
  virtual HttpResponse Handle(const HttpRequest& request) = 0;
  // Whether the request counts toward the bound on requests in progress (a cheap probe such as
  // a health check need not, so that it answers while writes fill the bound).
  virtual bool Bounded(const HttpRequest& request) = 0;
  // The answer to a request refused by the server itself: `status` 408 (too slow), 413 (body
  // over the limit) or 503 (too many requests in progress), with `reason`.
  virtual HttpResponse Refusal(const HttpRequest& request, int status,
                               const std::string& reason) = 0;
};

struct HttpServerOptions {
  size_t max_body_bytes = 64 << 20;       // a larger body gets 413
  unsigned max_requests = 32;             // in progress at once; one more gets 503
  unsigned max_connections = 128;         // open at once; more are refused by closing them
  unsigned idle_timeout_seconds = 30;     // a connection silent this long is closed
  unsigned request_timeout_seconds = 60;  // a body still arriving after this gets 408
};

class HttpServer {
 public:
  // `service` must outlive the server.
  HttpServer(HttpService* service, HttpServerOptions options);
  ~HttpServer();  // Shutdown(0) if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `listen` ("HOST:PORT", "[IPv6]:PORT"; port 0 picks a free one) and starts serving.
  // Returns "" or the reason it could not.
  std::string Start(const std::string& listen);
  // The address actually bound, as "HOST:PORT" (after Start).
  const std::string& bound_address() const { return bound_; }

  // Stops accepting connections, waits up to `grace_seconds` for the requests in progress to be
  // answered, then closes every connection. Returns the number of requests still in progress
  // when the grace period ran out (0: all were answered).
  unsigned Shutdown(unsigned grace_seconds);

  // Requests that count toward the bound, between their headers and their completion.
  unsigned in_progress();

 private:
  struct Request;
  struct Callbacks;  // libmicrohttpd's callbacks, in the .cc
  friend struct Callbacks;

  HttpService* const service_;
  const HttpServerOptions options_;
  MHD_Daemon* daemon_ = nullptr;
  int listen_fd_ = -1;
  std::string bound_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  unsigned in_progress_ = 0;  // bounded requests in progress; guarded by mu_
};

}  // namespace strata::serve
