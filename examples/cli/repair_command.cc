// `strata repair [--shard-duration D] DIR`: mends a damaged directory offline. It takes the
// directory's lock, as the commands that open the engine do.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "directory_check.h"
#include "env.h"
#include "options.h"
#include "repair.h"
#include "text_format.h"

namespace strata::cli {
namespace {

constexpr char kUsage[] =
    "usage: strata repair [--shard-duration D] DIR\n"
    "  Mend a damaged directory (offline): keep every intact block, record and file, move\n"
    "  what is replaced into DIR/quarantine/, and report exactly what is lost.\n"
    "  --shard-duration is needed only when the STRATA identity file is damaged.\n";

std::string DescribeLoss(const LostData& lost) {
  std::string out = lost.series_key.empty() ? "unknown series" : "series '" + lost.series_key + "'";
  if (lost.min_time != INT64_MIN || lost.max_time != INT64_MAX) {
    out += ", times " + std::to_string(lost.min_time) + " to " + std::to_string(lost.max_time);
  }
  if (lost.points > 0) out += ", " + Grouped(lost.points) + " point(s)";
  return out + ": " + lost.what;
}

int Run(const std::vector<std::string>& args) {
  RepairOptions options;
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); i++) {
    if (args[i] == "--shard-duration" && i + 1 < args.size()) {
      auto d = ParseDuration(args[++i]);
      if (!d) return UsageError("repair", "--shard-duration: " + d.error().message());
      options.shard_duration_ns = *d;
    } else if (args[i].starts_with("--")) {
      return UsageError("repair", "unknown flag " + args[i]);
    } else {
      positional.push_back(args[i]);
    }
  }
  if (positional.size() != 1) return UsageError("repair", "needs exactly DIR");
  const std::string& dir = positional[0];
  auto before = CheckDirectory(Env::Default(), dir);
  if (!before) return Fail(before.error().ToString());
  if (!before->damaged()) {
    std::printf("repair %s: no damage found; nothing changed\n", dir.c_str());
    return kExitOk;
  }
  for (const CheckFinding& f : before->findings) {
    std::printf("%s %s\n", f.damage ? "DAMAGED" : "note:", f.message.c_str());
  }
  auto report = RepairDirectory(Env::Default(), dir, options);
  if (!report) return Fail(report.error().ToString());
  for (const std::string& a : report->actions) std::printf("repaired: %s\n", a.c_str());
  for (const LostData& lost : report->lost) std::printf("LOST %s\n", DescribeLoss(lost).c_str());
  std::printf("repair %s: done, %zu change(s), %zu loss(es) reported%s%s; the directory now "
              "passes verify\n",
              dir.c_str(), report->actions.size(), report->lost.size(),
              report->quarantine.empty() ? "" : "; the replaced files are in ",
              report->quarantine.c_str());
  return kExitOk;
}

}  // namespace

const Command kRepairCommand = {"repair", "mend a damaged directory, reporting what is lost",
                                kUsage, Run};

}  // namespace strata::cli
