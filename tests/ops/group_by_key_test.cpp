#include "support.hpp"

#include <map>

namespace {
using kv = std::pair<std::int64_t, std::int64_t>;

// The sequential reference: std::map keeps keys ascending, vectors keep input order.
std::vector<std::pair<std::int64_t, std::vector<std::int64_t>>> reference(const std::vector<kv>& in) {
  std::map<std::int64_t, std::vector<std::int64_t>> m;
  for (auto& [k, v] : in) m[k].push_back(v);
  return {m.begin(), m.end()};
}
}  // namespace

TEST(group_by_key, empty_and_one) {
  ptest::each_config([](const ptest::config& c) {
    EXPECT_TRUE(parade::from(std::vector<kv>{}).group_by_key().collect(c.run()).empty());
    auto one = parade::from(std::vector<kv>{{4, 2}}).group_by_key().collect(c.run());
    ASSERT_EQ(one.size(), 1u);
    EXPECT_EQ(one[0].first, 4);
    EXPECT_EQ(one[0].second, std::vector<std::int64_t>{2});
  });
}

TEST(group_by_key, keys_ascending_values_in_input_order) {
  ptest::each_config([](const ptest::config& c) {
    std::vector<kv> in;
    for (std::int64_t i = 0; i < 50000; ++i) in.emplace_back((i * 7919) % 1013 - 500, i);
    EXPECT_EQ(parade::from(in).group_by_key().collect(c.run()), reference(in));
  });
}

TEST(group_by_key, one_hot_key_holds_most_values) {
  ptest::each_config([](const ptest::config& c) {
    std::vector<kv> in;
    for (std::int64_t i = 0; i < 100000; ++i) in.emplace_back(i % 10 == 0 ? i : 42, i);
    EXPECT_EQ(parade::from(in).group_by_key().collect(c.run()), reference(in));
  });
}

TEST(group_by_key, a_million_distinct_keys) {
  for (std::size_t w : {1, 2, 8}) {
    auto out = parade::range(0, 1000000)
                   .map([](std::int64_t x) { return kv{(x * 48271) % 1000003, x}; })
                   .group_by_key()
                   .collect({.workers = w, .status = parade::status_mode::off});
    ASSERT_EQ(out.size(), 1000000u);
    for (std::size_t i = 1; i < out.size(); ++i) ASSERT_LT(out[i - 1].first, out[i].first);
    for (auto& [k, vs] : out) ASSERT_EQ(vs.size(), 1u);
  }
}

TEST(group_by_key, string_keys_and_chaining) {
  ptest::each_config([](const ptest::config& c) {
    auto out = parade::range(0, 1000)
                   .map([](std::int64_t x) { return std::pair{std::string(1, char('a' + x % 26)), x}; })
                   .group_by_key()
                   .map([](const std::pair<std::string, std::vector<std::int64_t>>& g) {
                     return std::pair{g.first, g.second.size()};
                   })
                   .collect(c.run());
    ASSERT_EQ(out.size(), 26u);
    EXPECT_EQ(out.front(), (std::pair<std::string, std::size_t>{"a", 39}));
    EXPECT_EQ(out.back(), (std::pair<std::string, std::size_t>{"z", 38}));
  });
}

namespace {
// A key with hashing but no `<`: output order is unspecified, contents not.
struct color {
  int id;
  bool operator==(const color&) const = default;
  template <class H>
  friend H AbslHashValue(H h, const color& c) {
    return H::combine(std::move(h), c.id);
  }
};
}  // namespace

TEST(group_by_key, key_without_less) {
  ptest::each_config([](const ptest::config& c) {
    auto out = parade::range(0, 3000)
                   .map([](std::int64_t x) { return std::pair{color{int(x % 3)}, x}; })
                   .group_by_key()
                   .collect(c.run());
    ASSERT_EQ(out.size(), 3u);
    std::vector<int> ids;
    for (auto& [k, vs] : out) {
      ids.push_back(k.id);
      EXPECT_EQ(vs.size(), 1000u);
      EXPECT_TRUE(std::is_sorted(vs.begin(), vs.end()));
    }
    std::sort(ids.begin(), ids.end());
    EXPECT_EQ(ids, (std::vector<int>{0, 1, 2}));
  });
}
