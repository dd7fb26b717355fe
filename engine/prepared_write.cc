#include "prepared_write.h"

#include <algorithm>

namespace strata {
namespace {

// The catalog IDs of the batch's series with points (indexed like batch->series()); series that
// an earlier write of this batch resolved in this catalog keep theirs, the others are resolved
// (registered when new) and remembered by the batch.
Result<std::vector<uint64_t>> ResolveSeriesIds(WriteBatch* batch, Catalog* catalog) {
  const auto& series = batch->series();
  std::vector<uint64_t> ids(series.size());
  std::vector<SeriesSpec> specs;
  std::vector<size_t> unresolved;  // indexes into series
  for (size_t i = 0; i < series.size(); i++) {
    const WriteBatch::Series& s = series[i];
    if (s.points.empty()) continue;
    if (s.catalog_instance == catalog->instance()) {
      ids[i] = s.catalog_id;
      continue;
    }
    const WriteBatch::TagSet& ts = batch->tagsets()[s.tagset];
    specs.push_back(SeriesSpec{s.key, ts.measurement, ts.tags, s.field, s.points.type});
    unresolved.push_back(i);
  }
  if (specs.empty()) return ids;
  std::vector<uint64_t> resolved(specs.size());
  STRATA_RETURN_IF_ERROR(catalog->Resolve(specs, resolved.data()));
  for (size_t j = 0; j < unresolved.size(); j++) {
    ids[unresolved[j]] = resolved[j];
    batch->RememberCatalogId(unresolved[j], catalog->instance(), resolved[j]);
  }
  return ids;
}

}  // namespace

Result<std::unique_ptr<PreparedWrite>> PreparedWrite::Prepare(WriteBatch* batch, Catalog* catalog,
                                                              ShardRouter* router,
                                                              int64_t oldest_time,
                                                              ColumnPool* pool,
                                                              bool take_columns) {
  std::unique_ptr<PreparedWrite> p(new PreparedWrite());
  STRATA_RETURN_IF_ERROR(p->PrepareDeletes(*batch, *catalog));
  // Route first so that a refused point registers nothing in the catalog.
  STRATA_ASSIGN_OR_RETURN(const RoutedMap routed, p->Route(*batch, *router, oldest_time));
  if (!routed.empty()) {
    STRATA_ASSIGN_OR_RETURN(const std::vector<uint64_t> ids, ResolveSeriesIds(batch, catalog));
    STRATA_RETURN_IF_ERROR(p->Assemble(batch, routed, ids, router, pool, take_columns));
    p->points_ = batch->point_count();
  }
  if (!p->empty()) p->Encode();
#ifdef STRATA_CHECK_ENCODINGS
  if (!p->empty()) {
    if (Status s = CheckWriteRecord(p->payload_, p->deletes_, p->WalParts()); !s) {
      p->ReturnColumns(batch, pool);
      return unexpected(s.error());
    }
  }
#endif
  return p;
}

Status PreparedWrite::PrepareDeletes(const WriteBatch& batch, const Catalog& catalog) {
  for (const DeleteSpec& d : batch.deletes()) {
    DeleteRecord rec{d.measurement, d.min_time, d.max_time, {}};
    STRATA_ASSIGN_OR_RETURN(const std::vector<const SeriesInfo*> matched,
                            catalog.Match(d.measurement, d.tags, d.fields));
    for (const SeriesInfo* s : matched) {
      if (d.exact_tags && s->tags.size() != d.tags.size()) continue;
      rec.series_ids.push_back(s->id);
    }
    if (!rec.series_ids.empty()) deletes_.push_back(std::move(rec));
  }
  return OkStatus();
}

Result<PreparedWrite::RoutedMap> PreparedWrite::Route(const WriteBatch& batch,
                                                      const ShardRouter& router,
                                                      int64_t oldest_time) {
  RoutedMap routed;
  const auto& series = batch.series();
  for (size_t k = 0; k < series.size(); k++) {
    const WriteBatch::Series& s = series[k];
    if (s.points.empty()) continue;
    const std::string& m = batch.tagsets()[s.tagset].measurement;
    const auto [lo, hi] = std::minmax_element(s.points.times.begin(), s.points.times.end());
    if (*lo < oldest_time) {
      return unexpected(Error::Invalid(
          "time " + std::to_string(*lo) + " of series '" + s.key +
          (router.Routable(*lo) ? "' is older than the retention period"
                                : "' is outside the storable range")));
    }
    const int64_t first = router.WindowStart(*lo);
    if (first == router.WindowStart(*hi)) {
      routed[{m, first}].push_back(Routed{k, nullptr});
      continue;
    }
    std::map<int64_t, Column*> by_window;  // a series spanning windows is split
    for (size_t i = 0; i < s.points.size(); i++) {
      const int64_t w = router.WindowStart(s.points.times[i]);
      Column*& c = by_window[w];
      if (c == nullptr) {
        c = &split_.emplace_back();
        c->type = s.points.type;
        routed[{m, w}].push_back(Routed{k, c});
      }
      c->AppendFrom(s.points, i);
    }
  }
  return routed;
}

Status PreparedWrite::Assemble(WriteBatch* batch, const RoutedMap& routed,
                               const std::vector<uint64_t>& ids, ShardRouter* router,
                               ColumnPool* pool, bool take_columns) {
  // Every shard first: nothing is taken from the batch unless the write can be built.
  for (const auto& [key, list] : routed) {
    STRATA_ASSIGN_OR_RETURN(auto shard, router->GetOrCreate(key.first, key.second));
    parts_.push_back(Part{std::move(shard), {}});
  }
  size_t i = 0;
  for (const auto& [key, list] : routed) {
    Part& part = parts_[i++];
    part.series.reserve(list.size());
    for (const Routed& r : list) {
      const Column* points = r.own;
      if (points == nullptr && take_columns) points = Take(batch, r.batch_series, pool);
      if (points == nullptr) {
        points = &batch->series()[r.batch_series].points;
        borrowed_++;
      }
      part.series.push_back(SeriesPoints{ids[r.batch_series], points});
    }
  }
  return OkStatus();
}

Column* PreparedWrite::Take(WriteBatch* batch, size_t series, ColumnPool* pool) {
  taken_from_.push_back(series);
  return &taken_.emplace_back(batch->TakePoints(series, pool->Get()));
}

std::vector<WritePart> PreparedWrite::WalParts() const {
  std::vector<WritePart> wal_parts;
  wal_parts.reserve(parts_.size());
  for (const Part& part : parts_) {
    wal_parts.push_back(WritePart{part.shard->measurement(), part.shard->window_start(),
                                  part.series});
  }
  return wal_parts;
}

void PreparedWrite::Encode() { EncodeWriteRecord(deletes_, WalParts(), &payload_); }

void PreparedWrite::ReturnColumns(WriteBatch* batch, ColumnPool* pool) {
  std::vector<Column> spares;
  for (size_t i = 0; i < taken_.size(); i++) {
    spares.push_back(batch->RestorePoints(taken_from_[i], std::move(taken_[i])));
  }
  taken_.clear();
  taken_from_.clear();
  pool->Return(spares);
}

}  // namespace strata
