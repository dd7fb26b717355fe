#include "block_cache.h"

#include <utility>

namespace strata {
namespace {

// Rough heap cost of an entry beyond its arrays: list node, hash node, Column and control block.
constexpr uint64_t kEntryOverhead = 160;

}  // namespace

size_t BlockCache::KeyHash::operator()(const Key& k) const {
  // splitmix64-style mixing of the three fields.
  uint64_t h = k.reader_id * 0x9E3779B97F4A7C15ull ^ (k.offset + (k.times_only ? 1 : 0));
  h ^= h >> 30;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 27;
  h *= 0x94D049BB133111EBull;
  h ^= h >> 31;
  return static_cast<size_t>(h);
}

uint64_t BlockCache::Charge(const Column& block) { return block.MemoryBytes() + kEntryOverhead; }

std::shared_ptr<const Column> BlockCache::Touch(List::iterator it) {
  lru_.splice(lru_.begin(), lru_, it);
  return it->block;
}

std::shared_ptr<const Column> BlockCache::Lookup(uint64_t reader_id, uint64_t offset,
                                                 bool times_only) {
  MutexLock lock(&mu_);
  if (map_.empty()) return nullptr;
  auto it = map_.find(Key{reader_id, offset, times_only});
  if (it == map_.end() && times_only) it = map_.find(Key{reader_id, offset, false});
  if (it == map_.end()) return nullptr;
  return Touch(it->second);
}

void BlockCache::Insert(uint64_t reader_id, uint64_t offset, std::shared_ptr<const Column> block) {
  const uint64_t charge = Charge(*block);
  if (charge > capacity_) return;
  const Key key{reader_id, offset, block->times_only};
  List evicted;
  {
    MutexLock lock(&mu_);
    auto it = map_.find(key);
    if (it != map_.end()) {
      usage_ -= it->second->charge;
      evicted.splice(evicted.end(), lru_, it->second);
      map_.erase(it);
    }
    while (!lru_.empty() && usage_ + charge > capacity_) {
      auto victim = std::prev(lru_.end());
      usage_ -= victim->charge;
      map_.erase(victim->key);
      evicted.splice(evicted.end(), lru_, victim);
    }
    lru_.push_front(Entry{key, std::move(block), charge});
    map_.emplace(key, lru_.begin());
    usage_ += charge;
  }
  // `evicted` is destroyed here, outside the lock.
}

uint64_t BlockCache::usage() const {
  MutexLock lock(&mu_);
  return usage_;
}

size_t BlockCache::entry_count() const {
  MutexLock lock(&mu_);
  return map_.size();
}

}  // namespace strata
