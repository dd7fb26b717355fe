// `strata backup DIR DEST`: a consistent copy of a data directory (engine/backup.h) into the new
// directory DEST, with a progress line on stderr. It opens DIR, so DIR must not be open in another
// process; a process that has it open backs it up itself (strata_backup, db.backup(), SQL's
// strata_backup('dest.db')).
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "backup.h"
#include "commands.h"
#include "options.h"
#include "text_format.h"

namespace strata::cli {
namespace {

constexpr char kUsage[] =
    "usage: strata backup DIR DEST\n"
    "  Copy DIR into the new directory DEST, consistently (segments hard-linked when DEST is on\n"
    "  the same file system). A process that has DIR open backs it up itself: strata_backup(),\n"
    "  db.backup() or SQL's strata_backup('dest.db').\n";

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int Run(const std::vector<std::string>& args) {
  for (const std::string& a : args) {
    if (a.starts_with("--")) return UsageError("backup", "unknown flag " + a);
  }
  if (args.size() != 2) return UsageError("backup", "needs exactly DIR and DEST");
  auto engine = OpenExisting(args[0], Options());
  if (!engine) return Fail(engine.error().ToString());
  const auto t0 = std::chrono::steady_clock::now();
  auto last = t0;
  BackupOptions options;
  options.progress = [&](const BackupProgress& p) {
    const auto now = std::chrono::steady_clock::now();
    if (now - last >= std::chrono::seconds(1) && p.bytes_total > 0) {
      last = now;
      std::fprintf(stderr, "backup: %s of %s\n",
                   HumanBytes(static_cast<double>(p.bytes_done)).c_str(),
                   HumanBytes(static_cast<double>(p.bytes_total)).c_str());
    }
    return true;
  };
  auto stats = BackupDataDirectory(**engine, args[1], options);
  if (!stats) return Fail(stats.error().ToString());
  std::fprintf(stderr,
               "backup done: %s up to LSN %llu, %llu file(s) linked (%s), %llu copied (%s) in "
               "%.2f s\n",
               args[1].c_str(), static_cast<unsigned long long>(stats->lsn),
               static_cast<unsigned long long>(stats->files_linked),
               HumanBytes(static_cast<double>(stats->bytes_linked)).c_str(),
               static_cast<unsigned long long>(stats->files_copied),
               HumanBytes(static_cast<double>(stats->bytes_copied)).c_str(), SecondsSince(t0));
  return kExitOk;
}

}  // namespace

const Command kBackupCommand = {"backup", "a consistent copy of a directory (hard links if possible)",
                                kUsage, Run};

}  // namespace strata::cli
