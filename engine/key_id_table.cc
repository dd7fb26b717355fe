#include "key_id_table.h"

#include <xxhash.h>

#include <utility>

namespace strata {

uint64_t KeyIdTable::Hash(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

void KeyIdTable::Insert(uint64_t id, uint64_t hash) {
  if (slots_.empty() || TooFull(size_ + 1, slots_.size())) {
    Rehash(slots_.empty() ? 16 : slots_.size() * 2);
  }
  Place(Slot{hash, id});
  size_++;
}

void KeyIdTable::Reserve(size_t n) {
  size_t slots = slots_.empty() ? 16 : slots_.size();
  while (TooFull(n, slots)) slots *= 2;
  if (slots != slots_.size()) Rehash(slots);
}

void KeyIdTable::Rehash(size_t slot_count) {
  std::vector<Slot> old(slot_count);
  old.swap(slots_);
  mask_ = slot_count - 1;
  for (const Slot& s : old) {
    if (s.id != 0) Place(s);
  }
}

void KeyIdTable::Place(const Slot& s) {
  size_t at = s.hash & mask_;
  while (slots_[at].id != 0) at = (at + 1) & mask_;
  slots_[at] = s;
}

void KeyIdTable::EraseSlot(size_t at) {
  // Shift back each later slot of the run that may sit at `at` (its home is not between the hole
  // and itself), so that every remaining entry stays reachable from its home slot.
  size_t hole = at;
  for (size_t next = (hole + 1) & mask_; slots_[next].id != 0; next = (next + 1) & mask_) {
    const size_t home = slots_[next].hash & mask_;
    const bool stays = hole <= next ? (hole < home && home <= next) : (hole < home || home <= next);
    if (stays) continue;
    slots_[hole] = slots_[next];
    hole = next;
  }
  slots_[hole] = Slot{};
  size_--;
}

}  // namespace strata
