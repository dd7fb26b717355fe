// The InfluxDB write API over a Strata directory: POST /write (1.x: ?db=&precision=n|ns|u|us|ms|s)
// and POST /api/v2/write (2.x: ?bucket=&org=&precision=ns|us|ms|s), bodies of line protocol,
// plain or gzip. The whole body is one atomic batch (strata_write_lines_ex), durable per the
// directory's `sync` option before 204 is sent. Statuses and JSON bodies are InfluxDB's: 204;
// 400 naming the line and reason of the first bad line ({"error": ...} for 1.x, {"code":
// "invalid", "message": ..., "line": N} for 2.x); 413 for a body that inflates past the limit;
// 415 for a content type or encoding that is not line protocol (types taken: none,
// text/plain, application/octet-stream and curl's application/x-www-form-urlencoded); 422 (2.x; 400
// for 1.x) for points the directory refuses as a whole (a field of another type, a time outside
// retention); 503 with Retry-After when the directory cannot write (an I/O error). The database or
// bucket name is required, as InfluxDB requires it, and not used: every write goes to the one
// directory. Stateless apart from the borrowed strata_db; thread-safe.
#pragma once

#include <optional>
#include <string>

#include "http_server.h"
#include "strata.h"

namespace strata::serve {

// Which InfluxDB API a path belongs to: its error bodies differ.
enum class InfluxApi { kV1, kV2 };

// An error response in the API's form: {"error": message} (1.x, with X-Influxdb-Error) or
// {"code": code, "message": message} (2.x). `code` is InfluxDB's name for the status ("invalid",
// "unauthorized", "request too large", "unavailable", ...).
HttpResponse InfluxError(InfluxApi api, int status, const std::string& code,
                         const std::string& message);
// InfluxDB's code name for an HTTP status.
std::string InfluxCode(int status);
// The headers every InfluxDB response carries (X-Influxdb-Version, X-Influxdb-Build).
void AddInfluxHeaders(HttpResponse* response);

// Screening of a write's headers: a response when the content type or encoding is not one the
// write API takes (415), else nothing.
std::optional<HttpResponse> ScreenInfluxWrite(InfluxApi api, const HttpRequest& request);

// Handles a whole write request. `max_body_bytes` bounds the body once inflated.
HttpResponse HandleInfluxWrite(strata_db* db, InfluxApi api, const HttpRequest& request,
                               size_t max_body_bytes);

}  // namespace strata::serve
