#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <limits>
#include <map>
#include <random>

#include "coding.h"
#include "column_codec.h"
#include "crc32.h"
#include "engine/faulty_env.h"
#include "env.h"
#include "manifest.h"
#include "row_group.h"
#include "segment_format.h"
#include "segment_index.h"
#include "segment_reader.h"
#include "segment_writer.h"

namespace strata {
namespace {

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// A column of n points of `type`, times t0, t0 + step, ..., values derived from `seed`.
Column MakeColumn(ValueType type, size_t n, int64_t t0 = 1000, int64_t step = 10,
                  uint64_t seed = 1) {
  Column c;
  c.type = type;
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < n; i++) {
    c.times.push_back(t0 + static_cast<int64_t>(i) * step);
    switch (type) {
      case ValueType::kFloat:
        c.nums.push_back(FloatBits(static_cast<double>(rng() % 100000) / 7.0));
        break;
      case ValueType::kInt:
        c.nums.push_back(rng());
        break;
      case ValueType::kBool:
        c.nums.push_back(rng() & 1);
        break;
      case ValueType::kString:
        c.strs.push_back(std::string(rng() % 12, static_cast<char>('a' + i % 26)));
        break;
    }
  }
  return c;
}

// Points of `c` with lo <= time <= hi.
Column Filter(const Column& c, int64_t lo, int64_t hi) {
  Column out;
  out.type = c.type;
  for (size_t i = 0; i < c.size(); i++) {
    if (c.times[i] >= lo && c.times[i] <= hi) out.AppendFrom(c, i);
  }
  return out;
}

void ExpectSameColumn(const Column& want, const Column& got) {
  EXPECT_EQ(want.type, got.type);
  EXPECT_EQ(want.times, got.times);
  EXPECT_EQ(want.nums, got.nums);
  EXPECT_EQ(want.strs, got.strs);
}

// Serves the files put into it from memory and forwards everything else to Env::Default(): the
// corruption tests open thousands of damaged variants without touching the disk.
class MemFileEnv final : public Env {
 public:
  void Put(const std::string& path, std::string data) { files_[path] = std::move(data); }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return base_->NewRandomAccessFile(path);
    return std::make_unique<MemFile>(path, it->second);
  }
  Result<std::string> ReadFile(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return base_->ReadFile(path);
    return it->second;
  }
  bool FileExists(const std::string& path) override {
    return files_.contains(path) || base_->FileExists(path);
  }
  Result<uint64_t> FileSize(const std::string& path) override {
    auto it = files_.find(path);
    if (it == files_.end()) return base_->FileSize(path);
    return it->second.size();
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& p) override {
    return base_->NewWritableFile(p);
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& p) override {
    return base_->NewAppendableFile(p);
  }
  Result<std::vector<std::string>> ListDir(const std::string& d) override {
    return base_->ListDir(d);
  }
  Status CreateDirs(const std::string& d) override { return base_->CreateDirs(d); }
  Status RemoveFile(const std::string& p) override { return base_->RemoveFile(p); }
  Status RemoveDirRecursive(const std::string& d) override { return base_->RemoveDirRecursive(d); }
  Status Rename(const std::string& a, const std::string& b) override { return base_->Rename(a, b); }
  Status Truncate(const std::string& p, uint64_t n) override { return base_->Truncate(p, n); }
  Status SyncDir(const std::string& d) override { return base_->SyncDir(d); }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& p) override {
    return base_->LockFile(p);
  }
  int64_t NowNanos() override { return base_->NowNanos(); }

 private:
  class MemFile final : public RandomAccessFile {
   public:
    MemFile(std::string path, std::string data) : path_(std::move(path)), data_(std::move(data)) {}
    Status Read(uint64_t offset, size_t n, char* dst) const override {
      if (offset > data_.size() || n > data_.size() - offset) {
        return unexpected(Error::Corrupt(path_, offset, "read past the end of the file"));
      }
      std::memcpy(dst, data_.data() + offset, n);
      return OkStatus();
    }
    uint64_t Size() const override { return data_.size(); }
    const std::string& path() const override { return path_; }

   private:
    std::string path_;
    std::string data_;
  };

  Env* base_ = Env::Default();
  std::map<std::string, std::string> files_;
};

struct TestSeries {
  SegmentSeries series;
  Column points;
};

// Every test runs on both formats: the reader reads both, and the writer can still write format 1.
class SegmentTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/strata_segment_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = JoinPath(dir_, SegmentFileName(7));
  }
  void TearDown() override { (void)env_->RemoveDirRecursive(dir_); }

  uint32_t format() const { return GetParam(); }
  SegmentWriterOptions Options() const {
    SegmentWriterOptions o;
    o.format_version = format();
    return o;
  }
  // A byte inside block b's payload (format 1) or row group (format 2).
  size_t InsideBlock(const BlockRef& b) const {
    return b.offset + (format() == kSegmentFormatV1 ? kBlockHeaderSize : 0) + 3;
  }

  SegmentInfo Write(const std::vector<TestSeries>& all, const std::string& path) {
    auto w = SegmentWriter::Create(env_, path, 7, 123456789, Options());
    EXPECT_TRUE(w.has_value());
    for (const TestSeries& s : all) {
      Status st = (*w)->Add(s.series, s.points);
      EXPECT_TRUE(st.has_value()) << st.error().ToString();
    }
    auto info = (*w)->Finish();
    EXPECT_TRUE(info.has_value()) << info.error().ToString();
    return *info;
  }
  SegmentInfo Write(const std::vector<TestSeries>& all) { return Write(all, path_); }

  std::shared_ptr<SegmentReader> Open(const std::string& path) {
    auto r = SegmentReader::Open(env_, path);
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    return r.has_value() ? *r : nullptr;
  }

  static Column ReadAll(const SegmentReader& r, const SeriesIndexEntry& e) {
    Column c;
    c.type = e.type;
    Status s = r.Read(e, kMin, kMax, &c);
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return c;
  }

  // Replaces `path` by unlinking it first: truncating in place makes ext4 flush on close.
  void WriteBytes(const std::string& path, std::string_view data) {
    if (env_->FileExists(path)) {
      ASSERT_TRUE(env_->RemoveFile(path).has_value());
    }
    auto f = env_->NewWritableFile(path);
    ASSERT_TRUE(f.has_value());
    ASSERT_TRUE((*f)->Append(data).has_value());
    ASSERT_TRUE((*f)->Close().has_value());
  }

  // A small segment with all four types, one series spanning two blocks.
  std::vector<TestSeries> SmallSegment() {
    Column s = MakeColumn(ValueType::kString, 4);
    s.strs = {"", "x", std::string("a\0b", 3), ""};
    return {
        {{11, "cpu,host=a#busy", ValueType::kBool}, MakeColumn(ValueType::kBool, 5)},
        {{12, "cpu,host=a#load", ValueType::kInt}, MakeColumn(ValueType::kInt, 3, -5, 2)},
        {{10, "cpu,host=a#usage", ValueType::kFloat},
         MakeColumn(ValueType::kFloat, kMaxBlockPoints + 6)},
        {{13, "cpu,host=b#status", ValueType::kString}, s},
    };
  }

  Env* env_ = Env::Default();
  std::string dir_;
  std::string path_;
};

TEST_P(SegmentTest, RoundTripsAllFourTypes) {
  Column f = MakeColumn(ValueType::kFloat, 4, kMin, 1);
  f.nums = {FloatBits(-0.0), FloatBits(1.5), FloatBits(-1e308), FloatBits(5e-324)};
  Column i = MakeColumn(ValueType::kInt, 3, kMax - 2, 1);
  i.nums = {static_cast<uint64_t>(kMin), 0, static_cast<uint64_t>(kMax)};
  Column b = MakeColumn(ValueType::kBool, 4);
  b.nums = {0, 1, 1, 0};
  Column s = MakeColumn(ValueType::kString, 5);
  s.strs = {"", "hello", std::string(300, 'z'), std::string("nul\0inside", 10), ""};
  std::vector<TestSeries> all = {{{4, "a#f", ValueType::kFloat}, f},
                                 {{3, "b#i", ValueType::kInt}, i},
                                 {{2, "c#b", ValueType::kBool}, b},
                                 {{1, "d#s", ValueType::kString}, s}};
  SegmentInfo info = Write(all);
  EXPECT_EQ(info.id, 7u);
  EXPECT_EQ(info.path, path_);
  EXPECT_EQ(info.series_count, 4u);
  EXPECT_EQ(info.point_count, 16u);
  EXPECT_EQ(info.min_time, kMin);
  EXPECT_EQ(info.max_time, kMax);
  EXPECT_EQ(info.file_bytes, *env_->FileSize(path_));

  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id(), 7u);
  EXPECT_EQ(r->created_at(), 123456789);
  EXPECT_EQ(r->min_time(), kMin);
  EXPECT_EQ(r->max_time(), kMax);
  EXPECT_EQ(r->point_count(), 16u);
  EXPECT_EQ(r->file_bytes(), info.file_bytes);
  EXPECT_EQ(r->path(), path_);
  ASSERT_EQ(r->index().size(), 4u);
  for (size_t k = 0; k < all.size(); k++) {
    const SeriesIndexEntry& e = r->index()[k];
    EXPECT_EQ(e.key, all[k].series.key);
    EXPECT_EQ(e.id, all[k].series.id);
    EXPECT_EQ(e.type, all[k].series.type);
    EXPECT_EQ(e.point_count, all[k].points.size());
    ExpectSameColumn(all[k].points, ReadAll(*r, e));
  }
  EXPECT_TRUE(r->Verify().has_value());
}

TEST_P(SegmentTest, ManySeriesRoundTripAndFindById) {
  std::vector<TestSeries> all;
  for (int k = 0; k < 300; k++) {
    char key[32];
    std::snprintf(key, sizeof(key), "m,host=h%04d#f", k);
    const auto type = static_cast<ValueType>(1 + k % 4);
    all.push_back({{static_cast<uint64_t>(1000003 * (k + 1)) ^ 0x5555, key, type},
                   MakeColumn(type, 1 + static_cast<size_t>(k * 7) % 1500, k, 3, k)});
  }
  SegmentInfo info = Write(all);
  EXPECT_EQ(info.series_count, 300u);
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->index().size(), all.size());
  for (const TestSeries& s : all) {
    const SeriesIndexEntry* e = r->Find(s.series.id);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->key, s.series.key);
    ExpectSameColumn(s.points, ReadAll(*r, *e));
  }
  EXPECT_EQ(r->Find(42), nullptr);
  EXPECT_TRUE(r->Verify().has_value());
}

// ReadAll through one ReadAhead (what a compaction does) gives what Read gives, in key order (the
// window moves forward), in reverse order (it is refilled backwards), and for series longer than
// the window; a damaged block is reported and leaves *out as it was.
TEST_P(SegmentTest, ReadAllThroughAReadAheadMatchesRead) {
  std::vector<TestSeries> all;
  std::mt19937_64 rng(11);
  for (int k = 0; k < 300; k++) {
    char key[32];
    std::snprintf(key, sizeof(key), "m,host=h%04d#f", k);
    const auto type = static_cast<ValueType>(1 + k % 4);
    // Every 50th series is longer than the window (incompressible floats).
    const size_t n = k % 50 == 7 ? 2 * SegmentReader::kReadAheadBytes / 8 : 1 + (k * 7) % 1500;
    Column c =
        MakeColumn(type == ValueType::kFloat || k % 50 == 7 ? ValueType::kFloat : type, n, k, 3, k);
    if (k % 50 == 7) {
      for (auto& v : c.nums) v = rng() >> 2;
    }
    all.push_back({{static_cast<uint64_t>(k + 1), key, c.type}, std::move(c)});
  }
  Write(all);
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->index().size(), all.size());
  for (bool reverse : {false, true}) {
    SegmentReader::ReadAhead ahead;
    for (size_t i = 0; i < all.size(); i++) {
      const size_t k = reverse ? all.size() - 1 - i : i;
      const SeriesIndexEntry& e = r->index()[k];
      Column got;
      got.type = e.type;
      ASSERT_TRUE(r->ReadAll(e, &got, &ahead).has_value()) << k;
      ExpectSameColumn(all[k].points, got);
      EXPECT_LE(ahead.bytes.size(), std::max<size_t>(SegmentReader::kReadAheadBytes,
                                                     all[k].points.size() * 16 + (1 << 16)));
    }
  }
  // A damaged block of series 100: reported through the window, *out unchanged.
  const BlockRef b = r->index()[100].blocks[0];
  std::string data = *env_->ReadFile(path_);
  data[InsideBlock(b)] ^= 0x40;
  WriteBytes(path_, data);
  auto damaged = Open(path_);
  ASSERT_NE(damaged, nullptr);
  SegmentReader::ReadAhead ahead;
  for (size_t k = 0; k < all.size(); k++) {
    const SeriesIndexEntry& e = damaged->index()[k];
    Column got;
    got.type = e.type;
    got.times.push_back(-1);
    if (e.type == ValueType::kString) {
      got.strs.push_back("x");
    } else {
      got.nums.push_back(0);
    }
    auto s = damaged->ReadAll(e, &got, &ahead);
    if (k == 100) {
      ASSERT_FALSE(s.has_value());
      EXPECT_EQ(s.error().code(), Code::kCorrupt);
      EXPECT_EQ(got.size(), 1u);
    } else {
      ASSERT_TRUE(s.has_value()) << k;
      EXPECT_EQ(got.size(), all[k].points.size() + 1);
    }
  }
}

TEST_P(SegmentTest, LongSeriesIsSplitIntoBlocksOfAtMostMaxBlockPoints) {
  const size_t n = 3 * kMaxBlockPoints + 5;
  Column c = MakeColumn(ValueType::kFloat, n);
  Write({{{1, "s#f", ValueType::kFloat}, c}});
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  const SeriesIndexEntry& e = r->index()[0];
  ASSERT_EQ(e.blocks.size(), 4u);
  for (size_t k = 0; k < 3; k++) EXPECT_EQ(e.blocks[k].count, kMaxBlockPoints);
  EXPECT_EQ(e.blocks[3].count, 5u);
  EXPECT_EQ(e.blocks[1].min_time, c.times[kMaxBlockPoints]);
  EXPECT_EQ(e.blocks[1].max_time, c.times[2 * kMaxBlockPoints - 1]);
  ExpectSameColumn(c, ReadAll(*r, e));
}

TEST_P(SegmentTest, LargeSegmentSpanningManyWriteBuffersRoundTrips) {
  std::vector<TestSeries> all;
  std::mt19937_64 rng(7);
  for (int k = 0; k < 40; k++) {
    Column c = MakeColumn(ValueType::kFloat, 12000, 0, 1, k);
    for (auto& v : c.nums) v = rng() >> 2;  // incompressible float bits, so the file is large
    all.push_back({{static_cast<uint64_t>(k), "big#" + std::to_string(100 + k), ValueType::kFloat},
                   std::move(c)});
  }
  SegmentInfo info = Write(all);
  EXPECT_GT(info.file_bytes, 3 * SegmentWriter::kWriteBufferBytes);
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  for (size_t k = 0; k < all.size(); k++)
    ExpectSameColumn(all[k].points, ReadAll(*r, r->index()[k]));
}

TEST_P(SegmentTest, RangeReadsReturnExactlyThePointsInRange) {
  Column c = MakeColumn(ValueType::kInt, 3 * kMaxBlockPoints + 17, 100, 10);
  Write({{{1, "s#i", ValueType::kInt}, c}});
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  const SeriesIndexEntry& e = r->index()[0];
  const int64_t first = c.times.front(), last = c.times.back();
  std::vector<std::pair<int64_t, int64_t>> ranges = {
      {kMin, kMax},
      {first, last},
      {first + 1, last - 1},
      {first - 5, first},
      {last, last + 5},
      {kMin, first - 1},
      {last + 1, kMax},
      {e.blocks[1].min_time, e.blocks[1].max_time},
      {e.blocks[1].max_time, e.blocks[2].min_time},
      {e.blocks[1].max_time + 1, e.blocks[2].min_time - 1},
      {105, 106},
      {5000, 4000},
      {12345, 23456},
      {e.blocks[0].max_time - 3, e.blocks[3].min_time + 3}};
  for (auto [lo, hi] : ranges) {
    Column got;
    got.type = ValueType::kInt;
    ASSERT_TRUE(r->Read(e, lo, hi, &got).has_value()) << lo << ".." << hi;
    ExpectSameColumn(Filter(c, lo, hi), got);
  }
  // The same through a block cache: cold, warm, and times-only reads served by full blocks and
  // by times-only ones.
  for (bool times_only_first : {false, true}) {
    BlockCache cache(1 << 20);
    for (int pass = 0; pass < 2; pass++) {
      for (auto [lo, hi] : ranges) {
        for (bool times_only : {times_only_first, !times_only_first}) {
          Column got;
          got.type = ValueType::kInt;
          got.times_only = times_only;
          ASSERT_TRUE(r->Read(e, lo, hi, &got, &cache).has_value()) << lo << ".." << hi;
          Column want = Filter(c, lo, hi);
          if (times_only) want.nums.clear();
          ExpectSameColumn(want, got);
        }
      }
    }
  }
}

// A repeated read is served by the cache: no file bytes, the same points. A full block serves a
// times-only read; a times-only block does not serve a full one.
TEST_P(SegmentTest, CachedReadSkipsTheFile) {
  Column c = MakeColumn(ValueType::kString, 5 * kMaxBlockPoints + 3, 0, 7);
  Write({{{1, "s#s", ValueType::kString}, c}});
  FaultyEnv env(env_);
  auto opened = SegmentReader::Open(&env, path_);
  ASSERT_TRUE(opened.has_value());
  const SegmentReader& r = **opened;
  const SeriesIndexEntry& e = r.index()[0];
  BlockCache cache(8 << 20);
  const int64_t lo = e.blocks[1].min_time + 5, hi = e.blocks[3].max_time - 5;
  auto read = [&](bool times_only, uint64_t* bytes) {
    Column got;
    got.type = ValueType::kString;
    got.times_only = times_only;
    const uint64_t before = env.bytes_read();
    Status s = r.Read(e, lo, hi, &got, &cache);
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    *bytes = env.bytes_read() - before;
    return got;
  };
  Column want = Filter(c, lo, hi);
  uint64_t bytes = 0;
  ExpectSameColumn(want, read(false, &bytes));
  EXPECT_GT(bytes, 0u);
  ExpectSameColumn(want, read(false, &bytes));
  EXPECT_EQ(bytes, 0u);
  Column times_only = read(true, &bytes);
  EXPECT_EQ(bytes, 0u);
  EXPECT_EQ(times_only.times, want.times);
  EXPECT_TRUE(times_only.strs.empty());
  EXPECT_EQ(cache.entry_count(), 3u);  // blocks 1..3, whole

  // A new reader of the same file has its own identity: nothing stale is shared.
  auto again = SegmentReader::Open(&env, path_);
  ASSERT_TRUE(again.has_value());
  EXPECT_NE((*again)->instance_id(), r.instance_id());

  // Times-only blocks first (another range), then a full read of it must go to the file.
  const int64_t lo2 = e.blocks[4].min_time, hi2 = e.blocks[5].max_time;
  Column t2;
  t2.type = ValueType::kString;
  t2.times_only = true;
  ASSERT_TRUE(r.Read(e, lo2, hi2, &t2, &cache).has_value());
  uint64_t before = env.bytes_read();
  ASSERT_TRUE(r.Read(e, lo2, hi2, &t2, &cache).has_value());
  EXPECT_EQ(env.bytes_read(), before);
  Column f2;
  f2.type = ValueType::kString;
  ASSERT_TRUE(r.Read(e, lo2, hi2, &f2, &cache).has_value());
  EXPECT_GT(env.bytes_read(), before);
  ExpectSameColumn(Filter(c, lo2, hi2), f2);

  // Verify reads the file even when every block is cached.
  before = env.bytes_read();
  ASSERT_TRUE(r.Verify().has_value());
  EXPECT_GT(env.bytes_read() - before, 5u * kMaxBlockPoints);
}

// A corrupt block is never cached: every read reports it, and the good blocks next to it, loaded
// by the same reads, are served correctly.
TEST_P(SegmentTest, CorruptBlockIsReportedOnEveryCachedRead) {
  Column c = MakeColumn(ValueType::kFloat, 3 * kMaxBlockPoints, 0, 1);
  Write({{{1, "s#f", ValueType::kFloat}, c}});
  BlockRef b1;
  {
    auto r = Open(path_);
    ASSERT_NE(r, nullptr);
    b1 = r->index()[0].blocks[1];
  }
  std::string data = *env_->ReadFile(path_);
  data[InsideBlock(b1)] ^= 0x40;
  WriteBytes(path_, data);
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  const SeriesIndexEntry& e = r->index()[0];
  BlockCache cache(8 << 20);
  for (int i = 0; i < 3; i++) {
    for (bool times_only : {false, true}) {
      Column got;
      got.type = ValueType::kFloat;
      got.times_only = times_only;
      auto s = r->Read(e, kMin, kMax, &got, &cache);
      ASSERT_FALSE(s.has_value()) << "read " << i;
      EXPECT_EQ(s.error().code(), Code::kCorrupt);
      EXPECT_NE(s.error().message().find("offset " + std::to_string(b1.offset)),
                std::string::npos);
      EXPECT_TRUE(got.empty());
    }
  }
  EXPECT_EQ(cache.Lookup(r->instance_id(), r->CacheKey(b1), true), nullptr);
  // Block 0 alone reads fine (and then from the cache); block 1 still fails.
  Column got;
  got.type = ValueType::kFloat;
  ASSERT_TRUE(r->Read(e, kMin, e.blocks[0].max_time, &got, &cache).has_value());
  ExpectSameColumn(Filter(c, kMin, e.blocks[0].max_time), got);
  ASSERT_NE(cache.Lookup(r->instance_id(), r->CacheKey(e.blocks[0]), false), nullptr);
  Column bad;
  bad.type = ValueType::kFloat;
  EXPECT_FALSE(r->Read(e, b1.min_time, b1.min_time, &bad, &cache).has_value());
}

// ReadNewest gives each series' last point (appending, as Read does), reads its block once
// without a cache (and not at all for a times-only column), and then answers from the reader.
TEST_P(SegmentTest, ReadNewestGivesTheLastPointAndReadsItOnce) {
  const std::vector<TestSeries> all = SmallSegment();
  Write(all);
  FaultyEnv env(env_);
  auto opened = SegmentReader::Open(&env, path_);
  ASSERT_TRUE(opened.has_value());
  const SegmentReader& r = **opened;
  for (const TestSeries& s : all) {
    const SeriesIndexEntry* e = r.Find(s.series.id);
    ASSERT_NE(e, nullptr);
    const Column want = Filter(s.points, s.points.times.back(), s.points.times.back());
    for (int call = 0; call < 3; call++) {
      for (bool times_only : {true, false}) {
        Column got;
        got.type = e->type;
        got.times_only = times_only;
        const uint64_t before = env.bytes_read();
        ASSERT_TRUE(r.ReadNewest(*e, &got).has_value());
        EXPECT_EQ(env.bytes_read() > before, call == 0 && !times_only) << e->key << " " << call;
        EXPECT_EQ(got.times, want.times) << e->key;
        if (times_only) {
          EXPECT_TRUE(got.nums.empty() && got.strs.empty());
        } else {
          ExpectSameColumn(want, got);
        }
      }
    }
  }
  // Appends; a foreign entry or a wrong column type is Invalid, as for Read.
  const SeriesIndexEntry& usage = *r.Find(10);
  Column got = MakeColumn(ValueType::kFloat, 2, -100);
  ASSERT_TRUE(r.ReadNewest(usage, &got).has_value());
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got.times[2], usage.max_time);
  Column wrong;
  wrong.type = ValueType::kInt;
  auto s = r.ReadNewest(usage, &wrong);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kInvalid);
  SeriesIndexEntry foreign = usage;
  Column f;
  f.type = ValueType::kFloat;
  s = r.ReadNewest(foreign, &f);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kInvalid);
}

// A damaged last block is reported by every ReadNewest that needs the value, which leaves *out
// as it was; nothing wrong is kept. The time alone comes from the (checked) index.
TEST_P(SegmentTest, ReadNewestReportsACorruptLastBlockOnEveryCall) {
  Column c = MakeColumn(ValueType::kInt, 2 * kMaxBlockPoints, 0, 1);
  Write({{{1, "s#i", ValueType::kInt}, c}});
  BlockRef last;
  {
    auto r = Open(path_);
    ASSERT_NE(r, nullptr);
    last = r->index()[0].blocks.back();
  }
  std::string data = *env_->ReadFile(path_);
  data[InsideBlock(last)] ^= 0x40;
  WriteBytes(path_, data);
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  BlockCache cache(8 << 20);
  for (int call = 0; call < 3; call++) {
    Column got = MakeColumn(ValueType::kInt, 1, -5);
    auto s = r->ReadNewest(r->index()[0], &got, call % 2 == 0 ? &cache : nullptr);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code(), Code::kCorrupt);
    EXPECT_EQ(got.size(), 1u);
    EXPECT_EQ(got.nums.size(), 1u);
  }
  Column times;
  times.type = ValueType::kInt;
  times.times_only = true;
  ASSERT_TRUE(r->ReadNewest(r->index()[0], &times).has_value());
  EXPECT_EQ(times.times, std::vector<int64_t>{c.times.back()});
}

// Ids close together (the catalog's usual case) and far apart are found alike, and ids in the
// gaps, below and above are not.
TEST_P(SegmentTest, FindByIdWithDenseAndSparseIds) {
  for (const std::vector<uint64_t>& ids :
       {std::vector<uint64_t>{5, 6, 9, 12}, std::vector<uint64_t>{3, 1000, 1ull << 40, kMax}}) {
    std::vector<TestSeries> all;
    for (size_t k = 0; k < ids.size(); k++) {
      all.push_back({{ids[k], "m#f" + std::to_string(k), ValueType::kInt},
                     MakeColumn(ValueType::kInt, 3, 0, 1, k)});
    }
    Write(all);
    auto r = Open(path_);
    ASSERT_NE(r, nullptr);
    for (size_t k = 0; k < ids.size(); k++) {
      ASSERT_NE(r->Find(ids[k]), nullptr) << ids[k];
      EXPECT_EQ(r->Find(ids[k])->key, all[k].series.key);
    }
    for (uint64_t missing : {uint64_t{0}, uint64_t{4}, uint64_t{7}, uint64_t{13}, uint64_t{999},
                             uint64_t{kMax} - 1, std::numeric_limits<uint64_t>::max()}) {
      EXPECT_EQ(r->Find(missing), nullptr) << missing;
    }
  }
}

TEST_P(SegmentTest, RangeReadTouchesOnlyOverlappingBlocks) {
  Column c = MakeColumn(ValueType::kFloat, 3 * kMaxBlockPoints, 0, 1);
  Write({{{1, "s#f", ValueType::kFloat}, c}});
  BlockRef b0, b2;
  {
    auto r = Open(path_);
    ASSERT_NE(r, nullptr);
    b0 = r->index()[0].blocks[0];
    b2 = r->index()[0].blocks[2];
  }
  // Damage the payloads of blocks 0 and 2: reads of block 1 alone must not notice.
  std::string data = *env_->ReadFile(path_);
  data[InsideBlock(b0)] ^= 0x40;
  data[InsideBlock(b2)] ^= 0x40;
  WriteBytes(path_, data);
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  const SeriesIndexEntry& e = r->index()[0];
  Column got;
  got.type = ValueType::kFloat;
  ASSERT_TRUE(r->Read(e, b0.max_time + 1, b2.min_time - 1, &got).has_value());
  ExpectSameColumn(Filter(c, b0.max_time + 1, b2.min_time - 1), got);
  for (auto [lo, hi] :
       {std::pair{b0.max_time, b0.max_time + 1}, std::pair{b2.min_time - 1, b2.min_time}}) {
    Column bad;
    bad.type = ValueType::kFloat;
    auto s = r->Read(e, lo, hi, &bad);
    ASSERT_FALSE(s.has_value());
    EXPECT_EQ(s.error().code(), Code::kCorrupt);
    EXPECT_TRUE(bad.empty());
  }
}

TEST_P(SegmentTest, ReadAppendsToExistingPoints) {
  Column c = MakeColumn(ValueType::kString, 10);
  Write({{{1, "s#s", ValueType::kString}, c}});
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  Column got = MakeColumn(ValueType::kString, 2, -100, 1);
  ASSERT_TRUE(r->Read(r->index()[0], kMin, kMax, &got).has_value());
  ASSERT_EQ(got.size(), 12u);
  EXPECT_EQ(got.times[2], c.times[0]);
  EXPECT_EQ(got.strs[11], c.strs[9]);
}

TEST_P(SegmentTest, ReadRejectsWrongColumnTypeAndForeignEntries) {
  Write({{{1, "s#f", ValueType::kFloat}, MakeColumn(ValueType::kFloat, 3)}});
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  Column got;
  got.type = ValueType::kInt;
  auto s = r->Read(r->index()[0], kMin, kMax, &got);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kInvalid);
  SeriesIndexEntry copy = r->index()[0];
  got.type = ValueType::kFloat;
  s = r->Read(copy, kMin, kMax, &got);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kInvalid);
}

TEST_P(SegmentTest, ZeroSeriesSegmentIsValid) {
  auto w = SegmentWriter::Create(env_, path_, 9, 1, Options());
  ASSERT_TRUE(w.has_value());
  auto info = (*w)->Finish();
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->series_count, 0u);
  EXPECT_EQ(info->point_count, 0u);
  EXPECT_EQ(info->file_bytes, kHeaderSize + kFooterSize);
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id(), 9u);
  EXPECT_TRUE(r->index().empty());
  EXPECT_EQ(r->min_time(), kMax);
  EXPECT_EQ(r->max_time(), kMin);
  EXPECT_EQ(r->Find(1), nullptr);
  EXPECT_TRUE(r->Verify().has_value());
}

TEST_P(SegmentTest, AddRejectsContractViolationsAsInvalid) {
  auto w = SegmentWriter::Create(env_, path_, 1, 1, Options());
  ASSERT_TRUE(w.has_value());
  SegmentWriter& wr = **w;
  ASSERT_TRUE(wr.Add({5, "m#b", ValueType::kFloat}, MakeColumn(ValueType::kFloat, 3)).has_value());

  Column unsorted = MakeColumn(ValueType::kFloat, 3);
  std::swap(unsorted.times[0], unsorted.times[1]);
  Column dup_times = MakeColumn(ValueType::kFloat, 3);
  dup_times.times[2] = dup_times.times[1];
  Column short_values = MakeColumn(ValueType::kFloat, 3);
  short_values.nums.pop_back();
  Column bad_bool = MakeColumn(ValueType::kBool, 3);
  bad_bool.nums[1] = 2;
  Column empty;
  struct Case {
    const char* what;
    SegmentSeries series;
    Column points;
  };
  std::vector<Case> cases = {
      {"equal key", {6, "m#b", ValueType::kFloat}, MakeColumn(ValueType::kFloat, 3)},
      {"smaller key", {6, "m#a", ValueType::kFloat}, MakeColumn(ValueType::kFloat, 3)},
      {"duplicate id", {5, "m#c", ValueType::kFloat}, MakeColumn(ValueType::kFloat, 3)},
      {"empty key", {6, "", ValueType::kFloat}, MakeColumn(ValueType::kFloat, 3)},
      {"no points", {6, "m#c", ValueType::kFloat}, empty},
      {"unsorted times", {6, "m#c", ValueType::kFloat}, unsorted},
      {"duplicate times", {6, "m#c", ValueType::kFloat}, dup_times},
      {"type mismatch", {6, "m#c", ValueType::kInt}, MakeColumn(ValueType::kFloat, 3)},
      {"invalid type", {6, "m#c", static_cast<ValueType>(9)}, MakeColumn(ValueType::kFloat, 3)},
      {"value count", {6, "m#c", ValueType::kFloat}, short_values},
      {"bool not 0/1", {6, "m#c", ValueType::kBool}, bad_bool},
  };
  for (const Case& c : cases) {
    auto s = wr.Add(c.series, c.points);
    ASSERT_FALSE(s.has_value()) << c.what;
    EXPECT_EQ(s.error().code(), Code::kInvalid) << c.what;
  }
  // Rejected calls wrote nothing: the writer still produces a valid segment.
  ASSERT_TRUE(wr.Add({6, "m#c", ValueType::kInt}, MakeColumn(ValueType::kInt, 2)).has_value());
  auto info = wr.Finish();
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->series_count, 2u);
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->Verify().has_value());
  auto again = wr.Finish();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), Code::kInvalid);
}

TEST_P(SegmentTest, NothingAppearsAtPathBeforeFinish) {
  auto w = SegmentWriter::Create(env_, path_, 1, 1, Options());
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE(
      (*w)->Add({1, "a#f", ValueType::kFloat}, MakeColumn(ValueType::kFloat, 5000)).has_value());
  EXPECT_FALSE(env_->FileExists(path_));
  EXPECT_TRUE(env_->FileExists(path_ + ".tmp"));
  ASSERT_TRUE((*w)->Finish().has_value());
  EXPECT_TRUE(env_->FileExists(path_));
  EXPECT_FALSE(env_->FileExists(path_ + ".tmp"));
}

TEST_P(SegmentTest, AbandonedWriterRemovesItsTempFile) {
  {
    auto w = SegmentWriter::Create(env_, path_, 1, 1, Options());
    ASSERT_TRUE(w.has_value());
    ASSERT_TRUE((*w)->Add({1, "a#f", ValueType::kFloat}, MakeColumn(ValueType::kFloat, 100000))
                    .has_value());
  }
  EXPECT_FALSE(env_->FileExists(path_));
  EXPECT_FALSE(env_->FileExists(path_ + ".tmp"));
  EXPECT_TRUE(env_->ListDir(dir_)->empty());
}

// A codec bug must fail the write instead of persisting a block nobody can read (issue 13): the
// writer decodes every block it encodes and compares it with its points.
void EncodeWithAFlippedLastByte(const Column& col, size_t begin, size_t end, std::string* out,
                                BlockEncoding encoding) {
  const size_t start = out->size();
  EncodeBlock(col, begin, end, out, encoding);
  if (out->size() > start) out->back() = static_cast<char>(out->back() ^ 1);
}

void EncodeDroppingTheLastTime(const Column& col, size_t begin, size_t end, std::string* out,
                               BlockEncoding encoding) {
  Column shorter = col;
  shorter.times.back() = shorter.times[shorter.size() - 2] + 1;  // still increasing, but not col's
  EncodeBlock(shorter, begin, end, out, encoding);
}

void EncodeColumnWithAFlippedLastByte(const Column& col, size_t begin, size_t end,
                                      std::string* out, IntForms forms) {
  EncodeValueColumn(col, begin, end, out, forms);
  out->back() = static_cast<char>(out->back() ^ 1);
}

void EncodeColumnChangingTheLastValue(const Column& col, size_t begin, size_t end,
                                      std::string* out, IntForms forms) {
  Column other = col;
  if (other.type == ValueType::kString) {
    other.strs[end - 1] += "?";
  } else {
    other.nums[end - 1] ^= 1;
  }
  EncodeValueColumn(other, begin, end, out, forms);
}

TEST_P(SegmentTest, BlockThatDoesNotRoundTripFailsTheWriterAndLeavesNoFile) {
  for (int faulty = 0; faulty < 2; faulty++) {
    for (ValueType type : {ValueType::kFloat, ValueType::kInt, ValueType::kString}) {
      SegmentWriterOptions options = Options();
      options.block_encoder = faulty == 0 ? &EncodeWithAFlippedLastByte : &EncodeDroppingTheLastTime;
      options.column_encoder = faulty == 0 ? &EncodeColumnWithAFlippedLastByte
                                           : &EncodeColumnChangingTheLastValue;
      auto w = SegmentWriter::Create(env_, path_, 1, 1, options);
      ASSERT_TRUE(w.has_value());
      // Format 2 writes a tag set once the next begins (or at Finish).
      auto s = (*w)->Add({1, "a#f", type}, MakeColumn(type, 3000));
      if (format() != kSegmentFormatV1) {
        ASSERT_TRUE(s.has_value());
        s = (*w)->Add({3, "a,x=1#f", type}, MakeColumn(type, 3));
      }
      ASSERT_FALSE(s.has_value()) << ValueTypeName(type);
      EXPECT_EQ(s.error().code(), Code::kError);
      EXPECT_NE(s.error().message().find("stay in the MemStore"), std::string::npos)
          << s.error().message();
      // The writer stays failed: no segment can be finished from it.
      EXPECT_FALSE((*w)->Add({2, "b#f", type}, MakeColumn(type, 3)).has_value());
      EXPECT_FALSE((*w)->Finish().has_value());
      w->reset();
      EXPECT_FALSE(env_->FileExists(path_));
      EXPECT_TRUE(env_->ListDir(dir_)->empty());
    }
  }
}

// Large strings end a block before its values pass kMaxBlockValueBytes, so every block's payload
// fits its u32 length however large the strings are.
TEST_P(SegmentTest, LargeStringsAreSplitIntoBlocksByBytes) {
  Column c;
  c.type = ValueType::kString;
  for (int i = 0; i < 10; i++) {
    c.times.push_back(100 + i);
    c.strs.push_back(std::string(SegmentWriter::kMaxBlockValueBytes * 3 / 8 + i, 'a' + i));
  }
  c.times.push_back(200);
  c.strs.push_back(std::string(SegmentWriter::kMaxBlockValueBytes + 5, 'z'));  // one alone
  Write({{{1, "s#v", ValueType::kString}, c}});
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  const auto& blocks = r->index()[0].blocks;
  ASSERT_EQ(blocks.size(), 6u);  // 2 + 2 + 2 + 2 + 2 + 1
  for (size_t k = 0; k + 1 < blocks.size(); k++) EXPECT_EQ(blocks[k].count, 2u);
  EXPECT_EQ(blocks.back().count, 1u);
  Column got;
  got.type = ValueType::kString;
  ASSERT_TRUE(r->Read(r->index()[0], INT64_MIN, INT64_MAX, &got));
  ExpectSameColumn(c, got);
}

TEST_P(SegmentTest, OpenOfMissingFileIsNotCorrupt) {
  auto r = SegmentReader::Open(env_, JoinPath(dir_, "nope.sst"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().code(), Code::kCorrupt);
}

// A block whose checksum is valid but whose times are out of order is still caught.
TEST_P(SegmentTest, ChecksumValidBlockWithUnorderedTimesIsCorrupt) {
  if (format() != kSegmentFormatV1) GTEST_SKIP() << "format 2: ForgedRowGroupWithUnorderedTimes...";
  Write({{{1, "s#i", ValueType::kInt}, MakeColumn(ValueType::kInt, 10)}});
  BlockRef b;
  {
    auto r = Open(path_);
    ASSERT_NE(r, nullptr);
    b = r->index()[0].blocks[0];
  }
  std::string data = *env_->ReadFile(path_);
  const size_t t1 = b.offset + kBlockHeaderSize + 8 * 1, t2 = t1 + 8;
  for (size_t k = 0; k < 8; k++) std::swap(data[t1 + k], data[t2 + k]);
  const size_t len =
      kBlockHeaderSize + DecodeFixed32(data.data() + b.offset + kBlockHeaderSize - 4);
  EncodeFixed32(data.data() + b.offset + len, Crc32(data.data() + b.offset, len));
  WriteBytes(path_, data);
  auto r = Open(path_);
  ASSERT_NE(r, nullptr);
  Column got;
  got.type = ValueType::kInt;
  auto s = r->Read(r->index()[0], kMin, kMax, &got);
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code(), Code::kCorrupt);
  EXPECT_NE(s.error().message().find(path_), std::string::npos);
  EXPECT_NE(s.error().message().find("offset " + std::to_string(b.offset)), std::string::npos);
  EXPECT_TRUE(got.empty());
}

// Format 2: a forged file whose one row group (checksum valid) holds times out of order, with an
// index that is consistent, opens, and every read of that block is Corrupt naming its offset.
TEST(SegmentFormat2Test, ForgedRowGroupWithUnorderedTimesIsCorrupt) {
  Column c;
  c.type = ValueType::kInt;
  c.times = {10, 30, 20, 40};
  c.nums = {1, 2, 3, 4};
  std::string file;
  PutFixed64(&file, kSegmentMagic);
  PutFixed32(&file, kSegmentFormatVersion);
  PutFixed64(&file, 5);  // segment id
  PutFixed64(&file, 1);  // created at
  PutFixed32(&file, 0);
  PutFixed32(&file, Crc32(file.data(), file.size()));
  const size_t group_at = file.size();
  EncodeRowGroup({&c}, 0, c.size(), &EncodeValueColumn, IntForms::kFormat5, &file);
  TagSetIndex t;
  t.key = "s";
  t.fields.push_back({"#i", 1, ValueType::kInt});
  BlockRef b{};
  b.count = 4;
  b.min_time = 10;
  b.max_time = 40;
  b.length = static_cast<uint32_t>(file.size() - group_at);
  t.groups.push_back({{0}, {b}, {}});
  const std::string index = EncodeSegmentIndex({t}, kSegmentFormatVersion);
  const uint64_t index_at = file.size();
  file += index;
  const size_t footer = file.size();
  for (uint64_t v : {uint64_t{1}, uint64_t{4}, uint64_t{10}, uint64_t{40}, index_at,
                     uint64_t{index.size()}}) {
    PutFixed64(&file, v);
  }
  PutFixed32(&file, Crc32(index));
  PutFixed32(&file, Crc32(file.data() + footer, file.size() - footer));
  PutFixed64(&file, kSegmentMagic);

  MemFileEnv env;
  env.Put("/forged.sst", file);
  auto r = SegmentReader::Open(&env, "/forged.sst");
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  for (bool cached : {false, true}) {
    BlockCache cache(1 << 20);
    Column got;
    got.type = ValueType::kInt;
    auto st = (*r)->Read((*r)->index()[0], kMin, kMax, &got, cached ? &cache : nullptr);
    ASSERT_FALSE(st.has_value());
    EXPECT_EQ(st.error().code(), Code::kCorrupt);
    EXPECT_NE(st.error().message().find("offset " + std::to_string(group_at)), std::string::npos)
        << st.error().message();
    EXPECT_TRUE(got.empty());
  }
  EXPECT_FALSE((*r)->Verify().has_value());
}

// Table-driven corruption (Prometheus style) over a small segment holding all four types.
class SegmentCorruptionTest : public SegmentTest {
 protected:
  void SetUp() override {
    SegmentTest::SetUp();
    series_ = SmallSegment();
    Write(series_);
    original_ = *env_->ReadFile(path_);
    for (const TestSeries& s : series_) by_key_[s.series.key] = &s;
    bad_path_ = JoinPath(dir_, "damaged.sst");
  }

  void ExpectCorruptNamingFile(const Error& e, const std::string& what) {
    EXPECT_EQ(e.code(), Code::kCorrupt) << what << ": " << e.ToString();
    EXPECT_NE(e.message().find(bad_path_), std::string::npos) << what << ": " << e.ToString();
  }

  // Opens the damaged file; every read that succeeds must return the original data, and at least
  // one of Open/Read/Verify must report the damage.
  void CheckDamaged(const std::string& data, const std::string& what) {
    mem_.Put(bad_path_, data);
    auto r = SegmentReader::Open(&mem_, bad_path_);
    if (!r.has_value()) {
      ExpectCorruptNamingFile(r.error(), what);
      return;
    }
    for (const SeriesIndexEntry& e : (*r)->index()) {
      auto it = by_key_.find(std::string(e.key));
      ASSERT_NE(it, by_key_.end()) << what;
      Column got;
      got.type = e.type;
      auto s = (*r)->Read(e, kMin, kMax, &got);
      if (s.has_value()) {
        ExpectSameColumn(it->second->points, got);
      } else {
        ExpectCorruptNamingFile(s.error(), what);
      }
      // Through a cache, twice: the same outcome each time (damage is never cached).
      BlockCache cache(1 << 20);
      for (int pass = 0; pass < 2; pass++) {
        Column cached;
        cached.type = e.type;
        auto cs = (*r)->Read(e, kMin, kMax, &cached, &cache);
        ASSERT_EQ(cs.has_value(), s.has_value()) << what << " pass " << pass;
        if (cs.has_value()) {
          ExpectSameColumn(it->second->points, cached);
        } else {
          ExpectCorruptNamingFile(cs.error(), what);
        }
      }
    }
    auto v = (*r)->Verify();
    ASSERT_FALSE(v.has_value()) << what << ": damage went unnoticed";
    ExpectCorruptNamingFile(v.error(), what);
  }

  std::vector<TestSeries> series_;
  std::map<std::string, const TestSeries*> by_key_;
  std::string original_;
  std::string bad_path_;
  MemFileEnv mem_;
};

TEST_P(SegmentCorruptionTest, TruncationAtEveryOffsetIsCorrupt) {
  for (size_t n = 0; n < original_.size(); n++) {
    mem_.Put(bad_path_, original_.substr(0, n));
    auto r = SegmentReader::Open(&mem_, bad_path_);
    ASSERT_FALSE(r.has_value()) << "truncated to " << n;
    ExpectCorruptNamingFile(r.error(), "truncated to " + std::to_string(n));
  }
}

TEST_P(SegmentCorruptionTest, BitFlipAtEveryOffsetIsDetectedAndNeverReturnsWrongData) {
  for (size_t i = 0; i < original_.size(); i++) {
    std::string data = original_;
    data[i] ^= static_cast<char>(1 << (i % 8));
    CheckDamaged(data, "flip at " + std::to_string(i));
    if (HasFatalFailure()) return;
  }
}

TEST_P(SegmentCorruptionTest, ByteOverwriteInEveryRegionIsDetected) {
  // Whole-byte damage (0x00 and 0xFF) in header, section headers, blocks, index and footer.
  for (char fill : {'\x00', '\xff'}) {
    for (size_t i = 0; i < original_.size(); i++) {
      if (original_[i] == fill) continue;
      std::string data = original_;
      data[i] = fill;
      CheckDamaged(data, "byte " + std::to_string(i) + " set");
      if (HasFatalFailure()) return;
    }
  }
}

TEST_P(SegmentCorruptionTest, AppendedGarbageIsCorrupt) {
  CheckDamaged(original_ + "x", "one byte appended");
  CheckDamaged(original_ + original_, "file doubled");
}

INSTANTIATE_TEST_SUITE_P(Formats, SegmentTest,
                         ::testing::Values(kSegmentFormatV1, kSegmentFormatV2, kSegmentFormatV3,
                                           kSegmentFormatV4, kSegmentFormatVersion));
INSTANTIATE_TEST_SUITE_P(Formats, SegmentCorruptionTest,
                         ::testing::Values(kSegmentFormatV1, kSegmentFormatV2, kSegmentFormatV3,
                                           kSegmentFormatV4, kSegmentFormatVersion));

}  // namespace
}  // namespace strata
