// Estimates of the heap that in-memory structures hold, for the memory figures of
// strata_stats_json (catalog, tag index, MemStores): the allocator's overhead per allocation and
// the size of a node of std::unordered_map as libstdc++ lays it out. Estimates, not measurements:
// they count what each structure allocates, so that a figure grows as the structure does.
#pragma once

#include <cstddef>
#include <string>

namespace strata {

// glibc malloc: a chunk header, and allocations rounded up to 16 bytes.
inline constexpr size_t kMallocOverhead = 16;

// One entry of an unordered_map/set whose value_type takes `value_bytes`: the node (next pointer,
// the value, the cached hash), its allocation, and a bucket pointer (load factor about 1).
constexpr size_t HashNodeBytes(size_t value_bytes) {
  return sizeof(void*) + value_bytes + sizeof(size_t) + kMallocOverhead + sizeof(void*);
}

// Heap bytes of a string beyond the object itself (none when its characters fit inside it).
inline size_t StringHeapBytes(const std::string& s) {
  return s.capacity() > std::string().capacity() ? s.capacity() + 1 + kMallocOverhead : 0;
}

}  // namespace strata
