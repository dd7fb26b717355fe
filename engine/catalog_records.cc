// The payloads of the catalog log (engine/README.md 10.4): Catalog::DecodeRecords, EncodeRecord and
// EncodeSeriesRuns. Decoding treats a payload as untrusted: every count and size it declares is
// checked against the payload's own length or the format's limits before anything is allocated.
#include <algorithm>

#include "catalog.h"
#include "coding.h"
#include "packed_codec.h"
#include "zlib_compress.h"

namespace strata {
namespace {

// Catalog log records are Wal records of type kWrite whose payload starts with one of these.
constexpr uint8_t kFieldRecord = 'F';   // measurement, field (length-prefixed), type u8
constexpr uint8_t kSeriesRecord = 'S';  // id varint, key (length-prefixed), type u8
// A run of series with consecutive IDs first, first + 1, ...: first id varint, count varint, then
// per series key (length-prefixed), type u8.
constexpr uint8_t kSeriesRunRecord = 'N';
// The same run, compressed: first id varint, count varint, body form u8, body size varint, then
// the stored body. The body is count x (shared varint, suffix (length-prefixed), type u8): each
// key is the first `shared` bytes of the key before it followed by its suffix.
constexpr uint8_t kCompressedRunRecord = 'Z';
constexpr uint8_t kDropRecord = 'X';     // measurement (length-prefixed), through id varint
constexpr uint8_t kDeclareRecord = 'T';  // measurement, schema (both length-prefixed)
constexpr uint8_t kCheckpointRecord = 'C';  // last id varint, through lsn varint

// Forms of a 'Z' record's stored body.
constexpr uint8_t kBodyPlain = 0;  // the body itself
constexpr uint8_t kBodyZlib = 1;   // its zlib stream (at most kMaxZlibRatio times shorter)
// The smallest body worth trying zlib on: below it the stream's framing (6 bytes) and a block
// header eat what a few repeats could save.
constexpr size_t kMinZlibBody = 256;
// The fewest bytes a body gives one series: shared, suffix length and type.
constexpr size_t kMinBodyBytesPerSeries = 3;

Status Malformed(const std::string& what) {
  return unexpected(Error::Invalid("malformed catalog series record: " + what));
}

// Whether a run of `count` >= 1 series from ID `id` ends at or before ID 2^64 - 1, the largest a
// single series record holds.
bool RunFitsIds(uint64_t id, uint64_t count) { return count - 1 <= ~uint64_t{0} - id; }

// The records of a 'Z' payload after its kind byte.
Status DecodeCompressedRun(Decoder* d, std::vector<Catalog::Record>* out) {
  uint64_t id = 0, count = 0, size = 0;
  uint8_t form = 0;
  if (!d->GetVarint64(&id) || id == 0 || !d->GetVarint64(&count) || count == 0 ||
      !d->GetFixed8(&form) || !d->GetVarint64(&size)) {
    return Malformed("bad compressed run header");
  }
  if (!RunFitsIds(id, count)) return Malformed("series IDs past 2^64 - 1");
  if (form != kBodyPlain && form != kBodyZlib) {
    return Malformed("unknown body form " + std::to_string(form));
  }
  const std::string_view stored(d->position(), d->remaining());
  if (count > Catalog::kMaxRunRecordSeries) {
    return Malformed(std::to_string(count) + " series in one compressed run, more than " +
                     std::to_string(Catalog::kMaxRunRecordSeries));
  }
  if (size > Catalog::kMaxCompressedRunBytes) {
    return Malformed("compressed run body of " + std::to_string(size) + " bytes, more than " +
                     std::to_string(Catalog::kMaxCompressedRunBytes));
  }
  if (count > size / kMinBodyBytesPerSeries) {
    return Malformed(std::to_string(count) + " series in a body of " + std::to_string(size) +
                     " bytes");
  }
  std::string inflated;
  std::string_view body = stored;
  if (form == kBodyPlain) {
    if (size != stored.size()) {
      return Malformed("body of " + std::to_string(stored.size()) + " bytes declared as " +
                       std::to_string(size));
    }
  } else {
    if (size > kMaxZlibRatio * stored.size()) {
      return Malformed("body of " + std::to_string(size) + " bytes declared for a zlib stream of " +
                       std::to_string(stored.size()));
    }
    if (!ZlibUncompress(stored, static_cast<size_t>(size), &inflated)) {
      return Malformed("zlib stream does not decompress to its declared " + std::to_string(size) +
                       " bytes");
    }
    body = inflated;
  }
  Decoder b(body);
  out->reserve(static_cast<size_t>(count));
  size_t key_bytes = 0;
  std::string_view previous;
  for (uint64_t i = 0; i < count; i++) {
    uint64_t shared = 0;
    std::string_view suffix;
    uint8_t type = 0;
    if (!b.GetVarint64(&shared) || !b.GetLengthPrefixed(&suffix) || !b.GetFixed8(&type)) {
      return Malformed("body ends inside series " + std::to_string(i));
    }
    if (shared > previous.size()) {
      return Malformed("series " + std::to_string(i) + " shares " + std::to_string(shared) +
                       " bytes of a key of " + std::to_string(previous.size()));
    }
    if (!IsValidValueType(type)) {
      return Malformed("series " + std::to_string(i) + " has value type " + std::to_string(type));
    }
    key_bytes += static_cast<size_t>(shared) + suffix.size();
    if (key_bytes > Catalog::kMaxCompressedRunBytes) {
      return Malformed("keys of a compressed run add up to more than " +
                       std::to_string(Catalog::kMaxCompressedRunBytes) + " bytes");
    }
    std::string key;
    key.reserve(static_cast<size_t>(shared) + suffix.size());
    key.append(previous.substr(0, static_cast<size_t>(shared))).append(suffix);
    out->push_back(Catalog::Record::Series(id + i, std::move(key), static_cast<ValueType>(type)));
    previous = out->back().key;
  }
  if (b.remaining() != 0) {
    return Malformed(std::to_string(b.remaining()) + " bytes after the last series of the body");
  }
  return OkStatus();
}

// The 'N' payload of a run.
std::string PlainRun(uint64_t first_id, std::span<const Catalog::RunEntry> run, size_t size) {
  std::string payload;
  payload.reserve(size);
  PutFixed8(&payload, kSeriesRunRecord);
  PutVarint64(&payload, first_id);
  PutVarint64(&payload, run.size());
  for (const Catalog::RunEntry& e : run) {
    PutLengthPrefixed(&payload, e.key);
    PutFixed8(&payload, static_cast<uint8_t>(e.type));
  }
  return payload;
}

// The smallest payload of one run of at most kMaxRunRecordSeries series.
std::string EncodeRun(uint64_t first_id, std::span<const Catalog::RunEntry> run) {
  size_t plain_size = 1 + VarintLength(first_id) + VarintLength(run.size());
  size_t key_bytes = 0;
  for (const Catalog::RunEntry& e : run) {
    plain_size += VarintLength(e.key.size()) + e.key.size() + 1;
    key_bytes += e.key.size();
  }
  // A single series shares nothing: its 'N' form is smaller unless zlib finds repeats in its key.
  if (key_bytes > Catalog::kMaxCompressedRunBytes ||
      (run.size() == 1 && run[0].key.size() < kMinZlibBody)) {
    return PlainRun(first_id, run, plain_size);
  }
  std::string body;
  body.reserve(plain_size);
  std::string_view previous;
  for (const Catalog::RunEntry& e : run) {
    const size_t limit = std::min(previous.size(), e.key.size());
    const size_t shared = static_cast<size_t>(
        std::mismatch(e.key.begin(), e.key.begin() + limit, previous.begin()).first -
        e.key.begin());
    PutVarint64(&body, shared);
    PutLengthPrefixed(&body, e.key.substr(shared));
    PutFixed8(&body, static_cast<uint8_t>(e.type));
    previous = e.key;
  }
  if (body.size() > Catalog::kMaxCompressedRunBytes) return PlainRun(first_id, run, plain_size);
  std::string compressed;
  const bool zlib = body.size() >= kMinZlibBody &&
                    ZlibCompress(body, /*level=*/9, &compressed) &&
                    compressed.size() < body.size() &&
                    body.size() <= kMaxZlibRatio * compressed.size();
  const std::string_view stored = zlib ? std::string_view(compressed) : std::string_view(body);
  const size_t header = 1 + VarintLength(first_id) + VarintLength(run.size()) + 1 +
                        VarintLength(body.size());
  // A tie goes to 'N', which every build since it reads.
  if (header + stored.size() >= plain_size) return PlainRun(first_id, run, plain_size);
  std::string payload;
  payload.reserve(header + stored.size());
  PutFixed8(&payload, kCompressedRunRecord);
  PutVarint64(&payload, first_id);
  PutVarint64(&payload, run.size());
  PutFixed8(&payload, zlib ? kBodyZlib : kBodyPlain);
  PutVarint64(&payload, body.size());
  payload.append(stored);
  return payload;
}

}  // namespace

Status Catalog::DecodeRecords(std::string_view payload, std::vector<Record>* out) {
  out->clear();
  Decoder d(payload);
  uint8_t kind = 0, type = 0;
  if (!d.GetFixed8(&kind)) return unexpected(Error::Invalid("empty catalog record"));
  if (kind == kDropRecord || kind == kDeclareRecord) {
    Record r;
    std::string_view m, schema;
    const bool ok = d.GetLengthPrefixed(&m) && !m.empty() &&
                    (kind == kDropRecord ? d.GetVarint64(&r.series_id)
                                         : d.GetLengthPrefixed(&schema)) &&
                    d.remaining() == 0;
    if (!ok) {
      return unexpected(Error::Invalid(kind == kDropRecord ? "malformed catalog drop record"
                                                           : "malformed catalog declare record"));
    }
    r.kind = kind == kDropRecord ? Kind::kDrop : Kind::kDeclare;
    r.measurement = m;
    r.schema = schema;
    out->push_back(std::move(r));
    return OkStatus();
  }
  if (kind == kCheckpointRecord) {
    static_assert(kCheckpointRecord == static_cast<uint8_t>(kCheckpointRecordKind));
    Record r;
    r.kind = Kind::kCheckpoint;
    if (!d.GetVarint64(&r.series_id) || !d.GetVarint64(&r.through_lsn) || d.remaining() != 0) {
      return unexpected(Error::Invalid("malformed catalog checkpoint record"));
    }
    out->push_back(std::move(r));
    return OkStatus();
  }
  if (kind == kFieldRecord) {
    std::string_view m, f;
    if (!d.GetLengthPrefixed(&m) || !d.GetLengthPrefixed(&f) || !d.GetFixed8(&type) ||
        !IsValidValueType(type) || d.remaining() != 0) {
      return unexpected(Error::Invalid("malformed catalog field record"));
    }
    out->push_back(Record::Field(std::string(m), std::string(f), static_cast<ValueType>(type)));
    return OkStatus();
  }
  if (kind == kCompressedRunRecord) {
    Status s = DecodeCompressedRun(&d, out);
    if (!s) out->clear();
    return s;
  }
  if (kind != kSeriesRecord && kind != kSeriesRunRecord) {
    return unexpected(Error::Invalid("unknown catalog record kind " + std::to_string(kind)));
  }
  uint64_t id = 0, count = 1;
  if (!d.GetVarint64(&id) || id == 0 ||
      (kind == kSeriesRunRecord && (!d.GetVarint64(&count) || count == 0 ||
                                    count > d.remaining() || !RunFitsIds(id, count)))) {
    return unexpected(Error::Invalid("malformed catalog series record"));
  }
  for (uint64_t i = 0; i < count; i++) {
    std::string_view key;
    if (!d.GetLengthPrefixed(&key) || !d.GetFixed8(&type) || !IsValidValueType(type)) {
      return unexpected(Error::Invalid("malformed catalog series record"));
    }
    out->push_back(Record::Series(id + i, std::string(key), static_cast<ValueType>(type)));
  }
  if (d.remaining() != 0) return unexpected(Error::Invalid("malformed catalog series record"));
  return OkStatus();
}

std::string Catalog::EncodeRecord(const Record& r) {
  std::string payload;
  if (r.kind == Kind::kCheckpoint) {
    PutFixed8(&payload, kCheckpointRecord);
    PutVarint64(&payload, r.series_id);
    PutVarint64(&payload, r.through_lsn);
    return payload;
  }
  if (r.kind != Kind::kType) {
    PutFixed8(&payload, r.kind == Kind::kDrop ? kDropRecord : kDeclareRecord);
    PutLengthPrefixed(&payload, r.measurement);
    if (r.kind == Kind::kDrop) {
      PutVarint64(&payload, r.series_id);
    } else {
      PutLengthPrefixed(&payload, r.schema);
    }
    return payload;
  }
  if (r.series_id == 0) {
    PutFixed8(&payload, kFieldRecord);
    PutLengthPrefixed(&payload, r.measurement);
    PutLengthPrefixed(&payload, r.field);
  } else {
    PutFixed8(&payload, kSeriesRecord);
    PutVarint64(&payload, r.series_id);
    PutLengthPrefixed(&payload, r.key);
  }
  PutFixed8(&payload, static_cast<uint8_t>(r.type));
  return payload;
}

std::vector<std::string> Catalog::EncodeSeriesRuns(uint64_t first_id,
                                                   std::span<const RunEntry> run) {
  std::vector<std::string> payloads;
  for (size_t at = 0; at < run.size(); at += kMaxRunRecordSeries) {
    payloads.push_back(
        EncodeRun(first_id + at, run.subspan(at, std::min(kMaxRunRecordSeries, run.size() - at))));
  }
  return payloads;
}

}  // namespace strata
