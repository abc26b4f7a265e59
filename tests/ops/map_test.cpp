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
