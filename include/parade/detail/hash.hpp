// Hashing of keys: std::hash<K> or abseil's AbslHashValue, whichever the key
// has, without including abseil (its headers cost every user's build 0.7 s).
// Not API; docs/keys.md says what a key needs.
#pragma once

#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "parade/detail/std.hpp"

namespace parade::detail {

// A 64-bit finalizer: every input bit affects every output bit, so
// std::hash's identity on integers still spreads over a table's low bits.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  x *= 0xd6e8feb86659fd93ULL;
  x ^= x >> 32;
  return x;
}

__extension__ typedef unsigned __int128 uint128;  // g++ and clang; __extension__: no -Wpedantic warning

inline std::uint64_t mul_fold(std::uint64_t a, std::uint64_t b) {
  uint128 r = uint128(a) * b;
  return std::uint64_t(r) ^ std::uint64_t(r >> 64);
}

inline std::uint64_t load8(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Hash of a byte string: 16 bytes per step through a 128-bit multiply (the
// scheme of wyhash); deterministic across processes, so the same key goes to
// the same partition on every machine.
inline std::uint64_t hash_bytes(const char* p, std::size_t n, std::uint64_t seed) {
  constexpr std::uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL, k2 = 0x8ebc6af09c88c6e3ULL;
  std::uint64_t h = seed ^ k0 ^ (n * k2);
  std::uint64_t a, b;
  if (n <= 16) {
    if (n >= 4) {
      std::uint32_t x0, x1, y0, y1;
      std::memcpy(&x0, p, 4);
      std::memcpy(&x1, p + ((n >> 3) << 2), 4);
      std::memcpy(&y0, p + n - 4, 4);
      std::memcpy(&y1, p + n - 4 - ((n >> 3) << 2), 4);
      a = (std::uint64_t(x0) << 32) | x1;
      b = (std::uint64_t(y0) << 32) | y1;
    } else if (n > 0) {
      a = (std::uint64_t(std::uint8_t(p[0])) << 16) | (std::uint64_t(std::uint8_t(p[n >> 1])) << 8) |
          std::uint8_t(p[n - 1]);
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    std::size_t i = n;
    while (i > 16) {
      h = mul_fold(load8(p) ^ k1, load8(p + 8) ^ h);
      p += 16;
      i -= 16;
    }
    a = load8(p + i - 16);
    b = load8(p + i - 8);
  }
  return mul_fold(k1 ^ n, mul_fold(a ^ k1, b ^ h));
}

// The state handed to a key's AbslHashValue(H, const K&): supports what such
// functions call, H::combine(h, values...) and H::combine_contiguous(h, p, n).
class hash_state {
 public:
  explicit hash_state(std::uint64_t v = 0) : v_(v) {}
  template <class... Ts>
  static hash_state combine(hash_state s, const Ts&... vs);
  template <class T>
  static hash_state combine_contiguous(hash_state s, const T* data, std::size_t n);
  std::uint64_t value() const { return v_; }
  void add(std::uint64_t x) { v_ = mul_fold(v_ ^ x, 0x9e3779b97f4a7c15ULL) + x; }

 private:
  std::uint64_t v_;
};

template <class T>
concept has_absl_hash = requires(hash_state s, const T& t) {
  { AbslHashValue(std::move(s), t) } -> std::same_as<hash_state>;
};

template <class T>
concept has_std_hash = requires(const T& t) {
  { std::hash<T>{}(t) } -> std::convertible_to<std::size_t>;
};

template <class T>
concept string_like = std::is_convertible_v<const T&, std::string_view> && !std::is_pointer_v<T>;

template <class T>
concept iterable = requires(const T& t) {
  std::begin(t);
  std::end(t);
};

template <class T>
struct is_pair_or_tuple : std::false_type {};
template <class A, class B>
struct is_pair_or_tuple<std::pair<A, B>> : std::true_type {};

template <class T>
concept tuple_like = requires { std::tuple_size<T>::value; } && !iterable<T>;

template <class T>
concept optional_like = requires(const T& t) {
  t.has_value();
  *t;
  typename T::value_type;
} && !iterable<T>;

// Whether parade can hash a T (as a key): a type of its own kind, or one
// whose parts it can hash, or one with std::hash or AbslHashValue.
template <class T>
constexpr bool hashable();

template <class T>
constexpr bool tuple_hashable() {
  return []<std::size_t... I>(std::index_sequence<I...>) {
    return (hashable<std::remove_cvref_t<std::tuple_element_t<I, T>>>() && ...);
  }(std::make_index_sequence<std::tuple_size_v<T>>{});
}

template <class T>
constexpr bool hashable() {
  if constexpr (has_absl_hash<T> || std::is_arithmetic_v<T> || std::is_enum_v<T> || string_like<T>)
    return true;
  else if constexpr (tuple_like<T>)
    return tuple_hashable<T>();
  else if constexpr (optional_like<T>)
    return hashable<std::remove_cvref_t<decltype(*std::declval<const T&>())>>();
  else if constexpr (iterable<T>)
    return hashable<std::remove_cvref_t<decltype(*std::begin(std::declval<const T&>()))>>();
  else
    return has_std_hash<T>;
}

// Adds one value to the state.
template <class T>
void hash_into(hash_state& s, const T& v) {
  if constexpr (has_absl_hash<T>) {
    s = AbslHashValue(std::move(s), v);
  } else if constexpr (std::is_floating_point_v<T>) {
    T x = v == T(0) ? T(0) : v;  // -0.0 == 0.0: one hash
    std::uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof x);
    s.add(bits);
  } else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) {
    s.add(std::uint64_t(v));
  } else if constexpr (string_like<T>) {
    std::string_view sv(v);
    s.add(hash_bytes(sv.data(), sv.size(), 0));
  } else if constexpr (tuple_like<T>) {
    std::apply([&](const auto&... parts) { (hash_into(s, parts), ...); }, v);
  } else if constexpr (optional_like<T>) {
    s.add(v.has_value());
    if (v.has_value()) hash_into(s, *v);
  } else if constexpr (iterable<T>) {
    std::uint64_t n = 0;
    for (const auto& x : v) {
      hash_into(s, x);
      ++n;
    }
    s.add(n);
  } else {
    s.add(std::uint64_t(std::hash<T>{}(v)));
  }
}

template <class... Ts>
hash_state hash_state::combine(hash_state s, const Ts&... vs) {
  (hash_into(s, vs), ...);
  return s;
}

template <class T>
hash_state hash_state::combine_contiguous(hash_state s, const T* data, std::size_t n) {
  if constexpr (std::is_integral_v<T> && sizeof(T) == 1) {
    s.add(hash_bytes(reinterpret_cast<const char*>(data), n, 0));
  } else {
    for (std::size_t i = 0; i < n; ++i) hash_into(s, data[i]);
    s.add(n);
  }
  return s;
}

// The hash of a key. Strings and integers take a fast path.
template <class K>
std::uint64_t hash_key(const K& k) {
  if constexpr (string_like<K> && !has_absl_hash<K>) {
    std::string_view sv(k);
    return hash_bytes(sv.data(), sv.size(), 0x5eed);
  } else if constexpr ((std::is_integral_v<K> || std::is_enum_v<K>) && !has_absl_hash<K>) {
    // One 128-bit multiply, folded (abseil's mix for integers): half the
    // latency of mix64, which made reduce_by_key's lookups 40% slower.
    return mul_fold(static_cast<std::uint64_t>(k) + std::uint64_t{0x9e3779b97f4a7c15}, 0xd6e8feb86659fd93ULL);
  } else {
    hash_state s(0x5eed);
    hash_into(s, k);
    return mix64(s.value());
  }
}

template <class K>
concept equality_key = requires(const K& a, const K& b) {
  { a == b } -> std::convertible_to<bool>;
};

template <class K>
concept ordered_key = requires(const K& a, const K& b) {
  { a < b } -> std::convertible_to<bool>;
};

// The one diagnostic for a key parade cannot use; instantiated with the key
// type, so the compiler's note names it.
template <class K>
struct check_key {
  static_assert(hashable<K>(),
                "parade: this key type has no hash. Give it either a std::hash specialization "
                "(template <> struct std::hash<K> { std::size_t operator()(const K&) const; };) or an abseil-style "
                "friend (template <class H> friend H AbslHashValue(H h, const K& k) "
                "{ return H::combine(std::move(h), k.field1, k.field2); }). See docs/keys.md.");
  static_assert(equality_key<K>, "parade: a key needs `==` (a == b -> bool). See docs/keys.md.");
  static constexpr bool ok = hashable<K>() && equality_key<K>;
};

}  // namespace parade::detail
