#include "options.h"

#include <gtest/gtest.h>

#include <string>

namespace strata {
namespace {

std::string ErrorOf(std::string_view text) {
  auto r = ParseOptions(text);
  if (r) return "(ok)";
  EXPECT_EQ(r.error().code(), Code::kInvalid);
  return r.error().message();
}

TEST(ParseOptions, EmptyTextGivesDefaults) {
  auto r = ParseOptions("");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, Options());
  EXPECT_EQ(r->sync, SyncMode::kFull);
  EXPECT_EQ(r->sync_interval_ms, 1000);
  EXPECT_EQ(r->memstore_bytes, 64ull << 20);
  EXPECT_EQ(r->wal_segment_bytes, 64ull << 20);
  EXPECT_EQ(r->shard_duration_ns, 0);  // the data directory's (1d for a new one)
  EXPECT_EQ(r->retention_ns, 0);
  EXPECT_EQ(r->compaction_threads, 1);
  EXPECT_EQ(r->block_cache_bytes, 32ull << 20);
  EXPECT_EQ(r->env, Env::Default());
  EXPECT_TRUE(ParseOptions("  ; ;").has_value());
}

TEST(ParseOptions, EveryKeyIsParsed) {
  auto r = ParseOptions(
      " sync = normal ; sync_interval_ms=250;memstore_bytes=8MiB;wal_segment_bytes=1MB;"
      "shard_duration=1h;retention=7d;compaction_threads=4;block_cache_bytes=2 MiB;");
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->sync, SyncMode::kNormal);
  EXPECT_EQ(r->sync_interval_ms, 250);
  EXPECT_EQ(r->memstore_bytes, 8ull << 20);
  EXPECT_EQ(r->wal_segment_bytes, 1'000'000u);
  EXPECT_EQ(r->shard_duration_ns, 3'600'000'000'000);
  EXPECT_EQ(r->retention_ns, 7 * 86'400'000'000'000);
  EXPECT_EQ(r->compaction_threads, 4);
  EXPECT_EQ(r->block_cache_bytes, 2ull << 20);
}

TEST(ParseOptions, BlockCacheBytes) {
  auto off = ParseOptions("block_cache_bytes=0");
  ASSERT_TRUE(off.has_value());
  EXPECT_EQ(off->block_cache_bytes, 0u);
  EXPECT_EQ(ParseOptions(FormatOptions(*off))->block_cache_bytes, 0u);
  EXPECT_EQ(ErrorOf("block_cache_bytes=lots").rfind(
                "option block_cache_bytes: 'lots' is not a byte size", 0),
            0u);
}

TEST(ParseOptions, SyncOffAndRetentionZeroAreAccepted) {
  auto r = ParseOptions("sync=off;retention=0");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->sync, SyncMode::kOff);
  EXPECT_EQ(r->retention_ns, 0);
}

TEST(ParseOptions, BadByteSizeNamesKeyAndValue) {
  EXPECT_EQ(
      ErrorOf("memstore_bytes=12x").rfind("option memstore_bytes: '12x' is not a byte size", 0),
      0u);
}

TEST(ParseOptions, UnknownKeyIsInvalid) {
  EXPECT_EQ(ErrorOf("cache_size=5"), "unknown option 'cache_size' (value '5')");
}

TEST(ParseOptions, DuplicateKeyIsInvalid) {
  EXPECT_EQ(ErrorOf("sync=off;sync=full"), "option sync: 'full' repeats a key already given");
}

TEST(ParseOptions, ItemWithoutEqualsIsInvalid) {
  EXPECT_EQ(ErrorOf("sync"), "option 'sync': expected key=value");
}

TEST(ParseOptions, BadSyncModeIsInvalid) {
  EXPECT_EQ(ErrorOf("sync=sometimes"), "option sync: 'sometimes' is not one of full, normal, off");
  EXPECT_EQ(ErrorOf("sync="), "option sync: '' is not one of full, normal, off");
}

TEST(ParseOptions, OutOfRangeValuesAreInvalid) {
  EXPECT_EQ(ErrorOf("memstore_bytes=1000"), "option memstore_bytes: '1000' is less than 64KiB");
  EXPECT_EQ(ErrorOf("wal_segment_bytes=65535"),
            "option wal_segment_bytes: '65535' is less than 64KiB");
  EXPECT_EQ(ErrorOf("wal_segment_bytes=64KiB"), "(ok)");
  EXPECT_EQ(ErrorOf("shard_duration=999ms"), "option shard_duration: '999ms' is less than 1s");
  EXPECT_EQ(ErrorOf("shard_duration=0"), "option shard_duration: '0' is less than 1s");
  EXPECT_EQ(ErrorOf("compaction_threads=0"),
            "option compaction_threads: '0' is out of range [1, 64]");
  EXPECT_EQ(ErrorOf("compaction_threads=65"),
            "option compaction_threads: '65' is out of range [1, 64]");
  EXPECT_EQ(ErrorOf("compaction_threads=99999999999999999999"),
            "option compaction_threads: '99999999999999999999' is out of range [1, 64]");
  EXPECT_EQ(ErrorOf("sync_interval_ms=0"),
            "option sync_interval_ms: '0' is out of range [1, 3600000]");
  EXPECT_EQ(ErrorOf("sync_interval_ms=3600001"),
            "option sync_interval_ms: '3600001' is out of range [1, 3600000]");
  EXPECT_EQ(ErrorOf("sync_interval_ms=-5"),
            "option sync_interval_ms: '-5' is out of range [1, 3600000]");
}

TEST(ParseOptions, MalformedNumbersAreInvalid) {
  EXPECT_EQ(ErrorOf("compaction_threads=two"),
            "option compaction_threads: 'two' is not an integer");
  EXPECT_EQ(ErrorOf("sync_interval_ms=1s"), "option sync_interval_ms: '1s' is not an integer");
  EXPECT_EQ(ErrorOf("retention=forever").rfind("option retention: 'forever' is not a duration", 0),
            0u);
}

TEST(ParseOptions, ControlBytesInMessagesAreEscaped) {
  EXPECT_EQ(ErrorOf(std::string_view("bad\x01key=1", 9)),
            "unknown option 'bad\\x01key' (value '1')");
}

TEST(ParseOptions, FormatRoundTrips) {
  Options o;
  o.sync = SyncMode::kNormal;
  o.sync_interval_ms = 17;
  o.memstore_bytes = 1'234'567;
  o.wal_segment_bytes = 3ull << 30;
  o.shard_duration_ns = 90 * 60'000'000'000ll;
  o.retention_ns = 0;
  o.compaction_threads = 3;
  o.block_cache_bytes = 5ull << 20;
  auto r = ParseOptions(FormatOptions(o));
  ASSERT_TRUE(r.has_value()) << FormatOptions(o);
  EXPECT_EQ(*r, o);
  EXPECT_EQ(FormatOptions(Options()),
            "sync=full;sync_interval_ms=1000;memstore_bytes=64MiB;wal_segment_bytes=64MiB;"
            "retention=0ns;compaction_threads=1;block_cache_bytes=32MiB");
  o.shard_duration_ns = 0;
  EXPECT_EQ(*ParseOptions(FormatOptions(o)), o);
}

TEST(ParseDuration, UnitsScaleToNanoseconds) {
  struct Case {
    const char* text;
    int64_t ns;
  } cases[] = {
      {"500ms", 500'000'000},
      {"10s", 10'000'000'000},
      {"30m", 1'800'000'000'000},
      {"1h", 3'600'000'000'000},
      {"1d", 86'400'000'000'000},
      {"7d", 604'800'000'000'000},
      {"2w", 1'209'600'000'000'000},
      {"123", 123},
      {"5ns", 5},
      {"7us", 7'000},
      {" 3s ", 3'000'000'000},
      {"0", 0},
      {"9223372036854775807", 9'223'372'036'854'775'807},
  };
  for (const Case& c : cases) {
    auto r = ParseDuration(c.text);
    ASSERT_TRUE(r.has_value()) << c.text << ": " << r.error().message();
    EXPECT_EQ(*r, c.ns) << c.text;
  }
}

TEST(ParseDuration, MalformedTextIsInvalid) {
  for (const char* t : {"", "s", "-1s", "1.5h", "1 h", "10S", "1y", "1hh", "+1s", "ms"}) {
    auto r = ParseDuration(t);
    ASSERT_FALSE(r.has_value()) << t;
    EXPECT_EQ(r.error().code(), Code::kInvalid);
    EXPECT_NE(r.error().message().find("is not a duration"), std::string::npos) << t;
  }
}

TEST(ParseDuration, OverflowIsInvalid) {
  for (const char* t : {"9223372036854775808", "15251w", "106752d", "99999999999999999999999s"}) {
    auto r = ParseDuration(t);
    ASSERT_FALSE(r.has_value()) << t;
    EXPECT_EQ(r.error().message(), "'" + std::string(t) + "' is too long a duration");
  }
  EXPECT_TRUE(ParseDuration("15250w").has_value());
}

TEST(ParseByteSize, SuffixesAreCaseInsensitive) {
  struct Case {
    const char* text;
    uint64_t bytes;
  } cases[] = {
      {"65536", 65536},
      {"64KiB", 65536},
      {"64kib", 65536},
      {"1KB", 1000},
      {"1kb", 1000},
      {"2MB", 2'000'000},
      {"2MiB", 2ull << 20},
      {"3GB", 3'000'000'000},
      {"3GiB", 3ull << 30},
      {"1TiB", 1ull << 40},
      {"7B", 7},
      {" 8 MiB ", 8ull << 20},
      {"18446744073709551615", 18446744073709551615ull},
  };
  for (const Case& c : cases) {
    auto r = ParseByteSize(c.text);
    ASSERT_TRUE(r.has_value()) << c.text << ": " << r.error().message();
    EXPECT_EQ(*r, c.bytes) << c.text;
  }
}

TEST(ParseByteSize, MalformedTextIsInvalid) {
  for (const char* t : {"", "MB", "12x", "-1", "1.5MB", "1M", "1 K B", "0x10"}) {
    auto r = ParseByteSize(t);
    ASSERT_FALSE(r.has_value()) << t;
    EXPECT_NE(r.error().message().find("is not a byte size"), std::string::npos) << t;
  }
}

TEST(ParseByteSize, OverflowIsInvalid) {
  for (const char* t : {"18446744073709551616", "16777216TiB", "20000000000GB"}) {
    auto r = ParseByteSize(t);
    ASSERT_FALSE(r.has_value()) << t;
    EXPECT_EQ(r.error().message(), "'" + std::string(t) + "' is too large a byte size");
  }
}

TEST(FormatDuration, PicksTheLargestExactUnit) {
  EXPECT_EQ(FormatDuration(0), "0ns");
  EXPECT_EQ(FormatDuration(1'500'000'000), "1500ms");
  EXPECT_EQ(FormatDuration(2 * 604'800'000'000'000), "2w");
  EXPECT_EQ(FormatByteSize(64ull << 20), "64MiB");
  EXPECT_EQ(FormatByteSize(2'000'000), "2MB");
  EXPECT_EQ(FormatByteSize(1023), "1023B");
}

}  // namespace
}  // namespace strata
