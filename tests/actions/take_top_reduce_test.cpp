// take, first, top and reduce: results in order for every config; take
// stops the run early (an endless generator, a big file read only at its
// beginning) and is still a success.
#include "support.hpp"

#include <filesystem>
#include <fstream>
#include <random>

#include "spill_support.hpp"

namespace {
using i64 = std::int64_t;
}

TEST(take, first_n_in_order_for_every_config) {
  std::vector<i64> want;
  for (i64 x = 0; want.size() < 1000; ++x)
    if (x % 3 == 1) want.push_back(x * 2);
  ptest::each_config([&](const ptest::config& c) {
    auto ds = parade::range(0, 1000000).filter([](i64 x) { return x % 3 == 1; }).map([](i64 x) { return x * 2; });
    EXPECT_EQ(ds.take(1000, c.run()), want);
    EXPECT_EQ(ds.first(c.run()), std::optional<i64>(2));
    EXPECT_EQ(parade::range(0, 5).take(10, c.run()), (std::vector<i64>{0, 1, 2, 3, 4}));
    EXPECT_TRUE(parade::range(0, 5).take(0, c.run()).empty());
    EXPECT_FALSE(parade::range(0, 0).first(c.run()).has_value());
  });
}

TEST(take, stops_an_endless_generator) {
  ptest::with_watchdog(std::chrono::seconds(60), [] {
    std::atomic<i64> made{0};
    auto endless = parade::generate([&, i = i64(0)]() mutable -> std::optional<i64> {
      ++made;
      return i++;
    });
    ptest::each_config([&](const ptest::config& c) {
      EXPECT_EQ(endless.map([](i64 x) { return x * x; }).take(5, c.run()), (std::vector<i64>{0, 1, 4, 9, 16}));
    });
    auto first = parade::generate([i = 0]() mutable -> std::optional<std::string> { return std::to_string(i++); })
                     .filter([](const std::string& s) { return s.size() == 3; })
                     .first(ptest::config{2, 0}.run());
    EXPECT_EQ(first, std::optional<std::string>("100"));
  });
}

TEST(take, reads_only_the_beginning_of_a_big_file) {
  auto path = std::filesystem::temp_directory_path() / ("parade-take-" + std::to_string(::getpid()) + ".txt");
  {
    std::ofstream out(path);
    std::string line(99, 'x');
    for (int i = 0; i < 400000; ++i) out << line << '\n';  // 40 MB
  }
  auto size = std::filesystem::file_size(path);
  auto o = ptest::config{2, 0}.run();
  auto run = ptest::run_plain([&](parade::run_options ro) { return parade::read_lines(path.string()).take(10, ro); }, o);
  EXPECT_EQ(run.result.size(), 10u);
  // The read step's bytes in, from its summary line: a few chunks, not the file.
  auto at = run.log.find("summary step=\"read_lines\"");
  ASSERT_NE(at, std::string::npos) << run.log;
  auto in = std::stoull(run.log.substr(run.log.find(" in=", at) + 4));
  EXPECT_LT(in, size / 4) << run.log;
  EXPECT_NE(run.log.find("outcome=done"), std::string::npos) << run.log;
  std::filesystem::remove(path);
}

TEST(take, a_cancelled_run_is_cancelled_and_a_failure_before_completion_fails) {
  ptest::with_watchdog(std::chrono::seconds(60), [] {
    // More than an endless source ever gives in time: the stop ends it.
    auto o = ptest::config{2, 0}.run();
    ptest::stop_after stop(o, std::chrono::milliseconds(50));
    auto endless = parade::generate([i = i64(0)]() mutable -> std::optional<i64> { return i++; });
    EXPECT_THROW(endless.take(std::size_t{1} << 40, o), parade::cancelled);
  });
  EXPECT_THROW(parade::range(0, 1000000).map([](i64 x) {
                 if (x == 3) throw std::runtime_error("early");
                 return x;
               }).take(10, ptest::config{2, 0}.run()),
               parade::error);
}

TEST(top, n_largest_largest_first_for_every_config) {
  std::mt19937_64 rng(9);
  std::vector<i64> in(100000);
  for (auto& x : in) x = i64(rng() % 50000);
  auto desc = in;
  std::sort(desc.begin(), desc.end(), std::greater<>{});
  std::vector<i64> want(desc.begin(), desc.begin() + 25);
  ptest::each_config([&](const ptest::config& c) {
    EXPECT_EQ(parade::from(in).top(25, c.run()), want);
    EXPECT_EQ(parade::from(in).top(0, c.run()), std::vector<i64>{});
    EXPECT_EQ(parade::from(std::vector<i64>{3, 1, 2}).top(10, c.run()), (std::vector<i64>{3, 2, 1}));
  });
}

TEST(top, comparator_ties_in_input_order_and_move_only) {
  // By length only: many ties; the earliest of equal lengths come first.
  std::vector<std::string> words;
  for (int i = 0; i < 20000; ++i) words.push_back(std::string(std::size_t(i % 10), 'a') + std::to_string(i));
  auto by_len = [](const std::string& a, const std::string& b) { return a.size() < b.size(); };
  auto want = words;
  std::stable_sort(want.begin(), want.end(), [&](auto& a, auto& b) { return by_len(b, a); });
  want.resize(50);
  ptest::each_config([&](const ptest::config& c) { EXPECT_EQ(parade::from(words).top(50, by_len, c.run()), want); });
  auto mo = parade::range(0, 1000)
                .map([](i64 x) { return std::make_unique<i64>(x); })
                .top(2, [](const std::unique_ptr<i64>& a, const std::unique_ptr<i64>& b) { return *a < *b; },
                     ptest::config{2, 0}.run());
  ASSERT_EQ(mo.size(), 2u);
  EXPECT_EQ(*mo[0], 999);
  EXPECT_EQ(*mo[1], 998);
}

TEST(reduce, combines_in_order_and_empty_is_nullopt) {
  ptest::each_config([&](const ptest::config& c) {
    EXPECT_EQ(parade::range(1, 100001).reduce(std::plus<>{}, c.run()), std::optional<i64>(5000050000));
    EXPECT_FALSE(parade::range(0, 0).reduce(std::plus<>{}, c.run()).has_value());
    // Not commutative: concatenation keeps input order.
    auto s = parade::range(0, 2000).map([](i64 x) { return std::to_string(x % 10); }).reduce(std::plus<>{}, c.run());
    std::string want;
    for (int x = 0; x < 2000; ++x) want += std::to_string(x % 10);
    EXPECT_EQ(s, std::optional<std::string>(want));
  });
  auto mo = parade::range(0, 1000).map([](i64 x) { return std::make_unique<i64>(x); }).reduce(
      [](std::unique_ptr<i64> a, std::unique_ptr<i64> b) {
        *a += *b;
        return a;
      },
      ptest::config{8, 0}.run());
  ASSERT_TRUE(mo.has_value());
  EXPECT_EQ(**mo, 499500);
}
