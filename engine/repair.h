// RepairDirectory (`strata repair DIR`) mends a damaged data directory offline, keeping every
// intact byte and reporting exactly what it could not keep. Starting from what CheckDirectory
// finds damaged, it:
//   - rewrites a damaged identity file (the shard duration must then be given);
//   - rewrites each damaged segment from its intact blocks (segment_salvage.h) under a new ID;
//   - rebuilds a damaged manifest from the shard's segment files (its deletes are lost, and the WAL
//     is replayed over the shard in full, so that no acknowledged point is lost);
//   - rebuilds a damaged catalog from its intact records and the series the segments name;
//   - cuts the WAL before its first damaged record, or the first one the catalog cannot place.
// Every file it replaces or drops is first moved, unchanged, into `quarantine/<time>/` inside
// the directory (a path relative to the directory), so that nothing is destroyed. It then checks
// the directory again: the result passes `strata verify`, or the repair fails saying why. Needs
// the directory's lock: Locked while any process has it open. Not thread-safe with anything else
// on the directory, which it holds locked.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "env.h"
#include "lost_data.h"
#include "result.h"

namespace strata {

struct RepairOptions {
  // The directory's shard duration, needed only when its identity file is damaged (Invalid
  // otherwise, saying so); 0 when not given.
  int64_t shard_duration_ns = 0;
};

struct RepairReport {
  std::vector<std::string> actions;  // what was changed, one line each, naming the files
  std::vector<LostData> lost;        // what the repaired directory no longer holds
  std::string quarantine;            // where the replaced files went; empty when none
};

[[nodiscard]] Result<RepairReport> RepairDirectory(Env* env, const std::string& dir,
                                                   const RepairOptions& options);

}  // namespace strata
