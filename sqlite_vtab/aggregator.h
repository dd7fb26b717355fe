// The fold of the aggregate view (aggregate.h): points of the fields a statement reads, added tag
// set by tag set in any order, are folded into one group per (tag set, bucket), and the groups
// become the view's rows. Points come in pieces (a call of AddNumbers, or a block summary of
// AddSummary, strata.h): a REAL sum adds each piece's sum, itself added up in time order from 0.0,
// so that a block summarized and the same block's points give the same bits. INTEGER sums are
// exact. An Aggregator borrows the table's schema and the view's arguments, and is used by one
// thread for one xFilter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "aggregate.h"
#include "convert.h"
#include "row.h"
#include "strata.h"
#include "table_args.h"

namespace strata_sql {

// A 128-bit integer (GCC and Clang; __extension__ keeps -Wpedantic quiet).
__extension__ typedef __int128 Int128;

class Aggregator {
 public:
  // `read`: the fields whose points are added (the only ones aggregated). Borrows all three.
  Aggregator(const Schema& schema, const AggregateSpec& agg, const std::vector<size_t>& read);

  // Makes `ts` the tag set of the points added next.
  void SetTagSet(const std::shared_ptr<const RowTagSet>& ts);
  // Makes the tag set keyed `order` (tag-set key + "#") current when it is known; false when it is
  // not (then call SetTagSet), which spares building a RowTagSet for each further field.
  bool SelectTagSet(const std::string& order);

  // Points [0, n) of field j, times ascending. values: doubles for STRATA_FLOAT, int64_t for
  // STRATA_INT / STRATA_BOOL; strings (STRATA_STRING) are added one by one with AddString.
  void AddNumbers(int j, int type, const int64_t* times, const void* values, size_t n);
  void AddString(int j, int64_t time, std::string_view v);
  // A whole block of field j (of `type`, not STRATA_STRING) lying inside one group, as its summary.
  void AddSummary(int j, int type, const strata_block_summary& s);

  // Appends the groups' rows to *out in (tag-set key, time) order. False with *err (an INTEGER sum
  // that overflowed).
  bool Finish(RowBuffer* out, std::string* err);

 private:
  // The running aggregate of one field in one group.
  struct Acc {
    int64_t count = 0;
    int64_t first_time = 0, last_time = 0;
    double fsum = 0;        // sum of REAL values: the pieces' sums, in time order
    Int128 isum = 0;      // exact sum of INTEGER / BOOLEAN values
    bool overflow = false;  // a running int64 sum of them would have overflowed
    Value pick;             // min, max, first or last so far (type 0: none yet)
  };
  // Bucket start (0 without `every`) -> per field.
  using Groups = std::map<int64_t, std::vector<Acc>>;
  struct TagSetGroups {
    std::shared_ptr<const RowTagSet> tagset;
    Groups groups;
  };

  bool Picks() const;
  // The accumulators of the group holding `time`; *end receives the end of its bucket
  // (exclusive), or *unbounded is set when the bucket reaches past the largest time.
  std::vector<Acc>& Group(int64_t time, int64_t* end, bool* unbounded);
  static void Count(Acc& a, int64_t first, int64_t last, size_t n);
  // Folds points [i, stop) of one group: T is double for STRATA_FLOAT, int64_t for STRATA_INT and
  // STRATA_BOOL (`type`), whose sum is also kept exactly.
  template <class T>
  void Fold(Acc& a, int type, const int64_t* times, const T* v, size_t i, size_t stop);
  // The result of field j over a group.
  bool Result(size_t j, Acc& a, Value* out, std::string* err) const;

  const Schema& schema_;
  const AggregateSpec& agg_;
  const std::vector<size_t>& read_;  // slot k of a group aggregates field read_[k]
  std::vector<size_t> slot_;         // field -> slot
  std::unordered_map<std::string, TagSetGroups> tagsets_;  // by tag-set key + "#"
  Groups* current_ = nullptr;           // the groups of the current tag set
  std::vector<Acc>* cached_ = nullptr;  // ... and the group of cached_start_
  int64_t cached_start_ = 0;
};

}  // namespace strata_sql
