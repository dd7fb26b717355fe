// The catalog log's run records (engine/README.md 10.4): the 'N' and 'Z' forms of a run of new
// series, chosen by size; their round trip through the codec, a reopen, a reader in another
// process, a torn tail at every byte, salvage and rebuild; and precise errors, with bounded
// allocation, for malformed and hostile 'Z' records.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "catalog.h"
#include "coding.h"
#include "engine/engine_test_util.h"
#include "series_key.h"
#include "wal.h"

namespace strata {
namespace {

namespace fs = std::filesystem;

// Series of an IoT fleet as one write of line protocol registers them: device by device, two
// fields each, tags sorted (device unique, site and region repeating).
struct Fleet {
  std::vector<std::vector<Tag>> tags;  // per series
  std::vector<std::string> keys, fields;
  std::vector<ValueType> types;
  std::string measurement;

  explicit Fleet(int devices, int first_device = 0, const std::string& m = "sensor")
      : measurement(m) {
    for (int d = first_device; d < first_device + devices; d++) {
      const int device = (d * 7919) % 100'000;  // not in key order
      char name[32];
      std::snprintf(name, sizeof name, "dev-%05d", device);
      std::vector<Tag> t = {{"device", name},
                            {"region", "region-" + std::to_string(device % 8)},
                            {"site", "site-" + std::to_string(device % 2000)}};
      for (const char* field : {"humidity", "temperature"}) {
        tags.push_back(t);
        fields.push_back(field);
        keys.push_back(MakeSeriesKey(m, t, field));
        types.push_back(field[0] == 'h' ? ValueType::kFloat : ValueType::kInt);
      }
    }
  }
  std::vector<SeriesSpec> Specs() const {
    std::vector<SeriesSpec> specs;
    for (size_t i = 0; i < keys.size(); i++) {
      specs.push_back(SeriesSpec{keys[i], measurement, tags[i], fields[i], types[i]});
    }
    return specs;
  }
};

std::vector<Catalog::RunEntry> Entries(const std::vector<std::string>& keys,
                                       const std::vector<ValueType>& types) {
  std::vector<Catalog::RunEntry> run;
  for (size_t i = 0; i < keys.size(); i++) run.push_back({keys[i], types[i]});
  return run;
}

// Decodes `payloads` as one log; expects series first_id, first_id + 1, ... with keys and types.
void ExpectRun(const std::vector<std::string>& payloads, uint64_t first_id,
               const std::vector<std::string>& keys, const std::vector<ValueType>& types) {
  std::vector<Catalog::Record> all, one;
  for (const std::string& p : payloads) {
    Status s = Catalog::DecodeRecords(p, &one);
    ASSERT_TRUE(s) << s.error().ToString();
    all.insert(all.end(), one.begin(), one.end());
  }
  ASSERT_EQ(all.size(), keys.size());
  for (size_t i = 0; i < all.size(); i++) {
    EXPECT_EQ(all[i].kind, Catalog::Kind::kType);
    EXPECT_EQ(all[i].series_id, first_id + i);
    EXPECT_EQ(all[i].key, keys[i]) << i;
    EXPECT_EQ(all[i].type, types[i]) << i;
  }
}

// The bytes an 'N' record of these series takes.
size_t PlainRunBytes(uint64_t first_id, const std::vector<std::string>& keys) {
  std::string p;
  PutFixed8(&p, 'N');
  PutVarint64(&p, first_id);
  PutVarint64(&p, keys.size());
  for (const std::string& k : keys) {
    PutLengthPrefixed(&p, k);
    PutFixed8(&p, 0);
  }
  return p.size();
}

TEST(CatalogRecords, RunsRoundTripInTheirSmallestForm) {
  // A fleet: keys sharing long prefixes compress to a small fraction of their 'N' form.
  const Fleet fleet(1000);
  auto payloads = Catalog::EncodeSeriesRuns(7, Entries(fleet.keys, fleet.types));
  ASSERT_EQ(payloads.size(), 1u);
  EXPECT_EQ(payloads[0][0], 'Z');
  EXPECT_LT(payloads[0].size() * 5, PlainRunBytes(7, fleet.keys));
  ExpectRun(payloads, 7, fleet.keys, fleet.types);

  // One short series stays 'N', one byte per series more than 'S'.
  const std::vector<std::string> one = {fleet.keys[0]};
  payloads = Catalog::EncodeSeriesRuns(1'000'000, Entries(one, {ValueType::kString}));
  ASSERT_EQ(payloads.size(), 1u);
  EXPECT_EQ(payloads[0][0], 'N');
  EXPECT_EQ(payloads[0].size(), PlainRunBytes(1'000'000, one));
  ExpectRun(payloads, 1'000'000, one, {ValueType::kString});

  // Two series with nothing in common: front coding saves nothing, so 'N'.
  const std::vector<std::string> apart = {"a,x=1#f", "b,y=2#g"};
  payloads = Catalog::EncodeSeriesRuns(3, Entries(apart, {ValueType::kBool, ValueType::kInt}));
  EXPECT_EQ(payloads[0][0], 'N');
  ExpectRun(payloads, 3, apart, {ValueType::kBool, ValueType::kInt});

  // Very long keys (tag values near the name limit; one series alone compresses when its key
  // repeats itself), keys that are prefixes of the one before or equal to it, bytes above 0x7f,
  // every value type.
  auto key = [](const std::string& tag, const std::string& value) {
    const std::vector<Tag> tags = {{tag, value}};
    return MakeSeriesKey("m", tags, "f");
  };
  std::vector<std::string> keys = {key("blob", std::string(60'000, 'v')),
                                   key("blob", std::string(60'000, 'v') + "w"),
                                   key("blob", std::string(59'999, 'v')),
                                   key("h", "\xc3\xa9t\xc3\xa9"),
                                   key("h", "\xc3\xa9t\xc3\xa9"),
                                   key("h", "\xc3\xa9t"),
                                   "m#f",
                                   "m#f2"};
  std::vector<ValueType> types = {ValueType::kFloat, ValueType::kInt,  ValueType::kString,
                                  ValueType::kBool,  ValueType::kFloat, ValueType::kInt,
                                  ValueType::kString, ValueType::kBool};
  payloads = Catalog::EncodeSeriesRuns(1, Entries(keys, types));
  ASSERT_EQ(payloads.size(), 1u);
  EXPECT_EQ(payloads[0][0], 'Z');
  EXPECT_LT(payloads[0].size(), 1000u);
  ExpectRun(payloads, 1, keys, types);
  payloads = Catalog::EncodeSeriesRuns(5, Entries({keys[0]}, {ValueType::kInt}));
  EXPECT_EQ(payloads[0][0], 'Z');
  EXPECT_LT(payloads[0].size(), 1000u);
  ExpectRun(payloads, 5, {keys[0]}, {ValueType::kInt});

  // More series than one record holds: records of kMaxRunRecordSeries, IDs continuing.
  const Fleet big(Catalog::kMaxRunRecordSeries);  // twice as many series
  payloads = Catalog::EncodeSeriesRuns(UINT64_MAX - 3 * Catalog::kMaxRunRecordSeries,
                                       Entries(big.keys, big.types));
  ASSERT_EQ(payloads.size(), 2u);
  ExpectRun(payloads, UINT64_MAX - 3 * Catalog::kMaxRunRecordSeries, big.keys, big.types);
  EXPECT_TRUE(Catalog::EncodeSeriesRuns(1, {}).empty());
}

std::string CatalogLogFile(const std::string& dir) {
  std::string file;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".log") file = e.path().string();
  }
  return file;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The payload kinds of the log under `dir`, in order.
std::string RecordKinds(const std::string& dir) {
  std::string kinds;
  auto read = Wal::Read(Env::Default(), dir, [&](WalRecordType, uint64_t, std::string_view p) {
    kinds.push_back(p.empty() ? '?' : p[0]);
    return OkStatus();
  });
  EXPECT_TRUE(read.has_value());
  return kinds;
}

void ExpectFleet(const Catalog& c, const Fleet& fleet, uint64_t first_id) {
  for (size_t i = 0; i < fleet.keys.size(); i++) {
    const SeriesInfo* s = c.Series(first_id + i).value();
    ASSERT_NE(s, nullptr) << first_id + i;
    EXPECT_EQ(s->key, fleet.keys[i]);
    EXPECT_EQ(s->tags, fleet.tags[i]);
    EXPECT_EQ(s->field, fleet.fields[i]);
    EXPECT_EQ(s->type, fleet.types[i]);
  }
}

// A catalog written in 'Z' records reads back whole: reopened, by a reader in another process that
// opened it before the writes and catches up, salvaged, and rebuilt by WriteRecords (which writes
// runs of consecutive IDs as run records, breaking them at gaps and other records).
TEST(CatalogRecords, CompressedRunsSurviveReopenReadersSalvageAndRebuild) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("catalog");
  const Fleet fleet(3000), single(1, 50'000), more(200, 60'000, "other");
  {
    auto catalog = Catalog::Open(Env::Default(), dir);
    ASSERT_TRUE(catalog.has_value()) << catalog.error().ToString();
    ASSERT_TRUE((*catalog)->FinishRecovery());
  }
  // The reader opens the empty catalog, then waits for the writer to be done.
  int go[2], done[2];
  ASSERT_EQ(::pipe(go), 0);
  ASSERT_EQ(::pipe(done), 0);
  const pid_t reader = ::fork();
  if (reader == 0) {
    auto r = Catalog::OpenReadOnly(Env::Default(), dir);
    int code = r.has_value() && (*r)->series_count() == 0 ? 0 : 10;
    char byte = 0;
    if (::write(done[1], &byte, 1) != 1 || ::read(go[0], &byte, 1) != 1) code = 11;
    if (code == 0 && !(*r)->CatchUp()) code = 12;
    if (code == 0 && (*r)->series_count() != 6000 + 2 + 400) code = 13;
    for (size_t i = 0; code == 0 && i < fleet.keys.size(); i++) {
      const SeriesInfo* s = (*r)->Series(i + 1).value();
      if (s == nullptr || s->key != fleet.keys[i] || s->type != fleet.types[i]) code = 14;
    }
    if (code == 0 && (*r)->Match("sensor", {{"site", {"site-7"}}}, {}).value().empty()) code = 15;
    ::_exit(code);
  }
  char byte = 0;
  ASSERT_EQ(::read(done[0], &byte, 1), 1);
  {
    auto catalog = Catalog::Open(Env::Default(), dir);
    ASSERT_TRUE(catalog.has_value()) << catalog.error().ToString();
    ASSERT_TRUE((*catalog)->FinishRecovery());
    std::vector<uint64_t> ids(6000);
    ASSERT_TRUE((*catalog)->Resolve(fleet.Specs(), ids.data()));
    EXPECT_EQ(ids[5999], 6000u);
    ASSERT_TRUE((*catalog)->Resolve(single.Specs(), ids.data()));
    ASSERT_TRUE((*catalog)->Resolve(more.Specs(), ids.data()));
    ASSERT_TRUE((*catalog)->Sync());
  }
  ASSERT_EQ(::write(go[1], &byte, 1), 1);
  int status = 0;
  ASSERT_EQ(::waitpid(reader, &status, 0), reader);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "reader exit " << status;

  // 'F' records for the fields, then the runs: 3000 devices in one record, then a batch of the two
  // series of one device (front coding alone makes it smaller), then 400 series of another
  // measurement.
  EXPECT_EQ(RecordKinds(dir), "FFZZFFZ");
  EXPECT_LT(ReadFile(CatalogLogFile(dir)).size(), PlainRunBytes(1, fleet.keys) / 4);
  auto check = [&](const Catalog& c) {
    EXPECT_EQ(c.series_count(), 6402u);
    ExpectFleet(c, fleet, 1);
    ExpectFleet(c, single, 6001);
    ExpectFleet(c, more, 6003);
    EXPECT_EQ(c.Match("sensor", {{"device", {"dev-07919"}}}, {}).value().size(), 2u);
    EXPECT_EQ(c.FieldType("other", "temperature"), ValueType::kInt);
  };
  {
    auto reopened = Catalog::Open(Env::Default(), dir);
    ASSERT_TRUE(reopened.has_value()) << reopened.error().ToString();
    check(**reopened);
  }
  auto salvage = Catalog::SalvageRecords(Env::Default(), dir);
  ASSERT_TRUE(salvage.has_value()) << salvage.error().ToString();
  EXPECT_FALSE(salvage->damage.has_value());
  const std::string rebuilt = tmp.Sub("rebuilt");
  ASSERT_TRUE(Catalog::WriteRecords(Env::Default(), rebuilt, salvage->records));
  EXPECT_EQ(RecordKinds(rebuilt), "FFZFFZ");  // IDs 1 to 6002 in one run
  auto reread = Catalog::OpenReadOnly(Env::Default(), rebuilt);
  ASSERT_TRUE(reread.has_value()) << reread.error().ToString();
  check(**reread);

  // Gaps in the IDs (a repair lost them) break the runs.
  std::vector<Catalog::Record> gapped;
  for (const Catalog::Record& r : salvage->records) {
    if (r.series_id != 100 && r.series_id != 101 && r.series_id != 5000) gapped.push_back(r);
  }
  const std::string with_gaps = tmp.Sub("gaps");
  ASSERT_TRUE(Catalog::WriteRecords(Env::Default(), with_gaps, gapped));
  EXPECT_EQ(RecordKinds(with_gaps), "FFZZZFFZ");
  auto gaps = Catalog::OpenReadOnly(Env::Default(), with_gaps);
  ASSERT_TRUE(gaps.has_value()) << gaps.error().ToString();
  EXPECT_EQ((*gaps)->series_count(), 6399u);
  EXPECT_EQ((*gaps)->Series(100), nullptr);
  EXPECT_EQ((*gaps)->Series(102).value()->key, fleet.keys[101]);
  EXPECT_EQ((*gaps)->Series(5001).value()->key, fleet.keys[5000]);
}

// A crash while a 'Z' record was being written leaves it torn at any byte: every cut opens, with
// the records before it (the field types) and without the run, and a new registration takes the
// same IDs again.
TEST(CatalogRecords, ATornCompressedRunIsDroppedAtEveryByte) {
  testing::TempDir tmp(testing::FastTempBase());
  const std::string dir = tmp.Sub("catalog");
  const Fleet fleet(40);
  const std::vector<SeriesSpec> specs = fleet.Specs();
  {
    auto catalog = Catalog::Open(Env::Default(), dir);
    ASSERT_TRUE(catalog.has_value()) << catalog.error().ToString();
    ASSERT_TRUE((*catalog)->FinishRecovery());
    std::vector<uint64_t> ids(fleet.keys.size());
    ASSERT_TRUE((*catalog)->Resolve(fleet.Specs(), ids.data()));
    ASSERT_TRUE((*catalog)->Sync());
  }
  ASSERT_EQ(RecordKinds(dir), "FFZ");
  const std::string file = CatalogLogFile(dir);
  const std::string whole = ReadFile(file);
  const std::string z = Catalog::EncodeSeriesRuns(1, Entries(fleet.keys, fleet.types))[0];
  ASSERT_GT(whole.size(), z.size() + kWalHeaderSize);
  const size_t z_start = whole.size() - z.size() - kWalHeaderSize;
  ASSERT_EQ(whole.substr(z_start + kWalHeaderSize), z);
  for (size_t cut = z_start; cut < whole.size(); cut++) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(file, std::ios::binary) << whole.substr(0, cut);
    {
      auto reader = Catalog::OpenReadOnly(Env::Default(), dir);
      ASSERT_TRUE(reader.has_value()) << reader.error().ToString();
      EXPECT_EQ((*reader)->series_count(), 0u);
      EXPECT_EQ((*reader)->FieldType("sensor", "humidity"), ValueType::kFloat);
    }
    auto catalog = Catalog::Open(Env::Default(), dir);
    ASSERT_TRUE(catalog.has_value()) << catalog.error().ToString();
    EXPECT_EQ((*catalog)->series_count(), 0u);
    EXPECT_EQ((*catalog)->recovery().truncated_bytes, cut - z_start);
    EXPECT_EQ((*catalog)->recovery().records, 2u);
    ASSERT_TRUE((*catalog)->FinishRecovery());
    uint64_t id = 0;
    ASSERT_TRUE((*catalog)->Resolve({specs.data() + 5, 1}, &id));
    EXPECT_EQ(id, 1u);
  }
}

// Builds a 'Z' payload: header fields as given, then `stored`.
std::string ZPayload(uint64_t first_id, uint64_t count, uint8_t form, uint64_t size,
                     std::string_view stored) {
  std::string p;
  PutFixed8(&p, 'Z');
  PutVarint64(&p, first_id);
  PutVarint64(&p, count);
  PutFixed8(&p, form);
  PutVarint64(&p, size);
  p.append(stored);
  return p;
}

std::string Zlib(const std::string& body) {
  uLongf size = compressBound(static_cast<uLong>(body.size()));
  std::string out(size, '\0');
  EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(out.data()), &size,
                      reinterpret_cast<const Bytef*>(body.data()), body.size(), 9),
            Z_OK);
  out.resize(size);
  return out;
}

std::string FrontCodedEntry(uint64_t shared, std::string_view suffix, uint8_t type = 1) {
  std::string e;
  PutVarint64(&e, shared);
  PutLengthPrefixed(&e, suffix);
  PutFixed8(&e, type);
  return e;
}

std::string DecodeError(const std::string& payload) {
  std::vector<Catalog::Record> out;
  Status s = Catalog::DecodeRecords(payload, &out);
  EXPECT_FALSE(s) << "decoded " << out.size() << " records";
  EXPECT_TRUE(out.empty());
  return s ? "" : s.error().message();
}

// A malformed or hostile 'Z' record fails with what is wrong with it, before allocating what its
// header declares.
TEST(CatalogRecords, MalformedCompressedRunsFailPrecisely) {
  const std::string body = FrontCodedEntry(0, "m,h=a#f") + FrontCodedEntry(4, "b#f", 2);
  std::vector<Catalog::Record> out;
  Status decoded = Catalog::DecodeRecords(ZPayload(1, 2, 0, body.size(), body), &out);
  ASSERT_TRUE(decoded) << decoded.error().ToString();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].key, "m,h=b#f");
  EXPECT_EQ(out[1].type, ValueType::kInt);
  const std::string n = std::to_string(body.size());
  const std::string n_plus = std::to_string(body.size() + 1);
  const std::string n_less = std::to_string(body.size() - 1);
  auto has = [](const std::string& message, const std::string& part) {
    EXPECT_NE(message.find(part), std::string::npos) << message << " lacks '" << part << "'";
  };
  has(DecodeError(ZPayload(0, 2, 0, body.size(), body)), "bad compressed run header");
  has(DecodeError(ZPayload(1, 0, 0, body.size(), body)), "bad compressed run header");
  has(DecodeError(ZPayload(UINT64_MAX, 2, 0, body.size(), body)), "past 2^64 - 1");
  // A run ending at ID 2^64 - 1, the largest a single series record holds, decodes (the fuzzer
  // found a series record of that ID whose run encoding the decoder refused).
  ASSERT_TRUE(Catalog::DecodeRecords(ZPayload(UINT64_MAX - 1, 2, 0, body.size(), body), &out));
  EXPECT_EQ(out.back().series_id, UINT64_MAX);
  const Catalog::Record last = Catalog::Record::Series(UINT64_MAX, "m#f", ValueType::kInt);
  for (const std::string& payload :
       Catalog::EncodeSeriesRuns(UINT64_MAX, {{Catalog::RunEntry{last.key, last.type}}})) {
    ASSERT_TRUE(Catalog::DecodeRecords(payload, &out));
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].series_id, UINT64_MAX);
  }
  has(DecodeError(ZPayload(1, 2, 7, body.size(), body)), "unknown body form 7");
  has(DecodeError(ZPayload(1, 9000, 0, body.size(), body)), "9000 series in one compressed run");
  has(DecodeError(ZPayload(1, 2, 1, uint64_t{1} << 40, Zlib(body))),
      "body of 1099511627776 bytes, more than 67108864");
  has(DecodeError(ZPayload(1, 2, 1, 64 << 20, Zlib(body))),
      "body of 67108864 bytes declared for a zlib stream of");
  has(DecodeError(ZPayload(1, 8, 0, body.size(), body)), "8 series in a body of " + n + " bytes");
  has(DecodeError(ZPayload(1, 2, 0, body.size() + 1, body)), "declared as " + n_plus);
  has(DecodeError(ZPayload(1, 2, 1, body.size() + 1, Zlib(body))),
      "does not decompress to its declared " + n_plus + " bytes");
  has(DecodeError(ZPayload(1, 2, 1, body.size() - 1, Zlib(body))), "declared " + n_less + " bytes");
  has(DecodeError(ZPayload(1, 2, 1, body.size(), Zlib(body) + "x")), "does not decompress");
  std::string damaged = Zlib(body);
  damaged[damaged.size() / 2] ^= 0x40;
  has(DecodeError(ZPayload(1, 2, 1, body.size(), damaged)), "does not decompress");
  const std::string over = FrontCodedEntry(0, "m,h=a#f") + FrontCodedEntry(8, "b#f");
  has(DecodeError(ZPayload(1, 2, 0, over.size(), over)), "series 1 shares 8 bytes of a key of 7");
  const std::string bad_type = FrontCodedEntry(0, "m,h=a#f") + FrontCodedEntry(4, "b#f", 9);
  has(DecodeError(ZPayload(1, 2, 0, bad_type.size(), bad_type)), "series 1 has value type 9");
  has(DecodeError(ZPayload(1, 3, 0, body.size() + 6, body + "xxxxxx")), "ends inside series 2");
  has(DecodeError(ZPayload(1, 1, 0, body.size(), body)), "6 bytes after the last series");
  // Keys that front coding makes far longer than the body: refused once they pass the limit.
  std::string amplified = FrontCodedEntry(0, std::string(60'000, 'k'));
  for (int i = 0; i < 1200; i++) amplified += FrontCodedEntry(60'000, "");
  has(DecodeError(ZPayload(1, 1201, 0, amplified.size(), amplified)),
      "keys of a compressed run add up to more than 67108864 bytes");

  // Every prefix of a valid record fails (none is a valid record), as does every flipped bit of
  // its header; a flipped bit of its zlib stream either fails or decodes to as many series.
  const Fleet fleet(20);
  const std::string z = Catalog::EncodeSeriesRuns(1, Entries(fleet.keys, fleet.types))[0];
  ASSERT_EQ(z[0], 'Z');
  for (size_t cut = 0; cut < z.size(); cut++) {
    EXPECT_FALSE(Catalog::DecodeRecords(z.substr(0, cut), &out));
  }
  for (size_t at = 0; at < z.size(); at++) {
    for (int bit = 0; bit < 8; bit++) {
      std::string flipped = z;
      flipped[at] ^= static_cast<char>(1 << bit);
      if (Catalog::DecodeRecords(flipped, &out)) {
        EXPECT_EQ(out.size(), 40u) << at;
      }
    }
  }
}

// A log with a hostile 'Z' record (valid framing and checksum) fails to open as Corrupt, naming
// the defect; its salvage keeps the records before it.
TEST(CatalogRecords, AHostileCompressedRunIsCorruption) {
  testing::TempDir tmp;
  const std::string dir = tmp.Sub("catalog");
  {
    auto log = Wal::Open(Env::Default(), dir, 1 << 20);
    ASSERT_TRUE(log.has_value());
    const std::string field =
        Catalog::EncodeRecord(Catalog::Record::Field("m", "f", ValueType::kInt));
    ASSERT_TRUE((*log)->Append(WalRecordType::kWrite, 1, field));
    const std::string hostile = ZPayload(1, 2, 1, uint64_t{1} << 50, "x");
    ASSERT_TRUE((*log)->Append(WalRecordType::kWrite, 2, hostile));
    ASSERT_TRUE((*log)->Sync());
  }
  auto open = Catalog::Open(Env::Default(), dir);
  ASSERT_FALSE(open.has_value());
  EXPECT_EQ(open.error().code(), Code::kCorrupt);
  EXPECT_NE(open.error().message().find("compressed run body of 1125899906842624 bytes"),
            std::string::npos)
      << open.error().ToString();
  auto salvage = Catalog::SalvageRecords(Env::Default(), dir);
  ASSERT_TRUE(salvage.has_value());
  ASSERT_TRUE(salvage->damage.has_value());
  EXPECT_EQ(salvage->damage->code(), Code::kCorrupt);
  EXPECT_EQ(salvage->records.size(), 1u);
}

}  // namespace
}  // namespace strata
