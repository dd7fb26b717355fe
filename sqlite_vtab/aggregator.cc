#include "aggregator.h"

#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "strata.h"
#include "time_bucket.h"

namespace strata_sql {
namespace {

__extension__ typedef unsigned __int128 UInt128;

bool OutsideInt64(Int128 v) { return v < INT64_MIN || v > INT64_MAX; }

Int128 Join(int64_t hi, uint64_t lo) {
  return static_cast<Int128>((static_cast<UInt128>(static_cast<uint64_t>(hi)) << 64) | lo);
}

}  // namespace

Aggregator::Aggregator(const Schema& schema, const AggregateSpec& agg,
                       const std::vector<size_t>& read)
    : schema_(schema), agg_(agg), read_(read), slot_(schema.fields.size(), 0) {
  for (size_t k = 0; k < read.size(); k++) slot_[read[k]] = k;
}

void Aggregator::SetTagSet(const std::shared_ptr<const RowTagSet>& ts) {
  auto [it, added] = tagsets_.try_emplace(ts->order);
  if (added) it->second.tagset = ts;
  current_ = &it->second.groups;
  cached_ = nullptr;
}

bool Aggregator::SelectTagSet(const std::string& order) {
  auto it = tagsets_.find(order);
  if (it == tagsets_.end()) return false;
  current_ = &it->second.groups;
  cached_ = nullptr;
  return true;
}

void Aggregator::AddNumbers(int j, int type, const int64_t* times, const void* values, size_t n) {
  size_t i = 0;
  while (i < n) {
    int64_t end = 0;
    bool unbounded = false;
    Acc& a = Group(times[i], &end, &unbounded)[slot_[j]];
    const size_t stop = agg_.every.empty() || unbounded
                            ? n
                            : std::lower_bound(times + i, times + n, end) - times;
    if (type == STRATA_FLOAT) {
      Fold(a, type, times, static_cast<const double*>(values), i, stop);
    } else {
      Fold(a, type, times, static_cast<const int64_t*>(values), i, stop);
    }
    i = stop;
  }
}

void Aggregator::AddString(int j, int64_t time, std::string_view v) {
  int64_t end = 0;
  bool unbounded = false;
  Acc& a = Group(time, &end, &unbounded)[slot_[j]];
  Count(a, time, time, 1);
  const bool take = a.pick.type == 0 || agg_.fn == AggregateFn::kLast ||
                    (agg_.fn == AggregateFn::kMin && v < std::string_view(a.pick.s)) ||
                    (agg_.fn == AggregateFn::kMax && v > std::string_view(a.pick.s));
  if (take && Picks()) {
    a.pick.type = STRATA_STRING;
    a.pick.s.assign(v);
  }
}

void Aggregator::AddSummary(int j, int type, const strata_block_summary& s) {
  int64_t end = 0;
  bool unbounded = false;
  Acc& a = Group(s.first_time, &end, &unbounded)[slot_[j]];
  const bool had = a.count > 0;
  Count(a, s.first_time, s.last_time, static_cast<size_t>(s.count));
  const bool real = type == STRATA_FLOAT;
  switch (agg_.fn) {
    case AggregateFn::kSum:
    case AggregateFn::kMean:
      if (real) {
        a.fsum += s.sum_f;
      } else {
        // Adding the block point by point overflows where some prefix sum does.
        a.overflow = a.overflow || OutsideInt64(a.isum + Join(s.min_prefix_hi, s.min_prefix_lo)) ||
                     OutsideInt64(a.isum + Join(s.max_prefix_hi, s.max_prefix_lo));
        a.isum += Join(s.sum_hi, s.sum_lo);
      }
      break;
    case AggregateFn::kMin:
    case AggregateFn::kMax: {
      const bool min = agg_.fn == AggregateFn::kMin;
      a.pick.type = type;
      if (real) {
        const double v = min ? s.min_f : s.max_f;
        a.pick.f = !had ? v : min ? std::min(a.pick.f, v) : std::max(a.pick.f, v);
      } else {
        const int64_t v = min ? s.min_i : s.max_i;
        a.pick.i = !had ? v : min ? std::min(a.pick.i, v) : std::max(a.pick.i, v);
      }
      break;
    }
    case AggregateFn::kFirst:
    case AggregateFn::kLast:
      if (agg_.fn == AggregateFn::kLast || !had) {
        const bool last = agg_.fn == AggregateFn::kLast;
        a.pick.type = type;
        if (real) {
          a.pick.f = last ? s.last_f : s.first_f;
        } else {
          a.pick.i = last ? s.last_i : s.first_i;
        }
      }
      break;
    case AggregateFn::kCount: break;
  }
}

bool Aggregator::Finish(RowBuffer* out, std::string* err) {
  std::vector<TagSetGroups*> sorted;
  for (auto& [order, ts] : tagsets_) sorted.push_back(&ts);
  std::sort(sorted.begin(), sorted.end(), [](const TagSetGroups* a, const TagSetGroups* b) {
    return a->tagset->order < b->tagset->order;
  });
  for (TagSetGroups* ts : sorted) {
    for (auto& [start, accs] : ts->groups) {
      Row row;
      row.tagset = ts->tagset;
      row.fields.resize(schema_.fields.size());
      bool any = false;
      for (size_t k = 0; k < accs.size(); k++) {
        const size_t j = read_[k];
        Acc& a = accs[k];
        if (a.count > 0) {
          const int64_t t = agg_.fn == AggregateFn::kLast ? a.last_time : a.first_time;
          row.time = !any                          ? t
                     : agg_.fn == AggregateFn::kLast ? std::max(row.time, t)
                                                     : std::min(row.time, t);
          any = true;
        }
        if (!Result(j, a, &row.fields[j], err)) return false;
      }
      if (!agg_.every.empty()) row.time = start;
      if (any) out->Add(std::move(row));
    }
  }
  return true;
}

bool Aggregator::Picks() const {
  return agg_.fn == AggregateFn::kMin || agg_.fn == AggregateFn::kMax ||
         agg_.fn == AggregateFn::kFirst || agg_.fn == AggregateFn::kLast;
}

std::vector<Aggregator::Acc>& Aggregator::Group(int64_t time, int64_t* end, bool* unbounded) {
  int64_t start = 0;
  if (!agg_.every.empty()) *unbounded = !BucketOf(agg_.every, time, &start, end);
  if (cached_ == nullptr || cached_start_ != start) {
    auto [it, added] = current_->try_emplace(start);
    if (added) it->second.resize(read_.size());
    cached_ = &it->second;
    cached_start_ = start;
  }
  return *cached_;
}

void Aggregator::Count(Acc& a, int64_t first, int64_t last, size_t n) {
  if (a.count == 0) a.first_time = first;
  a.last_time = last;
  a.count += static_cast<int64_t>(n);
}

template <class T>
void Aggregator::Fold(Acc& a, int type, const int64_t* times, const T* v, size_t i, size_t stop) {
  constexpr bool kFloat = std::is_same_v<T, double>;
  const bool had = a.count > 0;
  Count(a, times[i], times[stop - 1], stop - i);
  T* pick = nullptr;
  if constexpr (kFloat) {
    pick = &a.pick.f;
  } else {
    pick = &a.pick.i;
  }
  switch (agg_.fn) {
    case AggregateFn::kSum:
    case AggregateFn::kMean:
      if constexpr (kFloat) {
        double sum = 0.0;
        for (size_t k = i; k < stop; k++) sum += v[k];
        a.fsum += sum;
      } else {
        for (size_t k = i; k < stop; k++) {
          a.isum += v[k];
          a.overflow = a.overflow || OutsideInt64(a.isum);
        }
      }
      break;
    case AggregateFn::kMin:
    case AggregateFn::kMax: {
      const bool min = agg_.fn == AggregateFn::kMin;
      T m = had ? *pick : v[i];
      for (size_t k = i; k < stop; k++) m = min ? std::min(m, v[k]) : std::max(m, v[k]);
      a.pick.type = type;
      *pick = m;
      break;
    }
    case AggregateFn::kFirst:
      if (!had) a.pick.type = type, *pick = v[i];
      break;
    case AggregateFn::kLast:
      a.pick.type = type;
      *pick = v[stop - 1];
      break;
    case AggregateFn::kCount: break;
  }
}

bool Aggregator::Result(size_t j, Acc& a, Value* out, std::string* err) const {
  const int type = schema_.field_types[j];
  *out = Value{};
  if (agg_.fn == AggregateFn::kCount) {
    out->type = STRATA_INT;
    out->i = a.count;
    return true;
  }
  if (a.count == 0) return true;
  switch (agg_.fn) {
    case AggregateFn::kSum:
      if (type == STRATA_FLOAT) {
        out->type = STRATA_FLOAT;
        out->f = a.fsum;
      } else if (type != STRATA_STRING) {
        if (a.overflow) {
          *err = "integer overflow in the sum of " + schema_.fields[j];
          return false;
        }
        out->type = STRATA_INT;
        out->i = static_cast<int64_t>(a.isum);
      }
      return true;
    case AggregateFn::kMean:
      if (type != STRATA_STRING) {
        out->type = STRATA_FLOAT;
        const double sum = type == STRATA_FLOAT ? a.fsum : static_cast<double>(a.isum);
        out->f = sum / static_cast<double>(a.count);
      }
      return true;
    default:
      *out = std::move(a.pick);
      return true;
  }
}

}  // namespace strata_sql
