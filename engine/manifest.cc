#include "manifest.h"

#include <algorithm>
#include <cstdio>

#include "coding.h"
#include "crc32.h"

namespace strata {
namespace {

// "STRATAMF" read as a little-endian u64.
constexpr uint64_t kManifestMagic = 0x464d415441525453ull;
constexpr uint32_t kManifestVersion = 1;
constexpr size_t kPrefixSize = 8 + 4;
constexpr size_t kCrcSize = 4;
constexpr size_t kMaxFileNameBytes = 255;
// Smallest encodings, to bound counts by the bytes left before reserving.
constexpr size_t kMinSegmentBytes = 9;
constexpr size_t kMinTombstoneBytes = 4;

bool IsPlainFileName(std::string_view name) {
  return !name.empty() && name.size() <= kMaxFileNameBytes && name != "." && name != ".." &&
         name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

// Empty when `m` satisfies the invariants of manifest.h, else what is wrong.
std::string CheckInvariants(const Manifest& m) {
  std::vector<uint64_t> ids;
  ids.reserve(m.segments.size());
  for (const ManifestSegment& s : m.segments) {
    const std::string which = "segment " + std::to_string(s.id) + ": ";
    if (s.id >= m.next_segment_id) return which + "id not below next_segment_id";
    if (!IsPlainFileName(s.file)) return which + "bad file name";
    if (s.level < 0 || s.level >= kMaxLevels) return which + "bad level " + std::to_string(s.level);
    ids.push_back(s.id);
  }
  std::sort(ids.begin(), ids.end());
  if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) return "duplicate segment id";
  for (const Tombstone& t : m.tombstones) {
    if (t.min_time > t.max_time) {
      return "tombstone of series " + std::to_string(t.series_id) + " has an empty time range";
    }
  }
  return {};
}

}  // namespace

std::string SegmentFileName(uint64_t id) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "seg-%016llx.sst", static_cast<unsigned long long>(id));
  return buf;
}

Status WriteManifest(Env* env, const std::string& path, const Manifest& m) {
  if (std::string why = CheckInvariants(m); !why.empty()) {
    return unexpected(Error::Invalid("manifest " + path + ": " + why));
  }
  std::string b;
  b.reserve(64 + m.segments.size() * 48 + m.tombstones.size() * 24);
  PutFixed64(&b, kManifestMagic);
  PutFixed32(&b, kManifestVersion);
  PutVarint64(&b, m.flushed_lsn);
  PutVarint64(&b, m.next_segment_id);
  PutVarint64(&b, m.segments.size());
  for (const ManifestSegment& s : m.segments) {
    PutVarint64(&b, s.id);
    PutLengthPrefixed(&b, s.file);
    PutVarint64(&b, static_cast<uint64_t>(s.level));
    PutVarsint64(&b, s.min_time);
    PutVarsint64(&b, s.max_time);
    PutVarint64(&b, s.max_lsn);
    PutVarint64(&b, s.point_count);
    PutVarint64(&b, s.file_bytes);
  }
  PutVarint64(&b, m.tombstones.size());
  for (const Tombstone& t : m.tombstones) {
    PutVarint64(&b, t.series_id);
    PutVarsint64(&b, t.min_time);
    PutVarsint64(&b, t.max_time);
    PutVarint64(&b, t.lsn);
  }
  PutFixed32(&b, Crc32(b));
  return env->WriteFileAtomically(path, b);
}

Result<Manifest> ReadManifest(Env* env, const std::string& path) {
  if (!env->FileExists(path)) return unexpected(Error::NotFound("manifest " + path + " not found"));
  STRATA_ASSIGN_OR_RETURN(std::string data, env->ReadFile(path));
  auto corrupt = [&](uint64_t offset, const std::string& what) {
    return unexpected(Error::Corrupt(path, offset, "manifest: " + what));
  };
  if (data.size() < kPrefixSize + kCrcSize) return corrupt(data.size(), "file too short");
  if (DecodeFixed64(data.data()) != kManifestMagic) return corrupt(0, "bad magic");
  const size_t body = data.size() - kCrcSize;
  if (DecodeFixed32(data.data() + body) != Crc32(data.data(), body)) {
    return corrupt(body, "checksum mismatch");
  }
  const uint32_t version = DecodeFixed32(data.data() + 8);
  if (version != kManifestVersion) {
    return corrupt(8, "unsupported version " + std::to_string(version));
  }

  Decoder d(data.data() + kPrefixSize, body - kPrefixSize);
  auto at = [&] { return static_cast<uint64_t>(d.position() - data.data()); };
  Manifest m;
  uint64_t count;
  if (!d.GetVarint64(&m.flushed_lsn) || !d.GetVarint64(&m.next_segment_id) ||
      !d.GetVarint64(&count) || count > d.remaining() / kMinSegmentBytes) {
    return corrupt(at(), "bad header fields");
  }
  m.segments.resize(count);
  for (ManifestSegment& s : m.segments) {
    std::string_view file;
    uint64_t level;
    if (!d.GetVarint64(&s.id) || !d.GetLengthPrefixed(&file) || !d.GetVarint64(&level) ||
        level >= kMaxLevels || !d.GetVarsint64(&s.min_time) || !d.GetVarsint64(&s.max_time) ||
        !d.GetVarint64(&s.max_lsn) || !d.GetVarint64(&s.point_count) ||
        !d.GetVarint64(&s.file_bytes)) {
      return corrupt(at(), "bad segment entry");
    }
    s.file = file;
    s.level = static_cast<int>(level);
  }
  if (!d.GetVarint64(&count) || count > d.remaining() / kMinTombstoneBytes) {
    return corrupt(at(), "bad tombstone count");
  }
  m.tombstones.resize(count);
  for (Tombstone& t : m.tombstones) {
    if (!d.GetVarint64(&t.series_id) || !d.GetVarsint64(&t.min_time) ||
        !d.GetVarsint64(&t.max_time) || !d.GetVarint64(&t.lsn)) {
      return corrupt(at(), "bad tombstone entry");
    }
  }
  if (d.remaining() != 0) return corrupt(at(), "trailing bytes");
  if (std::string why = CheckInvariants(m); !why.empty()) return corrupt(0, why);
  return m;
}

}  // namespace strata
