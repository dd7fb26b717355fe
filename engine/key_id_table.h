// KeyIdTable finds the ID that stands for a string key (a series key, a tag-set key) when the keys
// themselves live elsewhere, in objects the caller owns and can reach from an ID. It is a flat
// open-addressing hash table (linear probing, backward-shift deletion) of (hash, ID) slots: 16
// bytes a slot and no allocation per entry, where a std::unordered_map<std::string_view, uint64_t>
// spends a node of about 64 bytes on each. A lookup compares the stored 64-bit hash first and
// reads a key (through the caller's `key_of(id)`) only when the hashes are equal, so a miss
// usually touches one cache line of the table and no key at all. This is what makes the catalog's
// maps cheap to rebuild at open with a million series (issue 15).
//
// Contract: ID 0 is never stored (it marks an empty slot); each key is inserted at most once (the
// caller looks it up first); `key_of(id)` returns the key of a stored ID for as long as it is
// stored. Not thread-safe: the owner guards it (the Catalog, with its lock).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace strata {

class KeyIdTable {
 public:
  // The hash every call takes: XXH3 of the key's bytes.
  static uint64_t Hash(std::string_view key);

  // The ID whose key is `key` (`hash` is Hash(key)), or 0 when there is none.
  template <class KeyOf>
  uint64_t Find(std::string_view key, uint64_t hash, const KeyOf& key_of) const {
    if (slots_.empty()) return 0;
    for (size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Slot& s = slots_[at];
      if (s.id == 0) return 0;
      if (s.hash == hash && key_of(s.id) == key) return s.id;
    }
  }

  // Whether `id` is stored under `hash` (reads no key: for a check that the caller's key, whose
  // hash this is, is the one stored under the ID, up to a 64-bit hash collision).
  bool Contains(uint64_t id, uint64_t hash) const {
    if (slots_.empty()) return false;
    for (size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Slot& s = slots_[at];
      if (s.id == 0) return false;
      if (s.hash == hash && s.id == id) return true;
    }
  }

  // Adds `id` under `hash`. REQUIRES: id != 0 and no stored ID has the same key.
  void Insert(uint64_t id, uint64_t hash);

  // Removes the ID whose key is `key`; false when there is none.
  template <class KeyOf>
  bool Erase(std::string_view key, uint64_t hash, const KeyOf& key_of) {
    if (slots_.empty()) return false;
    for (size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Slot& s = slots_[at];
      if (s.id == 0) return false;
      if (s.hash == hash && key_of(s.id) == key) {
        EraseSlot(at);
        return true;
      }
    }
  }

  // Makes room for `n` entries in all without growing again.
  void Reserve(size_t n);
  // Removes every entry (and frees the slots).
  void Clear() {
    slots_.clear();
    slots_.shrink_to_fit();
    mask_ = 0;
    size_ = 0;
  }
  size_t size() const { return size_; }
  // Heap bytes of the slots.
  size_t MemoryBytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint64_t id = 0;  // 0: empty
  };
  // The table grows past 3/4 full.
  static bool TooFull(size_t entries, size_t slots) { return entries * 4 > slots * 3; }
  void Rehash(size_t slot_count);
  void Place(const Slot& s);  // into a table known to have room, without counting
  void EraseSlot(size_t at);  // backward-shift deletion

  std::vector<Slot> slots_;  // a power of two, or empty
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace strata
