// concat, enumerate and sample: order and positions the same for every
// worker count and chunk size.
#include "support.hpp"

#include <filesystem>
#include <fstream>
#include <numeric>

namespace {
using i64 = std::int64_t;

std::vector<i64> iota(i64 a, i64 b) {
  std::vector<i64> v(std::size_t(b - a));
  std::iota(v.begin(), v.end(), a);
  return v;
}
}  // namespace

TEST(concat, this_then_other_for_every_source_kind) {
  auto gen = [] {
    return parade::generate([i = i64(0)]() mutable -> std::optional<i64> {
      if (i == 3000) return std::nullopt;
      return 100000 + i++;
    });
  };
  std::vector<i64> want = iota(0, 5000);
  auto more = iota(100000, 103000);
  want.insert(want.end(), more.begin(), more.end());
  for (std::size_t chunk : {std::size_t{0}, std::size_t{7}}) {
    parade::detail::tuning::max_chunk = chunk;
    ptest::each_config([&](const ptest::config& c) {
      EXPECT_EQ(parade::range(0, 5000).concat(gen()).collect(c.run()), want);
      EXPECT_EQ(parade::from(iota(0, 5000)).map([](i64 x) { return x; }).concat(gen()).collect(c.run()), want);
      // A side with a stage of its own (batch) is buffered, order kept.
      auto batched = parade::range(0, 5000).batch(10).flat_map([](std::vector<i64> b) { return b; });
      EXPECT_EQ(batched.concat(gen()).collect(c.run()), want);
      // Empty sides, and a concat of concats.
      EXPECT_EQ(parade::range(0, 0).concat(parade::range(0, 5000)).concat(parade::range(0, 0)).collect(c.run()), iota(0, 5000));
    });
    parade::detail::tuning::max_chunk = 0;
  }
}

TEST(concat, files_after_a_sort_and_move_only_elements) {
  auto dir = std::filesystem::temp_directory_path() / ("parade-concat-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (int f = 0; f < 3; ++f) {
    std::ofstream out(dir / ("part-" + std::to_string(f) + ".txt"));
    for (int i = 0; i < 2000; ++i) out << f << "-" << i << "\n";
  }
  std::vector<std::string> want;
  for (int i = 9; i >= 0; --i) want.push_back(std::to_string(i));
  for (int f = 0; f < 3; ++f)
    for (int i = 0; i < 2000; ++i) want.push_back(std::to_string(f) + "-" + std::to_string(i));
  auto sorted = parade::range(0, 10).map([](i64 x) { return std::to_string(x); }).sort(std::greater<>{});
  ptest::each_config([&](const ptest::config& c) {
    EXPECT_EQ(sorted.concat(parade::read_lines(dir.string())).collect(c.run()), want);
  });
  std::filesystem::remove_all(dir);
  auto mo = parade::range(0, 100).map([](i64 x) { return std::make_unique<i64>(x); });
  auto got = mo.concat(mo).map([](std::unique_ptr<i64> p) { return *p; }).collect(ptest::config{2, 0}.run());
  auto w = iota(0, 100);
  w.insert(w.end(), w.begin(), w.end());
  EXPECT_EQ(got, w);
}

TEST(enumerate, index_in_input_order_after_a_filter) {
  std::vector<std::pair<std::size_t, i64>> want;
  for (i64 x = 0; x < 50000; ++x)
    if (x % 7 == 3) want.emplace_back(want.size(), x);
  for (std::size_t chunk : {std::size_t{0}, std::size_t{5}}) {
    parade::detail::tuning::max_chunk = chunk;
    ptest::each_config([&](const ptest::config& c) {
      EXPECT_EQ(parade::range(0, 50000).filter([](i64 x) { return x % 7 == 3; }).enumerate().collect(c.run()), want);
    });
    parade::detail::tuning::max_chunk = 0;
  }
  EXPECT_TRUE(parade::range(0, 0).enumerate().collect(ptest::config{2, 0}.run()).empty());
}

TEST(sample, same_seed_same_sample_for_any_workers_and_chunks) {
  auto base = parade::range(0, 200000).sample(0.05, 42).collect(ptest::config{1, 0}.run());
  // About 5%: 10000 expected, sd ~97.
  EXPECT_GT(base.size(), 9400u);
  EXPECT_LT(base.size(), 10600u);
  EXPECT_TRUE(std::is_sorted(base.begin(), base.end()));
  for (std::size_t chunk : {std::size_t{0}, std::size_t{3}, std::size_t{1000}}) {
    parade::detail::tuning::max_chunk = chunk;
    ptest::each_config([&](const ptest::config& c) {
      EXPECT_EQ(parade::range(0, 200000).sample(0.05, 42).collect(c.run()), base);
    });
    parade::detail::tuning::max_chunk = 0;
  }
  auto other = parade::range(0, 200000).sample(0.05, 43).collect(ptest::config{2, 0}.run());
  EXPECT_NE(other, base);
  EXPECT_EQ(parade::range(0, 1000).sample(1.0, 1).count(ptest::config{2, 0}.run()), 1000u);
  EXPECT_EQ(parade::range(0, 1000).sample(0.0, 1).count(ptest::config{2, 0}.run()), 0u);
  EXPECT_THROW(parade::range(0, 10).sample(1.5, 1), std::invalid_argument);
  EXPECT_THROW(parade::range(0, 10).sample(-0.1, 1), std::invalid_argument);
}
