#include "http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstring>

#include "http_text.h"

namespace strata::serve {

namespace {

const std::string kEmpty;

// "HOST:PORT" or "[HOST]:PORT" into a socket address; false when it is neither.
bool ParseListenAddress(const std::string& listen, sockaddr_storage* addr, socklen_t* len) {
  std::string host, port;
  if (!listen.empty() && listen[0] == '[') {
    const size_t close = listen.find("]:");
    if (close == std::string::npos) return false;
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return false;
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos) {
    return false;
  }
  const unsigned long p = std::stoul(port);
  if (p > 65535) return false;
  if (host == "localhost") host = "127.0.0.1";
  std::memset(addr, 0, sizeof *addr);
  auto* v4 = reinterpret_cast<sockaddr_in*>(addr);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(addr);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(p));
    *len = sizeof(sockaddr_in);
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(p));
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

std::string FormatAddress(const sockaddr_storage& addr) {
  char host[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(addr);
    inet_ntop(AF_INET6, &v6.sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(v6.sin6_port));
  }
  const auto& v4 = reinterpret_cast<const sockaddr_in&>(addr);
  inet_ntop(AF_INET, &v4.sin_addr, host, sizeof host);
  return std::string(host) + ":" + std::to_string(ntohs(v4.sin_port));
}

}  // namespace

const std::string& HttpRequest::Header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? kEmpty : it->second;
}

const std::string& HttpRequest::Param(const std::string& name) const {
  auto it = query.find(name);
  return it == query.end() ? kEmpty : it->second;
}

// One request's state, from its headers to its completion.
struct HttpServer::Request {
  HttpRequest http;
  std::chrono::steady_clock::time_point start;
  bool bounded = false;    // counted in in_progress_
  bool answered = false;   // a response was queued before the body was read
  bool too_large = false;  // the body went over the limit; the rest is discarded
  bool too_slow = false;   // the body was still arriving after the request timeout
};

struct HttpServer::Callbacks {
  static MHD_Result Send(MHD_Connection* connection, const HttpResponse& r) {
    MHD_Response* response = MHD_create_response_from_buffer(
        r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
    if (response == nullptr) return MHD_NO;
    if (!r.content_type.empty()) {
      MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, r.content_type.c_str());
    }
    for (const auto& [name, value] : r.headers) {
      MHD_add_response_header(response, name.c_str(), value.c_str());
    }
    const MHD_Result ok = MHD_queue_response(connection, static_cast<unsigned>(r.status), response);
    MHD_destroy_response(response);
    return ok;
  }

  static MHD_Result CollectHeader(void* cls, MHD_ValueKind, const char* key, const char* value) {
    auto* headers = static_cast<std::map<std::string, std::string>*>(cls);
    headers->emplace(AsciiLower(key), value == nullptr ? "" : value);
    return MHD_YES;
  }

  static MHD_Result CollectArgument(void* cls, MHD_ValueKind, const char* key, const char* value) {
    auto* query = static_cast<std::map<std::string, std::string>*>(cls);
    query->emplace(key, value == nullptr ? "" : value);
    return MHD_YES;
  }

  static MHD_Result Access(void* cls, MHD_Connection* connection, const char* url,
                           const char* method, const char* /*version*/, const char* upload_data,
                           size_t* upload_data_size, void** con_cls) {
    auto* server = static_cast<HttpServer*>(cls);
    auto* request = static_cast<Request*>(*con_cls);
    if (request == nullptr) {  // the headers are in
      request = new Request;
      *con_cls = request;
      request->start = std::chrono::steady_clock::now();
      request->http.method = method;
      request->http.path = url;
      MHD_get_connection_values(connection, MHD_HEADER_KIND, &CollectHeader,
                                &request->http.headers);
      MHD_get_connection_values(connection, MHD_GET_ARGUMENT_KIND, &CollectArgument,
                                &request->http.query);
      bool busy = false;
      if (server->service_->Bounded(request->http)) {
        request->bounded = true;
        std::lock_guard lock(server->mu_);
        busy = server->in_progress_ >= server->options_.max_requests;
        server->in_progress_++;
      }
      std::optional<HttpResponse> early;
      if (busy) {
        early = server->service_->Refusal(request->http, 503, "too many requests in progress");
      } else {
        early = server->service_->Screen(request->http);
      }
      uint64_t declared = 0;
      if (!early) {
        const std::string& length = request->http.Header("content-length");
        const auto [end, ec] =
            std::from_chars(length.data(), length.data() + length.size(), declared);
        if (!length.empty() &&
            (ec == std::errc::result_out_of_range || declared > server->options_.max_body_bytes)) {
          early = server->service_->Refusal(
              request->http, 413,
              "request body of " + length + " bytes is over the limit of " +
                  std::to_string(server->options_.max_body_bytes) + " bytes");
        }
      }
      if (early) {
        request->answered = true;
        return Send(connection, *early);
      }
      if (declared > 0) request->http.body.reserve(declared);  // within the limit, checked above
      return MHD_YES;
    }
    if (*upload_data_size > 0) {  // a piece of the body
      if (!request->answered && !request->too_large && !request->too_slow) {
        if (request->http.body.size() + *upload_data_size > server->options_.max_body_bytes) {
          request->too_large = true;
          request->http.body.clear();
          request->http.body.shrink_to_fit();
        } else if (std::chrono::steady_clock::now() - request->start >
                   std::chrono::seconds(server->options_.request_timeout_seconds)) {
          request->too_slow = true;
          request->http.body.clear();
        } else {
          request->http.body.append(upload_data, *upload_data_size);
        }
      }
      *upload_data_size = 0;
      return MHD_YES;
    }
    if (request->answered) return MHD_YES;
    request->answered = true;
    if (request->too_large) {
      return Send(connection, server->service_->Refusal(
                                  request->http, 413,
                                  "request body is over the limit of " +
                                      std::to_string(server->options_.max_body_bytes) + " bytes"));
    }
    if (request->too_slow) {
      return Send(connection, server->service_->Refusal(
                                  request->http, 408,
                                  "request body took over " +
                                      std::to_string(server->options_.request_timeout_seconds) +
                                      " seconds to arrive"));
    }
    return Send(connection, server->service_->Handle(request->http));
  }

  static void Completed(void* cls, MHD_Connection*, void** con_cls, MHD_RequestTerminationCode) {
    auto* server = static_cast<HttpServer*>(cls);
    auto* request = static_cast<Request*>(*con_cls);
    if (request == nullptr) return;
    const bool bounded = request->bounded;
    delete request;
    *con_cls = nullptr;
    if (!bounded) return;
    std::lock_guard lock(server->mu_);
    if (--server->in_progress_ == 0) server->idle_cv_.notify_all();
  }
};

HttpServer::HttpServer(HttpService* service, HttpServerOptions options)
    : service_(service), options_(options) {}

HttpServer::~HttpServer() {
  if (daemon_ != nullptr) Shutdown(0);
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string HttpServer::Start(const std::string& listen) {
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!ParseListenAddress(listen, &addr, &len)) {
    return "--listen '" + listen + "' is not HOST:PORT (an IPv4 or [IPv6] address)";
  }
  listen_fd_ = ::socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return std::string("socket: ") + std::strerror(errno);
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    return "bind " + listen + ": " + std::strerror(errno);
  }
  if (::listen(listen_fd_, 128) != 0) return std::string("listen: ") + std::strerror(errno);
  sockaddr_storage bound;
  socklen_t bound_len = sizeof bound;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&bound), &bound_len);
  bound_ = FormatAddress(bound);

  daemon_ = MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ITC |
          MHD_USE_ERROR_LOG,
      0, nullptr, nullptr, &Callbacks::Access, this, MHD_OPTION_LISTEN_SOCKET, listen_fd_,
      MHD_OPTION_NOTIFY_COMPLETED, &Callbacks::Completed, this,
      // A connection's memory pool, which holds its read buffer: large enough that a body
      // arrives in reads of a few hundred KiB rather than of a few KiB (the default is 32 KiB).
      MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(1) << 20, MHD_OPTION_CONNECTION_LIMIT,
      options_.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, options_.idle_timeout_seconds,
      MHD_OPTION_END);
  if (daemon_ == nullptr) return "libmicrohttpd could not start on " + bound_;
  return "";
}

unsigned HttpServer::in_progress() {
  std::lock_guard lock(mu_);
  return in_progress_;
}

unsigned HttpServer::Shutdown(unsigned grace_seconds) {
  if (daemon_ == nullptr) return 0;
  const MHD_socket fd = MHD_quiesce_daemon(daemon_);
  if (fd != MHD_INVALID_SOCKET) {
    ::close(fd);
    listen_fd_ = -1;
  }
  unsigned left;
  {
    std::unique_lock lock(mu_);
    idle_cv_.wait_for(lock, std::chrono::seconds(grace_seconds), [&] { return in_progress_ == 0; });
    left = in_progress_;
  }
  MHD_stop_daemon(daemon_);
  daemon_ = nullptr;
  return left;
}

}  // namespace strata::serve
