#include "support.hpp"

#include <list>
#include <ranges>
#include <set>

TEST(range, values_and_empty) {
  ptest::each_config([](const ptest::config& c) {
    EXPECT_EQ(parade::range(-3, 2).collect(c.run()), (std::vector<std::int64_t>{-3, -2, -1, 0, 1}));
    EXPECT_TRUE(parade::range(5, 5).collect(c.run()).empty());
    EXPECT_TRUE(parade::range(5, 1).collect(c.run()).empty());
    EXPECT_EQ(parade::range(0, 123457).count(c.run()), 123457u);
  });
}

TEST(from, copies_lvalues_and_moves_rvalues) {
  std::vector<std::string> v{"x", "y"};
  auto ds = parade::from(v);
  v[0] = "changed";
  parade::run_options o{.status = parade::status_mode::off};
  EXPECT_EQ(ds.collect(o), (std::vector<std::string>{"x", "y"}));
  std::vector<std::string> big(1000, std::string(100, 'q'));
  auto moved = parade::from(std::move(big));
  EXPECT_EQ(moved.count(o), 1000u);
  EXPECT_EQ(moved.collect(o).size(), 1000u);  // readable again: the source keeps its elements
}

TEST(from, any_input_range) {
  parade::run_options o{.status = parade::status_mode::off};
  std::list<int> l{3, 1, 2};
  EXPECT_EQ(parade::from(l).collect(o), (std::vector<int>{3, 1, 2}));
  std::set<std::string> s{"b", "a"};
  EXPECT_EQ(parade::from(s).collect(o), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parade::from(std::views::iota(0, 5)).collect(o), (std::vector<int>{0, 1, 2, 3, 4}));
  int arr[] = {7, 8};
  EXPECT_EQ(parade::from(arr).collect(o), (std::vector<int>{7, 8}));
}

TEST(generate, until_nullopt_in_order) {
  ptest::each_config([](const ptest::config& c) {
    auto ds = parade::generate([i = 0]() mutable -> std::optional<int> {
      if (i >= 20000) return std::nullopt;
      return i++;
    }, {.name = "Numbers", .length = 20000});
    auto out = ds.map([](int x) { return x * 2; }).collect(c.run());
    ASSERT_EQ(out.size(), 20000u);
    for (int i = 0; i < 20000; ++i) ASSERT_EQ(out[std::size_t(i)], 2 * i);
    EXPECT_EQ(ds.count(c.run()), 20000u);  // each run starts from a fresh copy of f
  });
}

TEST(generate, empty_and_never_called_after_the_end) {
  int calls_after_end = 0;
  bool ended = false;
  auto ds = parade::generate([&]() -> std::optional<int> {
    if (ended) ++calls_after_end;
    ended = true;
    return std::nullopt;
  });
  EXPECT_EQ(ds.count({.workers = 8, .status = parade::status_mode::off}), 0u);
  EXPECT_EQ(calls_after_end, 0);
}
