#include "segment_series_index.h"

namespace strata {

void SegmentSeriesIndex::Reserve(size_t series, size_t key_bytes, size_t blocks) {
  entries_.reserve(series);
  places_.reserve(series);
  keys_.reserve(key_bytes);
  blocks_.reserve(blocks);
}

size_t SegmentSeriesIndex::Add(uint64_t id, std::string_view key_head, std::string_view key_tail,
                               ValueType type) {
  places_.push_back(
      Place{keys_.size(), static_cast<uint32_t>(key_head.size() + key_tail.size()), 0, 0});
  keys_.insert(keys_.end(), key_head.begin(), key_head.end());
  keys_.insert(keys_.end(), key_tail.begin(), key_tail.end());
  SeriesIndexEntry& e = entries_.emplace_back();
  e.id = id;
  e.type = type;
  e.section_offset = 0;
  e.point_count = 0;
  e.min_time = 0;
  e.max_time = 0;
  return entries_.size() - 1;
}

size_t SegmentSeriesIndex::AddBlocks(size_t s, size_t n) {
  Place& p = places_[s];
  p.block_begin = blocks_.size();
  p.block_count = static_cast<uint32_t>(n);
  blocks_.resize(blocks_.size() + n, BlockRef{});
  return p.block_begin;
}

std::string_view SegmentSeriesIndex::Key(size_t s) const {
  if (places_.empty()) return entries_[s].key;
  return std::string_view(keys_.data() + places_[s].key_begin, places_[s].key_size);
}

BlockSpan SegmentSeriesIndex::Blocks(size_t s) const {
  if (places_.empty()) return entries_[s].blocks;
  return BlockSpan(blocks_.data() + places_[s].block_begin, places_[s].block_count);
}

namespace {

// Gives back a buffer's spare capacity when it is more than an eighth of its size (shrinking
// copies the buffer; a little slack is cheaper than that copy and its page faults).
template <class T>
void TrimSlack(std::vector<T>* v) {
  if (v->capacity() - v->size() > v->size() / 8) v->shrink_to_fit();
}

}  // namespace

void SegmentSeriesIndex::Finish() {
  TrimSlack(&keys_);
  TrimSlack(&blocks_);
  TrimSlack(&entries_);
  TrimSlack(&stats_);
  for (size_t s = 0; s < entries_.size(); s++) {
    entries_[s].key = Key(s);
    entries_[s].blocks = Blocks(s);
  }
  std::vector<Place>().swap(places_);  // (assigning {} would keep its capacity)
}

size_t SegmentSeriesIndex::MemoryBytes() const {
  return entries_.capacity() * sizeof(SeriesIndexEntry) + keys_.capacity() +
         blocks_.capacity() * sizeof(BlockRef) + stats_.capacity() * sizeof(BlockStats) +
         places_.capacity() * sizeof(Place);
}

}  // namespace strata
