#include "row.h"

#include <xxhash.h>

namespace strata_sql {

size_t TextHash::operator()(std::string_view text) const {
  return static_cast<size_t>(XXH3_64bits(text.data(), text.size()));
}

RowTagSet::RowTagSet(std::string order_in, std::vector<Tag> tags_in,
                     const std::vector<std::string>& declared)
    : order(std::move(order_in)), tags(std::move(tags_in)), by_column(declared.size(), -1) {
  for (size_t c = 0; c < declared.size(); c++) {
    for (size_t k = 0; k < tags.size(); k++) {
      if (tags[k].key == declared[c]) by_column[c] = static_cast<int>(k);
    }
  }
}

Row& RowBuffer::Add(size_t nfields) {
  if (size_ == rows_.size()) rows_.emplace_back();
  Row& row = rows_[size_++];
  row.time = 0;
  row.tagset.reset();
  row.fields.resize(nfields);
  for (Value& v : row.fields) v.type = 0;
  return row;
}

}  // namespace strata_sql
