// `strata`, the command-line tool of a Strata data directory. Each subcommand is a file of this
// folder (import, query, stats, verify, repair, backup) or examples/serve/ (serve); this file dispatches
// and answers help and version:
//   strata --help | -h | help            the list of subcommands, on stdout, exit 0
//   strata help COMMAND | COMMAND --help the subcommand's usage, on stdout, exit 0
//   strata --version | version           "strata MAJOR.MINOR.PATCH (ABI N)", exit 0
// Errors print "strata: <message>" and exit 1; bad usage exits 2 (command.h).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.h"
#include "serve/serve_command.h"
#include "strata.h"

namespace strata::cli {

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      kImportCommand,
      {"serve", "serve a directory over HTTP (InfluxDB write, Prometheus remote write, SQL)",
       serve::ServeUsage(), serve::ServeCommand},
      kQueryCommand,
      kStatsCommand,
      kVerifyCommand,
      kRepairCommand,
      kBackupCommand,
  };
  return kCommands;
}

namespace {

const Command* Find(const std::string& name) {
  for (const Command& c : Commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

void PrintOverview(std::FILE* out) {
  std::fputs("usage: strata COMMAND [flags] DIR ...\n\ncommands:\n", out);
  for (const Command& c : Commands()) std::fprintf(out, "  %-8s %s\n", c.name, c.summary);
  std::fputs("\n`strata help COMMAND` or `strata COMMAND --help` gives a command's flags;\n"
             "`strata --version` the version.\n",
             out);
}

bool AsksForHelp(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

int Help(const std::vector<std::string>& args) {
  if (args.empty()) {
    PrintOverview(stdout);
    return kExitOk;
  }
  const Command* c = Find(args[0]);
  if (c == nullptr || args.size() > 1) {
    std::fprintf(stderr, "strata help: no command '%s'\n", args[0].c_str());
    PrintOverview(stderr);
    return kExitUsage;
  }
  std::fputs(c->usage, stdout);
  return kExitOk;
}

int Main(int argc, char** argv) {
  if (argc < 2) {
    PrintOverview(stderr);
    return kExitUsage;
  }
  const std::string name = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (name == "help" || name == "--help" || name == "-h") return Help(args);
  if (name == "--version" || name == "version") {
    std::printf("strata %s (ABI %d)\n", strata_version(), strata_abi_version());
    return kExitOk;
  }
  const Command* c = Find(name);
  if (c == nullptr) {
    std::fprintf(stderr, "strata: unknown command '%s'\n", name.c_str());
    PrintOverview(stderr);
    return kExitUsage;
  }
  if (AsksForHelp(args)) {
    std::fputs(c->usage, stdout);
    return kExitOk;
  }
  return c->run(args);
}

}  // namespace
}  // namespace strata::cli

int main(int argc, char** argv) { return strata::cli::Main(argc, argv); }
