#include "wal_reader.h"

#include <utility>

#include "coding.h"
#include "crc32.h"

namespace strata {

WalReader::WalReader(std::string path, std::string_view data, bool last_file)
    : path_(std::move(path)), data_(data), last_file_(last_file) {}

const char* WalReader::ParseAt(size_t offset, WalRecord* record) const {
  const size_t left = data_.size() - offset;
  if (left < kWalHeaderSize) return "incomplete record header";
  const char* p = data_.data() + offset;
  const uint32_t length = DecodeFixed32(p + kWalLengthOffset);
  if (length < kWalMinRecordLength) return "record length too small";
  if (length > kWalMaxRecordLength) return "record length too large";
  if (length > left - kWalFramingSize) return "record extends past the end of the file";
  if (Crc32(p + kWalTypeOffset, size_t{length}) != DecodeFixed32(p + kWalCrcOffset)) {
    return "record checksum mismatch";
  }
  record->type = static_cast<WalRecordType>(static_cast<uint8_t>(p[kWalTypeOffset]));
  record->lsn = DecodeFixed64(p + kWalLsnOffset);
  record->payload = std::string_view(p + kWalPayloadOffset, length - kWalMinRecordLength);
  record->offset = offset;
  return nullptr;
}

// A torn write leaves at most a prefix of one record, which cannot contain a whole valid record
// (barring a payload that embeds a WAL record byte for byte), so finding one proves the defect is
// damage in the middle of the log. The type-byte and length checks reject almost every offset before
// any crc is computed; the scan only runs on a defective last file.
bool WalReader::ValidRecordAfter(size_t offset) const {
  WalRecord ignored;
  for (size_t q = offset + 1; q + kWalHeaderSize <= data_.size(); q++) {
    if (!IsKnownWalRecordType(static_cast<uint8_t>(data_[q + kWalTypeOffset]))) continue;
    if (ParseAt(q, &ignored) == nullptr) return true;
  }
  return false;
}

Result<bool> WalReader::Next(WalRecord* record) {
  if (error_) return unexpected(*error_);
  if (done_) return false;
  if (pos_ == data_.size()) {
    done_ = true;
    return false;
  }
  const char* defect = ParseAt(pos_, record);
  if (defect == nullptr) {
    const auto type = static_cast<uint8_t>(record->type);
    if (!IsKnownWalRecordType(type)) {
      error_ = Error::Corrupt(path_, pos_, "unknown record type " + std::to_string(type));
      return unexpected(*error_);
    }
    pos_ += kWalFramingSize + DecodeFixed32(data_.data() + pos_ + kWalLengthOffset);
    return true;
  }
  if (last_file_ && !ValidRecordAfter(pos_)) {
    torn_tail_ = true;
    done_ = true;
    return false;
  }
  std::string what = defect;
  if (last_file_) what += ", followed by valid records";
  error_ = Error::Corrupt(path_, pos_, what);
  return unexpected(*error_);
}

}  // namespace strata
