// Helpers shared by the engine-level tests: a fresh temporary directory per fixture and small
// readers that turn a query into plain values. Header-only (tests/engine/*.cc other than *_test.cc
// are not compiled).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "storage_engine.h"

namespace strata::testing {

// A directory under $TMPDIR removed when the object goes out of scope.
class TempDir {
 public:
  // In `base`, or in $TMPDIR when it is empty.
  explicit TempDir(const std::string& base = "") {
    const std::filesystem::path in =
        base.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(base);
    std::string tmpl = (in / "strata-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A file system in memory when the machine has one (/dev/shm), else $TMPDIR: for tests that
// rewrite a directory thousands of times, which ext4 makes slow (renames and truncations over
// existing files force writeback).
inline std::string FastTempBase() {
  std::error_code ec;
  return std::filesystem::is_directory("/dev/shm", ec) ? "/dev/shm" : "";
}

struct PointValue {
  int64_t time;
  uint64_t num;
  std::string str;
  bool operator==(const PointValue&) const = default;
};

// Series key -> points, for a whole query.
inline std::map<std::string, std::vector<PointValue>> QueryAll(StorageEngine& db,
                                                               const QueryRequest& q) {
  std::map<std::string, std::vector<PointValue>> out;
  auto cursor = db.Query(q);
  EXPECT_TRUE(cursor.has_value()) << (cursor ? "" : cursor.error().ToString());
  if (!cursor) return out;
  while (true) {
    auto more = (*cursor)->Next();
    EXPECT_TRUE(more.has_value()) << (more ? "" : more.error().ToString());
    if (!more || !*more) break;
    const Column& c = (*cursor)->points();
    auto& list = out[(*cursor)->series().key];
    for (size_t i = 0; i < c.size(); i++) {
      list.push_back(PointValue{c.times[i], c.type == ValueType::kString ? 0 : c.nums[i],
                                c.type == ValueType::kString ? c.strs[i] : std::string()});
    }
  }
  return out;
}

inline QueryRequest All(const std::string& measurement) {
  QueryRequest q;
  q.measurement = measurement;
  return q;
}

}  // namespace strata::testing
