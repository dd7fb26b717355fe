#include "wal.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "coding.h"
#include "crc32.h"
#include "engine/faulty_env.h"
#include "wal_format.h"
#include "wal_reader.h"

namespace strata {
namespace {

struct Rec {
  WalRecordType type;
  uint64_t lsn;
  std::string payload;
  bool operator==(const Rec&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Rec& r) {
  return os << "{type " << static_cast<int>(r.type) << ", lsn " << r.lsn << ", " << r.payload.size()
            << " bytes}";
}

// Encodes one record exactly as wal_format.h describes, independently of the writer.
std::string EncodeRecord(uint8_t type, uint64_t lsn, std::string_view payload) {
  std::string body;
  PutFixed8(&body, type);
  PutFixed64(&body, lsn);
  body.append(payload);
  std::string out;
  PutFixed32(&out, static_cast<uint32_t>(body.size()));
  PutFixed32(&out, Crc32(body));
  return out + body;
}

class WalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fast_env_.SetSkipSyncs(true);
    std::string tmpl = (std::filesystem::temp_directory_path() / "wal_test_XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr) << std::strerror(errno);
    root_ = tmpl;
    dir_ = root_ + "/wal";
  }
  void TearDown() override { ASSERT_TRUE(env_->RemoveDirRecursive(root_)); }

  std::unique_ptr<Wal> OpenWal(Env* env, uint64_t file_bytes = 1 << 20) {
    Result<std::unique_ptr<Wal>> wal = Wal::Open(env, dir_, file_bytes);
    EXPECT_TRUE(wal) << wal.error().ToString();
    return wal ? std::move(*wal) : nullptr;
  }
  // Opens through fast_env_: the tests that loop over many reopens would otherwise spend their
  // time in fsync. Tests of durability use a FaultyEnv of their own.
  std::unique_ptr<Wal> OpenWal(uint64_t file_bytes = 1 << 20) {
    return OpenWal(&fast_env_, file_bytes);
  }

  // Replays `wal` into *records and, when that succeeds, finishes the replay (truncating a torn
  // tail); returns the replay's result, or FinishReplay's error.
  static Result<WalReplayStats> ReplayInto(Wal* wal, std::vector<Rec>* records) {
    auto stats = wal->Replay([records](WalRecordType type, uint64_t lsn, std::string_view payload) {
      records->push_back(Rec{type, lsn, std::string(payload)});
      return OkStatus();
    });
    if (!stats) return stats;
    STRATA_RETURN_IF_ERROR(wal->FinishReplay());
    return stats;
  }

  // Opens the log afresh and replays it, expecting success.
  std::vector<Rec> ReopenAndReplay(WalReplayStats* stats = nullptr) {
    std::vector<Rec> records;
    std::unique_ptr<Wal> wal = OpenWal();
    if (!wal) return records;
    Result<WalReplayStats> r = ReplayInto(wal.get(), &records);
    EXPECT_TRUE(r) << r.error().ToString();
    if (r && stats != nullptr) *stats = *r;
    return records;
  }

  static void AppendAll(Wal* wal, const std::vector<Rec>& records) {
    for (const Rec& r : records) {
      Status s = wal->Append(r.type, r.lsn, r.payload);
      ASSERT_TRUE(s) << s.error().ToString();
    }
  }

  // Paths of the WAL files, oldest first.
  std::vector<std::string> WalFiles() {
    std::vector<std::string> paths;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      uint64_t number;
      if (ParseWalFileName(entry.path().filename().string(), &number)) {
        paths.push_back(entry.path().string());
      }
    }
    std::sort(paths.begin(), paths.end());
    return paths;
  }

  std::string ReadBytes(const std::string& path) {
    Result<std::string> data = env_->ReadFile(path);
    EXPECT_TRUE(data) << data.error().ToString();
    return data ? *data : std::string();
  }
  // Replaces the file. Unlinks first: ext4 flushes a file truncated by O_TRUNC when it is closed.
  void WriteBytes(const std::string& path, std::string_view data) {
    if (env_->FileExists(path)) {
      ASSERT_TRUE(env_->RemoveFile(path));
    }
    Result<std::unique_ptr<WritableFile>> f = env_->NewWritableFile(path);
    ASSERT_TRUE(f) << f.error().ToString();
    ASSERT_TRUE((*f)->Append(data));
    ASSERT_TRUE((*f)->Close());
  }

  // Three small records in one file; returns its path and the offset of the last record.
  std::string WriteThreeRecords(uint64_t* last_start) {
    std::unique_ptr<Wal> wal = OpenWal();
    AppendAll(wal.get(), ThreeRecords());
    *last_start = wal->total_bytes() - (kWalHeaderSize + ThreeRecords()[2].payload.size());
    wal.reset();
    return WalFiles().at(0);
  }
  static std::vector<Rec> ThreeRecords() {
    return {{WalRecordType::kWrite, 1, "first!!!"},
            {WalRecordType::kWrite, 2, "second record"},
            {WalRecordType::kWrite, 3, "the third one..."}};
  }

  Env* const env_ = Env::Default();
  FaultyEnv fast_env_{env_};
  std::string root_;
  std::string dir_;
};

TEST_F(WalTest, RecordsRoundTripAcrossRotation) {
  std::vector<Rec> written;
  for (uint64_t i = 0; i < 40; i++) {
    written.push_back({WalRecordType::kWrite, 10 + 2 * i,
                       std::string((i * 37) % 150, static_cast<char>('a' + i % 26))});
  }
  std::unique_ptr<Wal> wal = OpenWal(/*file_bytes=*/300);
  AppendAll(wal.get(), written);
  ASSERT_TRUE(wal->Sync());
  EXPECT_GT(wal->file_count(), 5u);
  EXPECT_EQ(wal->file_count(), WalFiles().size());
  uint64_t on_disk = 0;
  for (const std::string& path : WalFiles()) on_disk += std::filesystem::file_size(path);
  EXPECT_EQ(wal->total_bytes(), on_disk);
  const size_t files = wal->file_count();
  wal.reset();

  WalReplayStats stats;
  EXPECT_EQ(ReopenAndReplay(&stats), written);
  EXPECT_EQ(stats.records, written.size());
  EXPECT_EQ(stats.files, files);
  EXPECT_TRUE(stats.truncated_file.empty());
}

TEST_F(WalTest, EmptyLogReplaysNothingAndAcceptsAppends) {
  std::unique_ptr<Wal> wal = OpenWal();
  EXPECT_EQ(wal->file_count(), 0u);
  std::vector<Rec> records;
  Result<WalReplayStats> stats = ReplayInto(wal.get(), &records);
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->records, 0u);
  EXPECT_TRUE(wal->Sync());
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 1, ""));
  ASSERT_TRUE(wal->Sync());
  wal.reset();
  EXPECT_EQ(ReopenAndReplay(), (std::vector<Rec>{{WalRecordType::kWrite, 1, ""}}));
}

TEST_F(WalTest, ReplayAfterReopenThenAppendsGoToANewFile) {
  std::unique_ptr<Wal> wal = OpenWal();
  AppendAll(wal.get(), ThreeRecords());
  wal.reset();

  wal = OpenWal();
  std::vector<Rec> records;
  ASSERT_TRUE(ReplayInto(wal.get(), &records));
  EXPECT_EQ(records, ThreeRecords());
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 4, "four"));
  ASSERT_TRUE(wal->Sync());
  EXPECT_EQ(WalFiles().size(), 2u);
  wal.reset();

  std::vector<Rec> expected = ThreeRecords();
  expected.push_back({WalRecordType::kWrite, 4, "four"});
  EXPECT_EQ(ReopenAndReplay(), expected);
}

TEST_F(WalTest, DeleteObsoleteKeepsFilesWithNewerLsns) {
  std::unique_ptr<Wal> wal = OpenWal();
  for (uint64_t lsn = 1; lsn <= 8; lsn++) {
    ASSERT_TRUE(wal->Append(WalRecordType::kWrite, lsn, "p" + std::to_string(lsn)));
    if (lsn == 3 || lsn == 6) {
      ASSERT_TRUE(wal->Rotate());  // files: 1-3, 4-6, 7-8 (active)
    }
  }
  ASSERT_EQ(wal->file_count(), 3u);
  const std::vector<std::string> files = WalFiles();

  ASSERT_TRUE(wal->DeleteObsolete(5));  // file 2 still holds lsn 6
  EXPECT_EQ(WalFiles(), (std::vector<std::string>{files[1], files[2]}));
  ASSERT_TRUE(wal->DeleteObsolete(6));
  EXPECT_EQ(WalFiles(), (std::vector<std::string>{files[2]}));
  ASSERT_TRUE(wal->DeleteObsolete(100));  // the active file stays
  EXPECT_EQ(WalFiles(), (std::vector<std::string>{files[2]}));
  EXPECT_EQ(wal->file_count(), 1u);
  EXPECT_EQ(wal->total_bytes(), std::filesystem::file_size(files[2]));
  wal.reset();

  // After a reopen the replayed LSNs drive deletion: nothing is active yet.
  wal = OpenWal();
  ASSERT_TRUE(wal->DeleteObsolete(100));  // before Replay the LSNs are unknown: nothing goes
  EXPECT_EQ(WalFiles().size(), 1u);
  std::vector<Rec> records;
  ASSERT_TRUE(ReplayInto(wal.get(), &records));
  ASSERT_EQ(records.size(), 2u);
  ASSERT_TRUE(wal->DeleteObsolete(7));
  EXPECT_EQ(WalFiles().size(), 1u);
  ASSERT_TRUE(wal->DeleteObsolete(8));
  EXPECT_TRUE(WalFiles().empty());
  EXPECT_EQ(wal->file_count(), 0u);

  // New files never reuse a number.
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 9, "nine"));
  ASSERT_EQ(WalFiles().size(), 1u);
  EXPECT_GT(WalFiles()[0], files[2]);
}

TEST_F(WalTest, TornTailAtEveryOffsetOfTheLastRecordIsTruncated) {
  uint64_t last_start;
  const std::string path = WriteThreeRecords(&last_start);
  const std::string full = ReadBytes(path);
  const std::vector<Rec> all = ThreeRecords();
  const std::vector<Rec> first_two(all.begin(), all.begin() + 2);

  for (uint64_t cut = last_start; cut < full.size(); cut++) {
    SCOPED_TRACE("file cut to " + std::to_string(cut) + " bytes");
    ASSERT_TRUE(env_->RemoveDirRecursive(dir_));
    ASSERT_TRUE(env_->CreateDirs(dir_));
    WriteBytes(path, full.substr(0, cut));

    std::unique_ptr<Wal> wal = OpenWal();
    std::vector<Rec> records;
    Result<WalReplayStats> stats = ReplayInto(wal.get(), &records);
    ASSERT_TRUE(stats) << stats.error().ToString();
    EXPECT_EQ(records, first_two);
    if (cut == last_start) {
      EXPECT_TRUE(stats->truncated_file.empty());
    } else {
      EXPECT_EQ(stats->truncated_file, path);
      EXPECT_EQ(stats->truncated_at, last_start);
      EXPECT_EQ(stats->truncated_bytes, cut - last_start);
    }
    EXPECT_EQ(std::filesystem::file_size(path), last_start);

    ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 10, "after the cut"));
    ASSERT_TRUE(wal->Sync());
    wal.reset();
    std::vector<Rec> expected = first_two;
    expected.push_back({WalRecordType::kWrite, 10, "after the cut"});
    WalReplayStats again;
    EXPECT_EQ(ReopenAndReplay(&again), expected);
    EXPECT_TRUE(again.truncated_file.empty());
  }
}

TEST_F(WalTest, ZeroFilledTailIsTruncated) {
  uint64_t last_start;
  const std::string path = WriteThreeRecords(&last_start);
  const std::string full = ReadBytes(path);
  WriteBytes(path, full + std::string(4096, '\0'));

  WalReplayStats stats;
  EXPECT_EQ(ReopenAndReplay(&stats), ThreeRecords());
  EXPECT_EQ(stats.truncated_at, full.size());
  EXPECT_EQ(stats.truncated_bytes, 4096u);
  EXPECT_EQ(ReadBytes(path), full);
}

TEST_F(WalTest, FlippingAnyByteGivesCorruptOrTornTailButNeverWrongData) {
  uint64_t last_start;
  const std::string path = WriteThreeRecords(&last_start);
  const std::string original = ReadBytes(path);
  const std::vector<Rec> all = ThreeRecords();
  std::vector<uint64_t> starts = {0};
  for (const Rec& r : all) starts.push_back(starts.back() + kWalHeaderSize + r.payload.size());
  ASSERT_EQ(starts[2], last_start);

  for (size_t i = 0; i < original.size(); i++) {
    for (uint8_t mask : {0x01, 0x80, 0xff}) {
      SCOPED_TRACE("byte " + std::to_string(i) + " ^ " + std::to_string(mask));
      std::string damaged = original;
      damaged[i] = static_cast<char>(damaged[i] ^ mask);
      WriteBytes(path, damaged);
      const size_t hit = static_cast<size_t>(std::upper_bound(starts.begin(), starts.end(), i) -
                                             starts.begin() - 1);

      std::unique_ptr<Wal> wal = OpenWal();
      std::vector<Rec> records;
      Result<WalReplayStats> stats = ReplayInto(wal.get(), &records);
      ASSERT_LE(records.size(), hit);
      for (size_t k = 0; k < records.size(); k++) EXPECT_EQ(records[k], all[k]);
      if (hit < 2) {
        ASSERT_FALSE(stats);
        EXPECT_EQ(stats.error().code(), Code::kCorrupt);
        EXPECT_NE(stats.error().message().find(path + " at offset " + std::to_string(starts[hit])),
                  std::string::npos)
            << stats.error().message();
      } else {
        ASSERT_TRUE(stats) << stats.error().ToString();
        EXPECT_EQ(records.size(), 2u);
        EXPECT_EQ(stats->truncated_at, last_start);
        EXPECT_EQ(stats->truncated_bytes, original.size() - last_start);
      }
    }
  }
}

TEST_F(WalTest, DefectInANonLastFileIsCorrupt) {
  std::unique_ptr<Wal> wal = OpenWal();
  AppendAll(wal.get(), ThreeRecords());
  ASSERT_TRUE(wal->Rotate());
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 4, "in the second file"));
  wal.reset();
  const std::string first = WalFiles().at(0);
  const std::string original = ReadBytes(first);
  const uint64_t last_start = original.size() - (kWalHeaderSize + ThreeRecords()[2].payload.size());

  struct Case {
    std::string name;
    std::string content;
    uint64_t offset;
  };
  std::string flipped = original;
  flipped.back() = static_cast<char>(flipped.back() ^ 1);
  std::string huge_length = original;
  EncodeFixed32(huge_length.data() + last_start, 0xfffffff0u);
  const Case cases[] = {
      {"cut short", original.substr(0, original.size() - 3), last_start},
      {"zero-filled tail", original + std::string(100, '\0'), original.size()},
      {"flipped byte in the last record", flipped, last_start},
      {"absurd length", huge_length, last_start},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    WriteBytes(first, c.content);
    wal = OpenWal();
    std::vector<Rec> records;
    Result<WalReplayStats> stats = ReplayInto(wal.get(), &records);
    ASSERT_FALSE(stats);
    EXPECT_EQ(stats.error().code(), Code::kCorrupt);
    EXPECT_NE(stats.error().message().find(first + " at offset " + std::to_string(c.offset)),
              std::string::npos)
        << stats.error().message();
    EXPECT_EQ(records.size(), c.offset == original.size() ? 3u : 2u);
    EXPECT_FALSE(wal->Append(WalRecordType::kWrite, 5, "x"));  // no Replay, no Append
  }
}

TEST_F(WalTest, UnknownRecordTypeIsCorruptEvenInTheLastRecord) {
  ASSERT_TRUE(env_->CreateDirs(dir_));
  const std::string path = JoinPath(dir_, WalFileName(1));
  const std::string good = EncodeRecord(1, 1, "ok");
  WriteBytes(path, good + EncodeRecord(7, 2, "from the future"));
  std::unique_ptr<Wal> wal = OpenWal();
  std::vector<Rec> records;
  Result<WalReplayStats> stats = ReplayInto(wal.get(), &records);
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().code(), Code::kCorrupt);
  EXPECT_NE(stats.error().message().find(path + " at offset " + std::to_string(good.size())),
            std::string::npos);
  EXPECT_NE(stats.error().message().find("unknown record type 7"), std::string::npos);
  EXPECT_EQ(records, (std::vector<Rec>{{WalRecordType::kWrite, 1, "ok"}}));
}

TEST_F(WalTest, ReplayStopsAtTheCallbacksError) {
  std::unique_ptr<Wal> wal = OpenWal();
  AppendAll(wal.get(), ThreeRecords());
  wal.reset();
  wal = OpenWal();
  int calls = 0;
  Result<WalReplayStats> stats = wal->Replay([&](WalRecordType, uint64_t lsn, std::string_view) {
    calls++;
    return lsn == 2 ? Status(unexpected(Error::Invalid("bad batch"))) : OkStatus();
  });
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().code(), Code::kInvalid);
  EXPECT_EQ(calls, 2);
}

TEST_F(WalTest, MisuseIsInvalidAndDoesNotPoisonTheLog) {
  std::unique_ptr<Wal> wal = OpenWal();
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 5, "five"));
  Status s = wal->Append(WalRecordType::kWrite, 4, "four");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalid);
  s = wal->Append(static_cast<WalRecordType>(9), 6, "bad type");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalid);
  EXPECT_FALSE(ReplayInto(wal.get(), nullptr));  // Replay after Append
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 5, "five again"));
  wal.reset();

  wal = OpenWal();
  s = wal->Append(WalRecordType::kWrite, 6, "six");  // existing files: Replay first
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kInvalid);
  std::vector<Rec> records;
  ASSERT_TRUE(ReplayInto(wal.get(), &records));
  EXPECT_EQ(records.size(), 2u);
  EXPECT_FALSE(ReplayInto(wal.get(), &records));  // twice
  s = wal->Append(WalRecordType::kWrite, 4, "below the replayed lsns");
  EXPECT_FALSE(s);
  EXPECT_TRUE(wal->Append(WalRecordType::kWrite, 6, "six"));

  EXPECT_FALSE(Wal::Open(env_, dir_, 0));
}

TEST_F(WalTest, PayloadPiecesAreStoredAsOneRecord) {
  const std::string big1(100 << 10, 'x');
  const std::string big2(70 << 10, 'y');
  const std::vector<std::string_view> pieces = {"ab", big1, "", "cd", big2, "e"};
  std::string joined;
  for (std::string_view p : pieces) joined.append(p);
  std::unique_ptr<Wal> wal = OpenWal();
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 1, pieces));
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 2, std::span<const std::string_view>()));
  wal.reset();
  EXPECT_EQ(ReopenAndReplay(),
            (std::vector<Rec>{{WalRecordType::kWrite, 1, joined}, {WalRecordType::kWrite, 2, ""}}));
}

TEST_F(WalTest, FailedWriteMakesAppendReturnIOAndLaterCallsRefuse) {
  FaultyEnv faulty(env_);
  std::unique_ptr<Wal> wal = OpenWal(&faulty);
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 1, "one"));
  faulty.FailAppend(1);
  Status s = wal->Append(WalRecordType::kWrite, 2, "two");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kIO);
  for (int i = 0; i < 2; i++) {
    s = wal->Append(WalRecordType::kWrite, 3, "three");
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code(), Code::kIO);
    EXPECT_NE(s.error().message().find("refuses writes"), std::string::npos);
  }
  EXPECT_FALSE(wal->Sync());
  EXPECT_FALSE(wal->Rotate());
  wal.reset();
  EXPECT_EQ(ReopenAndReplay(), (std::vector<Rec>{{WalRecordType::kWrite, 1, "one"}}));
}

TEST_F(WalTest, ShortWriteLeavesATornTailThatReplayTruncates) {
  FaultyEnv faulty(env_);
  std::unique_ptr<Wal> wal = OpenWal(&faulty);
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 1, "one"));
  faulty.FailAppend(1, EIO, /*written_prefix=*/10);
  ASSERT_FALSE(wal->Append(WalRecordType::kWrite, 2, "two"));
  EXPECT_FALSE(wal->Append(WalRecordType::kWrite, 3, "three"));
  wal.reset();
  WalReplayStats stats;
  EXPECT_EQ(ReopenAndReplay(&stats), (std::vector<Rec>{{WalRecordType::kWrite, 1, "one"}}));
  EXPECT_EQ(stats.truncated_bytes, 10u);
}

TEST_F(WalTest, FailedSyncIsStickyAndKeepsWrittenRecords) {
  FaultyEnv faulty(env_);
  std::unique_ptr<Wal> wal = OpenWal(&faulty);
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 1, "one"));
  faulty.FailSync(1);
  Status s = wal->Sync();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kIO);
  EXPECT_FALSE(wal->Append(WalRecordType::kWrite, 2, "two"));
  EXPECT_FALSE(wal->Sync());
  wal.reset();
  EXPECT_EQ(ReopenAndReplay(), (std::vector<Rec>{{WalRecordType::kWrite, 1, "one"}}));
}

TEST_F(WalTest, FullDiskReportsNoSpace) {
  FaultyEnv faulty(env_);
  std::unique_ptr<Wal> wal = OpenWal(&faulty);
  faulty.SetDiskFull(true);
  Status s = wal->Append(WalRecordType::kWrite, 1, "one");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), Code::kIO);
  EXPECT_NE(s.error().message().find(std::strerror(ENOSPC)), std::string::npos);
  faulty.SetDiskFull(false);
  EXPECT_FALSE(wal->Append(WalRecordType::kWrite, 1, "one"));  // still sticky
}

TEST_F(WalTest, DropUnsyncedDataLosesOnlyUnsyncedRecords) {
  FaultyEnv faulty(env_);
  std::unique_ptr<Wal> wal = OpenWal(&faulty);
  const std::vector<Rec> synced = ThreeRecords();
  AppendAll(wal.get(), synced);
  ASSERT_TRUE(wal->Sync());
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 4, "four"));
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 5, "five"));
  wal.reset();
  ASSERT_TRUE(faulty.DropUnsyncedData());

  WalReplayStats stats;
  EXPECT_EQ(ReopenAndReplay(&stats), synced);
  EXPECT_TRUE(stats.truncated_file.empty());  // cut exactly at a record boundary
}

TEST_F(WalTest, RotationMakesTheFileLeftBehindDurable) {
  FaultyEnv faulty(env_);
  std::unique_ptr<Wal> wal = OpenWal(&faulty, /*file_bytes=*/1);  // one record per file
  AppendAll(wal.get(), ThreeRecords());
  EXPECT_EQ(faulty.sync_count(), 2);
  wal.reset();
  ASSERT_TRUE(faulty.DropUnsyncedData());
  const std::vector<Rec> all = ThreeRecords();
  EXPECT_EQ(ReopenAndReplay(), std::vector<Rec>(all.begin(), all.begin() + 2));
}

// Reading (Read, and Replay before FinishReplay) reports a torn tail or corruption and changes no
// file: an open that fails later, or `strata verify`, must leave the log as it found it.
TEST_F(WalTest, ReadingReportsTornTailsAndCorruptionAndChangesNothing) {
  std::unique_ptr<Wal> wal = OpenWal();
  AppendAll(wal.get(), ThreeRecords());
  ASSERT_TRUE(wal->Rotate());
  ASSERT_TRUE(wal->Append(WalRecordType::kWrite, 4, "four"));
  wal.reset();
  auto count = [](uint64_t* n) {
    return [n](WalRecordType, uint64_t, std::string_view) {
      ++*n;
      return OkStatus();
    };
  };
  uint64_t n = 0;
  Result<WalReplayStats> stats = Wal::Read(env_, dir_, count(&n));
  ASSERT_TRUE(stats);
  EXPECT_EQ(n, 4u);
  EXPECT_TRUE(stats->truncated_file.empty());
  EXPECT_EQ(stats->last_lsn, 4u);

  const std::vector<std::string> files = WalFiles();
  const std::string second = ReadBytes(files[1]);
  WriteBytes(files[1], second.substr(0, second.size() - 1));
  stats = Wal::Read(env_, dir_, count(&n));
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->truncated_file, files[1]);
  EXPECT_EQ(stats->truncated_at, 0u);
  wal = OpenWal();
  ASSERT_TRUE(wal->Replay(count(&n)));
  ASSERT_TRUE(wal->Replay(count(&n)));  // again: nothing was truncated yet
  EXPECT_EQ(second.size() - 1, std::filesystem::file_size(files[1]));
  ASSERT_TRUE(wal->FinishReplay());
  EXPECT_EQ(0u, std::filesystem::file_size(files[1]));
  EXPECT_FALSE(wal->Replay(count(&n)));  // recovery is over
  wal.reset();

  std::string first = ReadBytes(files[0]);
  first[5] = static_cast<char>(first[5] ^ 0x10);
  WriteBytes(files[0], first);
  stats = Wal::Read(env_, dir_, count(&n));
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().code(), Code::kCorrupt);
  EXPECT_NE(stats.error().message().find(files[0] + " at offset 0"), std::string::npos);
  EXPECT_EQ(first, ReadBytes(files[0]));
}

TEST(WalFormat, FileNamesRoundTrip) {
  EXPECT_EQ(WalFileName(42), "wal-000000000000002a.log");
  uint64_t number = 0;
  ASSERT_TRUE(ParseWalFileName(WalFileName(0xfedcba9876543210ull), &number));
  EXPECT_EQ(number, 0xfedcba9876543210ull);
  for (const char* bad :
       {"wal-000000000000002A.log", "wal-00000000000002a.log", "wal-000000000000002a",
        "xal-000000000000002a.log", "wal-000000000000002a.log.tmp", "MANIFEST"}) {
    EXPECT_FALSE(ParseWalFileName(bad, &number)) << bad;
  }
}

TEST(WalReader, ZeroTailIsTornInTheLastFileAndCorruptElsewhere) {
  const std::string data = EncodeRecord(1, 7, "payload") + std::string(30, '\0');
  for (bool last : {true, false}) {
    WalReader reader("f.log", data, last);
    WalRecord record;
    Result<bool> more = reader.Next(&record);
    ASSERT_TRUE(more && *more);
    EXPECT_EQ(record.lsn, 7u);
    EXPECT_EQ(record.payload, "payload");
    more = reader.Next(&record);
    if (last) {
      ASSERT_TRUE(more);
      EXPECT_FALSE(*more);
      EXPECT_TRUE(reader.torn_tail());
      EXPECT_EQ(reader.valid_end(), kWalHeaderSize + 7);
    } else {
      ASSERT_FALSE(more);
      EXPECT_EQ(more.error().code(), Code::kCorrupt);
      EXPECT_FALSE(reader.Next(&record));  // the error sticks
    }
  }
}

TEST(WalReader, PathologicalTailIsReportedCorruptWithoutAQuadraticScan) {
  // Every offset after the damaged header looks like the start of a 16 MiB record.
  std::string data = EncodeRecord(1, 1, "ok") + std::string(kWalHeaderSize, '\xee');
  data.append(24 << 20, '\x01');
  WalReader reader("f.log", data, /*last_file=*/true);
  WalRecord record;
  ASSERT_TRUE(reader.Next(&record));
  Result<bool> more = reader.Next(&record);
  ASSERT_FALSE(more);
  EXPECT_EQ(more.error().code(), Code::kCorrupt);
  EXPECT_NE(more.error().message().find("too damaged"), std::string::npos)
      << more.error().message();
}

}  // namespace
}  // namespace strata
