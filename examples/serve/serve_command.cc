#include "serve_command.h"

#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "http_server.h"
#include "service.h"
#include "strata.h"

namespace strata::serve {

namespace {

constexpr char kUsage[] =
    "usage: strata serve DIR [flags]\n"
    "  Serves a data directory over HTTP until SIGTERM or SIGINT:\n"
    "    POST /write, /api/v2/write    InfluxDB 1.x and 2.x write API (line protocol, gzip)\n"
    "    POST /api/v1/write            Prometheus remote write 1.0\n"
    "    GET|POST /query               one read-only SQL statement (format=json|csv)\n"
    "    GET /ping, /health\n"
    "flags:\n"
    "  --listen HOST:PORT        address to listen on (default 127.0.0.1:8086; port 0: any)\n"
    "  --options 'k=v;...'       strata_open options of the directory (default sync=full)\n"
    "  --token-file FILE         require this bearer token (the file's first line)\n"
    "  --max-body-bytes N        largest request body, once inflated (default 64MiB; K, M, G\n"
    "                            suffixes count 1024s)\n"
    "  --max-requests N          requests in progress at once; more get 503 (default 32)\n"
    "  --max-connections N       open connections at once (default 128)\n"
    "  --idle-timeout S          close a connection silent for S seconds (default 30)\n"
    "  --request-timeout S       answer 408 to a body still arriving after S seconds (60)\n"
    "  --query-timeout S         interrupt a SQL statement after S seconds (default 30)\n"
    "  --shutdown-timeout S      on SIGTERM, wait S seconds for requests in progress (30)\n";

int Usage(const std::string& why) {
  if (!why.empty()) std::fprintf(stderr, "strata serve: %s\n", why.c_str());
  std::fputs(kUsage, stderr);
  return 2;
}

int Fail(const std::string& why) {
  std::fprintf(stderr, "strata serve: %s\n", why.c_str());
  return 1;
}

// A count with an optional K, M or G suffix (powers of 1024, an optional "iB" or "B" after it).
bool ParseSize(const std::string& s, uint64_t* out) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p == s.data()) return false;
  std::string suffix(p, s.data() + s.size());
  for (const char* tail : {"iB", "B"}) {
    if (suffix.size() > 1 && suffix.ends_with(tail)) suffix.resize(suffix.size() - strlen(tail));
  }
  int shift = 0;
  if (suffix == "K" || suffix == "k")
    shift = 10;
  else if (suffix == "M" || suffix == "m")
    shift = 20;
  else if (suffix == "G" || suffix == "g")
    shift = 30;
  else if (!suffix.empty())
    return false;
  if (v > (UINT64_MAX >> shift)) return false;
  *out = v << shift;
  return true;
}

bool ParseCount(const std::string& s, unsigned* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out > 0;
}

}  // namespace

const char* ServeUsage() { return kUsage; }

int ServeCommand(const std::vector<std::string>& args) {
  std::string listen = "127.0.0.1:8086", options_text = "sync=full", token_file, dir;
  HttpServerOptions http;
  ServiceOptions service_options;
  unsigned shutdown_seconds = 30;
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (!a.starts_with("--")) {
      if (!dir.empty()) return Usage("one DIR only ('" + a + "' is a second)");
      dir = a;
      continue;
    }
    if (i + 1 >= args.size()) return Usage(a + " needs a value");
    const std::string& v = args[++i];
    uint64_t size = 0;
    bool ok = true;
    if (a == "--listen")
      listen = v;
    else if (a == "--options")
      options_text = v;
    else if (a == "--token-file")
      token_file = v;
    else if (a == "--max-body-bytes")
      ok = ParseSize(v, &size) && size > 0;
    else if (a == "--max-requests")
      ok = ParseCount(v, &http.max_requests);
    else if (a == "--max-connections")
      ok = ParseCount(v, &http.max_connections);
    else if (a == "--idle-timeout")
      ok = ParseCount(v, &http.idle_timeout_seconds);
    else if (a == "--request-timeout")
      ok = ParseCount(v, &http.request_timeout_seconds);
    else if (a == "--query-timeout")
      ok = ParseCount(v, &service_options.query_time_limit_seconds);
    else if (a == "--shutdown-timeout")
      ok = ParseCount(v, &shutdown_seconds);
    else
      return Usage("unknown flag " + a);
    if (!ok) return Usage(a + ": '" + v + "' is not a positive number");
    if (a == "--max-body-bytes") http.max_body_bytes = service_options.max_body_bytes = size;
  }
  if (dir.empty()) return Usage("serve needs DIR");
  // The SQL endpoint's tables name the directory by this path too: the same path is the same
  // open directory in this process.
  dir = std::filesystem::absolute(dir).lexically_normal().string();
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in) return Fail("cannot read --token-file " + token_file);
    std::getline(in, service_options.token);
    while (!service_options.token.empty() &&
           (service_options.token.back() == '\r' || service_options.token.back() == ' ')) {
      service_options.token.pop_back();
    }
    if (service_options.token.empty()) return Fail("--token-file " + token_file + " is empty");
  }

  // The signals are taken by sigwait below, so every thread (started after this) blocks them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  strata_db* db = nullptr;
  if (strata_open(dir.c_str(), options_text.c_str(), &db) != STRATA_OK) {
    return Fail(std::string("open ") + dir + ": " + strata_errmsg());
  }
  int exit_status = 0;
  {
    Service service(db, dir, service_options);
    HttpServer server(&service, http);
    service.SetServer(&server);
    if (std::string why = server.Start(listen); !why.empty()) {
      strata_close(db);
      return Fail(why);
    }
    std::printf("strata serve: listening on http://%s\n", server.bound_address().c_str());
    std::fflush(stdout);

    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    std::fprintf(stderr, "strata serve: signal %d: finishing the requests in progress\n",
                 signal_number);
    service.Stop();
    if (unsigned left = server.Shutdown(shutdown_seconds); left > 0) {
      std::fprintf(stderr,
                   "strata serve: %u request(s) still in progress after %u s were cut off\n", left,
                   shutdown_seconds);
      exit_status = 1;
    }
  }
  if (strata_close(db) != STRATA_OK) return Fail(strata_errmsg());
  std::fprintf(stderr, "strata serve: stopped\n");
  return exit_status;
}

}  // namespace strata::serve
