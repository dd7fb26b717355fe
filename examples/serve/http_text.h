// Text rules of HTTP that several routes share: names and tokens compare without regard to ASCII
// case (header names, media types, encodings), and a Content-Type's media type is what comes
// before its parameters. Stateless; thread-safe.
#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace strata::serve {

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The media type of a Content-Type value ("text/plain; charset=utf-8" -> "text/plain"), in lower
// case, without the blanks around it.
inline std::string MediaType(std::string_view content_type) {
  std::string_view v = content_type.substr(0, content_type.find(';'));
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  return AsciiLower(v);
}

}  // namespace strata::serve
