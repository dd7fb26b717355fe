// `strata verify DIR`: reads and decodes every file directly, without opening the engine, so it
// never changes anything and works on a directory another process holds open.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "directory_check.h"
#include "env.h"
#include "text_format.h"

namespace strata::cli {
namespace {

constexpr char kUsage[] =
    "usage: strata verify DIR\n"
    "  Read and decode every WAL, catalog, manifest and segment file, checking each against\n"
    "  the others, without changing anything (safe on a directory in use).\n"
    "  Exit 0 when the directory opens and reads completely, 1 when damaged.\n";

// Prints the findings of a check, DAMAGED or note; returns how many are damage.
size_t PrintFindings(const DirectoryReport& r) {
  size_t damaged = 0;
  for (const CheckFinding& f : r.findings) {
    std::printf("%s %s\n", f.damage ? "DAMAGED" : "note:", f.message.c_str());
    damaged += f.damage ? 1 : 0;
  }
  return damaged;
}

int Run(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0].starts_with("--")) return UsageError("verify", "needs exactly DIR");
  const std::string dir = args[0];
  Env* env = Env::Default();
  auto report = CheckDirectory(env, dir);
  // A live writer may change files while they are read: what looks damaged is checked again.
  if (report && report->live && report->damaged()) report = CheckDirectory(env, dir);
  if (!report) return Fail(report.error().ToString());
  const DirectoryReport& r = *report;
  const size_t damaged = PrintFindings(r);
  if (r.live) {
    std::printf("note: another process has the directory open: files may change while they are "
                "read\n");
  }
  std::printf(
      "verify %s: %llu catalog file(s) with %llu series, %llu WAL file(s) with %llu record(s), "
      "%llu manifest(s), %llu segment(s) (%s, %s points in %llu blocks, every one decoded): %s\n",
      dir.c_str(), static_cast<unsigned long long>(r.catalog_files),
      static_cast<unsigned long long>(r.catalog_series),
      static_cast<unsigned long long>(r.wal_files), static_cast<unsigned long long>(r.wal_records),
      static_cast<unsigned long long>(r.manifests), static_cast<unsigned long long>(r.segments),
      HumanBytes(static_cast<double>(r.segment_bytes)).c_str(),
      Grouped(r.segment_points).c_str(), static_cast<unsigned long long>(r.blocks),
      damaged == 0 ? "no damage found"
                   : (std::to_string(damaged) + " problem(s) found; `strata repair " + dir +
                      "` salvages what is intact").c_str());
  return damaged == 0 ? kExitOk : kExitError;
}

}  // namespace

const Command kVerifyCommand = {"verify", "check every file of a directory, changing nothing",
                                kUsage, Run};

}  // namespace strata::cli
