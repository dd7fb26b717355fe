#include "manifest.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <limits>

#include "env.h"

namespace strata {
namespace {

class ManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/strata_manifest_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = JoinPath(dir_, "MANIFEST");
  }
  void TearDown() override { (void)env_->RemoveDirRecursive(dir_); }

  static Manifest Sample() {
    Manifest m;
    m.flushed_lsn = 123456789012345ull;
    m.next_segment_id = 300;
    m.segments.push_back({1, SegmentFileName(1), 0, -5, 99, 17, 1000, 65536});
    m.segments.push_back({299, SegmentFileName(299), 3, std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max(), ~0ull, 0, 100});
    m.segments.push_back({42, "seg-custom.sst", 1, std::numeric_limits<int64_t>::max(),
                          std::numeric_limits<int64_t>::min(), 0, 0, 100});
    m.tombstones.push_back({7, -100, 100, 18});
    m.tombstones.push_back(
        {~0ull, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 1});
    return m;
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

  void ExpectCorrupt(const std::string& data, const std::string& what) {
    WriteBytes(path_, data);
    auto m = ReadManifest(env_, path_);
    ASSERT_FALSE(m.has_value()) << what;
    EXPECT_EQ(m.error().code(), Code::kCorrupt) << what << ": " << m.error().ToString();
    EXPECT_NE(m.error().message().find(path_), std::string::npos) << what;
  }

  Env* env_ = Env::Default();
  std::string dir_;
  std::string path_;
};

TEST(SegmentFileName, IsSixteenHexDigits) {
  EXPECT_EQ(SegmentFileName(1), "seg-0000000000000001.sst");
  EXPECT_EQ(SegmentFileName(0xabcdef0123456789ull), "seg-abcdef0123456789.sst");
}

TEST_F(ManifestTest, RoundTripsEveryField) {
  const Manifest m = Sample();
  ASSERT_TRUE(WriteManifest(env_, path_, m).has_value());
  auto got = ReadManifest(env_, path_);
  ASSERT_TRUE(got.has_value()) << got.error().ToString();
  EXPECT_EQ(*got, m);
  EXPECT_FALSE(env_->FileExists(path_ + ".tmp"));
}

TEST_F(ManifestTest, EmptyManifestRoundTrips) {
  ASSERT_TRUE(WriteManifest(env_, path_, Manifest{}).has_value());
  auto got = ReadManifest(env_, path_);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, Manifest{});
}

TEST_F(ManifestTest, RewriteReplacesTheWholeManifest) {
  ASSERT_TRUE(WriteManifest(env_, path_, Sample()).has_value());
  Manifest m;
  m.next_segment_id = 5;
  m.segments.push_back({4, SegmentFileName(4), 1, 0, 1, 2, 3, 4});
  ASSERT_TRUE(WriteManifest(env_, path_, m).has_value());
  EXPECT_EQ(*ReadManifest(env_, path_), m);
}

TEST_F(ManifestTest, MissingManifestIsNotFound) {
  auto m = ReadManifest(env_, path_);
  ASSERT_FALSE(m.has_value());
  EXPECT_EQ(m.error().code(), Code::kNotFound);
}

TEST_F(ManifestTest, WriteRejectsBrokenInvariants) {
  struct Case {
    const char* what;
    Manifest m;
  };
  std::vector<Case> cases;
  cases.push_back({"duplicate id", Sample()});
  cases.back().m.segments[1].id = 1;
  cases.push_back({"id not below next", Sample()});
  cases.back().m.next_segment_id = 299;
  cases.push_back({"path in file name", Sample()});
  cases.back().m.segments[0].file = "../escape.sst";
  cases.push_back({"empty file name", Sample()});
  cases.back().m.segments[0].file = "";
  cases.push_back({"dot dot", Sample()});
  cases.back().m.segments[0].file = "..";
  cases.push_back({"negative level", Sample()});
  cases.back().m.segments[0].level = -1;
  cases.push_back({"level too high", Sample()});
  cases.back().m.segments[0].level = kMaxLevels;
  cases.push_back({"empty tombstone", Sample()});
  cases.back().m.tombstones[0].min_time = 101;
  for (const Case& c : cases) {
    auto s = WriteManifest(env_, path_, c.m);
    ASSERT_FALSE(s.has_value()) << c.what;
    EXPECT_EQ(s.error().code(), Code::kInvalid) << c.what;
    EXPECT_FALSE(env_->FileExists(path_)) << c.what;
  }
}

TEST_F(ManifestTest, TruncationAtEveryOffsetIsCorrupt) {
  ASSERT_TRUE(WriteManifest(env_, path_, Sample()).has_value());
  const std::string original = *env_->ReadFile(path_);
  for (size_t n = 0; n < original.size(); n++) {
    ExpectCorrupt(original.substr(0, n), "truncated to " + std::to_string(n));
    if (HasFatalFailure()) return;
  }
}

TEST_F(ManifestTest, DamageAtEveryOffsetIsCorrupt) {
  ASSERT_TRUE(WriteManifest(env_, path_, Sample()).has_value());
  const std::string original = *env_->ReadFile(path_);
  for (size_t i = 0; i < original.size(); i++) {
    for (int bit = 0; bit < 8; bit++) {
      std::string data = original;
      data[i] ^= static_cast<char>(1 << bit);
      ExpectCorrupt(data, "bit " + std::to_string(bit) + " of byte " + std::to_string(i));
      if (HasFatalFailure()) return;
    }
    std::string data = original;
    data[i] = static_cast<char>(~data[i]);
    ExpectCorrupt(data, "byte " + std::to_string(i) + " inverted");
  }
  ExpectCorrupt(original + '\0', "byte appended");
}

}  // namespace
}  // namespace strata
