// Dropping a measurement (issue 20): the catalog's drop record takes its series, field types and
// declaration; the IDs are never handed out again; no point of it comes back after a reopen, a
// compaction, a crash at any byte of the drop record, a drop interrupted before it removed the
// shards, or `strata repair`; `strata verify` finds nothing wrong with the directory.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "catalog.h"
#include "directory_check.h"
#include "engine/engine_test_util.h"
#include "repair.h"
#include "series_key.h"
#include "storage_engine.h"

namespace strata {
namespace {

namespace fs = std::filesystem;
using testing::All;
using testing::PointValue;
using testing::QueryAll;
using testing::TempDir;

uint64_t ResolveOne(Catalog& c, const std::string& m, const std::string& host,
                    const std::string& field, ValueType type, Status* status = nullptr) {
  const std::vector<Tag> tags = {{"host", host}};
  const std::string key = MakeSeriesKey(m, tags, field);
  const SeriesSpec spec = {key, m, tags, field, type};
  uint64_t id = 0;
  Status s = c.Resolve({&spec, 1}, &id);
  if (status != nullptr) *status = s;
  EXPECT_TRUE(status != nullptr || s) << s.error().ToString();
  return id;
}

// The newest catalog log file of `dir` (an open starts a new one), relative to `dir`.
std::string CatalogFile(const std::string& dir) {
  std::string newest;
  for (const auto& e : fs::directory_iterator(dir + "/catalog")) {
    newest = std::max(newest, e.path().filename().string());
  }
  return "catalog/" + newest;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(CatalogDrop, ForgetsTypesSeriesAndDeclarationAndNeverReusesIds) {
  TempDir tmp;
  const std::string dir = tmp.Sub("catalog");
  uint64_t a = 0, b = 0, other = 0;
  {
    auto c = Catalog::Open(Env::Default(), dir);
    ASSERT_TRUE(c) << c.error().ToString();
    ASSERT_TRUE((*c)->FinishRecovery());
    a = ResolveOne(**c, "m", "a", "v", ValueType::kFloat);
    b = ResolveOne(**c, "m", "b", "v", ValueType::kFloat);
    other = ResolveOne(**c, "n", "a", "v", ValueType::kInt);
    ASSERT_TRUE((*c)->Declare("m", "CREATE TABLE x(v REAL)"));
    ASSERT_TRUE((*c)->Sync());
    const uint64_t instance = (*c)->instance();
    ASSERT_TRUE((*c)->Drop("m"));
    EXPECT_NE((*c)->instance(), instance);  // writers resolve their series again
    ASSERT_TRUE((*c)->Drop("never-written"));  // nothing to drop: no record
  }
  auto check = [&](Catalog& c) {
    EXPECT_FALSE(c.FieldType("m", "v").has_value());
    EXPECT_TRUE(c.Fields("m").empty());
    EXPECT_FALSE(c.Declaration("m").has_value());
    EXPECT_TRUE(c.Match("m", {}, {}).value().empty());
    EXPECT_EQ(c.Measurements(), std::vector<std::string>{"n"});
    EXPECT_EQ(c.DroppedMeasurements(), std::vector<std::string>{"m"});
    EXPECT_TRUE(c.IsDropped(a));
    EXPECT_TRUE(c.IsDropped(b));
    EXPECT_FALSE(c.IsDropped(other));
    ASSERT_NE(c.Series(a), nullptr);  // still describes the points stored under it
    EXPECT_EQ(c.Series(a).value()->key, "m,host=a#v");
    EXPECT_EQ(c.series_count(), 1u);
    EXPECT_EQ(c.SeriesCount("m"), 0u);
    EXPECT_EQ(c.SeriesCount("n"), 1u);
    EXPECT_EQ(c.FieldType("n", "v"), ValueType::kInt);
  };
  auto ro = Catalog::OpenReadOnly(Env::Default(), dir);
  ASSERT_TRUE(ro);
  check(**ro);
  auto c = Catalog::Open(Env::Default(), dir);
  ASSERT_TRUE(c) << c.error().ToString();
  ASSERT_TRUE((*c)->FinishRecovery());
  check(**c);
  // The same key with another type is a new series, with a new ID.
  const uint64_t again = ResolveOne(**c, "m", "a", "v", ValueType::kInt);
  EXPECT_GT(again, other);
  EXPECT_FALSE((*c)->IsDropped(again));
  EXPECT_EQ((*c)->FieldType("m", "v"), ValueType::kInt);
  ASSERT_EQ((*c)->Match("m", {}, {}).value().size(), 1u);
  EXPECT_EQ((*c)->Match("m", {}, {}).value()[0]->id, again);
  ASSERT_TRUE((*c)->Sync());
  c->reset();
  // Salvaged and written again (as `strata repair` does), the records mean the same.
  auto salvage = Catalog::SalvageRecords(Env::Default(), dir);
  ASSERT_TRUE(salvage && !salvage->damage);
  size_t drops = 0, declares = 0;
  for (const Catalog::Record& r : salvage->records) {
    drops += r.kind == Catalog::Kind::kDrop;
    declares += r.kind == Catalog::Kind::kDeclare;
  }
  EXPECT_EQ(drops, 1u);
  EXPECT_EQ(declares, 1u);
  const std::string copy = tmp.Sub("copy");
  ASSERT_TRUE(Catalog::WriteRecords(Env::Default(), copy, salvage->records));
  auto rewritten = Catalog::OpenReadOnly(Env::Default(), copy);
  ASSERT_TRUE(rewritten);
  EXPECT_EQ((*rewritten)->FieldType("m", "v"), ValueType::kInt);
  EXPECT_TRUE((*rewritten)->IsDropped(a));
  EXPECT_EQ((*rewritten)->Match("m", {}, {}).value().size(), 1u);
}

TEST(CatalogDrop, ADeclarationIsDurableAndReplaced) {
  TempDir tmp;
  const std::string dir = tmp.Sub("catalog");
  {
    auto c = Catalog::Open(Env::Default(), dir);
    ASSERT_TRUE(c && (*c)->FinishRecovery());
    EXPECT_FALSE((*c)->Declaration("m").has_value());
    ASSERT_TRUE((*c)->Declare("m", "one"));
    ASSERT_TRUE((*c)->Declare("m", "two"));
    ASSERT_TRUE((*c)->Declare("m,with \"odd\" name", ""));
  }
  auto c = Catalog::OpenReadOnly(Env::Default(), dir);
  ASSERT_TRUE(c);
  EXPECT_EQ((*c)->Declaration("m"), "two");
  EXPECT_EQ((*c)->Declaration("m,with \"odd\" name"), "");
  EXPECT_FALSE((*c)->Declaration("n").has_value());
  EXPECT_FALSE((*c)->Declare("m", "x"));  // read-only
}

class DropMeasurementTest : public ::testing::Test {
 protected:
  std::shared_ptr<StorageEngine> Open(const std::string& dir) {
    auto db = StorageEngine::Open(dir, Options());
    EXPECT_TRUE(db) << db.error().ToString();
    return db ? *db : nullptr;
  }
  // m (floats) in segments and in the WAL, n (ints) keeping the WAL files alive.
  void Seed(StorageEngine& db) {
    ASSERT_TRUE(db.WriteLines("m,host=a v=1.5 10\nm,host=b v=-0 10\nn,host=a v=1i 10\n"));
    ASSERT_TRUE(db.Flush());
    ASSERT_TRUE(db.WriteLines("m,host=a v=2.5 20\nm,host=a v=2.5 20\nn,host=a v=2i 20\n"));
  }
  static std::map<std::string, std::vector<PointValue>> M(StorageEngine& db) {
    return QueryAll(db, All("m"));
  }
  void ExpectVerifyClean(const std::string& dir) {
    auto report = CheckDirectory(Env::Default(), dir);
    ASSERT_TRUE(report) << report.error().ToString();
    for (const CheckFinding& f : report->findings) {
      EXPECT_FALSE(f.damage) << f.message;
    }
  }
  TempDir tmp_;
};

TEST_F(DropMeasurementTest, ANewMeasurementOfTheNameHasItsOwnTypesAndNoOldPoints) {
  const std::string dir = tmp_.Sub("db");
  auto db = Open(dir);
  Seed(*db);
  ASSERT_TRUE(db->DropMeasurement("m"));
  EXPECT_TRUE(M(*db).empty());
  EXPECT_TRUE(!fs::exists(dir + "/shards/m") || fs::is_empty(dir + "/shards/m"));
  ASSERT_TRUE(db->WriteLines("m,host=a v=7i 30\n"));  // an int where it was a float
  const std::map<std::string, std::vector<PointValue>> want = {{"m,host=a#v", {{30, 7, ""}}}};
  EXPECT_EQ(M(*db), want);
  db.reset();
  db = Open(dir);  // the WAL still holds the old points of m: replay skips them
  EXPECT_EQ(M(*db), want);
  EXPECT_EQ(QueryAll(*db, All("n"))["n,host=a#v"].size(), 2u);
  ASSERT_TRUE(db->Compact());
  EXPECT_EQ(M(*db), want);
  db.reset();
  ExpectVerifyClean(dir);
  auto repaired = RepairDirectory(Env::Default(), dir, RepairOptions());
  ASSERT_TRUE(repaired) << repaired.error().ToString();
  EXPECT_TRUE(repaired->lost.empty());
  db = Open(dir);
  EXPECT_EQ(M(*db), want);
}

// A crash while the drop record is written (the log cut at each of its bytes): the drop happened
// entirely (the record is whole) or not at all.
TEST_F(DropMeasurementTest, ACrashAtTheDropRecordDropsAllOrNothing) {
  const std::string before = tmp_.Sub("before"), after = tmp_.Sub("after");
  {
    auto db = Open(before);
    Seed(*db);
    ASSERT_TRUE(db->Flush());
  }
  fs::copy(before, after, fs::copy_options::recursive);
  {
    auto db = Open(after);
    ASSERT_TRUE(db->DropMeasurement("m"));
  }
  const std::string file = CatalogFile(after);  // the drop record is at its end
  const std::string old_log = fs::exists(before + "/" + file) ? ReadAll(before + "/" + file) : "";
  const std::string new_log = ReadAll(after + "/" + file);
  ASSERT_GT(new_log.size(), old_log.size());
  ASSERT_EQ(new_log.compare(0, old_log.size(), old_log), 0);
  for (size_t cut = old_log.size(); cut <= new_log.size(); cut++) {
    SCOPED_TRACE("catalog log cut at " + std::to_string(cut));
    const std::string dir = tmp_.Sub("crash");
    fs::remove_all(dir);
    fs::copy(before, dir, fs::copy_options::recursive);  // shards not yet removed
    {
      std::ofstream out(dir + "/" + file, std::ios::binary | std::ios::trunc);
      out << new_log.substr(0, cut);
    }
    auto db = Open(dir);
    ASSERT_NE(db, nullptr);
    const bool dropped = cut == new_log.size();
    EXPECT_EQ(db->catalog().FieldType("m", "v").has_value(), !dropped);
    EXPECT_EQ(M(*db).size(), dropped ? 0u : 2u);
    EXPECT_EQ(fs::exists(dir + "/shards/m") && !fs::is_empty(dir + "/shards/m"), !dropped);
    EXPECT_EQ(QueryAll(*db, All("n"))["n,host=a#v"].size(), 2u);
    if (dropped) {
      ASSERT_TRUE(db->WriteLines("m,host=a v=1i 5\n"));
      ASSERT_TRUE(db->Compact());
      EXPECT_EQ(M(*db), (std::map<std::string, std::vector<PointValue>>{{"m,host=a#v", {{5, 1, ""}}}}));
    }
    db.reset();
    ExpectVerifyClean(dir);
  }
}

// The drop record synced, the crash before the shards were removed: the next open removes them.
TEST_F(DropMeasurementTest, ShardsADropLeftAreRemovedAtOpen) {
  const std::string dir = tmp_.Sub("db");
  {
    auto db = Open(dir);
    Seed(*db);
    ASSERT_TRUE(db->Flush());
  }
  const std::string saved = tmp_.Sub("saved-shards");
  fs::copy(dir + "/shards/m", saved, fs::copy_options::recursive);
  {
    auto db = Open(dir);
    ASSERT_TRUE(db->DropMeasurement("m"));
  }
  fs::copy(saved, dir + "/shards/m", fs::copy_options::recursive);  // as if never removed
  ExpectVerifyClean(dir);  // verify reads them as a dropped measurement's, not as damage
  auto db = Open(dir);
  EXPECT_TRUE(M(*db).empty());
  EXPECT_TRUE(fs::is_empty(dir + "/shards/m"));
  ASSERT_TRUE(db->WriteLines("m,host=b v=\"s\" 10\n"));
  EXPECT_EQ(M(*db), (std::map<std::string, std::vector<PointValue>>{{"m,host=b#v", {{10, 0, "s"}}}}));
}

// `strata repair` of a directory whose catalog is damaged after a drop: the rebuilt catalog keeps
// the drop (no old point comes back) and registers the new series the segments hold.
TEST_F(DropMeasurementTest, RepairKeepsTheDrop) {
  const std::string dir = tmp_.Sub("db");
  {
    auto db = Open(dir);
    Seed(*db);
    ASSERT_TRUE(db->DropMeasurement("m"));
    ASSERT_TRUE(db->WriteLines("m,host=c v=3i 40\n"));
    ASSERT_TRUE(db->Flush());
  }
  // Damage the last record (the new series of m): a flipped byte in its payload.
  const std::string log = dir + "/" + CatalogFile(dir);
  std::string bytes = ReadAll(log);
  bytes[bytes.size() - 3] ^= 0x55;
  {
    std::ofstream out(log, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  auto repaired = RepairDirectory(Env::Default(), dir, RepairOptions());
  ASSERT_TRUE(repaired) << repaired.error().ToString();
  ExpectVerifyClean(dir);
  auto db = Open(dir);
  EXPECT_EQ(M(*db), (std::map<std::string, std::vector<PointValue>>{{"m,host=c#v", {{40, 3, ""}}}}));
  EXPECT_EQ(db->catalog().FieldType("m", "v"), ValueType::kInt);
  EXPECT_EQ(QueryAll(*db, All("n"))["n,host=a#v"].size(), 2u);
}

}  // namespace
}  // namespace strata
