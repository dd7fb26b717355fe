// Series index files (series_index_file.h): lookups by key and by ID, posting lists and listings
// compared with a brute-force answer from the keys themselves, on the shapes real series have
// (a Kubernetes-like fleet, names that need escaping, non-ASCII values, gaps in the IDs, a single
// series, none); the writer's refusals; and damage: every single-byte change is caught by Open
// or Verify, and every truncation by Open.
#include "series_index_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/engine_test_util.h"
#include "series_key.h"

namespace strata {
namespace {

// A fleet of pods with two fields each, plus series whose names need escaping and non-ASCII tag
// values, with IDs from `first_id` in steps that leave gaps.
std::vector<IndexedSeries> Fleet(size_t pods, uint64_t first_id) {
  std::vector<IndexedSeries> out;
  uint64_t id = first_id;
  for (size_t i = 0; i < pods; i++) {
    std::vector<Tag> tags = {{"namespace", "ns-" + std::to_string(i % 7)},
                             {"node", "node-" + std::to_string(i % 13)},
                             {"pod", "pod-" + std::to_string(i)}};
    if (i % 5 == 0) tags.push_back({"zone", i % 10 == 0 ? "eu" : "us"});  // a tag some series lack
    for (const char* field : {"cpu", "mem"}) {
      out.push_back({id, MakeSeriesKey("k8s", tags, field), ValueType::kFloat});
      id += (i % 11 == 3) ? 3 : 1;  // gaps, as a repair or a dropped measurement leaves
    }
  }
  const std::vector<Tag> odd = {{"a b", "x,y=z"}, {"h#sh", "back\\slash"}, {"ort", "Zürich 東京"}};
  out.push_back({id++, MakeSeriesKey("odd measure,ment", odd, "f#1"), ValueType::kString});
  out.push_back({id++, MakeSeriesKey("odd measure,ment", {}, "state"), ValueType::kBool});
  const std::vector<Tag> host = {{"host", "h1"}};
  out.push_back({id++, MakeSeriesKey("counters", host, "n"), ValueType::kInt});
  return out;
}

// The IDs (offsets from first_id) a brute-force scan of the keys selects.
Roaring Expected(const std::vector<IndexedSeries>& series, uint64_t first_id,
                 const std::function<bool(const SeriesKeyParts&)>& keep) {
  Roaring out;
  for (const IndexedSeries& s : series) {
    auto parts = ParseSeriesKey(s.key);
    EXPECT_TRUE(parts.has_value());
    if (parts && keep(*parts)) out.add(static_cast<uint32_t>(s.id - first_id));
  }
  return out;
}

const std::string* TagOf(const SeriesKeyParts& p, std::string_view key) {
  for (const Tag& t : p.tags) {
    if (t.key == key) return &t.value;
  }
  return nullptr;
}

class SeriesIndexFileTest : public ::testing::Test {
 protected:
  std::unique_ptr<SeriesIndexFile> WriteAndOpen(const std::vector<IndexedSeries>& series) {
    EXPECT_TRUE(WriteSeriesIndexFile(Env::Default(), path_, series));
    auto file = SeriesIndexFile::Open(Env::Default(), path_);
    EXPECT_TRUE(file.has_value()) << file.error().ToString();
    return file ? std::move(*file) : nullptr;
  }
  std::string ReadAll() const {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.Sub("idx-0000000000000001.six");
};

TEST_F(SeriesIndexFileTest, FindsEverySeriesByKeyAndByIdAndNothingElse) {
  const auto series = Fleet(700, 1000);  // 1,403 series: 44 key blocks
  auto file = WriteAndOpen(series);
  ASSERT_TRUE(file);
  EXPECT_EQ(file->series_count(), series.size());
  EXPECT_EQ(file->first_id(), 1000u);
  EXPECT_EQ(file->last_id(), series.back().id);
  for (const IndexedSeries& s : series) {
    auto by_key = file->Find(s.key);
    ASSERT_TRUE(by_key.has_value()) << by_key.error().ToString();
    ASSERT_TRUE(by_key->has_value()) << s.key;
    EXPECT_EQ(**by_key, s);
    auto by_id = file->Series(s.id);
    ASSERT_TRUE(by_id.has_value() && by_id->has_value()) << s.id;
    EXPECT_EQ(**by_id, s);
  }
  // Keys before the first, between two and after the last; IDs in the gaps and out of range.
  for (const std::string& missing :
       {std::string("a"), std::string("k8s,namespace=ns-0#cpu"), MakeSeriesKey("k8s", {}, "cpu"),
        std::string("zzz#f"), std::string()}) {
    auto r = file->Find(missing);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->has_value()) << missing;
  }
  std::vector<bool> held(series.back().id + 2, false);
  for (const IndexedSeries& s : series) held[s.id] = true;
  size_t gaps = 0;
  for (uint64_t id = 0; id < held.size(); id++) {
    if (held[id]) continue;
    gaps++;
    auto r = file->Series(id);
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->has_value()) << id;
  }
  EXPECT_GT(gaps, 1000u);  // the IDs below 1000 and the fleet's gaps
  EXPECT_TRUE(file->Verify());
}

// SeriesOf: the series of any set of IDs (every third, all, none, with IDs the file lacks and
// repeats), in key order, each as Series(id) gives it.
TEST_F(SeriesIndexFileTest, SeriesOfGivesTheHeldSeriesOfAnyIdsInKeyOrder) {
  const auto series = Fleet(700, 1000);
  auto file = WriteAndOpen(series);
  ASSERT_TRUE(file);
  for (const uint64_t step : {uint64_t{1}, uint64_t{3}, uint64_t{97}}) {
    std::vector<uint64_t> ids = {0, 1, 999, series.back().id + 5};  // none held
    std::vector<IndexedSeries> want;
    for (size_t i = 0; i < series.size(); i += step) {
      ids.push_back(series[i].id);
      want.push_back(series[i]);
    }
    std::reverse(ids.begin(), ids.end());
    std::sort(want.begin(), want.end(),
              [](const IndexedSeries& a, const IndexedSeries& b) { return a.key < b.key; });
    auto got = file->SeriesOf(ids);
    ASSERT_TRUE(got) << got.error().ToString();
    EXPECT_EQ(*got, want) << step;
  }
  auto none = file->SeriesOf({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(SeriesIndexFileTest, PostingListsAndListingsMatchTheKeys) {
  const auto series = Fleet(700, 1000);
  auto file = WriteAndOpen(series);
  ASSERT_TRUE(file);
  const uint64_t base = file->first_id();
  auto m = file->Measurement("k8s");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, Expected(series, base, [](const auto& p) { return p.measurement == "k8s"; }));
  auto f = file->Field("odd measure,ment", "f#1");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->cardinality(), 1u);
  auto zone = file->TagKey("k8s", "zone");
  ASSERT_TRUE(zone.has_value());
  EXPECT_EQ(*zone, Expected(series, base, [](const auto& p) {
    return p.measurement == "k8s" && TagOf(p, "zone") != nullptr;
  }));
  for (int ns = 0; ns < 7; ns++) {
    const std::string value = "ns-" + std::to_string(ns);
    auto got = file->TagValue("k8s", "namespace", value);
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, Expected(series, base, [&](const auto& p) {
      const std::string* v = TagOf(p, "namespace");
      return v != nullptr && *v == value;
    }));
  }
  // An intersection, as a query with two tag filters takes it.
  auto node = file->TagValue("k8s", "node", "node-3");
  auto eu = file->TagValue("k8s", "zone", "eu");
  ASSERT_TRUE(node.has_value() && eu.has_value());
  EXPECT_EQ(*node & *eu, Expected(series, base, [](const auto& p) {
    const std::string *n = TagOf(p, "node"), *z = TagOf(p, "zone");
    return n != nullptr && *n == "node-3" && z != nullptr && *z == "eu";
  }));
  // Escaped and non-ASCII names are stored unescaped, as the parts of the key.
  auto odd = file->TagValue("odd measure,ment", "ort", "Zürich 東京");
  ASSERT_TRUE(odd.has_value());
  EXPECT_EQ(odd->cardinality(), 1u);
  // A prefix over one tag key's values (LIKE 'pod-1%'), reading only the lists it keeps.
  auto prefixed = file->TagValuesWhere(
      "k8s", "pod", [](std::string_view v) { return v.substr(0, 5) == "pod-1"; });
  ASSERT_TRUE(prefixed.has_value());
  EXPECT_EQ(*prefixed, Expected(series, base, [](const auto& p) {
    const std::string* v = TagOf(p, "pod");
    return v != nullptr && v->compare(0, 5, "pod-1") == 0;
  }));
  // Listings with their series counts.
  auto keys = file->TagKeys("k8s");
  ASSERT_TRUE(keys.has_value());
  EXPECT_EQ(*keys, (std::vector<IndexedName>{
                       {"namespace", 1400}, {"node", 1400}, {"pod", 1400}, {"zone", 280}}));
  auto values = file->TagValues("k8s", "pod");
  ASSERT_TRUE(values.has_value());
  ASSERT_EQ(values->size(), 700u);
  std::vector<std::string> pods;
  for (size_t i = 0; i < 700; i++) pods.push_back("pod-" + std::to_string(i));
  std::sort(pods.begin(), pods.end());
  for (size_t i = 0; i < pods.size(); i++) {
    EXPECT_EQ((*values)[i], (IndexedName{pods[i], 2}));
  }
  auto none = file->TagValues("k8s", "no-such-key");
  ASSERT_TRUE(none.has_value());
  EXPECT_TRUE(none->empty());
  auto other = file->TagValue("nope", "namespace", "ns-1");
  ASSERT_TRUE(other.has_value());
  EXPECT_TRUE(other->isEmpty());
}

TEST_F(SeriesIndexFileTest, EmptyAndSingleSeriesFiles) {
  {
    auto file = WriteAndOpen({});
    ASSERT_TRUE(file);
    EXPECT_EQ(file->series_count(), 0u);
    auto r = file->Find("m#f");
    ASSERT_TRUE(r.has_value());
    EXPECT_FALSE(r->has_value());
    auto s = file->Series(1);
    ASSERT_TRUE(s.has_value());
    EXPECT_FALSE(s->has_value());
    auto m = file->Measurement("m");
    ASSERT_TRUE(m.has_value());
    EXPECT_TRUE(m->isEmpty());
    EXPECT_TRUE(file->Verify());
  }
  const IndexedSeries one{uint64_t{1} << 40, "m#f", ValueType::kInt};
  auto file = WriteAndOpen({one});
  ASSERT_TRUE(file);
  auto s = file->Series(one.id);
  ASSERT_TRUE(s.has_value() && s->has_value());
  EXPECT_EQ(**s, one);
  auto m = file->Measurement("m");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->cardinality(), 1u);
  EXPECT_TRUE(m->contains(0));  // offsets from first_id
  EXPECT_TRUE(file->Verify());
}

// Terms of at most kInlineIds series keep their IDs in the term block; more get a CRoaring list.
// Both sides of the boundary, with IDs far apart.
TEST_F(SeriesIndexFileTest, ListsAtTheInlineBoundary) {
  const uint64_t n = SeriesIndexFile::kInlineIds;
  std::vector<IndexedSeries> series;
  for (uint64_t i = 0; i < 2 * n + 1; i++) {
    const std::vector<Tag> tags = {{"g", i < n ? "inline" : "list"}, {"i", std::to_string(i)}};
    const uint64_t id = 1 + i * 1'009;
    series.push_back({id, MakeSeriesKey("m", tags, "f"), ValueType::kFloat});
  }
  auto file = WriteAndOpen(series);
  ASSERT_TRUE(file);
  for (const char* value : {"inline", "list"}) {
    auto got = file->TagValue("m", "g", value);
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(*got, Expected(series, file->first_id(),
                             [&](const auto& p) { return *TagOf(p, "g") == value; }));
    EXPECT_EQ(got->cardinality(), std::string(value) == "inline" ? n : n + 1);
  }
  EXPECT_TRUE(file->Verify());
}

TEST_F(SeriesIndexFileTest, WriterRefusesWhatAFileCannotHold) {
  const auto refused = [&](std::vector<IndexedSeries> series, const std::string& words) {
    auto s = WriteSeriesIndexFile(Env::Default(), path_, std::move(series));
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code(), Code::kInvalid);
    EXPECT_NE(s.error().message().find(words), std::string::npos) << s.error().message();
  };
  refused({{0, "m#f", ValueType::kFloat}}, "series ID 0");
  refused({{1, "m#f", ValueType::kFloat}, {1, "m#g", ValueType::kFloat}}, "series ID 1 repeats");
  refused({{1, "m#f", ValueType::kFloat}, {2, "m#f", ValueType::kInt}}, "key 'm#f' repeats");
  refused({{1, "m,b=1,a=2#f", ValueType::kFloat}}, "bad series key");
  refused({{1, "m,a=1", ValueType::kFloat}}, "bad series key");  // a tag-set key, no field
  refused({{1, "m#f", ValueType::kFloat}, {uint64_t{1} << 32, "m#g", ValueType::kFloat}},
          "span 2^32 or more");
  EXPECT_FALSE(std::filesystem::exists(path_));
}

// Every byte is under exactly one CRC: changing any one byte makes Open or Verify fail with
// Corrupt (never a crash, never a different answer), and so does cutting the file anywhere.
TEST_F(SeriesIndexFileTest, EveryDamagedByteAndEveryTruncationIsCaught) {
  const auto series = Fleet(17, 7);  // 37 series: two key blocks, several term blocks
  auto clean = WriteAndOpen(series);
  ASSERT_TRUE(clean);
  const std::string good = ReadAll();
  // Each damaged copy is a new file: rewriting one file in place makes ext4 flush it every time.
  const auto open_copy = [&](const std::string& bytes, size_t n) {
    const std::string copy = dir_.Sub("damaged-" + std::to_string(n) + ".six");
    std::ofstream(copy, std::ios::binary) << bytes;
    auto file = SeriesIndexFile::Open(Env::Default(), copy);
    Status s = file ? (*file)->Verify() : unexpected(file.error());
    std::filesystem::remove(copy);
    return std::make_pair(file.has_value(), s);
  };
  std::mt19937 rng(19);
  for (size_t at = 0; at < good.size(); at++) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ (1 + rng() % 255));
    const auto [opened, s] = open_copy(bad, at);
    ASSERT_FALSE(s) << "byte " << at << " of " << good.size();
    EXPECT_EQ(s.error().code(), Code::kCorrupt) << s.error().ToString();
  }
  for (size_t size = 0; size < good.size(); size++) {
    const auto [opened, s] = open_copy(good.substr(0, size), size);
    ASSERT_FALSE(opened) << "cut at " << size;
    EXPECT_EQ(s.error().code(), Code::kCorrupt) << s.error().ToString();
  }
  EXPECT_TRUE(clean->Verify());
}

}  // namespace
}  // namespace strata
