// The one key every layer gives an open data directory (data_dir.h): StorageEngine::Open and,
// through the C ABI, the SQLite module; and the identity test they share (identity_file.h).
#include "data_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine_test_util.h"
#include "identity_file.h"
#include "storage_engine.h"

namespace strata {
namespace {

using strata::testing::TempDir;

TEST(DataDir, OnlyADirectoryHoldingTheIdentityFileIsOne) {
  TempDir tmp;
  Env* env = Env::Default();
  EXPECT_FALSE(HasIdentityFile(env, tmp.Sub("missing")));
  std::filesystem::create_directory(tmp.Sub("empty"));
  EXPECT_FALSE(HasIdentityFile(env, tmp.Sub("empty")));
  std::filesystem::create_directory(tmp.Sub("foreign"));
  std::ofstream(tmp.Sub("foreign/notes.txt")) << "x";
  EXPECT_FALSE(HasIdentityFile(env, tmp.Sub("foreign")));
  {
    auto engine = StorageEngine::Open(tmp.Sub("data"), Options());
    ASSERT_TRUE(engine.has_value()) << engine.error().message();
  }
  EXPECT_TRUE(HasIdentityFile(env, tmp.Sub("data")));
  EXPECT_TRUE(std::filesystem::is_regular_file(tmp.Sub(std::string("data/") + kIdentityFileName)));
}

TEST(DataDir, EveryPathOfADirectoryHasOneKey) {
  TempDir tmp;
  std::filesystem::create_directories(tmp.Sub("a/b"));
  std::filesystem::create_directory_symlink(tmp.Sub("a/b"), tmp.Sub("link"));
  auto key = CanonicalDataDir(tmp.Sub("a/b"));
  ASSERT_TRUE(key.has_value()) << key.error().message();
  EXPECT_TRUE(std::filesystem::path(*key).is_absolute());
  for (const std::string& other : {tmp.Sub("a/b/"), tmp.Sub("a/./b"), tmp.Sub("a/b/../b//"),
                                   tmp.Sub("link"), tmp.Sub("link/")}) {
    EXPECT_EQ(CanonicalDataDir(other).value_or(""), *key) << other;
  }
  // A directory yet to be created: the part that exists is resolved, the rest made normal.
  EXPECT_EQ(CanonicalDataDir(tmp.Sub("link/new/../new2/")).value_or(""), *key + "/new2");
  // A relative path is taken from the current directory.
  const auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(tmp.Sub("a"));
  EXPECT_EQ(CanonicalDataDir("b").value_or(""), *key);
  EXPECT_EQ(CanonicalDataDir("./b/c").value_or(""), *key + "/c");
  std::filesystem::current_path(cwd);
  EXPECT_FALSE(CanonicalDataDir("").has_value());
}

TEST(DataDir, OpeningTwoPathsOfOneDirectorySharesOneEngine) {
  TempDir tmp;
  std::filesystem::create_directory(tmp.Sub("d"));
  std::filesystem::create_directory_symlink(tmp.Sub("d"), tmp.Sub("link"));
  auto a = StorageEngine::Open(tmp.Sub("d"), Options());
  ASSERT_TRUE(a.has_value()) << a.error().message();
  auto b = StorageEngine::Open(tmp.Sub("link/"), Options());
  ASSERT_TRUE(b.has_value()) << b.error().message();
  EXPECT_EQ(a->get(), b->get());
}

}  // namespace
}  // namespace strata
