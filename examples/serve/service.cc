#include "service.h"

#include <cstring>
#include <nlohmann/json.hpp>
#include <utility>

#include "influx_write.h"

namespace strata::serve {

namespace {

// Compares in time that depends on the lengths only, not on where the bytes differ.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); i++) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// Decodes standard base64; "" for anything else.
std::string Base64Decode(const std::string& in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = value(c);
    if (v < 0) return "";
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

HttpResponse Json(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace

Service::Service(strata_db* db, const std::string& dir, ServiceOptions options)
    : db_(db),
      options_(std::move(options)),
      sql_(db, dir, options_.query_time_limit_seconds, options_.max_result_bytes) {}

Service::Route Service::RouteOf(const std::string& path) {
  if (path == "/ping") return Route::kPing;
  if (path == "/health") return Route::kHealth;
  if (path == "/write") return Route::kWriteV1;
  if (path == "/api/v2/write") return Route::kWriteV2;
  if (path == "/api/v1/write") return Route::kRemoteWrite;
  if (path == "/query") return Route::kQuery;
  return Route::kNone;
}

bool Service::Authorized(Route route, const HttpRequest& request) const {
  if (options_.token.empty() || route == Route::kPing || route == Route::kHealth) return true;
  const std::string& auth = request.Header("authorization");
  for (const char* scheme : {"Bearer ", "Token "}) {
    if (auth.starts_with(scheme)) return SameSecret(auth.substr(strlen(scheme)), options_.token);
  }
  if (route == Route::kWriteV1 || route == Route::kQuery) {
    if (auth.starts_with("Basic ")) {
      const std::string user_pass = Base64Decode(auth.substr(6));
      const size_t colon = user_pass.find(':');
      return colon != std::string::npos && SameSecret(user_pass.substr(colon + 1), options_.token);
    }
    if (auth.empty() && !request.Param("p").empty()) {
      return SameSecret(request.Param("p"), options_.token);
    }
  }
  return false;
}

HttpResponse Service::ErrorFor(Route route, int status, const std::string& message) const {
  switch (route) {
    case Route::kWriteV2:
    case Route::kHealth:
      return InfluxError(InfluxApi::kV2, status, InfluxCode(status), message);
    case Route::kRemoteWrite: {
      HttpResponse r;
      r.status = status;
      r.content_type = "text/plain; charset=utf-8";
      r.body = message + "\n";
      if (status == 503) r.headers.emplace_back("Retry-After", "1");
      return r;
    }
    default:
      return InfluxError(InfluxApi::kV1, status, InfluxCode(status), message);
  }
}

bool Service::Bounded(const HttpRequest& request) {
  const Route route = RouteOf(request.path);
  return route != Route::kPing && route != Route::kHealth;
}

HttpResponse Service::Refusal(const HttpRequest& request, int status, const std::string& reason) {
  return ErrorFor(RouteOf(request.path), status, reason);
}

std::optional<HttpResponse> Service::Screen(const HttpRequest& request) {
  const Route route = RouteOf(request.path);
  if (route == Route::kNone) return ErrorFor(route, 404, "no such path: " + request.path);
  const bool get = request.method == "GET" || request.method == "HEAD";
  const bool post = request.method == "POST";
  const bool allowed = route == Route::kPing || route == Route::kHealth ? get
                       : route == Route::kQuery                         ? get || post
                                                                        : post;
  if (!allowed) {
    HttpResponse r = ErrorFor(route, 405, request.method + " is not allowed on " + request.path);
    r.headers.emplace_back("Allow", route == Route::kPing || route == Route::kHealth ? "GET, HEAD"
                                    : route == Route::kQuery                         ? "GET, POST"
                                                                                     : "POST");
    return r;
  }
  if (!Authorized(route, request)) {
    HttpResponse r = ErrorFor(route, 401, "unauthorized access");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  const bool write =
      route == Route::kWriteV1 || route == Route::kWriteV2 || route == Route::kRemoteWrite;
  if (write && stopping_) return ErrorFor(route, 503, "the server is shutting down");
  switch (route) {
    case Route::kWriteV1:
      return ScreenInfluxWrite(InfluxApi::kV1, request);
    case Route::kWriteV2:
      return ScreenInfluxWrite(InfluxApi::kV2, request);
    case Route::kRemoteWrite:
      return ScreenRemoteWrite(request);
    default:
      return std::nullopt;
  }
}

HttpResponse Service::Handle(const HttpRequest& request) {
  switch (RouteOf(request.path)) {
    case Route::kPing: {
      HttpResponse r;
      r.status = 204;
      AddInfluxHeaders(&r);
      return r;
    }
    case Route::kHealth: {
      const bool ok = !stopping_;
      HttpResponse r =
          Json(ok ? 200 : 503,
               {{"name", "strata"},
                {"message", ok ? "ready for queries and writes" : "shutting down"},
                {"status", ok ? "pass" : "fail"},
                {"checks", nlohmann::json::array()},
                {"version", strata_version()},
                {"requests_in_progress", server_ ? server_->in_progress() : 0},
                {"remote_write_samples_written", remote_counters_.samples_written.load()},
                {"remote_write_samples_skipped", remote_counters_.samples_skipped.load()}});
      AddInfluxHeaders(&r);
      return r;
    }
    case Route::kWriteV1:
      return HandleInfluxWrite(db_, InfluxApi::kV1, request, options_.max_body_bytes);
    case Route::kWriteV2:
      return HandleInfluxWrite(db_, InfluxApi::kV2, request, options_.max_body_bytes);
    case Route::kRemoteWrite:
      return HandleRemoteWrite(db_, request, options_.max_body_bytes, &remote_counters_);
    case Route::kQuery:
      return sql_.Handle(request);
    case Route::kNone:
      break;
  }
  return ErrorFor(Route::kNone, 404, "no such path: " + request.path);
}

}  // namespace strata::serve
