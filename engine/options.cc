#include "options.h"

#include <charconv>
#include <cstddef>
#include <limits>

#include "series_key.h"

namespace strata {

namespace {

inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

enum class Digits { kNone, kOk, kOverflow };

// Parses the leading decimal digits of *s into *v and removes them from *s.
Digits ConsumeDigits(std::string_view* s, uint64_t* v) {
  size_t n = 0;
  while (n < s->size() && (*s)[n] >= '0' && (*s)[n] <= '9') n++;
  if (n == 0) return Digits::kNone;
  auto [ptr, ec] = std::from_chars(s->data(), s->data() + n, *v);
  s->remove_prefix(n);
  return ec == std::errc() ? Digits::kOk : Digits::kOverflow;
}

Error ValueError(std::string_view text, const char* what) {
  std::string msg = "'";
  AppendSnippet(&msg, text, 100);
  msg += "' ";
  msg += what;
  return Error::Invalid(std::move(msg));
}

Error OptionError(std::string_view key, std::string_view value, const std::string& what) {
  std::string msg = "option ";
  AppendSnippet(&msg, key, 100);
  msg += ": '";
  AppendSnippet(&msg, value, 100);
  msg += "' ";
  msg += what;
  return Error::Invalid(std::move(msg));
}

// An error from ParseDuration/ParseByteSize already reads "'<value>' is not ..."; prefix the key.
Error Prefixed(std::string_view key, const Error& e) {
  std::string msg = "option ";
  msg.append(key);
  msg += ": ";
  msg += e.message();
  return Error::Invalid(std::move(msg));
}

Result<int64_t> ParseInt(std::string_view key, std::string_view value, int64_t lo, int64_t hi) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec == std::errc::invalid_argument || ptr != value.data() + value.size()) {
    return unexpected(OptionError(key, value, "is not an integer"));
  }
  if (ec == std::errc::result_out_of_range || v < lo || v > hi) {
    return unexpected(OptionError(
        key, value, "is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]"));
  }
  return v;
}

struct Unit {
  const char* name;
  uint64_t factor;
};

constexpr Unit kDurationUnits[] = {
    {"ns", 1ull},
    {"us", 1'000ull},
    {"ms", 1'000'000ull},
    {"s", 1'000'000'000ull},
    {"m", 60'000'000'000ull},
    {"h", 3'600'000'000'000ull},
    {"d", 86'400'000'000'000ull},
    {"w", 604'800'000'000'000ull},
};

constexpr Unit kByteUnits[] = {
    {"b", 1ull},
    {"kb", 1'000ull},
    {"mb", 1'000'000ull},
    {"gb", 1'000'000'000ull},
    {"tb", 1'000'000'000'000ull},
    {"kib", 1ull << 10},
    {"mib", 1ull << 20},
    {"gib", 1ull << 30},
    {"tib", 1ull << 40},
};

enum Key : unsigned {
  kSync,
  kSyncInterval,
  kMemstoreBytes,
  kWalSegmentBytes,
  kShardDuration,
  kRetention,
  kCompactionThreads,
  kBlockCacheBytes,
  kReadOnly,
  kReaderStaleness,
  kNumKeys
};

constexpr const char* kKeyNames[kNumKeys] = {
    "sync",           "sync_interval_ms", "memstore_bytes",    "wal_segment_bytes",
    "shard_duration", "retention",        "compaction_threads", "block_cache_bytes",
    "read_only",      "reader_staleness_ms"};

Status SetOption(Options* o, Key key, std::string_view value) {
  const std::string_view name = kKeyNames[key];
  switch (key) {
    case kSync:
      if (value == "full") {
        o->sync = SyncMode::kFull;
      } else if (value == "normal") {
        o->sync = SyncMode::kNormal;
      } else if (value == "off") {
        o->sync = SyncMode::kOff;
      } else {
        return unexpected(OptionError(name, value, "is not one of full, normal, off"));
      }
      return OkStatus();
    case kSyncInterval: {
      STRATA_ASSIGN_OR_RETURN(o->sync_interval_ms, ParseInt(name, value, 1, kMaxSyncIntervalMs));
      return OkStatus();
    }
    case kCompactionThreads: {
      STRATA_ASSIGN_OR_RETURN(int64_t n, ParseInt(name, value, 1, kMaxCompactionThreads));
      o->compaction_threads = static_cast<int>(n);
      return OkStatus();
    }
    case kMemstoreBytes:
    case kWalSegmentBytes: {
      Result<uint64_t> n = ParseByteSize(value);
      if (!n) return unexpected(Prefixed(name, n.error()));
      if (*n < kMinBufferBytes) return unexpected(OptionError(name, value, "is less than 64KiB"));
      (key == kMemstoreBytes ? o->memstore_bytes : o->wal_segment_bytes) = *n;
      return OkStatus();
    }
    case kBlockCacheBytes: {
      Result<uint64_t> n = ParseByteSize(value);
      if (!n) return unexpected(Prefixed(name, n.error()));
      o->block_cache_bytes = *n;  // 0 = no cache
      return OkStatus();
    }
    case kShardDuration:
    case kRetention: {
      Result<int64_t> ns = ParseDuration(value);
      if (!ns) return unexpected(Prefixed(name, ns.error()));
      if (key == kShardDuration) {
        if (*ns < kMinShardDurationNs)
          return unexpected(OptionError(name, value, "is less than 1s"));
        o->shard_duration_ns = *ns;
      } else {
        o->retention_ns = *ns;  // 0 = forever
      }
      return OkStatus();
    }
    case kReadOnly:
      if (value == "0" || value == "false") {
        o->read_only = OpenMode::kWriter;
      } else if (value == "1" || value == "true") {
        o->read_only = OpenMode::kReader;
      } else if (value == "auto") {
        o->read_only = OpenMode::kAuto;
      } else {
        return unexpected(OptionError(name, value, "is not one of 0, 1, auto"));
      }
      return OkStatus();
    case kReaderStaleness: {
      STRATA_ASSIGN_OR_RETURN(o->reader_staleness_ms, ParseInt(name, value, 0, kMaxSyncIntervalMs));
      return OkStatus();
    }
    case kNumKeys:
      break;
  }
  return unexpected(Error::Internal("unreachable option key"));
}

// The largest unit of `units` (listed in increasing order) that divides v exactly.
std::string FormatScaled(uint64_t v, const Unit* units, size_t nunits, bool keep_case) {
  const Unit* best = &units[0];
  for (size_t i = 0; i < nunits; i++) {
    if (v != 0 && v % units[i].factor == 0 && units[i].factor >= best->factor) best = &units[i];
  }
  std::string s = std::to_string(v / best->factor);
  if (keep_case) {
    s += best->name;
  } else if (best->factor == 1) {
    s += "B";
  } else {
    // "kib" -> "KiB", "mb" -> "MB".
    std::string_view n = best->name;
    s.push_back(static_cast<char>(n[0] - 'a' + 'A'));
    if (n.size() == 3) s.push_back('i');
    s.push_back('B');
  }
  return s;
}

}  // namespace

const char* OpenModeName(OpenMode mode) {
  switch (mode) {
    case OpenMode::kWriter:
      return "0";
    case OpenMode::kReader:
      return "1";
    case OpenMode::kAuto:
      return "auto";
  }
  return "unknown";
}

const char* SyncModeName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kFull:
      return "full";
    case SyncMode::kNormal:
      return "normal";
    case SyncMode::kOff:
      return "off";
  }
  return "unknown";
}

Result<int64_t> ParseDuration(std::string_view text) {
  constexpr const char* kNotDuration = "is not a duration (e.g. 500ms, 10s, 1h, 7d)";
  std::string_view s = Trim(text);
  uint64_t digits = 0;
  const Digits d = ConsumeDigits(&s, &digits);
  if (d == Digits::kNone) return unexpected(ValueError(text, kNotDuration));
  uint64_t factor = 1;
  if (!s.empty()) {
    factor = 0;
    for (const Unit& u : kDurationUnits) {
      if (s == u.name) factor = u.factor;
    }
    if (factor == 0) return unexpected(ValueError(text, kNotDuration));
  }
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (d == Digits::kOverflow || digits > kMax || (digits != 0 && factor > kMax / digits)) {
    return unexpected(ValueError(text, "is too long a duration"));
  }
  return static_cast<int64_t>(digits * factor);
}

Result<uint64_t> ParseByteSize(std::string_view text) {
  constexpr const char* kNotSize = "is not a byte size (e.g. 65536, 64KiB, 8MB)";
  std::string_view s = Trim(text);
  uint64_t digits = 0;
  const Digits d = ConsumeDigits(&s, &digits);
  if (d == Digits::kNone) return unexpected(ValueError(text, kNotSize));
  s = Trim(s);
  uint64_t factor = 1;
  if (!s.empty()) {
    factor = 0;
    for (const Unit& u : kByteUnits) {
      if (EqualsIgnoreCase(s, u.name)) factor = u.factor;
    }
    if (factor == 0) return unexpected(ValueError(text, kNotSize));
  }
  if (d == Digits::kOverflow ||
      (digits != 0 && factor > std::numeric_limits<uint64_t>::max() / digits)) {
    return unexpected(ValueError(text, "is too large a byte size"));
  }
  return digits * factor;
}

std::string FormatDuration(int64_t ns) {
  return FormatScaled(static_cast<uint64_t>(ns), kDurationUnits, std::size(kDurationUnits), true);
}

std::string FormatByteSize(uint64_t bytes) {
  return FormatScaled(bytes, kByteUnits, std::size(kByteUnits), false);
}

Result<Options> ParseOptions(std::string_view text) {
  Options o;
  bool seen[kNumKeys] = {};
  while (!text.empty()) {
    const size_t semi = text.find(';');
    std::string_view item = text.substr(0, semi);
    text = semi == std::string_view::npos ? std::string_view() : text.substr(semi + 1);
    item = Trim(item);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      std::string msg = "option '";
      AppendSnippet(&msg, item, 100);
      msg += "': expected key=value";
      return unexpected(Error::Invalid(std::move(msg)));
    }
    const std::string_view key = Trim(item.substr(0, eq));
    const std::string_view value = Trim(item.substr(eq + 1));
    unsigned k = 0;
    while (k < kNumKeys && key != kKeyNames[k]) k++;
    if (k == kNumKeys) {
      std::string msg = "unknown option '";
      AppendSnippet(&msg, key, 100);
      msg += "' (value '";
      AppendSnippet(&msg, value, 100);
      msg += "')";
      return unexpected(Error::Invalid(std::move(msg)));
    }
    if (seen[k]) return unexpected(OptionError(key, value, "repeats a key already given"));
    seen[k] = true;
    STRATA_RETURN_IF_ERROR(SetOption(&o, static_cast<Key>(k), value));
  }
  return o;
}

std::string FormatOptions(const Options& o) {
  std::string s;
  s += "sync=";
  s += SyncModeName(o.sync);
  s += ";sync_interval_ms=" + std::to_string(o.sync_interval_ms);
  s += ";memstore_bytes=" + FormatByteSize(o.memstore_bytes);
  s += ";wal_segment_bytes=" + FormatByteSize(o.wal_segment_bytes);
  if (o.shard_duration_ns != 0) s += ";shard_duration=" + FormatDuration(o.shard_duration_ns);
  s += ";retention=" + FormatDuration(o.retention_ns);
  s += ";compaction_threads=" + std::to_string(o.compaction_threads);
  s += ";block_cache_bytes=" + FormatByteSize(o.block_cache_bytes);
  if (o.read_only != OpenMode::kWriter) s += std::string(";read_only=") + OpenModeName(o.read_only);
  if (o.reader_staleness_ms != 0) {
    s += ";reader_staleness_ms=" + std::to_string(o.reader_staleness_ms);
  }
  return s;
}

}  // namespace strata
