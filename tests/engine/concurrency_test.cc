// Many writers, readers, flushes and compactions at once on one engine. Run under TSan in CI
// (label "concurrency"); the assertions check that readers only ever see whole, ordered, correct
// data and that nothing written is lost.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "engine/engine_test_util.h"
#include "storage_engine.h"

namespace strata {
namespace {

constexpr int kWriters = 4;
constexpr int kBatches = 60;
constexpr int kPointsPerBatch = 100;

TEST(Concurrency, WritersReadersFlushesAndCompactionsAgree) {
  testing::TempDir tmp;
  Options o;
  o.memstore_bytes = 64 << 10;
  o.wal_segment_bytes = 64 << 10;
  o.block_cache_bytes = 16 << 10;  // a few blocks: readers keep evicting each other's
  auto opened = StorageEngine::Open(tmp.Sub("db"), o);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  std::shared_ptr<StorageEngine> db = *opened;

  std::atomic<int> writers_done{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; w++) {
    threads.emplace_back([&, w] {
      std::vector<Tag> tags{{"writer", std::to_string(w)}};
      for (int b = 0; b < kBatches; b++) {
        WriteBatch batch;
        for (int i = 0; i < kPointsPerBatch; i++) {
          const int64_t t = static_cast<int64_t>(b) * kPointsPerBatch + i;
          if (!batch.AddInt("c", tags, "v", t, t * 10 + w)) failed = true;
        }
        if (auto s = db->Write(batch); !s) {
          ADD_FAILURE() << s.error().ToString();
          failed = true;
        }
      }
      writers_done++;
    });
  }
  for (int r = 0; r < 2; r++) {
    threads.emplace_back([&] {
      while (writers_done.load() < kWriters && !failed) {
        QueryRequest q;
        q.measurement = "c";
        auto cursor = db->Query(q);
        ASSERT_TRUE(cursor.has_value());
        while (true) {
          auto more = (*cursor)->Next();
          ASSERT_TRUE(more.has_value()) << more.error().ToString();
          if (!*more) break;
          const Column& c = (*cursor)->points();
          const int w = std::stoi((*cursor)->series().tags[0].value);
          for (size_t i = 0; i < c.size(); i++) {
            ASSERT_EQ(static_cast<int64_t>(c.nums[i]), c.times[i] * 10 + w);
            if (i > 0) {
              ASSERT_LT(c.times[i - 1], c.times[i]);
            }
          }
          // Whole batches only: a batch is applied to the MemStore as one unit.
          ASSERT_EQ(c.size() % kPointsPerBatch, 0u);
        }
      }
    });
  }
  threads.emplace_back([&] {
    int n = 0;
    while (writers_done.load() < kWriters && !failed) {
      if (++n % 5 == 0) {
        ASSERT_TRUE(db->Compact());
      } else {
        ASSERT_TRUE(db->Flush());
      }
      std::this_thread::yield();
    }
  });
  for (auto& t : threads) t.join();
  ASSERT_FALSE(failed);

  auto check = [&](StorageEngine& engine) {
    QueryRequest q;
    q.measurement = "c";
    auto got = testing::QueryAll(engine, q);
    ASSERT_EQ(got.size(), static_cast<size_t>(kWriters));
    for (const auto& [key, points] : got) {
      ASSERT_EQ(points.size(), static_cast<size_t>(kBatches * kPointsPerBatch)) << key;
    }
  };
  check(*db);
  db.reset();
  auto reopened = StorageEngine::Open(tmp.Sub("db"), o);
  ASSERT_TRUE(reopened.has_value());
  check(**reopened);
}

}  // namespace
}  // namespace strata
