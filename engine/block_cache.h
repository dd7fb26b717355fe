// BlockCache keeps recently read segment blocks in decoded form, so that repeated small reads (one
// series over an hour, "last point" lookups) skip the pread, checksum and decoding of blocks they
// read before. One cache serves a whole StorageEngine, every shard and segment of it.
//
// Contract: an entry is the whole decoded block (every point of it, whatever range the read that
// loaded it wanted), keyed by (SegmentReader::instance_id(), the block's file offset, times_only).
// A times-only entry holds only the block's times; a full entry holds times and values and can also
// answer a times-only lookup. Only blocks that passed every check of SegmentReader enter the cache.
// Segments are immutable and instance ids are never reused within a process, so an entry is never
// stale; those of deleted segments are simply never looked up again and age out.
//
// Capacity is in bytes, approximate (times, values and string heap bytes plus a fixed per-entry
// overhead); the least recently used entries are evicted to stay within it. A block larger than the
// capacity is not stored, so capacity 0 stores nothing.
//
// Ownership: entries are shared_ptr<const Column>, so a reader keeps using a block after it is
// evicted. Thread-safety: all methods are thread-safe (one mutex; a hit is a hash lookup and a
// list splice).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "mutex.h"
#include "point.h"

namespace strata {

class BlockCache {
 public:
  explicit BlockCache(uint64_t capacity_bytes) : capacity_(capacity_bytes) {}
  BlockCache(const BlockCache&) = delete;
  BlockCache& operator=(const BlockCache&) = delete;

  // The block at `offset` of reader `reader_id`, or nullptr. A times-only lookup is answered by a
  // times-only entry or else a full one; a full lookup only by a full entry. Marks it recently
  // used.
  std::shared_ptr<const Column> Lookup(uint64_t reader_id, uint64_t offset, bool times_only);

  // Stores `block` (times-only when block->times_only), replacing an entry of the same key, and
  // evicts least recently used entries beyond the capacity. REQUIRES: block != nullptr.
  void Insert(uint64_t reader_id, uint64_t offset, std::shared_ptr<const Column> block);

  // The bytes charged for `block`.
  static uint64_t Charge(const Column& block);

  uint64_t capacity() const { return capacity_; }
  uint64_t usage() const;
  size_t entry_count() const;

 private:
  struct Key {
    uint64_t reader_id;
    uint64_t offset;
    bool times_only;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Entry {
    Key key;
    std::shared_ptr<const Column> block;
    uint64_t charge;
  };
  using List = std::list<Entry>;

  // Moves `it` to the front and returns its block.
  std::shared_ptr<const Column> Touch(List::iterator it) REQUIRES(mu_);

  const uint64_t capacity_;
  mutable Mutex mu_;
  List lru_ GUARDED_BY(mu_);  // most recent first
  std::unordered_map<Key, List::iterator, KeyHash> map_ GUARDED_BY(mu_);
  uint64_t usage_ GUARDED_BY(mu_) = 0;  // sum of charges
};

}  // namespace strata
