// parade::from(container_or_range): a dataset over a copy of the elements.
#pragma once

#include <iterator>
#include <memory>
#include <ranges>
#include <type_traits>
#include <vector>

#include "parade/dataset.hpp"
#include "parade/detail/index_source.hpp"

namespace parade {

// dataset<value type> over the elements of `r`: copied, or moved from an
// rvalue std::vector. The elements are kept for the dataset's lifetime so
// every action can read them again; any worker reads any range of them.
//   auto ds = parade::from(std::vector<int>{1, 2, 3});
template <std::ranges::input_range R>
auto from(R&& r, source_options src = {}) {
  using T = std::ranges::range_value_t<R>;
  std::shared_ptr<const std::vector<T>> data;
  if constexpr (std::is_same_v<std::remove_cvref_t<R>, std::vector<T>> && !std::is_lvalue_reference_v<R>) {
    data = std::make_shared<const std::vector<T>>(std::move(r));
  } else {
    std::vector<T> v;
    if constexpr (std::ranges::sized_range<R>) v.reserve(std::ranges::size(r));
    for (auto&& x : r) v.push_back(x);
    data = std::make_shared<const std::vector<T>>(std::move(v));
  }
  auto fill = [data](std::vector<T>& buf, std::int64_t i, std::size_t n) {
    buf.assign(data->begin() + i, data->begin() + i + std::int64_t(n));
  };
  auto n = std::int64_t(data->size());
  return dataset<T>(std::make_shared<detail::index_node<T, decltype(fill)>>(n, fill, std::move(src), "from", "Items"));
}

}  // namespace parade
