#include "identity_file.h"

#include <gtest/gtest.h>

#include <fstream>

#include "engine/engine_test_util.h"
#include "options.h"
#include "storage_engine.h"

namespace strata {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void Put(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

TEST(IdentityFile, RoundTripsTheShardDuration) {
  testing::TempDir dir;
  EXPECT_FALSE(HasIdentityFile(Env::Default(), dir.path()));
  EXPECT_EQ(ReadIdentity(Env::Default(), dir.path()).error().code(), Code::kNotFound);
  ASSERT_TRUE(WriteIdentity(Env::Default(), dir.path(), Identity{3'600'000'000'000}));
  EXPECT_TRUE(HasIdentityFile(Env::Default(), dir.path()));
  auto id = ReadIdentity(Env::Default(), dir.path());
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->shard_duration_ns, 3'600'000'000'000);
  EXPECT_EQ(Read(dir.Sub("STRATA")).rfind("strata data directory\nformat 1\n", 0), 0u);
  EXPECT_FALSE(WriteIdentity(Env::Default(), dir.path(), Identity{kMinShardDurationNs - 1}));
}

TEST(IdentityFile, OlderFormatsStayReadable) {
  testing::TempDir dir;
  Put(dir.Sub("STRATA"), "strata data directory\nformat 1\n");
  EXPECT_EQ(ReadIdentity(Env::Default(), dir.path())->shard_duration_ns, 0);
  Put(dir.Sub("STRATA"), "strata data directory\nformat 1\nshard_duration_ns 86400000000000\n");
  EXPECT_EQ(ReadIdentity(Env::Default(), dir.path())->shard_duration_ns, 86'400'000'000'000);
}

// Every byte matters: a flipped one is Corrupt (before the checksum line, a changed digit of the
// duration would have laid the shards out anew without a word).
TEST(IdentityFile, AnyFlippedByteIsCorrupt) {
  testing::TempDir dir;
  ASSERT_TRUE(WriteIdentity(Env::Default(), dir.path(), Identity{86'400'000'000'000}));
  const std::string good = Read(dir.Sub("STRATA"));
  for (size_t i = 0; i < good.size(); i++) {
    for (char bit : {'\x01', '\x20'}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ bit);
      Put(dir.Sub("STRATA"), bad);
      auto id = ReadIdentity(Env::Default(), dir.path());
      ASSERT_FALSE(id.has_value()) << "byte " << i;
      EXPECT_EQ(id.error().code(), Code::kCorrupt) << "byte " << i;
      EXPECT_NE(id.error().message().find(dir.Sub("STRATA")), std::string::npos);
    }
  }
}

// A first open killed while it wrote the identity (crash test, round 0) leaves LOCK and the
// identity's temporary file: the next open takes the directory as new, and anything else in a
// directory without an identity is still refused.
TEST(IdentityFile, AFirstOpenKilledBeforeItsIdentityLeavesANewDirectory) {
  testing::TempDir dir;
  const std::string d = dir.Sub("db");
  ASSERT_TRUE(Env::Default()->CreateDirs(d));
  Put(d + "/LOCK", "");
  Put(d + "/STRATA.tmp", "strata data dir");  // torn
  {
    auto engine = StorageEngine::Open(d, Options());
    ASSERT_TRUE(engine.has_value()) << engine.error().ToString();
  }
  EXPECT_TRUE(HasIdentityFile(Env::Default(), d));
  const std::string other = dir.Sub("other");
  ASSERT_TRUE(Env::Default()->CreateDirs(other));
  Put(other + "/LOCK", "");
  Put(other + "/notes.txt", "mine");
  auto refused = StorageEngine::Open(other, Options());
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message().find("is not a Strata data directory"), std::string::npos);
}

}  // namespace
}  // namespace strata
