// The payloads of the engine's WAL records (the record framing, CRC and LSN are wal_format.h's).
// The WAL is one log per data directory, so a batch that spans shards is one record and commits
// atomically: it is there whole after a crash, or not at all.
//
//   kWrite payload:  [delete count varint] then per delete: [varint length][delete record, below]
//                    [part count varint] then per shard part:
//                      [measurement: varint length + bytes][window start: zigzag varint]
//                      [series count varint] then per series:
//                        [series id varint][value type u8][point count varint]
//                        [varint length][the points in the packed block encoding, packed_codec.h]
//   delete record:   [measurement: varint length + bytes][min time: zigzag][max time: zigzag]
//                    [series count varint][series id varint]...
// A record's deletes apply before its points.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "point.h"
#include "result.h"

namespace strata {

struct SeriesPoints {
  uint64_t id;
  const Column* points;  // not owned; sorted or not
};

struct WritePart {
  std::string measurement;
  int64_t window_start;
  std::vector<SeriesPoints> series;
};

struct DeleteRecord {
  std::string measurement;
  int64_t min_time;
  int64_t max_time;
  std::vector<uint64_t> series_ids;
};

void EncodeWriteRecord(std::span<const DeleteRecord> deletes, std::span<const WritePart> parts,
                       std::string* out);

// Owns the columns that the parts' SeriesPoints point into.
struct DecodedWrite {
  std::vector<DeleteRecord> deletes;
  std::vector<WritePart> parts;
  std::vector<std::unique_ptr<Column>> columns;
};
// False when the payload is malformed (never over-reads).
[[nodiscard]] bool DecodeWriteRecord(std::string_view payload, DecodedWrite* out);

// Decodes `payload` and compares it with the deletes and parts it was encoded from: Internal,
// saying what differs, when it does not decode to exactly them. Debug and sanitizer builds check
// every record the engine writes (STRATA_CHECK_ENCODINGS); tests check shaped data in every build.
[[nodiscard]] Status CheckWriteRecord(std::string_view payload, std::span<const DeleteRecord> deletes,
                                      std::span<const WritePart> parts);

}  // namespace strata
