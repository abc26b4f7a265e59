// How write_lines turns an element into a line. Not API; the rules are in
// write_lines' comment and docs/files.md.
#pragma once

#include <cstddef>
#include <iterator>
#include <iosfwd>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <fmt/core.h>

namespace parade::detail {

template <class T>
concept streamable = requires(std::ostream& os, const T& t) { os << t; };

template <class T>
concept fmt_formattable = fmt::is_formattable<T>::value;

template <class T>
struct is_tuple_like : std::false_type {};
template <class A, class B>
struct is_tuple_like<std::pair<A, B>> : std::true_type {};
template <class... Ts>
struct is_tuple_like<std::tuple<Ts...>> : std::true_type {};

template <class T>
constexpr bool is_char_type =
    std::is_same_v<T, char> || std::is_same_v<T, signed char> || std::is_same_v<T, unsigned char>;

template <class T>
constexpr bool line_writable();

template <class T>
constexpr bool fields_writable() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (line_writable<std::remove_cvref_t<std::tuple_element_t<I, T>>>() && ...);
  }(std::make_index_sequence<std::tuple_size_v<T>>{});
}

// Whether write_lines can write a T.
template <class T>
constexpr bool line_writable() {
  if constexpr (std::is_convertible_v<const T&, std::string_view> || std::is_arithmetic_v<T>)
    return true;
  else if constexpr (is_tuple_like<T>::value)
    return fields_writable<T>();
  else
    return fmt_formattable<T> || streamable<T>;
}

// Appends the shortest text that reads back as the same number
// (std::to_chars; compiled in src/io/format.cpp, so users' builds need not
// parse <charconv>).
void append_number(std::string& out, long long x);
void append_number(std::string& out, unsigned long long x);
void append_number(std::string& out, float x);
void append_number(std::string& out, double x);
void append_number(std::string& out, long double x);

// Writes with `<<` into a reusable stream (compiled in src/io/format.cpp).
class stream_text {
 public:
  stream_text();
  ~stream_text();
  stream_text(const stream_text&) = delete;
  stream_text& operator=(const stream_text&) = delete;
  std::ostream& begin();  // an empty stream
  void append_to(std::string& out);  // what was written since begin()

 private:
  struct impl;
  impl* p_;
};

// Appends one element's text (no newline):
//  - strings as they are; char types and bool as `<<` writes them;
//  - integers and floating point with std::to_chars: the shortest text that
//    reads back as the same value (1e+300, 0.1, 3788190.5);
//  - pairs and tuples as their fields separated by tabs (nested ones
//    flattened), so `sort`, `cut` and spreadsheets read them;
//  - otherwise with fmt, when the type has a fmt::formatter;
//  - otherwise with `std::ostream << x`.
template <class T>
void append_text(std::string& out, const T& x, stream_text& os) {
  if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    out.append(std::string_view(x));
  } else if constexpr (std::is_same_v<T, bool>) {
    out.push_back(x ? '1' : '0');
  } else if constexpr (is_char_type<T>) {
    out.push_back(char(x));
  } else if constexpr (std::is_floating_point_v<T>) {
    append_number(out, x);
  } else if constexpr (std::is_integral_v<T> && sizeof(T) <= sizeof(long long)) {
    if constexpr (std::is_signed_v<T>) append_number(out, static_cast<long long>(x));
    else append_number(out, static_cast<unsigned long long>(x));
  } else if constexpr (is_tuple_like<T>::value) {
    std::apply(
        [&](const auto&... fields) {
          bool first = true;
          ((first ? void(first = false) : out.push_back('\t'), append_text(out, fields, os)), ...);
        },
        x);
  } else if constexpr (fmt_formattable<T>) {
    fmt::format_to(std::back_inserter(out), "{}", x);
  } else {
    static_assert(streamable<T>);
    os.begin() << x;
    os.append_to(out);
  }
}

}  // namespace parade::detail
