// Many writers, readers, flushes and compactions at once on one engine. Run under TSan in CI
// (label "concurrency"); the assertions check that readers only ever see whole, ordered, correct
// data and that nothing written is lost.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "engine/engine_test_util.h"
#include "row_cursor.h"
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
      // Odd writers reuse one batch and hand it over with WriteAndClear (applied by the apply
      // thread), then check that a read right after sees their last point.
      const bool take = w % 2 == 1;
      std::vector<Tag> tags{{"writer", std::to_string(w)}};
      WriteBatch reused;
      for (int b = 0; b < kBatches; b++) {
        WriteBatch fresh;
        WriteBatch& batch = take ? reused : fresh;
        int64_t last = 0;
        for (int i = 0; i < kPointsPerBatch; i++) {
          last = static_cast<int64_t>(b) * kPointsPerBatch + i;
          if (!batch.AddInt("c", tags, "v", last, last * 10 + w)) failed = true;
        }
        if (auto s = take ? db->WriteAndClear(batch) : db->Write(batch); !s) {
          ADD_FAILURE() << s.error().ToString();
          failed = true;
        }
        if (take && b % 10 == 0) {
          QueryRequest q;
          q.measurement = "c";
          q.tags = {TagFilter{"writer", {std::to_string(w)}}};
          q.min_time = last;
          auto seen = testing::QueryAll(*db, q);
          if (seen.size() != 1 || seen.begin()->second.size() != 1) {
            ADD_FAILURE() << "writer " << w << " does not see its point " << last;
            failed = true;
          }
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

// "The newest row of every tag set" read by several threads at once while a writer appends,
// flushes and compacts: the readers share the segments' memo of their series' newest values
// (filled in by whichever reader comes first). Every row must be whole and correct, and a tag
// set's newest time never goes back.
TEST(Concurrency, NewestRowReadsShareSegmentsWhileTheyChange) {
  constexpr int kTagSets = 4;
  constexpr int kNewestBatches = 80;
  constexpr int kPoints = 50;
  testing::TempDir tmp;
  Options o;
  o.memstore_bytes = 64 << 10;
  o.wal_segment_bytes = 64 << 10;
  auto opened = StorageEngine::Open(tmp.Sub("db"), o);
  ASSERT_TRUE(opened.has_value()) << opened.error().ToString();
  std::shared_ptr<StorageEngine> db = *opened;
  auto write_batch = [&](int b) {
    WriteBatch batch;
    for (int h = 0; h < kTagSets; h++) {
      std::vector<Tag> tags{{"host", std::to_string(h)}};
      for (int i = 0; i < kPoints; i++) {
        const int64_t t = static_cast<int64_t>(b) * kPoints + i;
        if (!batch.AddInt("n", tags, "v", t, t * 10 + h) ||
            !batch.AddString("n", tags, "s", t, "s" + std::to_string(t))) {
          return false;
        }
      }
    }
    auto s = db->Write(batch);
    EXPECT_TRUE(s.has_value()) << s.error().ToString();
    return s.has_value();
  };

  std::atomic<bool> done{false};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    for (int b = 0; b < kNewestBatches && !failed; b++) {
      if (!write_batch(b)) failed = true;
      if (b % 3 == 2 && !db->Flush()) failed = true;
      if (b % 20 == 19 && !db->Compact()) failed = true;
    }
    done = true;
  });
  for (int r = 0; r < 3; r++) {
    threads.emplace_back([&] {
      std::map<std::string, int64_t> newest;  // tag set -> newest time seen
      RowOptions options;
      options.descending = true;
      options.limit_per_tagset = 1;
      while (!done && !failed) {
        auto cursor = db->QueryRows(testing::All("n"), options);
        ASSERT_TRUE(cursor.has_value());
        RowCursor& c = **cursor;
        while (true) {
          auto more = c.Next();
          ASSERT_TRUE(more.has_value()) << more.error().ToString();
          if (!*more) break;
          const int h = std::stoi(c.tagset().tags[0].value);
          ASSERT_EQ(c.field_count(), 2u);
          for (size_t i = 0; i < 2; i++) {
            // Whole batches only, so both fields have the row's time.
            ASSERT_TRUE(c.has_value(i));
            const Column& col = c.column(i);
            if (c.field(i).field == "v") {
              ASSERT_EQ(static_cast<int64_t>(col.nums[c.value_index(i)]), c.time() * 10 + h);
            } else {
              ASSERT_EQ(col.strs[c.value_index(i)], "s" + std::to_string(c.time()));
            }
          }
          ASSERT_EQ((c.time() + 1) % kPoints, 0) << "not the newest point of a batch";
          auto [it, inserted] = newest.try_emplace(std::string(c.tagset().tagset_key), c.time());
          ASSERT_GE(c.time(), it->second);
          it->second = c.time();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_FALSE(failed);
  RowOptions newest;
  newest.descending = true;
  newest.limit_per_tagset = 1;
  auto cursor = db->QueryRows(testing::All("n"), newest);
  ASSERT_TRUE(cursor.has_value());
  for (int h = 0; h < kTagSets; h++) {
    auto more = (*cursor)->Next();
    ASSERT_TRUE(more.has_value() && *more);
    EXPECT_EQ((*cursor)->time(), int64_t{kNewestBatches} * kPoints - 1);
  }
}

}  // namespace
}  // namespace strata
