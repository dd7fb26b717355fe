// A PreparedWrite is a WriteBatch made ready for the commit pipeline outside its queue: deletes
// resolved to series IDs, series resolved in the catalog, points split by shard window and the
// WAL record's payload encoded. Its parts' SeriesPoints point at columns that are either
//   - borrowed from the batch (Write: the writer leaves the batch unchanged until the write is
//     applied, so nothing is copied), or
//   - owned by the PreparedWrite: the columns of a series that spans windows, and with
//     `take_columns` (WriteAndClear) every batch column, moved out of the batch at preparation so
//     that the write can be applied after the writer returns.
// Every pointer is set once, when the PreparedWrite is built, and stays valid while it lives (it
// is handed on as a unique_ptr; its owned columns never move). Not thread-safe: the preparing
// writer, then the thread that applies it, one at a time.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "catalog.h"
#include "column_pool.h"
#include "result.h"
#include "shard.h"
#include "shard_router.h"
#include "wal_entry.h"
#include "write_batch.h"

namespace strata {

class PreparedWrite {
 public:
  struct Part {
    std::shared_ptr<Shard> shard;
    std::vector<SeriesPoints> series;
  };

  // Prepares `batch` for `catalog` and `router`. Invalid for a point older than `oldest_time`
  // (retention, or outside the routable range); TypeConflict from the catalog. The batch's
  // series remember their catalog IDs, so that a batch refilled after ClearPoints() resolves none
  // again. With `take_columns`, the batch's columns are moved into the write (the batch gets
  // empty ones from `pool`), otherwise borrowed. On error the batch's points are unchanged.
  [[nodiscard]] static Result<std::unique_ptr<PreparedWrite>> Prepare(
      WriteBatch* batch, Catalog* catalog, ShardRouter* router, int64_t oldest_time,
      ColumnPool* pool, bool take_columns);

  PreparedWrite(const PreparedWrite&) = delete;
  PreparedWrite& operator=(const PreparedWrite&) = delete;

  // Gives the taken columns back to `batch` (the one it was prepared from), leaving the batch as
  // it was before Prepare, and the batch's spare columns to `pool`. For a write that failed to
  // commit.
  void ReturnColumns(WriteBatch* batch, ColumnPool* pool);
  // Hands the taken columns, emptied, to `pool` (after the write is applied).
  void RecycleColumns(ColumnPool* pool) { pool->Return(taken_); }

  bool empty() const { return parts_.empty() && deletes_.empty(); }
  // Whether some SeriesPoints point into the batch: then the writer must not change the batch
  // until the write is applied.
  bool borrows_batch() const { return borrowed_ > 0; }
  const std::string& payload() const { return payload_; }
  const std::vector<DeleteRecord>& deletes() const { return deletes_; }  // applied first
  const std::vector<Part>& parts() const { return parts_; }
  uint64_t points() const { return points_; }

 private:
  // Where a routed series' points are: the batch's column of series `batch_series`, or `own`.
  struct Routed {
    size_t batch_series;
    Column* own;  // a split column, or null
  };
  using RoutedMap = std::map<std::pair<std::string, int64_t>, std::vector<Routed>>;

  PreparedWrite() = default;
  [[nodiscard]] Status PrepareDeletes(const WriteBatch& batch, const Catalog& catalog);
  Result<RoutedMap> Route(const WriteBatch& batch, const ShardRouter& router, int64_t oldest_time);
  // Moves batch column `series` into taken_, giving the batch one from `pool`.
  Column* Take(WriteBatch* batch, size_t series, ColumnPool* pool);
  Status Assemble(WriteBatch* batch, const RoutedMap& routed, const std::vector<uint64_t>& ids,
                  ShardRouter* router, ColumnPool* pool, bool take_columns);
  std::vector<WritePart> WalParts() const;
  void Encode();

  std::string payload_;
  std::vector<DeleteRecord> deletes_;
  std::vector<Part> parts_;
  uint64_t points_ = 0;
  std::deque<Column> split_;        // columns of series split by window
  std::deque<Column> taken_;        // the batch's columns, moved in
  std::vector<size_t> taken_from_;  // the batch series of taken_[i]
  size_t borrowed_ = 0;             // SeriesPoints pointing into the batch
};

}  // namespace strata
