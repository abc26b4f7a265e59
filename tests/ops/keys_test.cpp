// What a key needs: == and a hash (std::hash or AbslHashValue); with `<`
// keys come out ascending, without it in the order they were first met,
// the same for every run and worker count.
#include "support.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <unordered_map>

namespace {

// Hashed only through abseil's customization point (no std::hash).
struct city {
  std::string country, name;
  bool operator==(const city&) const = default;
  bool operator<(const city& o) const { return std::tie(country, name) < std::tie(o.country, o.name); }
  template <class H>
  friend H AbslHashValue(H h, const city& c) {
    return H::combine(std::move(h), c.country, c.name);
  }
};

// Hashed only by std::hash, and without `<`.
struct color {
  int r, g, b;
  bool operator==(const color&) const = default;
};

// AbslHashValue and no `<`.
struct tag {
  std::string text;
  bool operator==(const tag&) const = default;
  template <class H>
  friend H AbslHashValue(H h, const tag& t) {
    return H::combine_contiguous(std::move(h), t.text.data(), t.text.size());
  }
};

}  // namespace

template <>
struct std::hash<color> {
  std::size_t operator()(const color& c) const { return std::size_t(c.r * 65536 + c.g * 256 + c.b); }
};

TEST(keys, abseil_hash_value_keys_with_less_come_out_ascending) {
  ptest::each_config([](const ptest::config& c) {
    std::vector<std::pair<city, int>> in;
    std::map<city, int> want;
    for (int i = 0; i < 5000; ++i) {
      city k{std::string(1, char('a' + i % 5)), "town" + std::to_string(i % 37)};
      in.emplace_back(k, i);
      want[k] += i;
    }
    auto got = parade::from(in).reduce_by_key(std::plus<>{}).collect(c.run());
    EXPECT_EQ(got, (std::vector<std::pair<city, int>>(want.begin(), want.end())));
  });
}

// The reference for keys without `<`: first-met order.
template <class K>
std::vector<std::pair<K, std::vector<int>>> first_met(const std::vector<std::pair<K, int>>& in) {
  std::vector<std::pair<K, std::vector<int>>> out;
  for (auto& [k, v] : in) {
    auto it = std::find_if(out.begin(), out.end(), [&](auto& g) { return g.first == k; });
    if (it == out.end()) out.push_back({k, {v}});
    else it->second.push_back(v);
  }
  return out;
}

TEST(keys, keys_without_less_come_out_in_first_met_order_for_every_worker_count) {
  std::mt19937 rng(11);
  std::vector<std::pair<color, int>> in;
  for (int i = 0; i < 20000; ++i) in.push_back({color{int(rng() % 9), int(rng() % 5), 0}, i});
  auto want = first_met(in);
  std::vector<std::pair<tag, int>> tin;
  for (int i = 0; i < 20000; ++i) tin.push_back({tag{"t" + std::to_string(rng() % 300)}, i});
  auto twant = first_met(tin);
  ptest::each_config([&](const ptest::config& c) {
    for (std::size_t chunk : {0, 3}) {
      parade::detail::tuning::max_chunk = chunk;
      EXPECT_EQ(parade::from(in).group_by_key().collect(c.run()), want);
      EXPECT_EQ(parade::from(tin).group_by_key().collect(c.run()), twant);
      auto sums = parade::from(in).reduce_by_key(std::plus<>{}).collect(c.run());
      ASSERT_EQ(sums.size(), want.size());
      for (std::size_t i = 0; i < sums.size(); ++i) EXPECT_EQ(sums[i].first, want[i].first);
    }
    parade::detail::tuning::max_chunk = 0;
  });
}

// A worker keeps its keys in one table until it outgrows 256 KiB, then
// splits it into the partitions the merge takes; with few keys it splits
// only when the input ends. Both ways, every key once with all its values,
// in first-met order without `<` and ascending with it.
TEST(keys, tables_split_into_partitions_mid_input_keep_every_key_and_the_order) {
  for (int keys : {50, 40000}) {  // 40,000 string keys: a few MiB of table
    std::vector<std::pair<tag, int>> tin;
    std::vector<std::pair<std::string, int>> sin;
    for (int i = 0; i < 3 * keys; ++i) {  // each key three times, spread out
      std::string k = "key-" + std::to_string((i * 7919) % keys);
      tin.push_back({tag{k}, i});
      sin.push_back({k, i});
    }
    std::unordered_map<std::string, std::size_t> at;
    std::vector<std::pair<tag, int>> twant;
    for (auto& [k, v] : tin) {
      auto [it, fresh] = at.emplace(k.text, twant.size());
      if (fresh) twant.push_back({k, 0});
      twant[it->second].second += v;
    }
    std::map<std::string, int> swant;
    for (auto& [k, v] : sin) swant[k] += v;
    ptest::each_config([&](const ptest::config& c) {
      EXPECT_EQ(parade::from(tin).reduce_by_key(std::plus<>{}).collect(c.run()), twant) << keys << " keys";
      EXPECT_EQ(parade::from(sin).reduce_by_key(std::plus<>{}).collect(c.run()),
                (std::vector<std::pair<std::string, int>>(swant.begin(), swant.end())))
          << keys << " keys";
    });
  }
}
