// Numbers as the `strata` tool prints and reads them: byte sizes in binary units, counts with
// thousands separators, and unsigned integers from the command line. Stateless, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::cli {

// 1536 -> "1.5 KiB"; below 1 KiB, "512 B".
std::string HumanBytes(double bytes);
// 1234567 -> "1,234,567".
std::string Grouped(uint64_t n);
// A whole decimal unsigned number, nothing else; false otherwise.
bool ParseUint(std::string_view s, uint64_t* out);

}  // namespace strata::cli
