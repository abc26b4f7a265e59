// distinct, count_by_value, aggregate_by_key and group_by against plain
// references, in memory and spilling, with user types.
#include "support.hpp"

#include <map>
#include <random>
#include <set>

#include "spill_support.hpp"

namespace {

using i64 = std::int64_t;

std::vector<i64> random_ints(std::size_t n, i64 range, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<i64> v(n);
  for (auto& x : v) x = i64(rng() % std::uint64_t(range)) - range / 3;
  return v;
}

parade::run_options spilling(std::size_t workers, const std::string& dir) {
  auto o = ptest::config{workers, 0}.run();
  o.memory_limit = std::size_t{256} << 10;
  o.temp_dir = dir;
  return o;
}

// A key with a hash and `==` but no `<`: comes out in first-met order.
struct city {
  std::string name;
  bool operator==(const city&) const = default;
  template <class H>
  friend H AbslHashValue(H h, const city& c) {
    return H::combine(std::move(h), c.name);
  }
};

}  // namespace

TEST(distinct, each_value_once_ascending) {
  auto in = random_ints(50000, 3000, 1);
  std::set<i64> ref(in.begin(), in.end());
  std::vector<i64> want(ref.begin(), ref.end());
  ptest::each_config([&](const ptest::config& c) { EXPECT_EQ(parade::from(in).distinct().collect(c.run()), want); });
  ptest::temp_dir tmp;
  for (std::size_t w : {1, 2, 8}) EXPECT_EQ(parade::from(in).distinct().collect(spilling(w, tmp.path)), want);
  EXPECT_TRUE(tmp.empty());
  EXPECT_TRUE(parade::from(std::vector<i64>{}).distinct().collect(ptest::config{2, 0}.run()).empty());
}

TEST(distinct, strings_spilled_and_keys_without_less_in_first_met_order) {
  std::vector<std::string> words;
  for (i64 x : random_ints(40000, 5000, 2)) words.push_back("word-" + std::to_string(x));
  std::set<std::string> ref(words.begin(), words.end());
  ptest::temp_dir tmp;
  auto got = parade::from(words).distinct().collect(spilling(2, tmp.path));
  EXPECT_EQ(got, std::vector<std::string>(ref.begin(), ref.end()));

  std::vector<city> cities;
  for (auto& w : words) cities.push_back(city{w});
  std::vector<std::string> first_met;
  std::set<std::string> seen;
  for (auto& w : words)
    if (seen.insert(w).second) first_met.push_back(w);
  ptest::each_config([&](const ptest::config& c) {
    auto d = parade::from(cities).distinct().collect(c.run());
    std::vector<std::string> names;
    for (auto& x : d) names.push_back(x.name);
    EXPECT_EQ(names, first_met);
  });
}

TEST(count_by_value, counts_each_value) {
  auto in = random_ints(60000, 700, 3);
  std::map<i64, std::size_t> ref;
  for (i64 x : in) ++ref[x];
  std::vector<std::pair<i64, std::size_t>> want(ref.begin(), ref.end());
  ptest::each_config([&](const ptest::config& c) { EXPECT_EQ(parade::from(in).count_by_value().collect(c.run()), want); });
  ptest::temp_dir tmp;
  EXPECT_EQ(parade::from(in).count_by_value().collect(spilling(2, tmp.path)), want);
}

TEST(aggregate_by_key, sum_and_count_per_key_in_memory_and_spilled) {
  auto in = random_ints(80000, 100000, 4);
  using acc = std::pair<double, std::int64_t>;
  std::map<i64, acc> ref;
  for (i64 x : in) {
    auto& a = ref[x % 5000];
    a.first += double(x);
    a.second += 1;
  }
  std::vector<std::pair<i64, acc>> want(ref.begin(), ref.end());
  auto chain = [&] {
    return parade::from(in)
        .map([](i64 x) { return std::pair<i64, i64>(x % 5000, x); })
        .aggregate_by_key(acc{0.0, 0}, [](acc a, i64 v) { return acc{a.first + double(v), a.second + 1}; },
                          [](acc a, acc b) { return acc{a.first + b.first, a.second + b.second}; });
  };
  ptest::each_config([&](const ptest::config& c) { EXPECT_EQ(chain().collect(c.run()), want); });
  ptest::temp_dir tmp;
  for (std::size_t w : {1, 2, 8}) EXPECT_EQ(chain().collect(spilling(w, tmp.path)), want);
  EXPECT_TRUE(tmp.empty());
}

TEST(aggregate_by_key, collects_values_into_another_type) {
  // A = std::vector<std::string>, V = int: seq appends, comb concatenates.
  using strs = std::vector<std::string>;
  auto got = parade::range(0, 1000)
                 .map([](i64 x) { return std::pair<i64, i64>(x % 3, x); })
                 .aggregate_by_key(strs{}, [](strs a, i64 v) { a.push_back(std::to_string(v)); return a; },
                                   [](strs a, strs b) { a.insert(a.end(), b.begin(), b.end()); return a; })
                 .map([](const std::pair<i64, strs>& p) { return std::pair<i64, std::size_t>(p.first, p.second.size()); })
                 .collect(ptest::config{8, 0}.run());
  EXPECT_EQ(got, (std::vector<std::pair<i64, std::size_t>>{{0, 334}, {1, 333}, {2, 333}}));
}

TEST(aggregate_by_key, a_throwing_function_names_the_step) {
  try {
    parade::range(0, 1000)
        .map([](i64 x) { return std::pair<i64, i64>(x % 3, x); })
        .aggregate_by_key(i64{0}, [](i64 a, i64 v) { if (v == 777) throw std::runtime_error("bad value"); return a + v; },
                          std::plus<>{}, {.name = "totals"})
        .collect(ptest::config{2, 0}.run());
    FAIL() << "no error";
  } catch (const parade::error& e) {
    EXPECT_NE(std::string(e.what()).find("totals"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad value"), std::string::npos) << e.what();
  }
}

TEST(group_by, groups_in_input_order_keys_ascending) {
  auto in = random_ints(40000, 100000, 5);
  std::map<i64, std::vector<i64>> ref;
  for (i64 x : in) ref[((x % 97) + 97) % 97].push_back(x);
  std::vector<std::pair<i64, std::vector<i64>>> want(ref.begin(), ref.end());
  auto key = [](const i64& x) { return ((x % 97) + 97) % 97; };
  ptest::each_config([&](const ptest::config& c) { EXPECT_EQ(parade::from(in).group_by(key).collect(c.run()), want); });
  ptest::temp_dir tmp;
  EXPECT_EQ(parade::from(in).group_by(key).collect(spilling(2, tmp.path)), want);
}

TEST(group_by, move_only_elements_and_a_throwing_key) {
  auto got = parade::range(0, 5000)
                 .map([](i64 x) { return std::make_unique<i64>(x); })
                 .group_by([](const std::unique_ptr<i64>& p) { return *p % 2; })
                 .map([](std::pair<i64, std::vector<std::unique_ptr<i64>>> g) { return *g.second.back() + g.first; })
                 .collect(ptest::config{2, 0}.run());
  EXPECT_EQ(got, (std::vector<i64>{4998, 5000}));
  try {
    parade::range(0, 5000).group_by([](const i64& x) { if (x == 4000) throw std::runtime_error("no key"); return x % 2; },
                                    {.name = "by parity"}).count(ptest::config{2, 0}.run());
    FAIL() << "no error";
  } catch (const parade::error& e) {
    EXPECT_NE(std::string(e.what()).find("by parity"), std::string::npos) << e.what();
  }
}
