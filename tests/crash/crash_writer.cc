// The child of the crash test: writes numbered batches through the engine forever and prints
// "ACK <n>" on stdout (flushed) after each write returns OK, until the parent kills it with SIGKILL.
//
//   crash_writer DIR FIRST_BATCH SEED
//
// Batch n holds kRowsPerBatch points of field v (value n) spread over kHosts series, at times unique
// to the batch, in two shards: day 0 and day 1 of the measurement "crash". Small MemStores and WAL
// files make flushes and WAL rotation happen constantly, so a kill can land anywhere. Every few
// batches it also deletes the day-0 points of an older batch: "DELETING <n>" before the call,
// "DEL <n>" once it is acknowledged.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "crash_workload.h"
#include "storage_engine.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_writer DIR FIRST_BATCH SEED\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int64_t first = std::atoll(argv[2]);
  std::mt19937_64 rng(std::strtoull(argv[3], nullptr, 10));

  strata::Options options;
  options.memstore_bytes = 64 << 10;
  options.wal_segment_bytes = 64 << 10;
  auto db = strata::StorageEngine::Open(dir, options);
  if (!db) {
    std::fprintf(stderr, "crash_writer: %s\n", db.error().ToString().c_str());
    return 1;
  }
  for (int64_t n = first;; n++) {
    strata::WriteBatch batch;
    strata::crash::FillBatch(n, &batch);
    if (auto s = (*db)->Write(batch); !s) {
      std::fprintf(stderr, "crash_writer: batch %lld: %s\n", static_cast<long long>(n),
                   s.error().ToString().c_str());
      return 1;
    }
    std::printf("ACK %lld\n", static_cast<long long>(n));
    std::fflush(stdout);
    if (n > first && rng() % 8 == 0) {
      const int64_t victim = first + static_cast<int64_t>(rng() % static_cast<uint64_t>(n - first));
      std::printf("DELETING %lld\n", static_cast<long long>(victim));  // may land unacknowledged
      std::fflush(stdout);
      if (auto s = (*db)->Delete(strata::crash::DeleteRequestFor(victim)); !s) {
        std::fprintf(stderr, "crash_writer: delete %lld: %s\n", static_cast<long long>(victim),
                     s.error().ToString().c_str());
        return 1;
      }
      std::printf("DEL %lld\n", static_cast<long long>(victim));
      std::fflush(stdout);
    }
  }
}
