// KeyIdTable: lookups through the caller's keys, growth, erasure that keeps every other entry
// reachable (backward shift), and colliding hashes told apart by their keys. A std::map is the
// reference the table is compared with after every step of a random workload.
#include "key_id_table.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

namespace strata {
namespace {

// Keys by ID (keys[id - 1]), as the Catalog keeps them in its SeriesInfo objects.
struct Keys {
  std::vector<std::string> keys;
  std::string_view operator()(uint64_t id) const { return keys[id - 1]; }
};

TEST(KeyIdTable, FindsWhatWasInsertedAndNothingElse) {
  Keys keys;
  KeyIdTable table;
  EXPECT_EQ(table.Find("a", KeyIdTable::Hash("a"), keys), 0u);
  for (int i = 0; i < 1000; i++) {
    keys.keys.push_back("cpu,host=h" + std::to_string(i) + "#usage");
    table.Insert(keys.keys.size(), KeyIdTable::Hash(keys.keys.back()));
  }
  EXPECT_EQ(table.size(), 1000u);
  for (uint64_t id = 1; id <= 1000; id++) {
    EXPECT_EQ(table.Find(keys(id), KeyIdTable::Hash(keys(id)), keys), id);
  }
  EXPECT_EQ(table.Find("cpu,host=h1000#usage", KeyIdTable::Hash("cpu,host=h1000#usage"), keys), 0u);
  EXPECT_GE(table.MemoryBytes(), 1000 * 16u);
}

TEST(KeyIdTable, EqualHashesAreToldApartByTheirKeys) {
  Keys keys{{"a", "b", "c", "d"}};
  KeyIdTable table;
  for (uint64_t id = 1; id <= 4; id++) table.Insert(id, 42);  // every key in one run
  for (uint64_t id = 1; id <= 4; id++) EXPECT_EQ(table.Find(keys(id), 42, keys), id);
  EXPECT_EQ(table.Find("e", 42, keys), 0u);
  EXPECT_TRUE(table.Erase("b", 42, keys));
  EXPECT_FALSE(table.Erase("b", 42, keys));
  EXPECT_EQ(table.Find("b", 42, keys), 0u);
  EXPECT_EQ(table.Find("c", 42, keys), 3u);
  EXPECT_EQ(table.Find("d", 42, keys), 4u);
  EXPECT_EQ(table.size(), 3u);
}

TEST(KeyIdTable, MatchesAMapUnderRandomInsertsAndErasures) {
  std::mt19937_64 rng(15);
  Keys keys;
  KeyIdTable table;
  std::map<std::string, uint64_t> reference;
  // Few distinct hashes (the low bits chosen from a handful) make long runs that wrap around the
  // end of the table, which is where backward-shift deletion can go wrong.
  auto hash = [](std::string_view k) { return KeyIdTable::Hash(k) % 7 * 0x9E3779B97F4A7C15ull; };
  for (int step = 0; step < 20000; step++) {
    const std::string key = "k" + std::to_string(rng() % 3000);
    auto it = reference.find(key);
    if (it == reference.end()) {
      keys.keys.push_back(key);
      table.Insert(keys.keys.size(), hash(key));
      reference.emplace(key, keys.keys.size());
    } else if (rng() % 2 == 0) {
      ASSERT_TRUE(table.Erase(key, hash(key), keys));
      reference.erase(it);
    }
    ASSERT_EQ(table.size(), reference.size());
    if (step % 1000 == 0 || step == 19999) {
      for (const auto& [k, id] : reference) ASSERT_EQ(table.Find(k, hash(k), keys), id) << k;
    }
  }
  table.Reserve(100000);
  for (const auto& [k, id] : reference) EXPECT_EQ(table.Find(k, hash(k), keys), id) << k;
}

}  // namespace
}  // namespace strata
