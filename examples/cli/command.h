// A subcommand of the `strata` tool (main.cc holds the table of them): its name, its usage text
// and its entry point, with the exit statuses and error helpers every subcommand shares. A
// subcommand's errors print "strata: <message>" on stderr and exit kExitError; bad usage prints
// why and the subcommand's usage on stderr and exits kExitUsage; asked for with --help, the usage
// goes to stdout and the exit status is kExitOk. Stateless; commands run on the main thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "options.h"
#include "result.h"
#include "storage_engine.h"

namespace strata::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

struct Command {
  const char* name;
  const char* summary;  // one line, for `strata --help`
  const char* usage;    // the full text of `strata NAME --help`
  int (*run)(const std::vector<std::string>& args);  // args: what follows NAME
};

// The subcommands, in the order `strata --help` lists them.
const std::vector<Command>& Commands();

// Prints "strata: <message>" on stderr; returns kExitError.
int Fail(const std::string& message);
// Prints "strata COMMAND: <why>" (unless empty) and the command's usage on stderr; returns
// kExitUsage. `command` is a name of Commands().
int UsageError(const char* command, const std::string& why);

// The options of a command that only reads (query, stats): read_only=1, so that it reads a
// directory another process is writing, or one on read-only storage, and never holds the lock a
// writer starting meanwhile needs.
Options ReadingOptions();

// Opens the data directory `dir`, which must exist and be Strata's: NotFound otherwise (a
// command that only reads never creates a directory).
[[nodiscard]] Result<std::shared_ptr<StorageEngine>> OpenExisting(const std::string& dir,
                                                                  const Options& options);

}  // namespace strata::cli
