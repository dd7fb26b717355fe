#include "wal_reader.h"

#include <algorithm>
#include <utility>

#include "coding.h"
#include "crc32.h"

namespace strata {

namespace {

// Bytes of crc a torn-tail check may compute: enough for any realistic tail, and a bound on the
// time a pathological file (say megabytes of 0x01, every offset a plausible record header) costs.
uint64_t ScanBudget(size_t scanned_bytes) {
  return std::max<uint64_t>(uint64_t{64} << 20, uint64_t{8} * scanned_bytes);
}

}  // namespace

WalReader::WalReader(std::string path, std::string_view data, bool last_file)
    : path_(std::move(path)), data_(data), last_file_(last_file) {}

const char* WalReader::CheckFraming(size_t offset, uint32_t* length) const {
  const size_t left = data_.size() - offset;
  if (left < kWalHeaderSize) return "incomplete record header";
  *length = DecodeFixed32(data_.data() + offset + kWalLengthOffset);
  if (*length < kWalMinRecordLength) return "record length too small";
  if (*length > kWalMaxRecordLength) return "record length too large";
  if (*length > left - kWalFramingSize) return "record extends past the end of the file";
  return nullptr;
}

bool WalReader::CrcMatches(size_t offset, uint32_t length) const {
  const char* p = data_.data() + offset;
  return Crc32(p + kWalTypeOffset, size_t{length}) == DecodeFixed32(p + kWalCrcOffset);
}

// A torn write leaves at most a prefix of one record, which cannot contain a whole valid record
// (barring a payload that embeds a WAL record byte for byte), so finding one proves the defect is
// damage in the middle of the log. The type-byte and length checks reject almost every offset
// before any crc is computed; the scan only runs on a defective last file.
WalReader::Scan WalReader::ValidRecordAfter(size_t offset) const {
  uint64_t budget = ScanBudget(data_.size() - offset);
  for (size_t q = offset + 1; q + kWalHeaderSize <= data_.size(); q++) {
    if (!IsKnownWalRecordType(static_cast<uint8_t>(data_[q + kWalTypeOffset]))) continue;
    uint32_t length;
    if (CheckFraming(q, &length) != nullptr) continue;
    if (length > budget) return Scan::kUndecided;
    budget -= length;
    if (CrcMatches(q, length)) return Scan::kFound;
  }
  return Scan::kNone;
}

Result<bool> WalReader::Next(WalRecord* record) {
  if (error_) return unexpected(*error_);
  if (done_) return false;
  if (pos_ == data_.size()) {
    done_ = true;
    return false;
  }
  uint32_t length = 0;
  const char* defect = CheckFraming(pos_, &length);
  if (defect == nullptr && !CrcMatches(pos_, length)) defect = "record checksum mismatch";
  if (defect == nullptr) {
    const char* p = data_.data() + pos_;
    const auto type = static_cast<uint8_t>(p[kWalTypeOffset]);
    if (!IsKnownWalRecordType(type)) {
      error_ = Error::Corrupt(path_, pos_, "unknown record type " + std::to_string(type));
      return unexpected(*error_);
    }
    record->type = static_cast<WalRecordType>(type);
    record->lsn = DecodeFixed64(p + kWalLsnOffset);
    record->payload = std::string_view(p + kWalPayloadOffset, length - kWalMinRecordLength);
    record->offset = pos_;
    pos_ += kWalFramingSize + length;
    return true;
  }
  std::string what = defect;
  if (last_file_) {
    switch (ValidRecordAfter(pos_)) {
      case Scan::kNone:
        torn_tail_ = true;
        done_ = true;
        return false;
      case Scan::kFound:
        what += ", followed by valid records: damage inside the log, not a torn write";
        break;
      case Scan::kUndecided:
        what += ", followed by data too damaged to tell whether it is a torn tail";
        break;
    }
  }
  error_ = Error::Corrupt(path_, pos_, what);
  return unexpected(*error_);
}

}  // namespace strata
