#include "support.hpp"

TEST(filter, keeps_matching_in_order) {
  ptest::each_config([](const ptest::config& c) {
    auto out = parade::range(0, 50000).filter([](std::int64_t x) { return x % 7 == 3; }).collect(c.run());
    std::vector<std::int64_t> want;
    for (std::int64_t i = 0; i < 50000; ++i)
      if (i % 7 == 3) want.push_back(i);
    EXPECT_EQ(out, want);
  });
}

TEST(filter, all_or_nothing_and_empty) {
  ptest::each_config([](const ptest::config& c) {
    EXPECT_EQ(parade::range(0, 1000).filter([](std::int64_t) { return false; }).count(c.run()), 0u);
    EXPECT_EQ(parade::range(0, 1000).filter([](std::int64_t) { return true; }).count(c.run()), 1000u);
    EXPECT_EQ(parade::range(0, 0).filter([](std::int64_t) { return true; }).count(c.run()), 0u);
    EXPECT_EQ(parade::range(0, 1).filter([](std::int64_t) { return true; }).collect(c.run()),
              std::vector<std::int64_t>{0});
  });
}

TEST(filter, with_context) {
  struct threshold {
    std::int64_t min;
  };
  auto out = parade::range(0, 100)
                 .filter([](const std::int64_t& x, threshold& t) { return x >= t.min; },
                         parade::context([] { return threshold{90}; }))
                 .count({.status = parade::status_mode::off});
  EXPECT_EQ(out, 10u);
}
