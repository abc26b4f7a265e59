// join and left_join: every match, keys ascending, against a nested-loop
// reference; empty sides, keys on one side only, many matches per key,
// spilled, and with a key whose matches outnumber any chunk.
#include "support.hpp"

#include <map>
#include <optional>
#include <random>

#include "spill_support.hpp"

namespace {

using i64 = std::int64_t;
using left_t = std::pair<i64, std::string>;
using right_t = std::pair<i64, double>;
using inner_row = std::pair<i64, std::pair<std::string, double>>;
using outer_row = std::pair<i64, std::pair<std::string, std::optional<double>>>;

std::vector<left_t> lefts(std::size_t n, i64 keys, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<left_t> v;
  for (std::size_t i = 0; i < n; ++i) v.emplace_back(i64(rng() % std::uint64_t(keys)), "v" + std::to_string(i));
  return v;
}
std::vector<right_t> rights(std::size_t n, i64 keys, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<right_t> v;
  for (std::size_t i = 0; i < n; ++i) v.emplace_back(i64(rng() % std::uint64_t(keys)), double(i) + 0.5);
  return v;
}

// Keys ascending; within a key, each right value (in input order) paired
// with every left value (in input order), as parade documents.
std::vector<inner_row> inner_reference(const std::vector<left_t>& l, const std::vector<right_t>& r) {
  std::map<i64, std::pair<std::vector<std::string>, std::vector<double>>> m;
  for (auto& [k, v] : l) m[k].first.push_back(v);
  for (auto& [k, w] : r) m[k].second.push_back(w);
  std::vector<inner_row> out;
  for (auto& [k, vw] : m)
    for (double w : vw.second)
      for (auto& v : vw.first) out.push_back({k, {v, w}});
  return out;
}
std::vector<outer_row> left_reference(const std::vector<left_t>& l, const std::vector<right_t>& r) {
  std::map<i64, std::pair<std::vector<std::string>, std::vector<double>>> m;
  for (auto& [k, v] : l) m[k].first.push_back(v);
  for (auto& [k, w] : r) m[k].second.push_back(w);
  std::vector<outer_row> out;
  for (auto& [k, vw] : m) {
    if (vw.second.empty())
      for (auto& v : vw.first) out.push_back({k, {v, std::nullopt}});
    for (double w : vw.second)
      for (auto& v : vw.first) out.push_back({k, {v, w}});
  }
  return out;
}

}  // namespace

TEST(join, every_match_keys_ascending_for_every_config) {
  auto l = lefts(5000, 800, 1);
  auto r = rights(7000, 1200, 2);  // keys on one side only, both ways
  auto want = inner_reference(l, r);
  auto want_left = left_reference(l, r);
  ASSERT_GT(want.size(), 10000u);
  ptest::each_config([&](const ptest::config& c) {
    EXPECT_EQ(parade::from(l).join(parade::from(r)).collect(c.run()), want);
    EXPECT_EQ(parade::from(l).left_join(parade::from(r)).collect(c.run()), want_left);
  });
}

TEST(join, empty_sides) {
  auto l = lefts(100, 10, 3);
  std::vector<right_t> none;
  auto o = ptest::config{2, 0}.run();
  EXPECT_TRUE(parade::from(l).join(parade::from(none)).collect(o).empty());
  EXPECT_TRUE(parade::from(std::vector<left_t>{}).join(parade::from(rights(100, 10, 4))).collect(o).empty());
  EXPECT_EQ(parade::from(l).left_join(parade::from(none)).collect(o), left_reference(l, none));
}

TEST(join, spilled_sides_equal_the_reference_and_leave_nothing) {
  auto l = lefts(60000, 20000, 5);
  auto r = rights(60000, 20000, 6);
  auto want = inner_reference(l, r);
  ptest::temp_dir tmp;
  for (std::size_t w : {1, 2, 8}) {
    auto o = ptest::config{w, 0}.run();
    o.memory_limit = std::size_t{512} << 10;
    o.temp_dir = tmp.path;
    auto run = ptest::run_plain([&](parade::run_options ro) { return parade::from(l).join(parade::from(r)).collect(ro); }, o);
    EXPECT_EQ(run.result, want);
    EXPECT_GT(run.spilled("join"), 0u) << run.log;
  }
  EXPECT_TRUE(tmp.empty());
  EXPECT_EQ(ptest::open_deleted_files(), 0);
}

TEST(join, a_key_with_many_matches_on_both_sides_streams) {
  // 2000 x 3000 = 6 M matches of one key, counted without collecting them.
  auto l = parade::range(0, 2000).map([](i64 x) { return std::pair<i64, i64>(7, x); });
  auto r = parade::range(0, 3000).map([](i64 x) { return std::pair<i64, i64>(x % 2 ? 7 : 8, x); });
  auto o = ptest::config{2, 0}.run();
  EXPECT_EQ(l.join(r).count(o), 2000u * 1500u);
  i64 sum = l.join(r).map([](const std::pair<i64, std::pair<i64, i64>>& p) { return p.second.first + p.second.second; })
                .fold(i64{0}, std::plus<>{}, o);
  EXPECT_EQ(sum, i64(1500) * (1999 * 2000 / 2) + i64(2000) * (1500 * 1500));  // sum of odd x < 3000 is 1500^2
}

TEST(join, after_barriers_and_with_a_throwing_side) {
  auto l = parade::range(0, 3000).map([](i64 x) { return std::pair<i64, i64>(x % 50, 1); }).reduce_by_key(std::plus<>{});
  auto r = parade::range(0, 100).map([](i64 x) { return std::pair<i64, std::string>(x, std::to_string(x)); });
  auto got = l.join(r).collect(ptest::config{2, 0}.run());
  ASSERT_EQ(got.size(), 50u);
  EXPECT_EQ(got[49].first, 49);
  EXPECT_EQ(got[49].second.first, 60);
  EXPECT_EQ(got[49].second.second, "49");
  auto bad = parade::range(0, 100).map([](i64 x) {
    if (x == 60) throw std::runtime_error("bad row");
    return std::pair<i64, std::string>(x, "");
  }, {.name = "parse right"});
  ptest::temp_dir tmp;
  auto o = ptest::config{2, 0}.run();
  o.temp_dir = tmp.path;
  try {
    l.join(bad).count(o);
    FAIL() << "no error";
  } catch (const parade::error& e) {
    EXPECT_NE(std::string(e.what()).find("parse right"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(tmp.empty());
}
