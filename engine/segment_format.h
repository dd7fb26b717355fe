// The segment file format (engine/README.md, sections 10.6 to 10.10): the single definition of its
// bytes, shared by SegmentWriter and SegmentReader. A segment is immutable once renamed into place.
// Five versions exist, told apart by the header's version field: SegmentWriter writes format 5
// (format 2 with block statistics, below, in format 4's form, and format 5's Rice-coded integer
// sequences), and SegmentReader reads all five; compaction rewrites segments of formats 1 to 4 as
// format 5. In all, every byte
// of the file is covered by exactly one CRC-32 (crc32.h), so any damage is detected by Open
// (header, index, footer) or by Read/Verify (section headers, blocks, row groups).
//
// FORMAT 1: one section per series. All integers are little-endian fixed width; "i64" is two's
// complement.
//
//   +------------------------------------------------------------------------------------------+
//   | header (kHeaderSize = 36 bytes, at offset 0)                                             |
//   |   magic u64 = kSegmentMagic | version u32 | segment ID u64 | created-at i64 (ns)         |
//   |   | flags u32 (0) | header CRC u32 (over the 32 bytes before it)                         |
//   +------------------------------------------------------------------------------------------+
//   | series section 0 ... series section S-1, sorted by series key (bytewise), contiguous     |
//   |   section header (kSectionHeaderFixedSize + key bytes):                                  |
//   |     series ID u64 | value type u8 | point count u64 | key length u32 | key bytes         |
//   |     | section CRC u32 (over the section header bytes before it)                          |
//   |   then B >= 1 blocks, contiguous, each holding 1..kMaxBlockPoints points in time order:  |
//   |     encoding u8 | count u32 | min t i64 | max t i64 | len u32 | payload | block CRC u32  |
//   |     (kBlockHeaderSize = 25 bytes before the payload; the CRC covers header and payload;  |
//   |      min t / max t are the first / last timestamp of the block, exactly)                 |
//   |   payload of encoding 0 (kRaw, see block_codec.h): count x time i64, then the values:    |
//   |     float / int: count x u64 (FloatBits / int64) | bool: count x u8 (0 or 1)             |
//   |     | string: count x (varint length, bytes)                                             |
//   +------------------------------------------------------------------------------------------+
//   | index (at footer.index offset, footer.index length bytes), one entry per series, in the  |
//   | order of the sections:                                                                   |
//   |   key length u32 | key bytes | series ID u64 | value type u8 | section offset u64        |
//   |   | point count u64 | min t i64 | max t i64 | block count u32                            |
//   |   then per block: block offset u64 | count u32 | min t i64 | max t i64                   |
//   +------------------------------------------------------------------------------------------+
//   | footer (kFooterSize = 64 bytes, the last bytes of the file)                              |
//   |   series count u64 | point count u64 | min t i64 | max t i64 | index offset u64          |
//   |   | index length u64 | index CRC u32 | footer CRC u32 (over the 52 bytes before it)      |
//   |   | magic u64 = kSegmentMagic                                                            |
//   +------------------------------------------------------------------------------------------+
//
// Layout rules a reader relies on (and checks): the first section starts at kHeaderSize; each
// section's first block starts right after its header; block k+1 starts where block k ends; the
// next section starts where the previous section's last block ends; the index starts where the last
// block ends and ends where the footer starts. So every block's extent is known from the index
// alone. The segment-wide summary (series count, point count, time range) sits in the footer, not
// the header: Env files are append-only and the writer streams sections out before it knows them.
// A segment with no series has min t = INT64_MAX and max t = INT64_MIN (an empty range).
//
// FORMAT 2: row groups per tag set. Header and footer are format 1's (version 2 in the header);
// between them, the row groups, then the index. A tag set is a series key up to its first
// unescaped '#' (the measurement and tags); its fields are the series with that prefix. Fields
// whose timestamps are identical form a time group and share one time column; a field whose times
// differ from the others' gets a time group of its own. Varints are LEB128, "zz" zigzag varints.
//
//   +------------------------------------------------------------------------------------------+
//   | header (kHeaderSize = 36 bytes), as format 1 with version u32 = 2                        |
//   +------------------------------------------------------------------------------------------+
//   | row groups, contiguous from kHeaderSize, in index order (tag set, time group, block):    |
//   |   one per block of 1..kMaxBlockPoints rows of one time group (row_group.h):              |
//   |   [time column length: varint][value column length: varint] x slots                     |
//   |   | time column | value column of slot 0 .. slots-1 (column_codec.h) | CRC-32 u32        |
//   +------------------------------------------------------------------------------------------+
//   | index (footer.index offset / length; the footer's CRC of it; empty when no series),     |
//   | segment_index.h:                                                                         |
//   |   form u8: 0 = plain index follows | 1 = [plain length: varint][zlib stream of it]       |
//   |   plain index = tag-set count: varint, then per tag set, in key order:                   |
//   |     key (length varint, bytes) | field count F: varint                                  |
//   |     F x ( key suffix (length varint, bytes: the rest of the series key, "#field")       |
//   |           | series ID - previous series ID in the index (first: - 0): zz | type u8 )     |
//   |     time group count G: varint                                                          |
//   |     G x ( slot count m: varint | m x field number (0..F-1): varint, slot order           |
//   |           | block count B: varint                                                        |
//   |           | B x ( row group length: varint (bytes, CRC included) | rows: varint          |
//   |                   | min t - previous block's max t (first: - 0): zz | max t - min t ) )  |
//   +------------------------------------------------------------------------------------------+
//   | footer (kFooterSize = 64 bytes), as format 1                                             |
//   +------------------------------------------------------------------------------------------+
//
// Layout rules a reader relies on (and checks): the row groups fill [kHeaderSize, index offset)
// exactly, each starting where the one before it in index order ends; every field of a tag set is
// in exactly one time group; series keys (tag-set key + suffix) strictly increase through the
// index; block ranges of a time group increase without overlap. A block cache entry is the pair
// (row group offset, slot), as the fields of a group share its offset.
//
// FORMAT 3: format 2 with block statistics (block_stats.h), version u32 = 3 in the header. The
// row groups are format 2's; in the index, each block's four varints are followed by the
// statistics of each of its fields, in slot order, that is FLOAT, INTEGER or BOOLEAN, when the
// block has at least kStatsMinRows rows (nothing for strings and smaller blocks):
//
//   FLOAT:            e u8 | min | max | first | last | sum u64 (FloatBits)
//                     e <= 10: each of min, max, first, last is k / 10^e exactly, stored as zz k;
//                     e = 255: each is its FloatBits, u64
//   INTEGER, BOOLEAN: min zz | max zz | first zz | last zz
//                     | sum zz128 | least prefix sum zz128 | greatest prefix sum zz128
//
// "zz128" is a zigzag LEB128 varint of a 128-bit integer (at most 19 bytes). min and max are
// std::min / std::max of the values in time order, first and last the values at the block's min t
// and max t, the float sum the values added in time order from 0.0, the integer sums exact (prefix
// sums: v0, v0 + v1, ...). The reader checks each entry against its block (min <= max, first and
// last within them, sums that rows values between min and max can have); the index CRC covers
// them. A time group's blocks are cut at multiples (since the epoch) of one of kBlockAlignSpans,
// chosen from the group's cadence (SegmentWriter), so that a block lies inside one time bucket of
// that span and its multiples; that rule fixes no bytes, and a reader does not rely on it.
//
// FORMAT 4: format 3 with the statistics stored more compactly, version u32 = 4 in the header
// (everything else is format 3's; the statistics decode to the same values):
//
//   FLOAT, e <= 10:   e u8 | min zz k | max - min | first - min | last - min  (varints, of the k)
//                     | sum above rows x min: zz128 of S - rows x (min's k), where S is the
//                       stored double sum times 10^e rounded to an integer (0 when that is not
//                       finite or beyond 10^36)
//                     | correction: zz of FloatBits(sum) - FloatBits(double(S) / 10^e)
//                       (two's complement difference; 0 when the sum is S / 10^e rounded)
//   FLOAT, e = 255:   as format 3 (min, max, first, last, sum: FloatBits, u64 each)
//   INTEGER, BOOLEAN: min zz | max - min | first - min | last - min (varints)
//                     | sum - rows x min: zz128 | sum - least prefix sum: zz128
//                     | greatest prefix sum - sum: zz128
//
// The reader refuses a difference that puts a k at or beyond the scaled bound (block_stats.cc)
// or an integer past INT64_MAX, then makes format 3's checks.
//
// FORMAT 5: format 4 (version u32 = 5 in the header) whose integer sequences, in every column,
// may also take the Rice form (form 4 of int_sequence_codec.h), and whose time columns take form 1
// (column_codec.h), without the block's first time, which the index already holds as its min
// time; builds before format 5 know neither. Everything else is format 4's. Compaction rewrites segments of formats 1 to 4 as
// format 5.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata {

// "STRATSEG" read as a little-endian u64.
inline constexpr uint64_t kSegmentMagic = 0x4745535441525453ull;
// The version SegmentWriter writes (format 5: format 4 whose columns may use the Rice form of
// int_sequence_codec.h); SegmentReader also reads kSegmentFormatV4 (format 4: compact block
// statistics), kSegmentFormatV3 (format 3's statistics), kSegmentFormatV2 (row groups without
// statistics) and kSegmentFormatV1.
inline constexpr uint32_t kSegmentFormatVersion = 5;
inline constexpr uint32_t kSegmentFormatV4 = 4;
inline constexpr uint32_t kSegmentFormatV3 = 3;
inline constexpr uint32_t kSegmentFormatV2 = 2;
inline constexpr uint32_t kSegmentFormatV1 = 1;

inline constexpr size_t kHeaderSize = 8 + 4 + 8 + 8 + 4 + 4;
inline constexpr size_t kFooterSize = 8 + 8 + 8 + 8 + 8 + 8 + 4 + 4 + 8;
// Section header without the key bytes: id, type, point count, key length, CRC.
inline constexpr size_t kSectionHeaderFixedSize = 8 + 1 + 8 + 4 + 4;
// Block bytes before the payload: encoding, count, min t, max t, len.
inline constexpr size_t kBlockHeaderSize = 1 + 4 + 8 + 8 + 4;
inline constexpr size_t kBlockTrailerSize = 4;  // the block CRC
// Index entry without key bytes and block refs; then kIndexBlockRefSize per block.
inline constexpr size_t kIndexEntryFixedSize = 4 + 8 + 1 + 8 + 8 + 8 + 8 + 4;
inline constexpr size_t kIndexBlockRefSize = 8 + 4 + 8 + 8;

inline constexpr uint32_t kMaxBlockPoints = 1024;
// A block of strings ends before its values pass this many bytes (it holds at least one value),
// so that a block of more than one string never holds more (a bound the decoders check).
inline constexpr size_t kMaxBlockValueBytes = 4 << 20;
// Format 2: most fields in one time group (slots of a row group); more go to another time group.
inline constexpr size_t kMaxFieldsPerTimeGroup = 4096;
// Format 3: the spans (ns) at whose multiples a time group's blocks may be cut (SegmentWriter picks
// one per group from its cadence), so that a block lies wholly inside a time bucket of that span.
inline constexpr int64_t kBlockAlignSpans[] = {
    1'000'000'000,        1'000'000'000 * 10ll,   1'000'000'000 * 60ll,   1'000'000'000 * 600ll,
    1'000'000'000 * 3600ll, 1'000'000'000 * 21600ll, 1'000'000'000 * 86400ll};
// Format 2: the smallest row group (a length byte and the CRC), a bound of the index parser.
inline constexpr size_t kRowGroupMinSize = 5;
// Keys are at most kMaxSeriesKeyBytes (series_key.h): the writer rejects longer ones and the reader
// treats them as corruption.

}  // namespace strata
