// Replaying the write-ahead log into a directory's shards: what a writer's recovery does at open
// (StorageEngine::Init) and what a reader in another process does each time it loads the
// directory (DirectoryReader). One definition of the rule: a logged write is checked against the
// catalog and the shard windows, then applied to each shard whose flushed_lsn is below its LSN
// (the shard's segments already hold the older ones), deletes first. Stateless; thread-safe as
// the Catalog and ShardRouter it is given are.
#pragma once

#include <cstdint>
#include <string_view>

#include "catalog.h"
#include "result.h"
#include "shard_router.h"
#include "wal_entry.h"
#include "wal_format.h"

namespace strata {

// Decodes a WAL record into *decoded and checks it against the catalog and the shard windows:
// Corrupt, naming the record's LSN, unless it can be applied.
[[nodiscard]] Status CheckWalRecord(WalRecordType type, uint64_t lsn, std::string_view payload,
                                    const Catalog& catalog, const ShardWindows& windows,
                                    DecodedWrite* decoded);

// Applies a checked record (CheckWalRecord) of LSN `lsn` to the shards whose flushed_lsn is
// below it, skipping shards whose window ended at or before `retention_cutoff` and the points of
// series the catalog has dropped (they went with their measurement). With
// `flush_as_it_goes` (a writer's recovery), a shard's MemStore that reaches memstore_bytes is
// frozen and flushed to a segment at once, so that replaying a long log needs no more memory than
// normal operation; a reader passes false and changes no file.
[[nodiscard]] Status ReplayWalRecord(const DecodedWrite& decoded, uint64_t lsn,
                                     const Catalog& catalog, ShardRouter* router, int64_t retention_cutoff,
                                     bool flush_as_it_goes);

}  // namespace strata
