#include "support.hpp"

#include <numeric>

TEST(map, keeps_order_through_chained_maps_on_100k) {
  ptest::each_config([](const ptest::config& c) {
    auto out = parade::range(0, 100000)
                   .map([](std::int64_t x) { return x * 3; })
                   .map([](std::int64_t x) { return x + 1; })
                   .map([](std::int64_t x) { return std::to_string(x); })
                   .collect(c.run());
    ASSERT_EQ(out.size(), 100000u);
    for (std::int64_t i = 0; i < 100000; ++i) ASSERT_EQ(out[std::size_t(i)], std::to_string(i * 3 + 1));
  });
}

TEST(map, empty_and_one_element) {
  ptest::each_config([](const ptest::config& c) {
    EXPECT_TRUE(parade::range(0, 0).map([](std::int64_t x) { return x; }).collect(c.run()).empty());
    EXPECT_EQ(parade::range(5, 6).map([](std::int64_t x) { return x * 2; }).collect(c.run()),
              std::vector<std::int64_t>{10});
  });
}

// A map right after range() takes the numbers as (first, count), without
// range writing them out: the same elements as a map over the same numbers
// from a vector, whatever the start, length, output type and context.
TEST(map, over_range_equals_map_over_the_same_numbers) {
  struct no_default {  // the map's push_back path
    explicit no_default(std::int64_t x) : v(x) {}
    std::int64_t v;
  };
  for (auto [lo, hi] : {std::pair<std::int64_t, std::int64_t>{-5000, 5000}, {7, 8}, {0, 100003}, {1LL << 40, (1LL << 40) + 3000}}) {
    std::vector<std::int64_t> nums;
    for (std::int64_t x = lo; x < hi; ++x) nums.push_back(x);
    ptest::each_config([&](const ptest::config& c) {
      auto f = [](std::int64_t x) { return x * 3 - 1; };
      EXPECT_EQ(parade::range(lo, hi).map(f).collect(c.run()), parade::from(nums).map(f).collect(c.run()));
      auto s = [](const std::int64_t& x) { return std::to_string(x); };
      EXPECT_EQ(parade::range(lo, hi).map(s).collect(c.run()), parade::from(nums).map(s).collect(c.run()));
      auto nd = parade::range(lo, hi).map([](std::int64_t x) { return no_default(x + 1); }).collect(c.run());
      ASSERT_EQ(nd.size(), nums.size());
      for (std::size_t i = 0; i < nd.size(); ++i) ASSERT_EQ(nd[i].v, nums[i] + 1);
      // With a worker context: each number seen once, by some worker's context.
      auto with = parade::range(lo, hi)
                      .map([](std::int64_t x, std::int64_t& seen) { return ++seen, x; }, parade::context([] { return std::int64_t{0}; }))
                      .collect(c.run());
      EXPECT_EQ(with, nums);
    });
  }
}

TEST(map, changes_type_and_moves_values) {
  std::vector<std::string> words{"a", "bb", "ccc"};
  auto sizes = parade::from(words).map([](std::string s) { return s.size(); }).collect({.status = parade::status_mode::off});
  EXPECT_EQ(sizes, (std::vector<std::size_t>{1, 2, 3}));
}

TEST(map, runs_on_several_workers_at_once) {
  std::atomic<int> now{0}, peak{0};
  parade::range(0, 64)
      .map([&](std::int64_t x) {
        int n = ++now;
        int p = peak.load();
        while (n > p && !peak.compare_exchange_weak(p, n)) {}
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        --now;
        return x;
      })
      .count({.workers = 4, .status = parade::status_mode::off});
  EXPECT_GT(peak.load(), 1);
  EXPECT_LE(peak.load(), 4);
}

TEST(map, worker_cap_limits_one_step) {
  ptest::each_config([](const ptest::config& c) {
    std::atomic<int> now{0}, peak{0};
    auto out = parade::range(0, 200)
                   .map([](std::int64_t x) { return x + 1; })
                   .map(
                       [&](std::int64_t x) {
                         int n = ++now;
                         int p = peak.load();
                         while (n > p && !peak.compare_exchange_weak(p, n)) {}
                         std::this_thread::sleep_for(std::chrono::microseconds(200));
                         --now;
                         return x * 2;
                       },
                       {.name = "capped", .workers = 1})
                   .map([](std::int64_t x) { return x - 1; })
                   .collect(c.run());
    EXPECT_EQ(peak.load(), 1);
    ASSERT_EQ(out.size(), 200u);
    for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], std::int64_t(i + 1) * 2 - 1);
  });
}

TEST(map, datasets_are_reusable_handles) {
  auto base = parade::range(0, 1000);
  auto doubled = base.map([](std::int64_t x) { return x * 2; });
  auto plus = base.map([](std::int64_t x) { return x + 1; });
  parade::run_options o{.status = parade::status_mode::off};
  EXPECT_EQ(doubled.count(o), 1000u);
  EXPECT_EQ(doubled.collect(o).back(), 1998);
  EXPECT_EQ(plus.collect(o).back(), 1000);
}
