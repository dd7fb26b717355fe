// The handles of the C ABI that more than one of its files reach into: a strata_db (an open data
// directory) and a strata_batch (points and deletes to write atomically). strata_cursor and
// strata_rows are defined in cursor.cc and rows.cc, which alone use them. The threading rules are
// strata.h's: a strata_db is thread-safe, a strata_batch is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "storage_engine.h"
#include "strata.h"
#include "write_batch.h"

struct strata_db {
  std::shared_ptr<strata::StorageEngine> engine;  // shared by every handle of the directory
};

struct strata_batch {
  strata::WriteBatch batch;
  std::vector<uint64_t> scratch;  // bool columns converted from int
};
