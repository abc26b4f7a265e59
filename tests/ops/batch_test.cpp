#include "support.hpp"
#include <numeric>

namespace {
std::vector<std::vector<std::int64_t>> reference(std::int64_t n, std::size_t size) {
  std::vector<std::vector<std::int64_t>> out;
  for (std::int64_t i = 0; i < n; ++i) {
    if (out.empty() || out.back().size() == size) out.emplace_back();
    out.back().push_back(i);
  }
  return out;
}
}  // namespace

TEST(batch, zero_throws_invalid_argument) {
  EXPECT_THROW(parade::range(0, 10).batch(0), std::invalid_argument);
}

TEST(batch, edge_cases) {
  ptest::each_config([](const ptest::config& c) {
    for (std::int64_t n : {0, 1, 2, 9, 10, 11, 100000})
      for (std::size_t size : {1, 3, 10, 100001}) {
        SCOPED_TRACE("n=" + std::to_string(n) + " size=" + std::to_string(size));
        EXPECT_EQ(parade::range(0, n).batch(size).collect(c.run()), reference(n, size));
      }
  });
}

TEST(batch, feeds_parallel_steps_after_it) {
  ptest::each_config([](const ptest::config& c) {
    auto sums = parade::range(0, 10000)
                    .batch(100)
                    .map([](const std::vector<std::int64_t>& b) { return std::accumulate(b.begin(), b.end(), std::int64_t{0}); })
                    .collect(c.run());
    ASSERT_EQ(sums.size(), 100u);
    for (std::size_t i = 0; i < sums.size(); ++i) {
      std::int64_t lo = std::int64_t(i) * 100;
      ASSERT_EQ(sums[i], (lo + lo + 99) * 100 / 2);
    }
  });
}
