// The crash test's workload, shared by the writer child and the checking parent: which points batch
// n consists of, and how to delete them. Header-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "query_cursor.h"
#include "write_batch.h"

namespace strata::crash {

constexpr int64_t kDay = 86400LL * 1000000000LL;
constexpr int64_t kT0 = 1451606400LL * 1000000000LL;  // a day boundary
constexpr int kRowsPerBatch = 200;
constexpr int kHosts = 5;
constexpr char kMeasurement[] = "crash";

// Point j of batch n in shard `day` (0 or 1): unique per (n, j, day).
inline int64_t TimeOf(int64_t n, int j, int day) { return kT0 + day * kDay + n * kRowsPerBatch + j; }

inline void FillBatch(int64_t n, WriteBatch* batch) {
  for (int day = 0; day < 2; day++) {
    for (int j = 0; j < kRowsPerBatch; j++) {
      std::vector<Tag> tags{{"host", "h" + std::to_string(j % kHosts)}};
      (void)batch->AddInt(kMeasurement, tags, "v", TimeOf(n, j, day), n);
    }
  }
}

// Deletes batch n's points in day 0 only (its time range there holds nothing else).
inline QueryRequest DeleteRequestFor(int64_t n) {
  QueryRequest q;
  q.measurement = kMeasurement;
  q.min_time = TimeOf(n, 0, 0);
  q.max_time = TimeOf(n, kRowsPerBatch - 1, 0);
  return q;
}

}  // namespace strata::crash
