#include "row_key.h"

#include <cstring>
#include <stdexcept>
#include <string_view>

#include "strata.h"

namespace strata_sql {

namespace {

// strata_series_key of (measurement, tags, field) into a string. Throws on failure (an internal
// error: the module's tag keys are unique).
std::string SeriesKey(const std::string& measurement, const std::vector<Tag>& tags,
                      const char* field) {
  std::vector<strata_tag> ctags;
  ctags.reserve(tags.size());
  for (const Tag& tag : tags) ctags.push_back(strata_tag{tag.key.c_str(), tag.value.c_str()});
  size_t estimate = measurement.size() + (field == nullptr ? 0 : std::strlen(field) + 1);
  for (const Tag& tag : tags) estimate += tag.key.size() + tag.value.size() + 2;
  std::string key(estimate + estimate / 8 + 16, '\0');
  size_t len = 0;
  for (int attempt = 0; attempt < 2; attempt++) {
    if (strata_series_key(measurement.c_str(), ctags.data(), ctags.size(), field, key.data(),
                          key.size(), &len) != STRATA_OK) {
      throw std::runtime_error(std::string("strata_series_key: ") + strata_errmsg());
    }
    if (len < key.size()) break;
    key.resize(len + 1);
  }
  key.resize(len);
  return key;
}

}  // namespace

std::string TagSetKey(const std::string& measurement, const std::vector<Tag>& tags) {
  return SeriesKey(measurement, tags, nullptr);
}

size_t LongestFieldSuffix(const std::string& measurement, const std::vector<std::string>& fields,
                          size_t* longest) {
  const size_t tagset = SeriesKey(measurement, {}, nullptr).size();
  size_t most = 0;
  *longest = 0;
  for (size_t i = 0; i < fields.size(); i++) {
    const size_t suffix = SeriesKey(measurement, {}, fields[i].c_str()).size() - tagset;
    if (suffix > most) {
      most = suffix;
      *longest = i;
    }
  }
  return most;
}

std::string EncodeKey(int64_t time, const std::vector<Tag>& tags) {
  std::string out(8, '\0');
  const uint64_t u = static_cast<uint64_t>(time) ^ (1ull << 63);
  for (int i = 0; i < 8; i++) out[i] = static_cast<char>(u >> (56 - 8 * i));
  for (const Tag& tag : tags) {
    out += tag.key;
    out.push_back('\0');
    out += tag.value;
    out.push_back('\0');
  }
  return out;
}

bool DecodeKey(const void* data, int n, int64_t* time, std::vector<Tag>* tags) {
  if (data == nullptr || n < 8) return false;
  const char* p = static_cast<const char*>(data);
  uint64_t u = 0;
  for (int i = 0; i < 8; i++) u = (u << 8) | static_cast<unsigned char>(p[i]);
  *time = static_cast<int64_t>(u ^ (1ull << 63));
  tags->clear();
  size_t i = 8;
  const size_t size = static_cast<size_t>(n);
  while (i < size) {
    const void* z1 = std::memchr(p + i, '\0', size - i);
    if (z1 == nullptr) return false;
    const size_t k_end = static_cast<const char*>(z1) - p;
    const void* z2 = std::memchr(p + k_end + 1, '\0', size - k_end - 1);
    if (z2 == nullptr) return false;
    const size_t v_end = static_cast<const char*>(z2) - p;
    Tag tag{std::string(p + i, k_end - i), std::string(p + k_end + 1, v_end - k_end - 1)};
    if (tag.key.empty() || tag.value.empty()) return false;
    if (!tags->empty() && !(tags->back().key < tag.key)) return false;
    tags->push_back(std::move(tag));
    i = v_end + 1;
  }
  return true;
}

namespace {

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(ch);
    } else if (c < 0x20) {
      *out += "\\u00";
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(ch);  // UTF-8 as is: tags are valid UTF-8
    }
  }
  out->push_back('"');
}

}  // namespace

std::string TagsJson(const std::vector<Tag>& tags) {
  std::string out = "{";
  for (const Tag& tag : tags) {
    if (out.size() > 1) out.push_back(',');
    AppendJsonString(tag.key, &out);
    out.push_back(':');
    AppendJsonString(tag.value, &out);
  }
  out.push_back('}');
  return out;
}

}  // namespace strata_sql
