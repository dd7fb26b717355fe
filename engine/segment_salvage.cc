#include "segment_salvage.h"

#include <algorithm>
#include <map>
#include <optional>

#include "block_codec.h"
#include "coding.h"
#include "crc32.h"
#include "row_group.h"
#include "segment_format.h"
#include "segment_index.h"
#include "segment_reader.h"
#include "series_key.h"

namespace strata {
namespace {

// The intact blocks of a segment whose index opened: every block is read on its own.
SegmentSalvage SalvageByIndex(const SegmentReader& reader) {
  SegmentSalvage out;
  for (const SeriesIndexEntry& e : reader.index()) {
    SalvagedSeries s{e.id, std::string(e.key), Column{}};
    s.points.type = e.type;
    for (size_t k = 0; k < e.blocks.size(); k++) {
      if (Status st = reader.ReadBlock(e, k, &s.points); !st) {
        const BlockRef& b = e.blocks[k];
        out.lost.push_back(
            LostData{std::string(e.key), b.min_time, b.max_time, b.count, st.error().ToString()});
      }
    }
    if (!s.points.empty()) out.series.push_back(std::move(s));
  }
  return out;
}

// Walks a segment's bytes, for a segment whose index cannot be used.
class SegmentWalk {
 public:
  SegmentWalk(std::string path, std::string data, int64_t min_time, int64_t max_time,
              uint64_t points)
      : path_(std::move(path)),
        data_(std::move(data)),
        min_time_(min_time),
        max_time_(max_time),
        points_(points) {}

  SegmentSalvage Run() {
    size_t pos = kHeaderSize;
    while (pos < data_.size()) {
      if (TrySection(pos)) continue;  // pos moved past what the section kept
      const size_t bad = pos;
      pos = NextSection(pos + 1);
      // The index and footer follow the last section: past its start nothing is lost.
      if (pos >= data_.size() && bad >= IndexStart()) break;
      out_.lost.push_back(LostData{"", min_time_, max_time_, 0,
                                   path_ + " bytes " + std::to_string(bad) + " to " +
                                       std::to_string(pos) + ": unreadable series"});
    }
    std::sort(out_.series.begin(), out_.series.end(),
              [](const SalvagedSeries& a, const SalvagedSeries& b) { return a.key < b.key; });
    uint64_t recovered = 0;
    for (const SalvagedSeries& s : out_.series) recovered += s.points.size();
    if (points_ != 0 && recovered == points_) {
      // Every point the manifest counts is here: what could not be read held none.
      std::erase_if(out_.lost, [](const LostData& l) { return l.series_key.empty(); });
    }
    return std::move(out_);
  }

 private:
  struct Section {
    uint64_t id;
    ValueType type;
    uint64_t count;
    std::string key;
    size_t end;  // of the header
  };
  struct Block {
    Column points;
    size_t end;
  };

  bool ParseSection(size_t pos, Section* s) const {
    if (data_.size() - pos < kSectionHeaderFixedSize) return false;
    const char* p = data_.data() + pos;
    const uint8_t type = static_cast<uint8_t>(p[8]);
    const uint32_t key_len = DecodeFixed32(p + 17);
    if (!IsValidValueType(type) || key_len == 0 || key_len > kMaxSeriesKeyBytes ||
        data_.size() - pos < kSectionHeaderFixedSize + key_len) {
      return false;
    }
    const size_t n = kSectionHeaderFixedSize + key_len;
    if (DecodeFixed32(p + n - 4) != Crc32(p, n - 4)) return false;
    *s = Section{DecodeFixed64(p), static_cast<ValueType>(type), DecodeFixed64(p + 9),
                 std::string(p + 21, key_len), pos + n};
    return ParseSeriesKey(s->key).has_value();
  }

  bool ParseBlock(size_t pos, ValueType type, Block* b) const {
    if (data_.size() - pos < kBlockHeaderSize + kBlockTrailerSize) return false;
    const char* p = data_.data() + pos;
    const uint32_t count = DecodeFixed32(p + 1);
    const uint32_t len = DecodeFixed32(p + 21);
    if (!IsKnownBlockEncoding(static_cast<uint8_t>(p[0])) || count == 0 ||
        count > kMaxBlockPoints || data_.size() - pos - kBlockHeaderSize - kBlockTrailerSize < len) {
      return false;
    }
    const size_t n = kBlockHeaderSize + len;
    if (DecodeFixed32(p + n) != Crc32(p, n)) return false;
    b->points = Column{};
    b->points.type = type;
    if (!DecodeBlock(static_cast<BlockEncoding>(p[0]), type, std::string_view(p + kBlockHeaderSize, len),
                     count, &b->points)) {
      return false;
    }
    const auto& t = b->points.times;
    if (t.front() != static_cast<int64_t>(DecodeFixed64(p + 5)) ||
        t.back() != static_cast<int64_t>(DecodeFixed64(p + 13)) ||
        !std::is_sorted(t.begin(), t.end()) ||
        std::adjacent_find(t.begin(), t.end()) != t.end()) {
      return false;
    }
    b->end = n + kBlockTrailerSize + pos;
    return true;
  }

  // Where the index starts, when the footer says so intact; else the end of the file (so that an
  // unreadable stretch up to the end is reported: it may have held a series).
  size_t IndexStart() const {
    if (data_.size() < kHeaderSize + kFooterSize) return data_.size();
    const char* f = data_.data() + data_.size() - kFooterSize;
    if (DecodeFixed64(f + kFooterSize - 8) != kSegmentMagic || DecodeFixed32(f + 52) != Crc32(f, 52)) {
      return data_.size();
    }
    return static_cast<size_t>(std::min<uint64_t>(DecodeFixed64(f + 32), data_.size()));
  }

  size_t NextSection(size_t pos) const {
    Section s;
    while (pos < data_.size() && !ParseSection(pos, &s)) pos++;
    return pos;
  }

  // Reads the section at `pos` and its blocks up to the first damaged one; false when no valid
  // section header is there. Moves `pos` past what it read. After a damaged block the rest of the
  // section is reported lost: without the index nothing proves that a later block that looks
  // valid belongs to this series and not to the next one, whose header may be the damage.
  bool TrySection(size_t& pos) {
    Section s;
    if (!ParseSection(pos, &s)) return false;
    pos = s.end;
    SalvagedSeries series{s.id, s.key, Column{}};
    series.points.type = s.type;
    Block b;
    while (series.points.size() < s.count && ParseBlock(pos, s.type, &b) &&
           (series.points.empty() || b.points.times.front() > series.points.times.back()) &&
           b.points.size() <= s.count - series.points.size()) {
      for (size_t i = 0; i < b.points.size(); i++) series.points.AppendFrom(b.points, i);
      pos = b.end;
    }
    if (series.points.size() < s.count) {
      const size_t next = NextSection(pos);
      out_.lost.push_back(LostData{
          s.key, series.points.empty() ? min_time_ : series.points.times.back() + 1, max_time_,
          s.count - series.points.size(),
          path_ + " bytes " + std::to_string(pos) + " to " + std::to_string(next) +
              ": damaged blocks of series '" + s.key + "'"});
      pos = next;
    }
    if (!series.points.empty()) out_.series.push_back(std::move(series));
    return true;
  }

  const std::string path_;
  const std::string data_;
  const int64_t min_time_, max_time_;
  const uint64_t points_;  // from the manifest; 0: unknown
  SegmentSalvage out_;
};

// The index of a format-2 segment whose footer may be damaged: it ends where the footer begins,
// and starts at the footer's index offset, or at the footer's index length before its end (one of
// them survives damage to the other). Accepted when its CRC matches the footer's, or, if the
// footer's own checksum fails (the CRC field may be the damage), when it parses; the parse checks
// that its row groups fill the data region exactly.
bool FindFormat2Index(const std::string& data, uint32_t format, SegmentSeriesIndex* entries) {
  if (data.size() < kHeaderSize + kFooterSize) return false;
  const size_t end = data.size() - kFooterSize;
  const char* f = data.data() + end;
  const bool footer_ok = DecodeFixed32(f + 52) == Crc32(f, 52);
  const uint64_t offset = DecodeFixed64(f + 32);
  const uint64_t length = DecodeFixed64(f + 40);
  for (uint64_t start : {offset, end - std::min<uint64_t>(length, end)}) {
    if (start < kHeaderSize || start > end) continue;
    const std::string_view index(data.data() + start, end - start);
    if (Crc32(index) != DecodeFixed32(f + 48) && footer_ok) continue;
    SegmentSeriesIndex parsed;  // salvage reads blocks, never their statistics
    std::string why;
    if (ParseSegmentIndex(index, kHeaderSize, start, format, &parsed, &why)) {
      *entries = std::move(parsed);
      return true;
    }
  }
  return false;
}

// Salvage of a format-2 segment that does not open: by its index, when that can be found, block by
// block; else, as its row groups name no series, the whole segment is reported lost. Nothing
// (nullopt) when the file is not of format 2.
std::optional<SegmentSalvage> SalvageFormat2(const std::string& path, const std::string& data,
                                             int64_t min_time, int64_t max_time, uint64_t points,
                                             const Error& why) {
  const bool header_ok = data.size() >= kHeaderSize &&
                         DecodeFixed64(data.data()) == kSegmentMagic &&
                         DecodeFixed32(data.data() + kHeaderSize - 4) ==
                             Crc32(data.data(), kHeaderSize - 4);
  if (header_ok && DecodeFixed32(data.data() + 8) == kSegmentFormatV1) return std::nullopt;
  // A damaged header may hide the version: then the index is tried in each form, newest first.
  const uint32_t version = header_ok ? DecodeFixed32(data.data() + 8) : 0;
  SegmentSeriesIndex entries;
  const bool found =
      version != 0 ? FindFormat2Index(data, version, &entries)
                   : FindFormat2Index(data, kSegmentFormatVersion, &entries) ||
                         FindFormat2Index(data, kSegmentFormatV4, &entries) ||
                         FindFormat2Index(data, kSegmentFormatV3, &entries) ||
                         FindFormat2Index(data, kSegmentFormatV2, &entries);
  if (!found) {
    if (!header_ok) return std::nullopt;  // maybe format 1 with a damaged header: walk it
    SegmentSalvage out;
    out.lost.push_back(LostData{"", min_time, max_time, points,
                                path + ": " + why.ToString() +
                                    " (a format-2 segment is unreadable without its index)"});
    return out;
  }
  SegmentSalvage out;
  for (const SeriesIndexEntry& e : entries.entries()) {
    SalvagedSeries s{e.id, std::string(e.key), Column{}};
    s.points.type = e.type;
    for (const BlockRef& b : e.blocks) {
      const size_t before = s.points.size();
      const RowGroupDamage damage =
          DecodeRowGroup(std::string_view(data.data() + b.offset, b.length), b.slots, b.slot,
                         e.type, b.count, b.min_time, &s.points);
      const auto& t = s.points.times;
      bool ok = damage == RowGroupDamage::kNone && t[before] == b.min_time &&
                t.back() == b.max_time && (before == 0 || t[before - 1] < t[before]);
      for (size_t i = before + 1; ok && i < t.size(); i++) ok = t[i - 1] < t[i];
      if (!ok) {
        s.points.times.resize(before);
        if (e.type == ValueType::kString) {
          s.points.strs.resize(std::min(s.points.strs.size(), before));
        } else {
          s.points.nums.resize(std::min(s.points.nums.size(), before));
        }
        out.lost.push_back(LostData{std::string(e.key), b.min_time, b.max_time, b.count,
                                    path + " offset " + std::to_string(b.offset) + ": " +
                                        (damage == RowGroupDamage::kNone
                                             ? "block times out of order or out of range"
                                             : RowGroupDamageText(damage))});
      }
    }
    if (!s.points.empty()) out.series.push_back(std::move(s));
  }
  return out;
}

}  // namespace

Result<SegmentSalvage> SalvageSegment(Env* env, const std::string& path, int64_t min_time,
                                      int64_t max_time, uint64_t points) {
  auto reader = SegmentReader::Open(env, path);
  if (reader) return SalvageByIndex(**reader);
  if (reader.error().code() != Code::kCorrupt) return unexpected(reader.error());
  STRATA_ASSIGN_OR_RETURN(std::string data, env->ReadFile(path));
  if (auto salvage = SalvageFormat2(path, data, min_time, max_time, points, reader.error())) {
    return *std::move(salvage);
  }
  return SegmentWalk(path, std::move(data), min_time, max_time, points).Run();
}

}  // namespace strata
