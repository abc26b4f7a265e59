// The keyed steps' hash table (detail/hash_table.hpp): keys are found again
// whatever their tags collide on, entries keep their indices as the table
// grows, and what it reports as grown is what its arrays hold (the memory
// budget counts exactly that).
#include "support.hpp"

#include <parade/detail/hash.hpp>
#include <parade/detail/hash_table.hpp>

#include <map>

namespace {

using table = parade::detail::hash_table<std::string, int>;

// Adds `key` with value `v`, or finds it; returns its index.
std::size_t put(table& t, const std::string& key, std::uint32_t tag, int v, bool& added) {
  return t.find_or_add(std::string(key), tag, [&] { return v; }, added);
}

}  // namespace

TEST(hash_table, finds_every_key_again_through_growth_and_colliding_tags) {
  table t;
  std::map<std::string, std::size_t> index;
  std::size_t grown = 0;
  // Tags from a few values only: long probe runs that wrap around the end
  // of the slots, and equal tags for different keys.
  for (int i = 0; i < 5000; ++i) {
    std::string key = "key-" + std::to_string(i);
    std::uint32_t tag = i % 50 == 0 ? 7u : std::uint32_t(parade::detail::hash_key(key) >> 32) | (i % 5 == 0 ? 0xffff'fff0u : 0u);
    bool added = false;
    std::size_t at = put(t, key, tag, i, added);
    ASSERT_TRUE(added) << key;
    ASSERT_EQ(at, std::size_t(i));
    index[key] = at;
    grown += t.take_grown();
    ASSERT_EQ(grown, t.table_bytes()) << "after " << i + 1 << " keys";
    // Every 97th step, look every key up again (same tag, found, not added).
    if (i % 97 == 0) {
      for (int j = 0; j <= i; ++j) {
        std::string k = "key-" + std::to_string(j);
        std::uint32_t tg = j % 50 == 0 ? 7u : std::uint32_t(parade::detail::hash_key(k) >> 32) | (j % 5 == 0 ? 0xffff'fff0u : 0u);
        bool a = true;
        ASSERT_EQ(put(t, k, tg, -1, a), index[k]) << k;
        ASSERT_FALSE(a);
        ASSERT_EQ(t[index[k]].second, j) << "a lookup changed the value";
      }
      ASSERT_EQ(t.take_grown(), 0u) << "lookups grew the table";
    }
  }
  ASSERT_EQ(t.size(), 5000u);
  // The entries come out in insertion order, and the table is empty after.
  auto tags = t.tags();
  auto entries = t.take();
  ASSERT_EQ(entries.size(), 5000u);
  for (int i = 0; i < 5000; ++i) {
    ASSERT_EQ(entries[std::size_t(i)].first, "key-" + std::to_string(i));
    if (i % 50 == 0) {
      ASSERT_EQ(tags[std::size_t(i)], 7u);
    }
  }
  ASSERT_TRUE(t.empty());
  ASSERT_EQ(t.take_grown(), 0u);
  // And it starts again from nothing.
  bool added = false;
  ASSERT_EQ(put(t, "again", 7, 1, added), 0u);
  ASSERT_TRUE(added);
  ASSERT_EQ(t.take_grown(), t.table_bytes());
}

// A table filled from another's entries and tags (as the merge of the
// workers' partitions does) finds the same keys without hashing them again.
TEST(hash_table, refilled_from_tags_finds_the_same_keys) {
  table a;
  for (int i = 0; i < 300; ++i) {
    bool added = false;
    std::string key = std::to_string(i * 7919);
    put(a, key, std::uint32_t(parade::detail::hash_key(key) >> 32), i, added);
  }
  auto tags = a.tags();
  auto entries = a.take();
  table b;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    bool added = false;
    int v = entries[i].second;
    b.find_or_add(std::move(entries[i].first), tags[i], [&] { return v; }, added);
    ASSERT_TRUE(added);
  }
  for (int i = 0; i < 300; ++i) {
    std::string key = std::to_string(i * 7919);
    bool added = true;
    std::size_t at = put(b, key, std::uint32_t(parade::detail::hash_key(key) >> 32), -1, added);
    ASSERT_FALSE(added) << key;
    ASSERT_EQ(b[at].second, i);
  }
}

// Integer keys hash through one multiply: sequential and strided keys
// (ids, timestamps, multiples of a power of two) still spread over the
// partitions and the tags.
TEST(hash_table, integer_hashes_spread_sequential_and_strided_keys) {
  for (std::int64_t stride : {std::int64_t{1}, std::int64_t{1} << 12, std::int64_t{1} << 32, std::int64_t{1000}}) {
    std::vector<int> parts(8), tag_low(256);
    const int n = 80000;
    for (std::int64_t i = 0; i < n; ++i) {
      std::uint64_t h = parade::detail::hash_key(i * stride);
      ++parts[parade::detail::partition_of(h, 8)];
      ++tag_low[table::tag_of(h) & 255];
    }
    for (int c : parts) EXPECT_NEAR(c, n / 8, n / 8 / 10) << "stride " << stride;
    for (int c : tag_low) EXPECT_NEAR(c, n / 256, n / 256 / 3) << "stride " << stride;
  }
}
