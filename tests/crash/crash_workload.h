// The crash test's workload, shared by the writer child and the checking parent: which points batch
// n consists of, and how to delete them. Header-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "query_cursor.h"
#include "write_batch.h"

namespace strata::crash {

constexpr int64_t kDay = 86400LL * 1000000000LL;
constexpr int64_t kT0 = 1451606400LL * 1000000000LL;  // a day boundary
constexpr int kRowsPerBatch = 200;
constexpr int kHosts = 5;
constexpr char kMeasurement[] = "crash";

// Point j of batch n in shard `day` (0 or 1): unique per (n, j, day).
inline int64_t TimeOf(int64_t n, int j, int day) { return kT0 + day * kDay + n * kRowsPerBatch + j; }

// Besides "v" (the batch number), each row has fields of the shapes real data has (issue 13),
// each value a function of (n, j) alone, so that the parent can check every one: a string field
// that is constant, empty, alternating or unicode by batch (repeated strings compress to a few
// bytes a block), a counter, a gauge with two decimals and a boolean in runs.
inline constexpr const char* kShapedFields[] = {"s", "c", "g", "b"};

// The value of shaped field `field` (an index into kShapedFields) in row j of batch n.
inline FieldValue ShapedValue(int field, int64_t n, int j, std::string* str) {
  static const char* kUnicode[] = {"caf\xc3\xa9", "\xe6\x97\xa5\xe6\x9c\xac"};
  switch (field) {
    case 0:
      switch (n % 4) {
        case 0: *str = "ok"; break;
        case 1: *str = ""; break;
        case 2: *str = j % 2 == 0 ? "open" : "closed"; break;
        default: *str = kUnicode[(j / 20) % 2]; break;
      }
      return FieldValue{"s", ValueType::kString, 0, *str};
    case 1:
      return FieldValue{"c", ValueType::kInt, static_cast<uint64_t>(n * kRowsPerBatch + j), {}};
    case 2:
      return FieldValue{"g", ValueType::kFloat,
                        FloatBits(static_cast<double>((n * kRowsPerBatch + j) % 10000) / 100), {}};
    default:
      return FieldValue{"b", ValueType::kBool, static_cast<uint64_t>((j / 50) % 2), {}};
  }
}

// Every kNewSeriesEvery-th row of a batch goes to a tag set of its own (tag "batch" = n), so that
// each batch registers new series (one tag set: 5 series) besides writing to
// the kHosts known ones.
constexpr int kNewSeriesEvery = 40;
inline std::vector<Tag> TagsOf(int64_t n, int j) {
  std::vector<Tag> tags{{"host", "h" + std::to_string(j % kHosts)}};
  if (j % kNewSeriesEvery == 0) tags.insert(tags.begin(), Tag{"batch", std::to_string(n)});
  return tags;
}

inline void FillBatch(int64_t n, WriteBatch* batch) {
  std::string str;
  for (int day = 0; day < 2; day++) {
    for (int j = 0; j < kRowsPerBatch; j++) {
      const std::vector<Tag> tags = TagsOf(n, j);
      const int64_t t = TimeOf(n, j, day);
      (void)batch->AddInt(kMeasurement, tags, "v", t, n);
      for (int f = 0; f < 4; f++) {
        const FieldValue v = ShapedValue(f, n, j, &str);
        (void)batch->Add(kMeasurement, tags, v.key, t, v.type, v.num, v.str);
      }
    }
  }
}

// Deletes batch n's points in day 0 only (its time range there holds nothing else).
inline QueryRequest DeleteRequestFor(int64_t n) {
  QueryRequest q;
  q.measurement = kMeasurement;
  q.min_time = TimeOf(n, 0, 0);
  q.max_time = TimeOf(n, kRowsPerBatch - 1, 0);
  return q;
}

}  // namespace strata::crash
