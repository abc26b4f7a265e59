#include "support.hpp"

#include <algorithm>
#include <memory>
#include <random>

#include "spill_support.hpp"

namespace {
using kv = std::pair<std::int64_t, std::int64_t>;

std::vector<std::int64_t> random_ints(std::size_t n, std::int64_t range, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::int64_t> v(n);
  for (auto& x : v) x = std::int64_t(rng() % std::uint64_t(range)) - range / 2;
  return v;
}
}  // namespace

TEST(sort, matches_std_stable_sort_for_every_config) {
  auto in = random_ints(60000, 5000, 1);
  auto want = in;
  std::stable_sort(want.begin(), want.end());
  auto desc = in;
  std::stable_sort(desc.begin(), desc.end(), std::greater<>{});
  ptest::each_config([&](const ptest::config& c) {
    EXPECT_EQ(parade::from(in).sort().collect(c.run()), want);
    EXPECT_EQ(parade::from(in).sort(std::greater<>{}).collect(c.run()), desc);
  });
}

TEST(sort, sort_by_is_stable) {
  // Keys with many duplicates; the second field is the input position, so
  // any reordering of equal keys shows.
  std::vector<kv> in;
  auto keys = random_ints(50000, 100, 2);
  for (std::size_t i = 0; i < keys.size(); ++i) in.emplace_back(keys[i], std::int64_t(i));
  auto want = in;
  std::stable_sort(want.begin(), want.end(), [](const kv& a, const kv& b) { return a.first < b.first; });
  ptest::each_config([&](const ptest::config& c) {
    EXPECT_EQ(parade::from(in).sort_by([](const kv& x) { return x.first; }).collect(c.run()), want);
  });
}

TEST(sort, empty_one_and_all_equal) {
  ptest::each_config([](const ptest::config& c) {
    EXPECT_TRUE(parade::from(std::vector<std::int64_t>{}).sort().collect(c.run()).empty());
    EXPECT_EQ(parade::from(std::vector<std::int64_t>{7}).sort().collect(c.run()), std::vector<std::int64_t>{7});
    std::vector<kv> same;
    for (std::int64_t i = 0; i < 20000; ++i) same.emplace_back(3, i);
    EXPECT_EQ(parade::from(same).sort_by([](const kv& x) { return x.first; }).collect(c.run()), same);
  });
}

TEST(sort, move_only_elements_in_memory_and_spilled) {
  auto in = random_ints(30000, 1000, 3);
  auto want = in;
  std::stable_sort(want.begin(), want.end());
  for (std::size_t limit : {std::size_t{0}, std::size_t{1} << 20}) {
    auto o = ptest::config{2, 0}.run();
    o.memory_limit = limit;
    auto got = parade::from(in)
                   .map([](std::int64_t x) { return std::make_unique<std::int64_t>(x); })
                   .sort_by([](const std::unique_ptr<std::int64_t>& p) { return *p; })
                   .collect(o);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(*got[i], want[i]) << i;
  }
}

// Strings of every length, with NUL bytes and high bytes, under a budget a
// small fraction of their size: spilled, merged, and equal to std::sort's.
TEST(sort, strings_spill_under_a_small_budget_with_the_same_result) {
  std::mt19937_64 rng(4);
  std::vector<std::string> in(200000);
  for (auto& s : in) {
    s.resize(rng() % 40);
    for (auto& ch : s) ch = char(rng() % 4 == 0 ? 0 : 'a' + rng() % 3 + (rng() % 50 == 0 ? 150 : 0));
  }
  auto want = in;
  std::sort(want.begin(), want.end());
  ptest::temp_dir tmp;
  for (std::size_t w : {1, 2, 8}) {
    SCOPED_TRACE(w);
    auto o = ptest::config{w, 0}.run();
    o.memory_limit = 2 << 20;
    o.temp_dir = tmp.path;
    auto run = ptest::run_plain([&](parade::run_options p) { return parade::from(in).sort().collect(p); }, o);
    EXPECT_EQ(run.result, want);
    EXPECT_GT(run.spilled("sort"), 0u) << run.log;
    EXPECT_TRUE(tmp.empty());
  }
}

// A type with no parade::serializer sorts in memory; over the budget the
// step fails and says what to add.
TEST(sort, unserializable_elements_fail_only_when_they_must_spill) {
  struct opaque {
    std::int64_t v;
    std::shared_ptr<int> p;  // a pointer: no automatic byte copy
    bool operator<(const opaque& o) const { return v < o.v; }
  };
  static_assert(!parade::is_serializable_v<opaque>);
  auto ds = parade::range(0, 300000).map([](std::int64_t i) { return opaque{(i * 7919) % 300000, nullptr}; });
  auto o = ptest::config{2, 0}.run();
  EXPECT_EQ(ds.sort().count(o), 300000u);
  o.memory_limit = 1 << 20;
  try {
    ds.sort({.name = "order them"}).count(o);
    FAIL() << "a spill of an unserializable type must fail";
  } catch (const parade::error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("order them"), std::string::npos) << what;
    EXPECT_NE(what.find("parade::serializer"), std::string::npos) << what;
  }
}
