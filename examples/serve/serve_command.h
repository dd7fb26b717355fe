// `strata serve DIR [flags]`: opens a data directory and serves it over HTTP (service.h) until
// SIGTERM or SIGINT, then shuts down gracefully: new writes get 503, requests in progress are
// answered (every write answered 204 is durable), and the directory is closed. It prints one line
// "strata serve: listening on http://HOST:PORT" on stdout once it accepts connections (port 0
// picks a free port, which the line gives). Errors print "strata serve: <message>" and exit 1;
// bad usage exits 2; --help prints
// the usage on stdout and exits 0.
#pragma once

#include <string>
#include <vector>

namespace strata::serve {

// The usage text of `strata serve` (what --help prints on stdout).
const char* ServeUsage();
// args: what follows "serve" on the command line. Returns the exit status.
int ServeCommand(const std::vector<std::string>& args);

}  // namespace strata::serve
