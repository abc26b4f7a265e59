// parade::serializer<T>: how elements become bytes when a step spills them
// to disk (and, later, when they cross machines). A byte layout, not a
// framework: fixed-size types are copied, strings and containers are a
// length then their elements, pairs, tuples and optionals their parts in
// order. Nothing in the bytes points into memory.
//
// Built in: arithmetic types and enums, trivially copyable structs without
// pointers, std::string, std::vector, std::array, std::pair, std::tuple,
// std::optional, std::unique_ptr, and any nesting of those. For your own
// type, specialize parade::serializer (docs/spilling.md):
//
//   struct point { std::string name; double x, y; };
//   template <> struct parade::serializer<point> {
//     static void write(parade::byte_writer& w, const point& p) { w(p.name, p.x, p.y); }
//     static point read(parade::byte_reader& r) {
//       auto name = r.get<std::string>();  // in the order written
//       double x = r.get<double>(), y = r.get<double>();
//       return {std::move(name), x, y};
//     }
//   };
//
// A type without a serializer still works everywhere in memory; a step
// that must spill it (its data outgrew the memory budget) fails with a
// parade::error that names the step and says to add one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace parade {

// Appends bytes to a buffer. w(a, b, c) writes a, b and c in turn with
// their serializers.
class byte_writer {
 public:
  explicit byte_writer(std::string& out) : out_(out) {}
  void bytes(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  // A length or count: 1 byte for values below 128 (LEB128).
  void varint(std::uint64_t v) {
    char buf[10];
    std::size_t n = 0;
    while (v >= 0x80) {
      buf[n++] = char((v & 0x7f) | 0x80);
      v >>= 7;
    }
    buf[n++] = char(v);
    out_.append(buf, n);
  }
  template <class... T>
  void operator()(const T&... values);
  std::size_t size() const { return out_.size(); }

 private:
  std::string& out_;
};

// Reads what a byte_writer wrote, in the same order. Reading past the end
// throws std::out_of_range (corrupt or mismatched data).
class byte_reader {
 public:
  byte_reader(const char* p, std::size_t n) : p_(p), end_(p + n) {}
  explicit byte_reader(std::string_view s) : byte_reader(s.data(), s.size()) {}
  void bytes(void* out, std::size_t n) {
    need(n);
    std::memcpy(out, p_, n);
    p_ += n;
  }
  std::string_view view(std::size_t n) {
    need(n);
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      need(1);
      auto b = static_cast<unsigned char>(*p_++);
      v |= std::uint64_t(b & 0x7f) << shift;
      if (b < 0x80) return v;
    }
    throw std::out_of_range("parade: corrupt length in serialized data");
  }
  template <class T>
  T get();
  bool done() const { return p_ == end_; }
  std::size_t left() const { return std::size_t(end_ - p_); }

 private:
  void need(std::size_t n) const {
    if (std::size_t(end_ - p_) < n) throw std::out_of_range("parade: serialized data ends early");
  }
  const char* p_;
  const char* end_;
};

// The customization point: specialize for your type with
//   static void write(byte_writer&, const T&);
//   static T read(byte_reader&);
// The primary template has neither, which is how parade tells that a type
// cannot be serialized.
template <class T, class Enable = void>
struct serializer {};

namespace detail {

template <class T>
concept has_serializer = requires(byte_writer& w, byte_reader& r, const T& t) {
  serializer<T>::write(w, t);
  { serializer<T>::read(r) } -> std::same_as<T>;
};

template <class T>
struct is_view : std::false_type {};
template <class C, class Tr>
struct is_view<std::basic_string_view<C, Tr>> : std::true_type {};

template <class T>
struct optional_type : std::false_type {};
template <class T>
struct optional_type<std::optional<T>> : std::true_type {};

// Copied as bytes: trivially copyable, and not a pointer or a view (whose
// bytes would point into memory that is gone when they are read back).
// An optional of such a type is trivially copyable too, but has its own
// serializer (a flag, then the value).
template <class T>
struct is_plain_bytes
    : std::bool_constant<std::is_trivially_copyable_v<T> && !std::is_pointer_v<T> && !std::is_member_pointer_v<T> &&
                         !std::is_empty_v<T> && !is_view<T>::value && !optional_type<T>::value> {};

}  // namespace detail

// Whether parade can serialize a T (and so spill it).
template <class T>
inline constexpr bool is_serializable_v = detail::has_serializer<T>;

template <class... T>
void byte_writer::operator()(const T&... values) {
  static_assert((is_serializable_v<T> && ...), "parade::byte_writer: a value's type has no parade::serializer");
  (serializer<T>::write(*this, values), ...);
}

template <class T>
T byte_reader::get() {
  static_assert(is_serializable_v<T>, "parade::byte_reader: this type has no parade::serializer");
  return serializer<T>::read(*this);
}

// Fixed-size values without pointers: their bytes. (Within one machine
// architecture: the same layout and byte order on every rank.)
template <class T>
struct serializer<T, std::enable_if_t<detail::is_plain_bytes<T>::value && std::is_default_constructible_v<T>>> {
  static void write(byte_writer& w, const T& v) { w.bytes(&v, sizeof v); }
  static T read(byte_reader& r) {
    T v;
    r.bytes(&v, sizeof v);
    return v;
  }
};

template <>
struct serializer<std::string> {
  static void write(byte_writer& w, const std::string& s) {
    w.varint(s.size());
    w.bytes(s.data(), s.size());
  }
  static std::string read(byte_reader& r) { return std::string(r.view(r.varint())); }
};

template <class T, class A>
struct serializer<std::vector<T, A>, std::enable_if_t<is_serializable_v<T>>> {
  static void write(byte_writer& w, const std::vector<T, A>& v) {
    w.varint(v.size());
    if constexpr (detail::is_plain_bytes<T>::value && !std::is_same_v<T, bool>)
      w.bytes(v.data(), v.size() * sizeof(T));
    else
      for (const auto& x : v) serializer<T>::write(w, x);
  }
  static std::vector<T, A> read(byte_reader& r) {
    std::vector<T, A> v;
    std::size_t n = r.varint();
    if constexpr (detail::is_plain_bytes<T>::value && !std::is_same_v<T, bool>) {
      if (n > r.left() / sizeof(T)) throw std::out_of_range("parade: serialized data ends early");
      v.resize(n);
      r.bytes(v.data(), n * sizeof(T));
    } else {
      v.reserve(std::min<std::size_t>(n, r.left()));
      for (std::size_t i = 0; i < n; ++i) v.push_back(serializer<T>::read(r));
    }
    return v;
  }
};

template <class A, class B>
struct serializer<std::pair<A, B>, std::enable_if_t<is_serializable_v<A> && is_serializable_v<B> &&
                                                    !detail::is_plain_bytes<std::pair<A, B>>::value>> {
  static void write(byte_writer& w, const std::pair<A, B>& p) {
    serializer<A>::write(w, p.first);
    serializer<B>::write(w, p.second);
  }
  static std::pair<A, B> read(byte_reader& r) {
    A a = serializer<A>::read(r);  // in order: a before b
    return std::pair<A, B>(std::move(a), serializer<B>::read(r));
  }
};

template <class... T>
struct serializer<std::tuple<T...>, std::enable_if_t<(is_serializable_v<T> && ...) &&
                                                     !detail::is_plain_bytes<std::tuple<T...>>::value>> {
  static void write(byte_writer& w, const std::tuple<T...>& t) {
    std::apply([&](const T&... parts) { (serializer<T>::write(w, parts), ...); }, t);
  }
  // A braced list is evaluated left to right: the parts are read in order.
  static std::tuple<T...> read(byte_reader& r) { return std::tuple<T...>{serializer<T>::read(r)...}; }
};

template <class T, std::size_t N>
struct serializer<std::array<T, N>, std::enable_if_t<is_serializable_v<T> && !detail::is_plain_bytes<std::array<T, N>>::value>> {
  static void write(byte_writer& w, const std::array<T, N>& a) {
    for (const auto& x : a) serializer<T>::write(w, x);
  }
  static std::array<T, N> read(byte_reader& r) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<T, N>{((void)I, serializer<T>::read(r))...};
    }(std::make_index_sequence<N>{});
  }
};

template <class T>
struct serializer<std::optional<T>, std::enable_if_t<is_serializable_v<T>>> {
  static void write(byte_writer& w, const std::optional<T>& o) {
    w.varint(o.has_value());
    if (o) serializer<T>::write(w, *o);
  }
  static std::optional<T> read(byte_reader& r) {
    if (!r.varint()) return std::nullopt;
    return std::optional<T>(serializer<T>::read(r));
  }
};

template <class T>
struct serializer<std::unique_ptr<T>, std::enable_if_t<is_serializable_v<T>>> {
  static void write(byte_writer& w, const std::unique_ptr<T>& p) {
    w.varint(p != nullptr);
    if (p) serializer<T>::write(w, *p);
  }
  static std::unique_ptr<T> read(byte_reader& r) {
    if (!r.varint()) return nullptr;
    return std::make_unique<T>(serializer<T>::read(r));
  }
};

}  // namespace parade
