// Barriers under a memory budget: they spill sorted runs to a private
// directory and merge them, with the same output as in memory; what cannot
// spill or does not fit fails with a clear parade::error; nothing is left
// behind.
#include "support.hpp"

#include <sys/mount.h>
#include <algorithm>
#include <array>
#include <filesystem>
#include <map>
#include <random>

#include "spill_support.hpp"

namespace {

using kv = std::pair<std::string, std::int64_t>;

std::vector<kv> random_pairs(std::size_t n, std::size_t keys, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::vector<kv> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    v.emplace_back("key-" + std::to_string(rng() % keys) + std::string(rng() % 20, 'x'), std::int64_t(i));
  return v;
}

parade::run_options budget(std::size_t workers, std::size_t bytes, const std::string& dir) {
  auto o = ptest::config{workers, 0}.run();
  o.memory_limit = bytes;
  o.temp_dir = dir;
  return o;
}

// A key type without `<`, with a hash and a serializer of its own.
struct tag {
  std::string v;
  bool operator==(const tag&) const = default;
  template <class H>
  friend H AbslHashValue(H h, const tag& t) {
    return H::combine(std::move(h), t.v);
  }
};

}  // namespace

template <>
struct parade::serializer<tag> {
  static void write(parade::byte_writer& w, const tag& t) { w(t.v); }
  static tag read(parade::byte_reader& r) { return tag{r.get<std::string>()}; }
};

TEST(spill, reduce_by_key_over_budget_equals_the_reference) {
  auto in = random_pairs(400000, 60000, 1);
  std::map<std::string, std::int64_t> ref;
  for (auto& [k, v] : in) ref[k] += v;
  std::vector<kv> want(ref.begin(), ref.end());
  ptest::temp_dir tmp;
  for (std::size_t w : {1, 2, 8}) {
    SCOPED_TRACE(w);
    auto run = ptest::run_plain(
        [&](parade::run_options o) { return parade::from(in).reduce_by_key(std::plus<>{}, {.name = "sum"}).collect(o); },
        budget(w, 1 << 20, tmp.path));
    EXPECT_EQ(run.result, want);
    EXPECT_GT(run.spilled("sum"), 0u) << run.log;
    EXPECT_EQ(run.run_field("memory_budget"), std::uint64_t{1} << 20) << run.log;
    EXPECT_TRUE(tmp.empty());
  }
  EXPECT_EQ(ptest::open_deleted_files(), 0);
}

// One key with more values than the budget holds: reduce combines them as
// they come and while merging, so it finishes.
TEST(spill, one_hot_key_reduces_beyond_the_budget) {
  ptest::temp_dir tmp;
  auto run = ptest::run_plain(
      [&](parade::run_options o) {
        return parade::range(0, 2'000'000)
            .map([](std::int64_t i) { return std::pair<std::int64_t, std::int64_t>(i % 20 == 0 ? i : 7, 1); })
            .reduce_by_key(std::plus<>{}, {.name = "sum"})
            .collect(o);
      },
      budget(2, 1 << 20, tmp.path));
  ASSERT_EQ(run.result.size(), 100001u);
  std::int64_t total = 0;
  for (auto& [k, v] : run.result) total += v;
  EXPECT_EQ(total, 2'000'000);
  EXPECT_TRUE(std::is_sorted(run.result.begin(), run.result.end()));
  EXPECT_GT(run.spilled("sum"), 0u) << run.log;
}

// Few keys whose values grow as they combine (strings concatenated, values
// collected into a vector): the tables stay small, the accumulators do not,
// and it is their growth that must spill.
TEST(spill, accumulators_that_grow_are_counted_against_the_budget) {
  const std::int64_t n = 100000, keys = 40;
  auto piece = [](std::int64_t i) { return std::string(60, char('a' + i % 26)); };
  // Per key: how many pieces of each letter.
  std::map<std::int64_t, std::array<std::size_t, 26>> want;
  for (std::int64_t i = 0; i < n; ++i) ++want[i % keys][i % 26];
  auto letters = [](const std::string& s) {
    std::array<std::size_t, 26> c{};
    for (char ch : s) ++c[ch - 'a'];
    for (auto& x : c) x /= 60;
    return c;
  };
  ptest::temp_dir tmp;
  auto pairs = [&] {
    return parade::range(0, n).map([&](std::int64_t i) { return std::pair{i % keys, piece(i)}; });
  };
  auto concat = ptest::run_plain(
      [&](parade::run_options o) {
        return pairs().reduce_by_key([](std::string a, std::string b) { a += b; return a; }, {.name = "concat"}).collect(o);
      },
      budget(2, 1 << 20, tmp.path));
  ASSERT_EQ(concat.result.size(), std::size_t(keys));
  for (auto& [k, s] : concat.result) EXPECT_EQ(letters(s), want[k]) << "key " << k;
  EXPECT_GT(concat.spilled("concat"), 0u) << concat.log;

  using strs = std::vector<std::string>;
  auto collected = ptest::run_plain(
      [&](parade::run_options o) {
        // The values are numbers: only the accumulator owns memory.
        return parade::range(0, n)
            .map([&](std::int64_t i) { return std::pair{i % keys, i}; })
            .aggregate_by_key(strs{}, [&](strs a, std::int64_t i) { a.push_back(piece(i)); return a; },
                              [](strs a, strs b) { a.insert(a.end(), b.begin(), b.end()); return a; },
                              {.name = "collect"})
            .collect(o);
      },
      budget(2, 1 << 20, tmp.path));
  ASSERT_EQ(collected.result.size(), std::size_t(keys));
  for (auto& [k, v] : collected.result) {
    std::string all;
    for (auto& s : v) all += s;
    EXPECT_EQ(letters(all), want[k]) << "key " << k;
  }
  EXPECT_GT(collected.spilled("collect"), 0u) << collected.log;
  EXPECT_TRUE(tmp.empty());
}

TEST(spill, group_by_key_spilled_keeps_keys_ascending_and_values_in_input_order) {
  auto in = random_pairs(300000, 20000, 2);
  std::map<std::string, std::vector<std::int64_t>> ref;
  for (auto& [k, v] : in) ref[k].push_back(v);
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> want(ref.begin(), ref.end());
  ptest::temp_dir tmp;
  for (std::size_t w : {1, 2, 8}) {
    SCOPED_TRACE(w);
    auto run = ptest::run_plain(
        [&](parade::run_options o) { return parade::from(in).group_by_key({.name = "group"}).collect(o); },
        budget(w, 1 << 20, tmp.path));
    EXPECT_EQ(run.result, want);
    EXPECT_GT(run.spilled("group"), 0u) << run.log;
  }
}

// More runs than one merge may read at once (each holds a decoded block
// of every run): they are merged in passes first, here 3 at a time, with
// the same output, sort ties and a group's values in input order included.
TEST(spill, more_runs_than_the_fan_in_are_merged_in_passes) {
  auto in = random_pairs(150000, 20000, 3);
  std::map<std::string, std::vector<std::int64_t>> groups;
  std::map<std::string, std::int64_t> sums;
  for (auto& [k, v] : in) groups[k].push_back(v), sums[k] += v;
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> want_groups(groups.begin(), groups.end());
  std::vector<kv> want_sums(sums.begin(), sums.end());
  auto want_sorted = in;
  std::stable_sort(want_sorted.begin(), want_sorted.end(), [](const kv& a, const kv& b) { return a.first < b.first; });
  // Keys "key-0" to "key-99" (without padding) join (key, its number).
  std::vector<std::pair<std::string, std::int64_t>> right;
  std::map<std::string, std::int64_t> numbers;
  for (int i = 0; i < 100; ++i) right.emplace_back("key-" + std::to_string(i), i), numbers["key-" + std::to_string(i)] = i;
  std::size_t want_matches = 0;
  for (auto& [k, v] : in) want_matches += numbers.count(k);
  struct reset {
    ~reset() { parade::detail::tuning::merge_fan_in = 0; }
  } put_back;
  ptest::temp_dir tmp;
  for (std::size_t w : {1, 2, 8}) {
    SCOPED_TRACE(w);
    std::uint64_t spilled[2] = {};
    for (std::size_t fan : {0, 3}) {
      SCOPED_TRACE(fan);
      parade::detail::tuning::merge_fan_in = fan;
      auto o = budget(w, 1 << 20, tmp.path);
      auto g = ptest::run_plain([&](parade::run_options r) { return parade::from(in).group_by_key({.name = "group"}).collect(r); }, o);
      EXPECT_EQ(g.result, want_groups);
      auto s = ptest::run_plain([&](parade::run_options r) {
        return parade::from(in).sort_by([](const kv& x) { return x.first; }, {.name = "sort"}).collect(r);
      }, o);
      EXPECT_EQ(s.result, want_sorted);
      auto r = ptest::run_plain([&](parade::run_options x) { return parade::from(in).reduce_by_key(std::plus<>{}, {.name = "sum"}).collect(x); }, o);
      EXPECT_EQ(r.result, want_sums);
      auto j = ptest::run_plain([&](parade::run_options x) {
        return parade::from(in).join(parade::from(right), {.name = "join"}).collect(x);
      }, o);
      ASSERT_EQ(j.result.size(), want_matches);
      EXPECT_TRUE(std::is_sorted(j.result.begin(), j.result.end(), [](const auto& a, const auto& b) { return a.first < b.first; }));
      for (auto& [k, vw] : j.result) EXPECT_EQ(numbers.at(k), vw.second);
      spilled[fan ? 1 : 0] = g.spilled("group") + s.spilled("sort") + r.spilled("sum") + j.spilled("join");
      EXPECT_TRUE(tmp.empty());
    }
    EXPECT_GT(spilled[1], spilled[0]) << "the passes wrote the runs again";
  }
  EXPECT_EQ(ptest::open_deleted_files(), 0);
}

// Keys without `<` (hashed by AbslHashValue, spilled by their own
// serializer) spill too, and still come out in first-met order.
TEST(spill, unordered_keys_spilled_in_first_met_order) {
  auto in = parade::range(0, 200000).map([](std::int64_t i) {
    return std::pair<tag, std::int64_t>(tag{"k" + std::to_string((i * 7919) % 50000)}, i);
  });
  auto mem = in.reduce_by_key(std::plus<>{}).collect(ptest::config{2, 0}.run());
  ASSERT_EQ(mem.size(), 50000u);
  EXPECT_EQ(mem[0].first.v, "k0");
  EXPECT_EQ(mem[1].first.v, "k" + std::to_string(7919 % 50000));
  ptest::temp_dir tmp;
  auto run = ptest::run_plain([&](parade::run_options o) { return in.reduce_by_key(std::plus<>{}, {.name = "sum"}).collect(o); },
                              budget(2, 1 << 20, tmp.path));
  EXPECT_EQ(run.result, mem);
  EXPECT_GT(run.spilled("sum"), 0u) << run.log;
}

TEST(spill, a_group_too_large_for_the_budget_is_a_clear_error) {
  ptest::temp_dir tmp;
  try {
    parade::range(0, 400000)
        .map([](std::int64_t i) { return std::pair<std::int64_t, std::string>(i % 1000 == 0 ? i : 1, std::string(64, 'v')); })
        .group_by_key({.name = "gather"})
        .count(budget(2, 2 << 20, tmp.path));
    FAIL() << "the hot key's group cannot fit 2 MiB";
  } catch (const parade::error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("gather"), std::string::npos) << what;
    EXPECT_NE(what.find("too large for the memory budget"), std::string::npos) << what;
  }
  EXPECT_TRUE(tmp.empty());
  EXPECT_EQ(ptest::open_deleted_files(), 0);
}

TEST(spill, an_unusable_temp_dir_is_named_in_the_error) {
  ptest::temp_dir tmp;
  std::string file = tmp.path + "/a-file";
  std::fclose(std::fopen(file.c_str(), "w"));
  for (const std::string& dir : {tmp.path + "/missing/below", file}) {
    SCOPED_TRACE(dir);
    try {
      parade::range(0, 300000).map([](std::int64_t i) { return (i * 7919) % 300000; }).sort().count(budget(2, 1 << 20, dir));
      FAIL() << "spilling to " << dir << " cannot work";
    } catch (const parade::error& e) {
      EXPECT_NE(std::string(e.what()).find("cannot spill to " + dir), std::string::npos) << e.what();
    }
  }
}

// A user function that throws after spilling began, and a cancellation:
// no spill file stays open and the directory stays empty.
TEST(spill, failure_and_cancellation_leave_nothing_behind) {
  ptest::temp_dir tmp;
  auto ds = parade::range(0, 3'000'000).map([](std::int64_t i) {
    if (i == 2'500'000) throw std::runtime_error("boom");
    return std::pair<std::int64_t, std::int64_t>(i % 700000, i);
  });
  EXPECT_THROW(ds.group_by_key().count(budget(2, 1 << 20, tmp.path)), parade::error);
  EXPECT_TRUE(tmp.empty());
  EXPECT_EQ(ptest::open_deleted_files(), 0);

  auto o = budget(2, 1 << 20, tmp.path);
  ptest::stop_after stop(o, std::chrono::milliseconds(150));
  EXPECT_THROW(parade::range(0, 1'000'000'000)
                   .map([](std::int64_t i) { return std::pair<std::int64_t, std::int64_t>(i % 999983, i); })
                   .reduce_by_key(std::plus<>{})
                   .count(o),
               parade::cancelled);
  EXPECT_TRUE(tmp.empty());
  EXPECT_EQ(ptest::open_deleted_files(), 0);
}

// A full disk: a 1 MiB tmpfs where one can be mounted (root), and always a
// file-size limit (RLIMIT_FSIZE, SIGXFSZ ignored) in a child process. Both
// are a parade::error naming the directory and what was spilled.
TEST(spill, a_full_disk_is_a_clear_error) {
  ptest::temp_dir tmp;
  auto spill_into = [](const std::string& dir) -> std::string {
    try {
      parade::range(0, 2'000'000)
          .map([](std::int64_t i) { return std::to_string((i * 7919) % 2'000'003) + "-some-padding"; })
          .sort()
          .count(budget(2, 1 << 20, dir));
      return "finished";
    } catch (const parade::error& e) {
      return e.what();
    }
  };
  ptest::temp_dir mount_point;
  std::string small = mount_point.path;
  if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=1m") == 0) {
    std::string what = spill_into(small);
    ::umount(small.c_str());
    EXPECT_NE(what.find("cannot spill to " + small), std::string::npos) << what;
    EXPECT_NE(what.find("No space left on device"), std::string::npos) << what;
    EXPECT_NE(what.find("spilled so far"), std::string::npos) << what;
  }
  // The child: fault_child spill DIR (a 1 MiB file-size limit).
  std::string cmd = std::string(PARADE_FAULT_CHILD_PATH) + " spill " + tmp.path;
  std::string what;
  if (FILE* f = ::popen(cmd.c_str(), "r")) {
    char buf[512];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) what.append(buf, n);
    ::pclose(f);
  }
  EXPECT_EQ(what.rfind("error ", 0), 0u) << what;
  EXPECT_NE(what.find("cannot spill to " + tmp.path + ": File too large"), std::string::npos) << what;
  EXPECT_NE(what.find("spilled so far"), std::string::npos) << what;
  EXPECT_TRUE(tmp.empty());
}
