// Fault tests of a whole data directory (issue 13): a byte flipped in every region of every file
// kind (identity file, catalog log, WAL, manifests, segments). For each:
//   - `verify` (CheckDirectory) reports the file, as damage, or as a torn tail where a flip in the
//     last record of a log cannot be told from a write a crash cut short;
//   - an open either works, and then every read returns exactly the stored points or fails naming
//     the damaged file, or it fails naming the file, and changes no byte of the directory;
//   - `repair` leaves a directory that `verify` passes, that opens and reads completely, and from
//     which only points the repair reported lost are missing.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "directory_check.h"
#include "engine/engine_test_util.h"
#include "engine/faulty_env.h"
#include "repair.h"
#include "series_key.h"
#include "shapes/shaped_data.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDay = 86'400'000'000'000;
constexpr int64_t kT0 = 1704067200000000000;  // 2024-01-01, a window start

// (series key, time) -> value bytes: what a directory holds.
using Points = std::map<std::pair<std::string, int64_t>, std::string>;
using Tree = std::map<std::string, std::string>;  // relative path -> bytes

std::string ValueBytes(const Column& c, size_t i) {
  return c.type == ValueType::kString ? "s" + c.strs[i] : "n" + std::to_string(c.nums[i]);
}

Tree ReadTree(const std::string& root) {
  Tree t;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    t[fs::relative(e.path(), root).string()] =
        std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  return t;
}

void WriteTree(const std::string& root, const Tree& t) {
  fs::remove_all(root);
  for (const auto& [rel, bytes] : t) {
    const fs::path p = fs::path(root) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
  }
}

// Every point of every measurement, or the first read error (per measurement and window).
struct ReadResult {
  Points points;
  std::vector<std::string> errors;
};

ReadResult ReadAll(StorageEngine& db) {
  ReadResult r;
  for (const std::string& m : db.catalog().Measurements()) {
    for (int64_t w = kT0 - kDay; w <= kT0 + 2 * kDay; w += kDay) {
      QueryRequest q;
      q.measurement = m;
      q.min_time = w;
      q.max_time = w + kDay - 1;
      auto cursor = db.Query(q);
      if (!cursor) {
        r.errors.push_back(cursor.error().ToString());
        continue;
      }
      Points part;
      bool failed = false;
      while (true) {
        auto more = (*cursor)->Next();
        if (!more) {
          r.errors.push_back(more.error().ToString());
          failed = true;
          break;
        }
        if (!*more) break;
        const Column& c = (*cursor)->points();
        for (size_t i = 0; i < c.size(); i++) {
          part[{(*cursor)->series().key, c.times[i]}] = ValueBytes(c, i);
        }
      }
      if (!failed) r.points.insert(part.begin(), part.end());
    }
  }
  return r;
}

class DirectoryFaultTest : public ::testing::Test {
 protected:
  // A directory with every file kind: two measurements over two windows flushed to segments
  // (shaped values, repeated strings among them), a delete recorded in a manifest, and points
  // written after the flush that only the WAL holds, the last batch a record of its own.
  static void SetUpTestSuite() {
    testing::TempDir dir;
    {
      Options o;
      o.sync = SyncMode::kOff;
      auto db = StorageEngine::Open(dir.path(), o);
      ASSERT_TRUE(db.has_value()) << db.error().ToString();
      Write(**db, {{"dev", "a"}}, 0, 300);
      Write(**db, {{"dev", "b"}}, 1, 200);
      ASSERT_TRUE((*db)->Delete(QueryRequest{"m1", {{"dev", {"a"}}}, {}, kT0 + 50 * 60'000'000'000,
                                             kT0 + 60 * 60'000'000'000}));
      ASSERT_TRUE((*db)->Flush());
      Write(**db, {{"dev", "c"}}, 2, 40);  // only in the WAL
      Write(**db, {{"dev", "d"}}, 3, 5);   // the WAL's last record
      golden_points_ = new Points(ReadAll(**db).points);
      last_record_ = new std::set<std::string>();
      for (const auto& [point, value] : *golden_points_) {
        if (point.first.find("dev=d") != std::string::npos) last_record_->insert(point.first);
      }
    }
    golden_ = new Tree(ReadTree(dir.path()));
    golden_->erase("LOCK");
  }
  static void TearDownTestSuite() {
    delete golden_;
    delete golden_points_;
    delete last_record_;
  }

  // Points of both measurements for one tag set; `seed` varies the shapes.
  static void Write(StorageEngine& db, std::vector<Tag> tags, uint64_t seed, size_t n) {
    WriteBatch batch;
    const shapes::Shape shapes[] = {
        {ValueType::kString, shapes::Values::kConstant, shapes::Times::kRegular, n},
        {ValueType::kFloat, shapes::Values::kDecimal, shapes::Times::kJittered, n},
        {ValueType::kInt, shapes::Values::kCounter, shapes::Times::kRegular, n},
        {ValueType::kBool, shapes::Values::kRuns, shapes::Times::kRegular, n}};
    for (const char* m : {"m1", "m2"}) {
      for (const shapes::Shape& s : shapes) {
        // Times spread over two windows: every 10 min from kT0 - 20 h.
        Column c = shapes::Generate(s, seed, 0);
        for (int64_t& t : c.times) t = kT0 - 20 * 3'600'000'000'000 + (t / 10'000'000'000) * 600'000'000'000 + (t % 10'000'000'000);
        for (size_t i = 0; i < c.size(); i++) {
          ASSERT_TRUE(batch.Add(m, tags, std::string("f_") + ValueTypeName(s.type), c.times[i],
                                s.type, s.type == ValueType::kString ? 0 : c.nums[i],
                                s.type == ValueType::kString ? c.strs[i] : ""));
        }
      }
    }
    ASSERT_TRUE(db.Write(batch));
  }

  // Offsets to flip in a file of `size` bytes: every byte of small files, else the first and last
  // bytes and a stride through the middle.
  static std::vector<size_t> Offsets(size_t size) {
    std::vector<size_t> out;
    for (size_t i = 0; i < size; i++) {
      if (size <= 300 || i < 32 || i + 48 >= size || i % (size / 120 + 1) == 0) out.push_back(i);
    }
    return out;
  }

  static Tree* golden_;
  static Points* golden_points_;
  static std::set<std::string>* last_record_;  // series keys of the WAL's last record
};

Tree* DirectoryFaultTest::golden_ = nullptr;
Points* DirectoryFaultTest::golden_points_ = nullptr;
std::set<std::string>* DirectoryFaultTest::last_record_ = nullptr;

// Whether `lost` (from a repair report) covers the point.
bool Covered(const std::vector<LostData>& lost, const std::string& key, int64_t t) {
  return std::any_of(lost.begin(), lost.end(), [&](const LostData& l) {
    return (l.series_key.empty() || l.series_key == key) && l.min_time <= t && t <= l.max_time;
  });
}

TEST_F(DirectoryFaultTest, GoldenDirectoryIsClean) {
  testing::TempDir dir;
  WriteTree(dir.path(), *golden_);
  auto report = CheckDirectory(Env::Default(), dir.path());
  ASSERT_TRUE(report.has_value()) << report.error().ToString();
  for (const CheckFinding& f : report->findings) ADD_FAILURE() << f.message;
  EXPECT_GT(report->segments, 3u);
  EXPECT_GT(report->wal_records, 1u);
  EXPECT_GT(golden_points_->size(), 1000u);
}

TEST_F(DirectoryFaultTest, FlippedByteInEveryFileIsFoundContainedAndRepaired) {
  testing::TempDir dir(testing::FastTempBase());
  const std::string root = dir.path();
  FaultyEnv env(Env::Default());  // thousands of opens and repairs: without fsyncs
  env.SetSkipSyncs(true);
  size_t flips = 0, opened = 0, repaired_losses = 0;
  for (const auto& [rel, bytes] : *golden_) {
    for (size_t at : Offsets(bytes.size())) {
      SCOPED_TRACE(rel + " byte " + std::to_string(at));
      flips++;
      Tree damaged = *golden_;
      damaged[rel][at] = static_cast<char>(damaged[rel][at] ^ 0x21);
      WriteTree(root, damaged);
      const std::string path = root + "/" + rel;

      // verify names the file.
      auto report = CheckDirectory(&env, root);
      ASSERT_TRUE(report.has_value()) << report.error().ToString();
      bool damage = false, torn = false;
      for (const CheckFinding& f : report->findings) {
        if (f.message.find(path) == std::string::npos && f.file != path) continue;
        (f.damage ? damage : torn) = true;
      }
      ASSERT_TRUE(damage || torn) << "verify did not name " << path;

      // Open works, with reads exact or failing by name, or fails by name changing nothing.
      {
        Options o;
        o.sync = SyncMode::kOff;
        o.env = &env;
        auto db = StorageEngine::Open(root, o);
        if (!db) {
          EXPECT_NE(db.error().ToString().find(rel.substr(0, rel.find('/'))), std::string::npos)
              << db.error().ToString();
          Tree after = ReadTree(root);
          after.erase("LOCK");
          ASSERT_TRUE(after == damaged) << "a failed open changed the directory";
        } else {
          opened++;
          ReadResult r = ReadAll(**db);
          for (const std::string& e : r.errors) {
            EXPECT_NE(e.find(path), std::string::npos) << "read error without the file: " << e;
          }
          for (const auto& [p, v] : r.points) {
            auto want = golden_points_->find(p);
            ASSERT_TRUE(want != golden_points_->end() && want->second == v)
                << "a read returned a point that was never written: " << p.first << " @ "
                << p.second;
          }
          if (r.errors.empty()) {
            for (const auto& [p, v] : *golden_points_) {
              // A flip in the WAL's last record reads as a torn write: that record is dropped.
              if (torn && !damage && last_record_->contains(p.first)) continue;
              ASSERT_TRUE(r.points.contains(p)) << "point lost silently: " << p.first;
            }
          }
        }
      }

      // Repair mends it, and reports whatever is missing afterwards.
      WriteTree(root, damaged);
      RepairOptions ro;
      ro.shard_duration_ns = kDay;
      auto repaired = RepairDirectory(&env, root, ro);
      ASSERT_TRUE(repaired.has_value()) << repaired.error().ToString();
      auto again = CheckDirectory(&env, root);
      ASSERT_TRUE(again.has_value());
      for (const CheckFinding& f : again->findings) {
        ASSERT_FALSE(f.damage) << "after repair: " << f.message;
      }
      Options o;
      o.sync = SyncMode::kOff;
      o.env = &env;
      auto db = StorageEngine::Open(root, o);
      ASSERT_TRUE(db.has_value()) << "after repair: " << db.error().ToString();
      ReadResult r = ReadAll(**db);
      ASSERT_TRUE(r.errors.empty()) << "after repair: " << r.errors[0];
      repaired_losses += repaired->lost.size();
      for (const auto& [p, v] : *golden_points_) {
        if (r.points.contains(p)) {
          ASSERT_EQ(r.points[p], v) << p.first;
          continue;
        }
        if (torn && !damage && last_record_->contains(p.first)) continue;
        ASSERT_TRUE(Covered(repaired->lost, p.first, p.second))
            << "repair lost a point without reporting it: " << p.first << " @ " << p.second;
      }
    }
  }
  std::printf("%zu flips, %zu opened, %zu losses reported by repairs\n", flips, opened,
              repaired_losses);
}

}  // namespace
}  // namespace strata
