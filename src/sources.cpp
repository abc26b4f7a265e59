// The sources that need no user type: compiled once here.
#include "parade/sources/range.hpp"

#include "parade/detail/index_source.hpp"

namespace parade {

namespace {

// Index i is the number begin + i; a map right after takes them as numbers.
struct range_fill {
  std::int64_t begin;
  std::int64_t number(std::int64_t i) const { return begin + i; }
  void operator()(std::vector<std::int64_t>& buf, std::int64_t i, std::size_t n) const {
    buf.resize(n);
    for (std::size_t k = 0; k < n; ++k) buf[k] = begin + i + std::int64_t(k);
  }
};

}  // namespace

dataset<std::int64_t> range(std::int64_t begin, std::int64_t end, source_options src) {
  std::int64_t n = end > begin ? end - begin : 0;
  return dataset<std::int64_t>(std::make_shared<detail::index_node<std::int64_t, range_fill>>(
      n, range_fill{begin}, std::move(src), "range", "Numbers"));
}

}  // namespace parade
