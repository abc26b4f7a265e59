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

namespace {

// A key without `<`, hashed by std::hash into only 7 values: most keys share
// their hash with others, so a join must tell them apart by `==`.
struct shade {
  int id;
  bool operator==(const shade&) const = default;
};

}  // namespace

template <>
struct std::hash<shade> {
  std::size_t operator()(const shade& s) const { return std::size_t(s.id % 7); }
};

namespace {

// Per key, in the order parade documents: each right value in input order
// paired with every left value in input order (inner join), or the left
// values with nullopt for a key without right values (left_join).
template <class Row>
std::vector<std::vector<Row>> by_key(const std::vector<Row>& rows) {
  std::map<int, std::vector<Row>> m;
  for (auto& r : rows) m[r.first.id].push_back(r);
  std::vector<std::vector<Row>> out;
  for (auto& [k, v] : m) out.push_back(v);
  return out;
}

}  // namespace

TEST(join, keys_without_less_are_matched_by_equality_in_one_order_for_every_config) {
  using row = std::pair<shade, std::pair<std::string, std::optional<double>>>;
  std::mt19937 rng(21);
  std::vector<std::pair<shade, std::string>> l;
  std::vector<std::pair<shade, double>> r;
  for (int i = 0; i < 3000; ++i) l.push_back({shade{int(rng() % 400)}, "v" + std::to_string(i)});
  for (int i = 0; i < 4000; ++i) r.push_back({shade{int(rng() % 500)}, i + 0.5});
  std::vector<row> want_left;  // nested loops, rows in an arbitrary key order
  for (int k = 0; k < 500; ++k) {
    bool matched = false;
    for (auto& [rk, w] : r)
      if (rk.id == k) {
        matched = true;
        for (auto& [lk, v] : l)
          if (lk.id == k) want_left.push_back({lk, {v, w}});
      }
    if (!matched)
      for (auto& [lk, v] : l)
        if (lk.id == k) want_left.push_back({lk, {v, std::nullopt}});
  }
  std::vector<row> first_left, first_inner;
  ptest::temp_dir tmp;
  auto check = [&](parade::run_options o) {
    auto inner = parade::from(l).join(parade::from(r)).collect(o);
    auto outer = parade::from(l).left_join(parade::from(r)).collect(o);
    std::vector<row> inner_rows;
    for (auto& [k, vw] : inner) inner_rows.push_back({k, {vw.first, vw.second}});
    if (first_left.empty()) {
      first_left = outer;
      first_inner = inner_rows;
      EXPECT_EQ(by_key(outer), by_key(want_left));
      std::vector<row> want_inner;
      for (auto& x : want_left)
        if (x.second.second) want_inner.push_back(x);
      EXPECT_EQ(by_key(inner_rows), by_key(want_inner));
    }
    EXPECT_EQ(outer, first_left);  // the same order every time
    EXPECT_EQ(inner_rows, first_inner);
  };
  ptest::each_config([&](const ptest::config& c) { check(c.run()); });
  for (std::size_t w : {1, 2, 8}) {
    auto o = ptest::config{w, 0}.run();
    o.memory_limit = std::size_t{64} << 10;  // spilled: the hash order holds across runs on disk
    o.temp_dir = tmp.path;
    check(o);
  }
  EXPECT_TRUE(tmp.empty());
}

TEST(join, a_key_whose_left_values_outgrow_the_budget_fails_clearly) {
  auto l = parade::range(0, 200000).map([](i64 x) { return std::pair<i64, std::string>(x % 1000 ? x : 0, std::string(200, 'x')); });
  auto r = parade::range(0, 10).map([](i64 x) { return std::pair<i64, i64>(x, x); });
  ptest::temp_dir tmp;
  auto o = ptest::config{2, 0}.run();
  o.memory_limit = std::size_t{4} << 20;
  o.temp_dir = tmp.path;
  // Key 0 holds 200 values (fits); many distinct keys spill fine.
  EXPECT_EQ(l.join(r).count(o), 200u + 9u);
  auto one_key = parade::range(0, 200000).map([](i64) { return std::pair<i64, std::string>(1, std::string(200, 'x')); });
  try {
    one_key.join(r).count(o);
    FAIL() << "no error";
  } catch (const parade::error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("too large"), std::string::npos) << what;
    EXPECT_NE(what.find("join"), std::string::npos) << what;
  }
  EXPECT_TRUE(tmp.empty());
}
