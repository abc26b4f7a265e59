#include "support.hpp"

TEST(flat_map, range_form_keeps_order) {
  ptest::each_config([](const ptest::config& c) {
    auto out = parade::range(0, 3000)
                   .flat_map([](std::int64_t x) { return std::vector<std::int64_t>(std::size_t(x % 4), x); })
                   .collect(c.run());
    std::vector<std::int64_t> want;
    for (std::int64_t i = 0; i < 3000; ++i)
      for (int k = 0; k < i % 4; ++k) want.push_back(i);
    EXPECT_EQ(out, want);
  });
}

TEST(flat_map, emitter_form_without_containers) {
  ptest::each_config([](const ptest::config& c) {
    auto out = parade::from(std::vector<std::string>{"a b", "", "c d e", "f"})
                   .flat_map<std::string>([](const std::string& line, auto& emit) {
                     for (char ch : line)
                       if (ch != ' ') emit(std::string(1, ch));
                   })
                   .collect(c.run());
    EXPECT_EQ(out, (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
  });
}

TEST(flat_map, named_emitter_type_and_pairs) {
  auto out = parade::range(0, 3)
                 .flat_map<std::pair<std::string, long>>(
                     [](std::int64_t x, parade::emitter<std::pair<std::string, long>>& emit) {
                       emit({"k" + std::to_string(x), long(x)});
                     })
                 .collect({.status = parade::status_mode::off});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2].first, "k2");
}

TEST(flat_map, huge_expansion_of_one_element_streams_through) {
  ptest::each_config([](const ptest::config& c) {
    // One element expands to 2 million: flushed downstream in batches.
    auto n = parade::range(0, 1)
                 .flat_map<std::int64_t>([](std::int64_t, auto& emit) {
                   for (std::int64_t i = 0; i < 2000000; ++i) emit(i);
                 })
                 .filter([](std::int64_t x) { return x % 2 == 0; })
                 .count(c.run());
    EXPECT_EQ(n, 1000000u);
  });
}

TEST(flat_map, context_forms) {
  auto make = [] { return std::string("-"); };
  auto a = parade::range(0, 2)
               .flat_map([](std::int64_t x, std::string& sep) { return std::vector<std::string>{sep + std::to_string(x)}; },
                         parade::context(make))
               .collect({.status = parade::status_mode::off});
  EXPECT_EQ(a, (std::vector<std::string>{"-0", "-1"}));
  auto b = parade::range(0, 2)
               .flat_map<std::string>([](std::int64_t x, std::string& sep, auto& emit) { emit(sep + std::to_string(x)); },
                                      parade::context(make))
               .collect({.status = parade::status_mode::off});
  EXPECT_EQ(b, a);
}
