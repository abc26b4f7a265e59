#include "support.hpp"

#include <map>

namespace {
using kv = std::pair<std::int64_t, std::int64_t>;
std::vector<kv> reference(const std::vector<kv>& in) {
  std::map<std::int64_t, std::int64_t> m;
  for (auto& [k, v] : in) m[k] += v;
  return {m.begin(), m.end()};
}
}  // namespace

TEST(reduce_by_key, empty_and_one) {
  ptest::each_config([](const ptest::config& c) {
    EXPECT_TRUE(parade::from(std::vector<kv>{}).reduce_by_key(std::plus<>{}).collect(c.run()).empty());
    EXPECT_EQ(parade::from(std::vector<kv>{{1, 5}}).reduce_by_key(std::plus<>{}).collect(c.run()),
              (std::vector<kv>{{1, 5}}));
  });
}

TEST(reduce_by_key, sums_keys_ascending) {
  ptest::each_config([](const ptest::config& c) {
    std::vector<kv> in;
    for (std::int64_t i = 0; i < 100000; ++i) in.emplace_back((i * 31) % 997 - 300, i);
    EXPECT_EQ(parade::from(in).reduce_by_key(std::plus<>{}).collect(c.run()), reference(in));
  });
}

TEST(reduce_by_key, one_hot_key) {
  ptest::each_config([](const ptest::config& c) {
    std::vector<kv> in;
    for (std::int64_t i = 0; i < 200000; ++i) in.emplace_back(i % 100 == 0 ? i : -1, 1);
    EXPECT_EQ(parade::from(in).reduce_by_key(std::plus<>{}).collect(c.run()), reference(in));
  });
}

TEST(reduce_by_key, a_million_distinct_keys) {
  for (std::size_t w : {1, 2, 8}) {
    auto out = parade::range(0, 2000000)
                   .map([](std::int64_t x) { return kv{x % 1000000, 1}; })
                   .reduce_by_key(std::plus<>{})
                   .collect({.workers = w, .status = parade::status_mode::off});
    ASSERT_EQ(out.size(), 1000000u);
    for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], (kv{std::int64_t(i), 2}));
  }
}

TEST(reduce_by_key, max_and_strings) {
  ptest::each_config([](const ptest::config& c) {
    auto out = parade::range(0, 10000)
                   .map([](std::int64_t x) { return std::pair{std::to_string(x % 10), x}; })
                   .reduce_by_key([](std::int64_t a, std::int64_t b) { return std::max(a, b); })
                   .collect(c.run());
    ASSERT_EQ(out.size(), 10u);
    for (std::size_t i = 0; i < 10; ++i) {
      EXPECT_EQ(out[i].first, std::to_string(i));
      EXPECT_EQ(out[i].second, 9990 + std::int64_t(i));
    }
  });
}

TEST(reduce_by_key, two_barriers_in_a_row) {
  ptest::each_config([](const ptest::config& c) {
    // Count per key, then count how many keys have each count.
    auto out = parade::range(0, 10000)
                   .map([](std::int64_t x) { return kv{x % 100, 1}; })
                   .reduce_by_key(std::plus<>{})
                   .map([](const kv& p) { return kv{p.second, 1}; })
                   .reduce_by_key(std::plus<>{})
                   .collect(c.run());
    EXPECT_EQ(out, (std::vector<kv>{{100, 100}}));
  });
}

TEST(reduce_by_key, with_context_made_once_per_worker_and_closed) {
  ptest::each_config([](const ptest::config& c) {
    struct counts {
      std::atomic<int> opened{0}, closed{0};
    } n;
    struct scale {  // a context the reducer consults
      counts* n;
      std::int64_t factor = 1;
      explicit scale(counts* c) : n(c) { ++n->opened; }
      scale(scale&& o) noexcept : n(std::exchange(o.n, nullptr)), factor(o.factor) {}
      ~scale() {
        if (n) ++n->closed;
      }
    };
    auto out = parade::range(0, 30000)
                   .map([](std::int64_t x) { return kv{x % 500, 1}; })
                   .reduce_by_key([](std::int64_t a, std::int64_t b, scale& s) { return a + b * s.factor; },
                                  parade::context([&n] { return scale(&n); }), {.name = "sum"})
                   .collect(c.run());
    ASSERT_EQ(out.size(), 500u);
    for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], (kv{std::int64_t(i), 60}));
    EXPECT_GE(n.opened.load(), 1);
    EXPECT_LE(std::size_t(n.opened.load()), c.workers);
    EXPECT_EQ(n.opened.load(), n.closed.load());
  });
}
