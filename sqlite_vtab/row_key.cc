#include "row_key.h"

#include <cstring>

namespace strata_sql {

void AppendEscaped(std::string* dst, const std::string& part) {
  for (char c : part) {
    if (c == ',' || c == '=' || c == ' ' || c == '#' || c == '\\') dst->push_back('\\');
    dst->push_back(c);
  }
}

std::string TagSetKey(const std::string& measurement, const std::vector<Tag>& tags) {
  std::string key;
  AppendEscaped(&key, measurement);
  for (const Tag& tag : tags) {
    key.push_back(',');
    AppendEscaped(&key, tag.key);
    key.push_back('=');
    AppendEscaped(&key, tag.value);
  }
  return key;
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
    tags->push_back(std::move(tag));
    i = v_end + 1;
  }
  return true;
}

}  // namespace strata_sql
