#include "wal_entry.h"

#include <memory>

#include "coding.h"
#include "packed_codec.h"

namespace strata {


namespace {

void EncodeDeleteRecord(const DeleteRecord& rec, std::string* out) {
  PutLengthPrefixed(out, rec.measurement);
  PutVarsint64(out, rec.min_time);
  PutVarsint64(out, rec.max_time);
  PutVarint64(out, rec.series_ids.size());
  for (uint64_t id : rec.series_ids) PutVarint64(out, id);
}

bool DecodeDeleteRecord(std::string_view payload, DeleteRecord* out) {
  Decoder d(payload);
  std::string_view m;
  uint64_t n;
  if (!d.GetLengthPrefixed(&m) || !d.GetVarsint64(&out->min_time) ||
      !d.GetVarsint64(&out->max_time) || !d.GetVarint64(&n) || n > d.remaining()) {
    return false;
  }
  out->measurement = std::string(m);
  out->series_ids.resize(n);
  for (uint64_t i = 0; i < n; i++) {
    if (!d.GetVarint64(&out->series_ids[i])) return false;
  }
  return d.remaining() == 0;
}

}  // namespace

void EncodeWriteRecord(std::span<const DeleteRecord> deletes, std::span<const WritePart> parts,
                       std::string* out) {
  PutVarint64(out, deletes.size());
  std::string rec;
  for (const DeleteRecord& d : deletes) {
    rec.clear();
    EncodeDeleteRecord(d, &rec);
    PutLengthPrefixed(out, rec);
  }
  size_t bytes = 16;
  for (const WritePart& p : parts) {
    bytes += p.measurement.size() + 32;
    for (const SeriesPoints& s : p.series) bytes += 24 + s.points->size() * 4;
  }
  out->reserve(out->size() + bytes);
  std::string packed;
  PutVarint64(out, parts.size());
  for (const WritePart& p : parts) {
    PutLengthPrefixed(out, p.measurement);
    PutVarsint64(out, p.window_start);
    PutVarint64(out, p.series.size());
    for (const SeriesPoints& s : p.series) {
      const Column& c = *s.points;
      PutVarint64(out, s.id);
      PutFixed8(out, static_cast<uint8_t>(c.type));
      PutVarint64(out, c.size());
      packed.clear();
      EncodePacked(c, 0, c.size(), &packed);
      PutLengthPrefixed(out, packed);
    }
  }
}

bool DecodeWriteRecord(std::string_view payload, DecodedWrite* out) {
  Decoder d(payload);
  out->deletes.clear();
  out->parts.clear();
  out->columns.clear();
  uint64_t ndeletes;
  if (!d.GetVarint64(&ndeletes) || ndeletes > payload.size()) return false;
  for (uint64_t i = 0; i < ndeletes; i++) {
    std::string_view rec;
    if (!d.GetLengthPrefixed(&rec) || !DecodeDeleteRecord(rec, &out->deletes.emplace_back())) {
      return false;
    }
  }
  uint64_t nparts;
  if (!d.GetVarint64(&nparts) || nparts > payload.size()) return false;
  for (uint64_t i = 0; i < nparts; i++) {
    WritePart part;
    std::string_view m;
    uint64_t nseries;
    if (!d.GetLengthPrefixed(&m) || !d.GetVarsint64(&part.window_start) ||
        !d.GetVarint64(&nseries) || nseries > d.remaining()) {
      return false;
    }
    part.measurement = std::string(m);
    for (uint64_t j = 0; j < nseries; j++) {
      uint64_t id, count;
      uint8_t type;
      std::string_view packed;
      if (!d.GetVarint64(&id) || !d.GetFixed8(&type) || !IsValidValueType(type) ||
          !d.GetVarint64(&count) || !d.GetLengthPrefixed(&packed)) {
        return false;
      }
      auto col = std::make_unique<Column>();
      col->type = static_cast<ValueType>(type);
      if (!DecodePacked(col->type, packed, count, col.get())) return false;
      part.series.push_back(SeriesPoints{id, col.get()});
      out->columns.push_back(std::move(col));
    }
    out->parts.push_back(std::move(part));
  }
  return d.remaining() == 0;
}

Status CheckWriteRecord(std::string_view payload, std::span<const DeleteRecord> deletes,
                        std::span<const WritePart> parts) {
  auto differs = [](const std::string& what) {
    return unexpected(Error::Internal("a WAL write record does not decode to what it was encoded "
                                      "from: " + what));
  };
  DecodedWrite got;
  if (!DecodeWriteRecord(payload, &got)) return differs("it does not decode");
  if (got.deletes.size() != deletes.size() || got.parts.size() != parts.size()) {
    return differs("other numbers of deletes or parts");
  }
  for (size_t i = 0; i < deletes.size(); i++) {
    const DeleteRecord &a = deletes[i], &b = got.deletes[i];
    if (a.measurement != b.measurement || a.min_time != b.min_time || a.max_time != b.max_time ||
        a.series_ids != b.series_ids) {
      return differs("delete " + std::to_string(i));
    }
  }
  for (size_t i = 0; i < parts.size(); i++) {
    const WritePart &a = parts[i], &b = got.parts[i];
    if (a.measurement != b.measurement || a.window_start != b.window_start ||
        a.series.size() != b.series.size()) {
      return differs("part " + std::to_string(i));
    }
    for (size_t j = 0; j < a.series.size(); j++) {
      const Column &x = *a.series[j].points, &y = *b.series[j].points;
      if (a.series[j].id != b.series[j].id || x.type != y.type || x.times != y.times ||
          x.nums != y.nums || x.strs != y.strs) {
        return differs("series " + std::to_string(a.series[j].id) + " of part " +
                       std::to_string(i));
      }
    }
  }
  return OkStatus();
}

}  // namespace strata
