// Per-thread scratch buffers of the segment encoders (row groups, column codecs): each flush or
// compaction thread keeps its buffers from block to block, so that encoding a block allocates
// nothing once they have grown to a block's size. A buffer that grew past kMaxKeptScratchBytes (a
// block of long strings can take megabytes) is released after use instead, so that no thread pins
// that much between flushes. Header-only; each buffer is a thread_local of its user.
#pragma once

#include <cstddef>

namespace strata {

inline constexpr size_t kMaxKeptScratchBytes = size_t{1} << 20;

// Frees *buffer's storage when it holds more than kMaxKeptScratchBytes. Buffer: std::string or
// std::vector.
template <class Buffer>
void TrimScratch(Buffer* buffer) {
  if (buffer->capacity() * sizeof(typename Buffer::value_type) > kMaxKeptScratchBytes) {
    Buffer().swap(*buffer);
  }
}

}  // namespace strata
