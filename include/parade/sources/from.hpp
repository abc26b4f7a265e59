// parade::from(container_or_range): a dataset over a copy of the elements.
#pragma once

#include <atomic>
#include <iterator>
#include <memory>
#include <type_traits>
#include <vector>

#include "parade/dataset.hpp"
#include "parade/detail/index_source.hpp"
#include "parade/error.hpp"

namespace parade {
namespace detail {

// Elements that can be read again by every action: each read copies them.
template <class T>
struct copy_fill {
  std::shared_ptr<const std::vector<T>> data;
  void operator()(std::vector<T>& buf, std::int64_t i, std::size_t n) const {
    auto b = data->begin() + i;
    if constexpr (std::is_copy_assignable_v<T>) {
      buf.assign(b, b + std::int64_t(n));
    } else {
      buf.clear();
      for (auto it = b; it != b + std::int64_t(n); ++it) buf.emplace_back(*it);
    }
  }
};

// Move-only elements: moved out by the one action that reads them.
template <class T>
struct move_fill {
  struct state {
    std::vector<T> items;
    std::atomic<bool> read{false};
  };
  std::shared_ptr<state> s;
  void operator()(std::vector<T>& buf, std::int64_t i, std::size_t n) const {
    buf.clear();
    auto b = s->items.begin() + i;
    for (auto it = b; it != b + std::int64_t(n); ++it) buf.emplace_back(std::move(*it));
  }
  // Called when an action compiles the plan: a second action would find
  // the elements gone, so it fails instead.
  void claim() const {
    if (s->read.exchange(true))
      throw parade::error(
          "parade: from(): this dataset's elements are move-only and were moved out by the first action that read "
          "them; a dataset over move-only elements can be read by one action");
  }
};

template <class R>
concept input_container = requires(R& r) {
  std::begin(r);
  std::end(r);
};

template <class R>
struct container_value {
  using type = std::remove_cvref_t<decltype(*std::begin(std::declval<R&>()))>;
};
template <class R>
  requires requires { typename std::remove_cvref_t<R>::value_type; }
struct container_value<R> {
  using type = typename std::remove_cvref_t<R>::value_type;
};

}  // namespace detail

// dataset<value type> over the elements of `r`: copied, or moved from an
// rvalue std::vector. The elements are kept for the dataset's lifetime so
// every action can read them again; any worker reads any range of them.
// Move-only elements (std::unique_ptr, ...) must come in an rvalue
// container; the first action that reads them moves them out, and a second
// action on the same dataset throws parade::error.
//   auto ds = parade::from(std::vector<int>{1, 2, 3});
//   auto images = parade::from(std::move(vector_of_unique_ptrs));
template <detail::input_container R>
auto from(R&& r, source_options src = {}) {
  using T = typename detail::container_value<R>::type;
  constexpr bool owned = !std::is_lvalue_reference_v<R> && !std::is_const_v<std::remove_reference_t<R>>;
  if constexpr (std::is_copy_constructible_v<T>) {
    std::shared_ptr<const std::vector<T>> data;
    if constexpr (std::is_same_v<std::remove_cvref_t<R>, std::vector<T>> && owned) {
      data = std::make_shared<const std::vector<T>>(std::move(r));
    } else {
      std::vector<T> v;
      if constexpr (requires { std::size(r); }) v.reserve(std::size(r));
      for (auto&& x : r) v.push_back(x);
      data = std::make_shared<const std::vector<T>>(std::move(v));
    }
    auto n = std::int64_t(data->size());
    return dataset<T>(std::make_shared<detail::index_node<T, detail::copy_fill<T>>>(
        n, detail::copy_fill<T>{std::move(data)}, std::move(src), "from", "Items"));
  } else {
    static_assert(owned,
                  "parade::from: these elements cannot be copied; pass the container as an rvalue "
                  "(parade::from(std::move(v))) so its elements can be moved out");
    auto s = std::make_shared<typename detail::move_fill<T>::state>();
    if constexpr (std::is_same_v<std::remove_cvref_t<R>, std::vector<T>>) {
      s->items = std::move(r);
    } else {
      for (auto& x : r) s->items.push_back(std::move(x));
    }
    auto n = std::int64_t(s->items.size());
    return dataset<T>(std::make_shared<detail::index_node<T, detail::move_fill<T>>>(
        n, detail::move_fill<T>{std::move(s)}, std::move(src), "from", "Items"));
  }
}

}  // namespace parade
