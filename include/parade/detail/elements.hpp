// Moving users' elements around: every helper here needs only a move
// constructor, so element types may be move-only, lack a default constructor
// and have const members (no assignment). Not API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "parade/detail/std.hpp"

namespace parade::detail {

// Appends src's elements to dst by move construction (vector::insert would
// need move assignment).
template <class T>
void append_moved(std::vector<T>& dst, std::span<T> src) {
  if (dst.capacity() < dst.size() + src.size()) dst.reserve(std::max(dst.size() + src.size(), 2 * dst.capacity()));
  for (auto& x : src) dst.emplace_back(std::move(x));
}

// a = std::move(b), also for types without assignment (destroy, then
// construct in place; C++20 allows this for types with const members).
template <class T>
void replace_value(T& a, T&& b) {
  if constexpr (std::is_move_assignable_v<T>) {
    a = std::move(b);
  } else {
    T tmp(std::move(b));
    std::destroy_at(std::addressof(a));
    std::construct_at(std::addressof(a), std::move(tmp));
  }
}

// Sorts v by `less`; stable if asked. Types that cannot be assigned (or
// swapped) are sorted through a permutation and rebuilt by moving.
template <bool Stable = false, class T, class Less>
void sort_elements(std::vector<T>& v, Less less) {
  if constexpr (std::is_move_assignable_v<T> && std::is_swappable_v<T>) {
    if constexpr (Stable) std::stable_sort(v.begin(), v.end(), less);
    else std::sort(v.begin(), v.end(), less);
  } else {
    std::vector<std::uint32_t> idx(v.size());
    for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = std::uint32_t(i);
    auto by = [&](std::uint32_t a, std::uint32_t b) { return less(v[a], v[b]); };
    if constexpr (Stable) std::stable_sort(idx.begin(), idx.end(), by);
    else std::sort(idx.begin(), idx.end(), by);
    std::vector<T> out;
    out.reserve(v.size());
    for (auto i : idx) out.emplace_back(std::move(v[i]));
    v.swap(out);
  }
}

// Passes an element to a user function: as an rvalue when f takes one (so
// f(T) can take ownership), else as an lvalue (f(T&) may modify it).
template <class Fn, class T, class... Rest>
decltype(auto) pass_element(Fn& f, T& x, Rest&&... rest) {
  if constexpr (std::is_invocable_v<Fn&, T&&, Rest&&...>)
    return f(std::move(x), std::forward<Rest>(rest)...);
  else
    return f(x, std::forward<Rest>(rest)...);
}

template <class Fn, class T, class... Rest>
concept takes_element = std::is_invocable_v<Fn&, T&&, Rest&&...> || std::is_invocable_v<Fn&, T&, Rest&&...>;

}  // namespace parade::detail
