// Catalog checkpoints (catalog.h, engine/README.md 10.4 and 11.2): a catalog whose series live in
// a checkpoint's index file answers every question exactly as one that replayed its whole log —
// after a reopen, after registrations and drops on top of the checkpoint, in the states a crash
// during a checkpoint leaves, for a reader that follows the writer across a checkpoint, and for
// `strata repair` and backups, which salvage the records.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "catalog.h"
#include "directory_check.h"
#include "engine/engine_test_util.h"
#include "series_key.h"
#include "storage_engine.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

// One registration of the script below.
struct Registration {
  std::string measurement;
  std::vector<Tag> tags;  // sorted
  std::string field;
  ValueType type;
};

// Registers `regs` in one Resolve; the IDs, or the error.
Result<std::vector<uint64_t>> Register(Catalog* catalog, const std::vector<Registration>& regs) {
  std::vector<std::string> keys;
  keys.reserve(regs.size());
  for (const Registration& r : regs) keys.push_back(MakeSeriesKey(r.measurement, r.tags, r.field));
  std::vector<SeriesSpec> specs;
  for (size_t i = 0; i < regs.size(); i++) {
    specs.push_back(SeriesSpec{keys[i], regs[i].measurement, regs[i].tags, regs[i].field,
                               regs[i].type});
  }
  std::vector<uint64_t> ids(regs.size());
  STRATA_RETURN_IF_ERROR(catalog->Resolve(specs, ids.data()));
  STRATA_RETURN_IF_ERROR(catalog->Sync());
  return ids;
}

// The shapes of real tag sets: many hosts, a few regions, a tag only some series have, escapes
// and bytes above 0x7f in names and values, several fields of several types per tag set.
std::vector<Registration> Fleet(int hosts, const std::string& suffix,
                                ValueType used = ValueType::kInt) {
  std::vector<Registration> out;
  for (int i = 0; i < hosts; i++) {
    std::vector<Tag> tags = {{"host", "h-" + std::to_string(i) + suffix},
                             {"region", i % 3 == 0 ? "eu, west" : i % 3 == 1 ? "us=east" : "ap\xc3\xa9"}};
    if (i % 4 == 0) tags.push_back({"rack", "r" + std::to_string(i % 7)});
    std::sort(tags.begin(), tags.end(), [](const Tag& a, const Tag& b) { return a.key < b.key; });
    out.push_back({"cpu", tags, "usage_user", ValueType::kFloat});
    out.push_back({"cpu", tags, "usage system", ValueType::kFloat});
    out.push_back({"disk", tags, "used", used});
    if (i % 5 == 0) out.push_back({"disk", tags, "ok", ValueType::kBool});
    if (i % 9 == 0) out.push_back({"evt#log", {{"src", "s" + std::to_string(i % 4)}}, "msg", ValueType::kString});
  }
  return out;
}

// Tag filters of every op, over the fleet's tags.
std::vector<std::pair<std::vector<TagFilter>, std::vector<std::string>>> Queries() {
  return {
      {{}, {}},
      {{{"host", {"h-7"}}}, {}},
      {{{"host", {"h-7", "h-8", "h-nope"}}}, {"usage_user"}},
      {{{"region", {"eu, west"}, TagOp::kNotIn}}, {}},
      {{{"host", {"h-1"}, TagOp::kPrefix}}, {}},
      {{{"host", {"H-2"}, TagOp::kPrefixNoCase}}, {"used", "ok"}},
      {{{"host", {"h-[0-9]*3"}, TagOp::kRegex}, {"rack", {"r1", "r2"}}}, {}},
      {{{"rack", {"r3"}, TagOp::kNotIn}}, {"usage system"}},
      {{{"src", {"s1"}}}, {}},
      {{{"nokey", {"x"}}}, {}},
  };
}

// Everything the catalog answers, as text: two catalogs are equivalent when their dumps are.
// Tag set numbers are compared by which series share them (their numbering follows the order
// a catalog first meets a tag set, which a checkpoint may change).
std::string Dump(const Catalog& c, uint64_t last_id) {
  std::ostringstream out;
  std::map<uint64_t, uint64_t> tagset_first;  // tagset_id -> first ID of its series
  for (uint64_t id = 1; id <= last_id + 1; id++) {
    auto info = c.Series(id);
    if (!info) return "error: " + info.error().ToString();
    out << id << ": ";
    if (c.IsDropped(id)) {  // its SeriesInfo only until a checkpoint
      out << "dropped\n";
      continue;
    }
    if (*info == nullptr) {
      out << "none\n";
      continue;
    }
    const SeriesInfo& s = **info;
    const uint64_t first = tagset_first.emplace(s.tagset_id, id).first->second;
    out << s.key << " | " << s.measurement << " | " << s.field << " | "
        << ValueTypeName(s.type) << " | tags " << s.tags.size() << " | tagset of " << first
        << " | " << s.tagset_key << "\n";
  }
  out << "series " << c.series_count() << "\n";
  for (const std::string& m : c.Measurements()) {
    out << "measurement " << m << " series " << c.SeriesCount(m) << " declared "
        << c.Declaration(m).value_or("-") << "\n";
    for (const auto& [field, type] : c.Fields(m)) out << "  field " << field << " " << ValueTypeName(type) << "\n";
    auto keys = c.TagKeys(m);
    if (!keys) return "error: " + keys.error().ToString();
    for (const TagKeyInfo& k : *keys) {
      out << "  key " << k.key << " values " << k.values << " series " << k.series << "\n";
      auto values = c.TagValues(m, k.key);
      if (!values) return "error: " + values.error().ToString();
      for (const TagValueInfo& v : *values) out << "    " << v.value << " " << v.series << "\n";
    }
    for (const auto& [filters, fields] : Queries()) {
      auto matched = c.Match(m, filters, fields);
      if (!matched) return "error: " + matched.error().ToString();
      out << "  match:";
      for (const SeriesInfo* s : *matched) out << " " << s->id;
      out << "\n";
    }
  }
  for (const std::string& m : c.DroppedMeasurements()) out << "dropped " << m << "\n";
  return out.str();
}

::testing::AssertionResult Checkpointed(Catalog* c) {
  if (Status s = c->Checkpoint(); !s) return ::testing::AssertionFailure() << s.error().ToString();
  return ::testing::AssertionSuccess();
}

Result<std::unique_ptr<Catalog>> OpenWritable(const std::string& dir) {
  STRATA_ASSIGN_OR_RETURN(auto catalog, Catalog::Open(Env::Default(), dir));
  if (auto finished = catalog->FinishRecovery(); !finished) return unexpected(finished.error());
  return catalog;
}

std::vector<std::string> IndexFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".six") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The script both catalogs of a test run: the fleet, a drop and a new life of `disk` with another
// type for `used`, declarations; `checkpoint` runs where a checkpoint may go.
void FirstPhase(Catalog* c) {
  ASSERT_TRUE(Register(c, Fleet(300, "")));
  ASSERT_TRUE(c->Declare("cpu", "CREATE TABLE x(host TAG, usage_user REAL)"));
  ASSERT_TRUE(c->Declare("disk", "CREATE TABLE y(host TAG)"));
  ASSERT_TRUE(c->Drop("disk"));
  ASSERT_TRUE(Register(c, {{"disk", {{"host", "h-1"}}, "used", ValueType::kFloat},
                           {"disk", {{"host", "h-2"}}, "used", ValueType::kFloat}}));
}

void SecondPhase(Catalog* c) {
  ASSERT_TRUE(Register(c, Fleet(40, "-new", ValueType::kFloat)));
  ASSERT_FALSE(Register(c, Fleet(20, "")).has_value());  // disk.used is float now
  ASSERT_TRUE(Register(c, Fleet(20, "", ValueType::kFloat)));  // known series and new ones
  ASSERT_TRUE(Register(c, {{"cpu", {{"host", "h-3"}}, "usage_user", ValueType::kFloat}}));
  ASSERT_TRUE(c->Drop("evt#log"));  // every series of it is in the checkpoint
  ASSERT_TRUE(c->Declare("net", "CREATE TABLE z(dev TAG)"));
}

TEST(CatalogCheckpoint, ACheckpointedCatalogAnswersAsOneThatReplayedItsLog) {
  testing::TempDir tmp;
  const std::string with = tmp.Sub("with"), without = tmp.Sub("without");
  auto a = OpenWritable(with);
  auto b = OpenWritable(without);
  ASSERT_TRUE(a && b);
  FirstPhase(a->get());
  FirstPhase(b->get());
  const uint64_t last = 2000;
  const std::string first_dump = Dump(**b, last);
  ASSERT_EQ(Dump(**a, last), first_dump);
  ASSERT_TRUE(Checkpointed(a->get()));
  EXPECT_EQ(Dump(**a, last), first_dump);  // the writer's own answers do not change
  ASSERT_EQ(IndexFiles(with).size(), 1u);

  // Reopened from the checkpoint: the same answers, and the same IDs for known keys.
  a->reset();
  a = OpenWritable(with);
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(Dump(**a, last), first_dump);
  auto known = Register(a->get(), Fleet(10, ""));
  auto known_b = Register(b->get(), Fleet(10, ""));
  ASSERT_FALSE(known);  // disk.used is float now: the whole batch is refused in both
  ASSERT_FALSE(known_b);
  EXPECT_EQ(known.error().message(), known_b.error().message());

  // More on top of the checkpoint, then a second checkpoint and a reopen.
  SecondPhase(a->get());
  SecondPhase(b->get());
  const std::string second_dump = Dump(**b, last);
  EXPECT_EQ(Dump(**a, last), second_dump);
  a->reset();
  a = OpenWritable(with);
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(Dump(**a, last), second_dump);
  ASSERT_TRUE(Checkpointed(a->get()));
  EXPECT_EQ(IndexFiles(with).size(), 1u);  // the first checkpoint's file is gone
  a->reset();
  a = OpenWritable(with);
  ASSERT_TRUE(a) << a.error().ToString();
  EXPECT_EQ(Dump(**a, last), second_dump);
  auto read_only = Catalog::OpenReadOnly(Env::Default(), with);
  ASSERT_TRUE(read_only) << read_only.error().ToString();
  EXPECT_EQ(Dump(**read_only, last), second_dump);

  // The same next IDs for new series.
  auto next_a = Register(a->get(), {{"new", {{"k", "v"}}, "f", ValueType::kInt}});
  auto next_b = Register(b->get(), {{"new", {{"k", "v"}}, "f", ValueType::kInt}});
  ASSERT_TRUE(next_a && next_b);
  EXPECT_EQ(*next_a, *next_b);
}

TEST(CatalogCheckpoint, OpenReadsTheFileNotTheSeriesRecords) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("catalog");
  auto c = OpenWritable(dir);
  ASSERT_TRUE(c);
  ASSERT_TRUE(Register(c->get(), Fleet(2000, "")));
  const uint64_t before = (*c)->Memory().series_bytes;
  ASSERT_TRUE(Checkpointed(c->get()));
  c->reset();
  c = OpenWritable(dir);
  ASSERT_TRUE(c) << c.error().ToString();
  // Only the checkpoint's record and the state in force are replayed, and no SeriesInfo is built
  // until one is asked for.
  EXPECT_LE((*c)->recovery().records, 20u);
  const uint64_t after_open = (*c)->Memory().series_bytes;
  EXPECT_LT(after_open, before / 2) << before;
  auto info = (*c)->Series(5);
  ASSERT_TRUE(info && *info != nullptr);
  EXPECT_GT((*c)->Memory().series_bytes, after_open);
}

// Copies every file of `from` into `to` (which may hold files of its own).
void CopyFiles(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) {
    fs::copy_file(e.path(), fs::path(to) / e.path().filename(), fs::copy_options::overwrite_existing);
  }
}

TEST(CatalogCheckpoint, WhatACrashDuringACheckpointLeavesOpensAsBefore) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("catalog"), before = tmp.Sub("before");
  auto c = OpenWritable(dir);
  ASSERT_TRUE(c);
  FirstPhase(c->get());
  const std::string want = Dump(**c, 2000);
  c->reset();
  CopyFiles(dir, before);
  c = OpenWritable(dir);
  ASSERT_TRUE(c);
  ASSERT_TRUE(Checkpointed(c->get()));
  c->reset();
  // (a) The checkpoint's record was synced, its file never written: the old log files and the
  // new one, without the index file.
  const std::string no_file = tmp.Sub("no_file");
  CopyFiles(before, no_file);
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".log") {
      fs::copy_file(e.path(), fs::path(no_file) / e.path().filename(),
                    fs::copy_options::skip_existing);
    }
  }
  // (b) The file written, the old log files not yet deleted; a temporary file left behind.
  const std::string not_deleted = tmp.Sub("not_deleted");
  CopyFiles(dir, not_deleted);
  for (const auto& e : fs::directory_iterator(before)) {
    fs::copy_file(e.path(), fs::path(not_deleted) / e.path().filename(),
                  fs::copy_options::skip_existing);
  }
  std::ofstream(not_deleted + "/idx-0000000000000001-0000000000000001.six.tmp") << "partial";
  for (const std::string& d : {no_file, not_deleted}) {
    SCOPED_TRACE(d);
    auto reopened = OpenWritable(d);
    ASSERT_TRUE(reopened) << reopened.error().ToString();
    EXPECT_EQ(Dump(**reopened, 2000), want);
    EXPECT_FALSE(fs::exists(d + "/idx-0000000000000001-0000000000000001.six.tmp"));
    // And a checkpoint from there works.
    ASSERT_TRUE(Checkpointed(reopened->get()));
    reopened->reset();
    reopened = OpenWritable(d);
    ASSERT_TRUE(reopened) << reopened.error().ToString();
    EXPECT_EQ(Dump(**reopened, 2000), want);
  }
}

TEST(CatalogCheckpoint, AReaderFollowsTheWriterAcrossCheckpoints) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("catalog"), ref = tmp.Sub("ref");
  auto writer = OpenWritable(dir);
  auto reference = OpenWritable(ref);
  ASSERT_TRUE(writer && reference);
  ASSERT_TRUE(Register(writer->get(), Fleet(50, "-a")));
  ASSERT_TRUE(Register(reference->get(), Fleet(50, "-a")));
  auto reader = Catalog::OpenReadOnly(Env::Default(), dir);
  ASSERT_TRUE(reader);
  // Behind by registrations, a drop and a declaration that only the checkpoint now holds (the
  // log files that had them are deleted).
  for (Catalog* c : {writer->get(), reference->get()}) {
    FirstPhase(c);
    ASSERT_TRUE(c->Drop("cpu"));
    ASSERT_TRUE(Register(c, {{"cpu", {{"host", "again"}}, "usage_user", ValueType::kFloat}}));
  }
  ASSERT_TRUE(Checkpointed(writer->get()));
  for (Catalog* c : {writer->get(), reference->get()}) SecondPhase(c);
  ASSERT_TRUE((*reader)->CatchUp()) << "";
  const std::string want = Dump(**reference, 3000);
  EXPECT_EQ(Dump(**writer, 3000), want);
  EXPECT_EQ(Dump(**reader, 3000), want);
  // Up to date when the checkpoint comes: nothing changes.
  ASSERT_TRUE(Checkpointed(writer->get()));
  ASSERT_TRUE((*reader)->CatchUp());
  EXPECT_EQ(Dump(**reader, 3000), want);
}

TEST(CatalogCheckpoint, SalvageTakesTheCheckpointsSeries) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("catalog");
  auto c = OpenWritable(dir);
  ASSERT_TRUE(c);
  FirstPhase(c->get());
  ASSERT_TRUE(Checkpointed(c->get()));
  SecondPhase(c->get());
  const std::string want = Dump(**c, 2000);
  auto salvage = Catalog::SalvageRecords(Env::Default(), dir);
  ASSERT_TRUE(salvage) << salvage.error().ToString();
  EXPECT_FALSE(salvage->damage.has_value());
  const std::string rebuilt = tmp.Sub("rebuilt");
  ASSERT_TRUE(Catalog::WriteRecords(Env::Default(), rebuilt, salvage->records));
  auto reread = OpenWritable(rebuilt);
  ASSERT_TRUE(reread) << reread.error().ToString();
  // The checkpoint left the dropped series out, so the rebuilt catalog never had them: their IDs
  // are skipped ones there, like IDs a repair skipped.
  auto gone_alike = [](std::string dump) {
    for (size_t at = 0; (at = dump.find(": dropped\n", at)) != std::string::npos;) {
      dump.replace(at, 10, ": none\n");
    }
    return dump;
  };
  EXPECT_EQ(gone_alike(Dump(**reread, 2000)), gone_alike(want));
}

TEST(CatalogCheckpoint, ADamagedIndexFileIsCorruptNotEmpty) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("catalog");
  auto c = OpenWritable(dir);
  ASSERT_TRUE(c);
  ASSERT_TRUE(Register(c->get(), Fleet(200, "")));
  ASSERT_TRUE(Checkpointed(c->get()));
  c->reset();
  const std::vector<std::string> files = IndexFiles(dir);
  ASSERT_EQ(files.size(), 1u);
  const std::string path = dir + "/" + files[0];
  // A byte of the footer's region: Open reads it.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(-20, std::ios::end);
    char byte = 0;
    f.read(&byte, 1);
    f.seekp(-20, std::ios::end);
    byte ^= 0x10;
    f.write(&byte, 1);
  }
  auto reopened = Catalog::Open(Env::Default(), dir);
  ASSERT_FALSE(reopened);
  EXPECT_EQ(reopened.error().code(), Code::kCorrupt) << reopened.error().ToString();
  EXPECT_NE(reopened.error().message().find("checkpoint"), std::string::npos);
  auto salvage = Catalog::SalvageRecords(Env::Default(), dir);
  ASSERT_TRUE(salvage);
  EXPECT_TRUE(salvage->damage.has_value());
}

TEST(CatalogCheckpoint, IsDueAfterEnoughNewSeries) {
  testing::TempDir tmp;
  auto c = OpenWritable(tmp.Sub("catalog"));
  ASSERT_TRUE(c);
  EXPECT_FALSE((*c)->CheckpointDue());
  std::vector<Registration> regs;
  for (uint64_t i = 0; i < Catalog::kCheckpointMinSeries; i++) {
    regs.push_back({"m", {{"id", std::to_string(i)}}, "v", ValueType::kFloat});
  }
  regs.pop_back();
  ASSERT_TRUE(Register(c->get(), regs));
  EXPECT_FALSE((*c)->CheckpointDue());
  ASSERT_TRUE(Register(c->get(), {{"m", {{"id", "last"}}, "v", ValueType::kFloat}}));
  EXPECT_TRUE((*c)->CheckpointDue());
  ASSERT_TRUE(Checkpointed(c->get()));
  EXPECT_FALSE((*c)->CheckpointDue());
  auto read_only = Catalog::OpenReadOnly(Env::Default(), tmp.Sub("catalog"));
  ASSERT_TRUE(read_only);
  EXPECT_FALSE((*read_only)->CheckpointDue());
  EXPECT_FALSE((*read_only)->Checkpoint());
}

// Through the engine: a flush that finds enough new series has a compaction thread write the
// checkpoint; the reopened directory reads it, answers every query as before, compacts, and
// `strata verify` finds nothing wrong.
TEST(CatalogCheckpoint, TheEngineWritesOneAfterAFlushAndReopensFromIt) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("db");
  const int series = static_cast<int>(Catalog::kCheckpointMinSeries) + 1000;
  auto lines = [&](int from, int to, int64_t t) {
    std::string text;
    for (int i = from; i < to; i++) {
      text += "k8s,ns=ns-" + std::to_string(i % 100) + ",pod=pod-" + std::to_string(i) +
              " cpu=" + std::to_string(i % 17) + "i " + std::to_string(t) + "\n";
    }
    return text;
  };
  std::map<std::string, std::vector<testing::PointValue>> want;
  {
    auto db = StorageEngine::Open(dir, Options());
    ASSERT_TRUE(db) << db.error().ToString();
    for (int at = 0; at < series; at += 10000) {
      ASSERT_TRUE((*db)->WriteLines(lines(at, std::min(at + 10000, series), 1000)));
    }
    ASSERT_TRUE((*db)->Flush());
    bool written = false;
    for (int i = 0; i < 600 && !written; i++) {
      written = !IndexFiles(dir + "/catalog").empty();
      if (!written) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(written);
    // Points of old series and of new ones after the checkpoint.
    ASSERT_TRUE((*db)->WriteLines(lines(0, 10, 2000) + lines(series, series + 10, 2000)));
    want = testing::QueryAll(**db, testing::All("k8s"));
  }
  ASSERT_EQ(want.size(), static_cast<size_t>(series + 10));
  auto db = StorageEngine::Open(dir, Options());
  ASSERT_TRUE(db) << db.error().ToString();
  EXPECT_EQ((*db)->catalog().series_count(), static_cast<size_t>(series + 10));
  EXPECT_EQ(testing::QueryAll(**db, testing::All("k8s")), want);
  QueryRequest one_ns = testing::All("k8s");
  one_ns.tags = {{"ns", {"ns-7"}}};
  EXPECT_EQ(testing::QueryAll(**db, one_ns).size(), static_cast<size_t>(series / 100 + 1));
  auto values = (*db)->catalog().TagValues("k8s", "pod");
  ASSERT_TRUE(values);
  EXPECT_EQ(values->size(), static_cast<size_t>(series + 10));
  // Known series resolve to their IDs; the write adds no series.
  ASSERT_TRUE((*db)->WriteLines(lines(0, 5000, 3000)));
  EXPECT_EQ((*db)->catalog().series_count(), static_cast<size_t>(series + 10));
  ASSERT_TRUE((*db)->Compact());
  auto after = testing::QueryAll(**db, testing::All("k8s"));
  EXPECT_EQ(after.size(), want.size());
  db->reset();
  auto report = CheckDirectory(Env::Default(), dir);
  ASSERT_TRUE(report) << report.error().ToString();
  EXPECT_FALSE(report->damaged());
}

}  // namespace
}  // namespace strata
