// How much memory elements hold: sizeof plus what they own on the heap
// (strings, vectors, nested), a cheap estimate for bounding buffers and
// barriers in bytes. Not API.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

namespace parade::detail {

template <class T>
struct owns_nothing : std::bool_constant<std::is_trivially_copyable_v<T>> {};

template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_unique_ptr : std::false_type {};
template <class T>
struct is_unique_ptr<std::unique_ptr<T>> : std::true_type {};
// A unique_ptr to one object (not an array), which heap_mark looks into.
template <class T>
struct is_object_ptr : std::false_type {};
template <class T>
struct is_object_ptr<std::unique_ptr<T>> : std::bool_constant<!std::is_array_v<T>> {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// What malloc takes for a block of n bytes: glibc adds an 8-byte header
// and rounds to 16, at least 32 (a string of 100 characters takes 112).
constexpr std::size_t malloc_size(std::size_t n) { return n == 0 ? 0 : n + 8 <= 32 ? 32 : (n + 8 + 15) & ~std::size_t{15}; }

// Heap bytes owned by x, beyond sizeof(x). Types parade does not know count
// as owning nothing.
template <class T>
std::size_t heap_bytes(const T& x);

template <class T, class A>
std::size_t vector_heap_bytes(const std::vector<T, A>& v) {
  std::size_t n = malloc_size(v.capacity() * sizeof(T));
  if constexpr (!owns_nothing<T>::value)
    for (const auto& e : v) n += heap_bytes(e);
  return n;
}

template <class T>
std::size_t heap_bytes(const T& x) {
  if constexpr (owns_nothing<T>::value) {
    return 0;
  } else if constexpr (std::is_same_v<T, std::string>) {
    // Short strings live inside the object (15 bytes in libstdc++).
    return x.capacity() > 15 ? malloc_size(x.capacity() + 1) : 0;
  } else if constexpr (is_vector<T>::value) {
    return vector_heap_bytes(x);
  } else if constexpr (requires { std::tuple_size<T>::value; }) {
    return std::apply([](const auto&... parts) { return (std::size_t{0} + ... + heap_bytes(parts)); }, x);
  } else if constexpr (is_unique_ptr<T>::value) {
    using U = typename T::element_type;
    if constexpr (std::is_array_v<U>) return 0;
    else return x ? malloc_size(sizeof(U)) + heap_bytes(*x) : 0;
  } else if constexpr (is_optional<T>::value) {
    return x ? heap_bytes(*x) : 0;
  } else {
    return 0;
  }
}

// Memory held by a vector of elements and what they own.
template <class T, class A>
std::size_t memory_of(const std::vector<T, A>& v) {
  return sizeof(v) + vector_heap_bytes(v);
}

// What a value grew by in place (an accumulator a user function combined
// into), in time proportional to the growth, not to the value: a vector is
// marked by its capacity and size, and only the elements appended since are
// measured, so concatenating into a long vector stays linear; optional and
// unique_ptr are marked by what they hold, pairs and tuples part by part.
// Strings and the rest are measured whole (constant time for strings). An
// estimate: a vector whose earlier elements grew is not seen, and a
// unique_ptr moved to another object is measured against the old one's mark.
//   auto m = heap_mark(acc); combine(acc, v); lease.grow(heap_grown(acc, m));
template <class T>
auto heap_mark(const T& x) {
  if constexpr (owns_nothing<T>::value) {
    return std::tuple<>{};
  } else if constexpr (is_vector<T>::value) {
    return std::pair<std::size_t, std::size_t>{x.capacity(), x.size()};
  } else if constexpr (requires { std::tuple_size<T>::value; }) {
    return std::apply([](const auto&... parts) { return std::tuple{heap_mark(parts)...}; }, x);
  } else if constexpr (is_optional<T>::value) {
    using M = decltype(heap_mark(*x));
    return x ? std::optional<M>(heap_mark(*x)) : std::optional<M>();
  } else if constexpr (is_object_ptr<T>::value) {
    using M = decltype(heap_mark(*x));
    return x ? std::optional<M>(heap_mark(*x)) : std::optional<M>();
  } else {
    return heap_bytes(x);
  }
}

template <class T, class M>
std::size_t heap_grown(const T& x, const M& mark) {
  if constexpr (owns_nothing<T>::value) {
    return 0;
  } else if constexpr (is_vector<T>::value) {
    using E = typename T::value_type;
    std::size_t was = malloc_size(mark.first * sizeof(E)), now = malloc_size(x.capacity() * sizeof(E));
    std::size_t n = now > was ? now - was : 0;
    if constexpr (!owns_nothing<E>::value)
      for (std::size_t i = mark.second; i < x.size(); ++i) n += heap_bytes(x[i]);
    return n;
  } else if constexpr (requires { std::tuple_size<T>::value; }) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return (std::size_t{0} + ... + heap_grown(std::get<I>(x), std::get<I>(mark)));
    }(std::make_index_sequence<std::tuple_size_v<T>>{});
  } else if constexpr (is_optional<T>::value) {
    if (!x) return 0;
    return mark ? heap_grown(*x, *mark) : heap_bytes(*x);
  } else if constexpr (is_object_ptr<T>::value) {
    if (!x) return 0;
    return mark ? heap_grown(*x, *mark) : heap_bytes(x);
  } else {
    std::size_t now = heap_bytes(x);
    return now > mark ? now - mark : 0;
  }
}

}  // namespace parade::detail
