#include "influx_write.h"

#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <string_view>

#include "gzip_body.h"
#include "http_text.h"

namespace strata::serve {

namespace {

// STRATA_PRECISION_* for the API's precision parameter; -1 when it is not one.
int PrecisionOf(InfluxApi api, const std::string& p) {
  if (p.empty() || p == "ns") return STRATA_PRECISION_NS;
  if (p == "us") return STRATA_PRECISION_US;
  if (p == "ms") return STRATA_PRECISION_MS;
  if (p == "s") return STRATA_PRECISION_S;
  if (api == InfluxApi::kV1) {  // InfluxDB 1.x's own spellings
    if (p == "n") return STRATA_PRECISION_NS;
    if (p == "u") return STRATA_PRECISION_US;
  }
  return -1;
}

// The N of a message starting "line N" (strata_write_lines_ex's form), or 0.
uint64_t LineOf(std::string_view msg) {
  constexpr std::string_view kPrefix = "line ";
  if (!msg.starts_with(kPrefix)) return 0;
  uint64_t n = 0;
  const char* first = msg.data() + kPrefix.size();
  auto [p, ec] = std::from_chars(first, msg.data() + msg.size(), n);
  return ec == std::errc() && p != first ? n : 0;
}

}  // namespace

std::string InfluxCode(int status) {
  switch (status) {
    case 400:
      return "invalid";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not found";
    case 405:
      return "method not allowed";
    case 408:
      return "request timeout";
    case 413:
      return "request too large";
    case 415:
      return "unsupported media type";
    case 422:
      return "unprocessable entity";
    case 503:
      return "unavailable";
    default:
      return "internal error";
  }
}

void AddInfluxHeaders(HttpResponse* response) {
  response->headers.emplace_back("X-Influxdb-Version", std::string("strata-") + strata_version());
  response->headers.emplace_back("X-Influxdb-Build", "OSS");
}

HttpResponse InfluxError(InfluxApi api, int status, const std::string& code,
                         const std::string& message) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json; charset=utf-8";
  nlohmann::json body;
  if (api == InfluxApi::kV1) {
    body["error"] = message;
    r.headers.emplace_back("X-Influxdb-Error", message.substr(0, 1024));
  } else {
    body["code"] = code;
    body["message"] = message;
  }
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  AddInfluxHeaders(&r);
  return r;
}

std::optional<HttpResponse> ScreenInfluxWrite(InfluxApi api, const HttpRequest& request) {
  const std::string type = MediaType(request.Header("content-type"));
  // What InfluxDB clients send: text/plain, application/octet-stream (influxdb-python), and
  // curl's default for --data-binary, which InfluxDB's own examples use.
  if (!type.empty() && type != "text/plain" && type != "application/octet-stream" &&
      type != "application/x-www-form-urlencoded") {
    return InfluxError(
        api, 415, InfluxCode(415),
        "Content-Type '" + request.Header("content-type") + "' is not line protocol (text/plain)");
  }
  const std::string encoding = AsciiLower(request.Header("content-encoding"));
  if (!encoding.empty() && encoding != "identity" && encoding != "gzip") {
    return InfluxError(api, 415, InfluxCode(415),
                       "Content-Encoding '" + request.Header("content-encoding") +
                           "' is not supported (gzip or identity)");
  }
  return std::nullopt;
}

HttpResponse HandleInfluxWrite(strata_db* db, InfluxApi api, const HttpRequest& request,
                               size_t max_body_bytes) {
  const std::string precision_name = request.Param("precision");
  const int precision = PrecisionOf(api, precision_name);
  if (precision < 0) {
    return InfluxError(api, 400, InfluxCode(400),
                       "invalid precision '" + precision_name + "' (" +
                           (api == InfluxApi::kV1 ? "n, ns, u, us, ms or s" : "ns, us, ms or s") +
                           ")");
  }
  if (api == InfluxApi::kV1 && request.Param("db").empty()) {
    return InfluxError(api, 400, InfluxCode(400), "database is required");
  }
  if (api == InfluxApi::kV2 && request.Param("bucket").empty()) {
    return InfluxError(api, 400, InfluxCode(400), "bucket is required");
  }

  std::string inflated;
  const std::string* text = &request.body;
  if (AsciiLower(request.Header("content-encoding")) == "gzip") {
    std::string why;
    switch (Gunzip(request.body, max_body_bytes, &inflated, &why)) {
      case GunzipStatus::kOk:
        text = &inflated;
        break;
      case GunzipStatus::kTooLarge:
        return InfluxError(
            api, 413, InfluxCode(413),
            "request body inflates past the limit of " + std::to_string(max_body_bytes) + " bytes");
      case GunzipStatus::kCorrupt:
        return InfluxError(api, 400, InfluxCode(400), why);
    }
  }

  strata_lines_options options = STRATA_LINES_OPTIONS_INIT;
  options.precision = precision;
  const int rc = strata_write_lines_ex(db, text->data(), text->size(), &options);
  if (rc == STRATA_OK) {
    HttpResponse ok;
    ok.status = 204;
    AddInfluxHeaders(&ok);
    return ok;
  }
  const std::string message = strata_errmsg();
  const uint64_t line = rc == STRATA_INVALID ? LineOf(message) : 0;
  if (line > 0) {
    HttpResponse r = InfluxError(api, 400, InfluxCode(400),
                                 "failed to parse line protocol: error parsing " + message);
    if (api == InfluxApi::kV2) {
      nlohmann::json body = nlohmann::json::parse(r.body);
      body["line"] = line;
      r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    return r;
  }
  switch (rc) {
    case STRATA_INVALID:
    case STRATA_TYPE_CONFLICT: {
      const int status = api == InfluxApi::kV2 ? 422 : 400;
      return InfluxError(api, status, InfluxCode(status), "points refused: " + message);
    }
    case STRATA_IO:
      return InfluxError(api, 503, InfluxCode(503), "writes are stopped: " + message);
    default:
      return InfluxError(api, 500, InfluxCode(500), message);
  }
}

}  // namespace strata::serve
