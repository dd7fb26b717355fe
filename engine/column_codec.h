// The column codec of segment format 2 (segment_format.h): how one column of a row group (its
// times, or one field's values) becomes bytes and back. The reader knows the number of rows n
// (1..kMaxBlockPoints, from the index) and the column's type and byte length (from the group), so
// a column stores neither. Each column starts with a form byte; the encoder tries the forms and
// keeps the smallest.
//
//   time column   = form u8, then
//                   0 [t_0: zigzag varint] | [divisor g: varint >= 1]
//                     | differenced (t_i - t_{i-1}) / g for i = 1..n-1 (int_sequence_codec.h:
//                       deltas, delta-of-deltas, ... whichever is smallest)     (formats 2 to 4)
//                   1 as 0 without t_0, which is the block's first time: the index holds it as
//                     the block's min time, and the reader passes it in          (format 5)
//                   g is the largest common divisor of the deltas (whole µs, ms, s), or 1
//   int column    = form u8 (0) | differenced values (values, deltas or delta-of-deltas)
//   float column  = form u8 (0) | float_codec.h (decimal, XOR or raw)
//   bool column   = form u8 (0) | sequence of the 0/1 values (constant, bit-packed at width 1,
//                   or runs)
//   string column = form u8, then
//                   0 dictionary [d: varint, 1..n][d x (length varint, bytes)][sequence of the n
//                                codes, each < d]; entries in order of first use
//                   1 plain      n x (length varint, bytes)
//                   2 zlib       [inner form u8: 0 or 1][inner body length: varint]
//                                [zlib stream, to the column's end] of the dictionary or plain body
//                                (after its form byte); only when the body is at most
//                                kMaxZlibRatio times the stream
//
// Bounds the decoder checks, each one the encoder guarantees: a block of more than one string
// holds at most kMaxBlockValueBytes bytes of values (SegmentWriter ends blocks there), so decoded
// strings never exceed that however a dictionary repeats its entries; a zlib body is at most
// kMaxZlibRatio times its stream. Decoding treats its input as untrusted and consumes exactly its
// bytes. Stateless functions: thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "int_sequence_codec.h"
#include "point.h"

namespace strata {

// Appends the time column of t[0..n): with IntForms::kFormat5 in form 1 (without t[0]), its
// integer sequences in `forms` (int_sequence_codec.h); else in form 0. REQUIRES: n >= 1.
void EncodeTimeColumn(const int64_t* t, size_t n, std::string* out,
                      IntForms forms = IntForms::kFormat5);
// Decodes exactly `bytes` as the time column of n >= 1 rows into out[0..n); `first_time` is the
// block's first time from the index (form 1 stores none; form 0 ignores it). Does not check
// order.
[[nodiscard]] bool DecodeTimeColumn(std::string_view bytes, size_t n, int64_t first_time,
                                    int64_t* out);

// Appends the value column of points [begin, end) of col, its integer sequences in `forms`.
// REQUIRES: begin < end <= col.size();
// col holds values of col.type; a string column of more than one value holds at most
// kMaxBlockValueBytes of them.
void EncodeValueColumn(const Column& col, size_t begin, size_t end, std::string* out,
                       IntForms forms = IntForms::kFormat5);
// Decodes exactly `bytes` as a value column of n >= 1 rows of `type`, appending the values to
// out->nums (or out->strs for strings). False, with *out unchanged, when malformed.
[[nodiscard]] bool DecodeValueColumn(std::string_view bytes, ValueType type, size_t n,
                                     Column* out);

}  // namespace strata
