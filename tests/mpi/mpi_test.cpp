// parade under mpirun: every rank runs these tests in the same order (every
// action is collective). Run by ctest under `mpirun -np 1`, `2` and `4` with
// the TCP transport forced, and again with every barrier spilling
// (tests/CMakeLists.txt). Results must equal the single-process results on
// every rank; a failure on one rank must give every rank the same error.
#include "engine/differential.hpp"
#include "spill_support.hpp"

#include <parade/cluster.hpp>

#include <fstream>
#include <sstream>
#include <stop_token>
#include <thread>

using namespace diff;

namespace {

parade::run_options quiet(std::size_t workers = 2) {
  parade::run_options o;
  o.workers = workers;
  o.status = parade::status_mode::off;
  return o;
}

// A directory every rank sees (the ranks of these tests share a machine),
// named the same on every rank, made by rank 0 and removed by it.
struct shared_dir {
  std::string path;
  explicit shared_dir(const std::string& name) {
    path = (std::filesystem::temp_directory_path() / ("parade-mpi-" + name + "-" + std::to_string(::getppid()))).string();
    std::filesystem::create_directories(path);
  }
  ~shared_dir() {
    // Every rank is past its last use once the next collective returns.
    parade::range(0, 1).count(quiet(1));
    if (parade::rank() == 0) std::filesystem::remove_all(path);
  }
};

// run() works on one rank (giving `alone`) and fails on several with a
// parade::error saying `why`.
template <class Run, class R>
void one_rank_only(Run run, R alone, const std::string& why) {
  if (parade::ranks() == 1) {
    EXPECT_EQ(run(), alone);
    return;
  }
  try {
    run();
    ADD_FAILURE() << "no error";
  } catch (const parade::error& e) {
    EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
  }
}

}  // namespace

TEST(mpi, ranks_are_the_launchers) {
  const char* size = std::getenv("OMPI_COMM_WORLD_SIZE");
  ASSERT_NE(size, nullptr) << "run under mpirun";
  EXPECT_EQ(parade::ranks(), std::atoi(size));
  EXPECT_EQ(parade::rank(), std::atoi(std::getenv("OMPI_COMM_WORLD_RANK")));
}

TEST(mpi, int64_chains_match_sequential_reference) { random_chains<int_kind>(cases(400), 20261201, true); }
TEST(mpi, string_chains_match_sequential_reference) { random_chains<string_kind>(cases(250), 20261202, true); }

TEST(mpi, sources_split_by_rank_and_results_are_everyones) {
  // Each rank reads its share; count, collect and fold see all of it.
  std::vector<std::string> words;
  for (int i = 0; i < 1000; ++i) words.push_back("w" + std::to_string(i % 37));
  EXPECT_EQ(parade::from(words).count(quiet()), 1000u);
  auto counts = parade::from(words)
                    .map([](const std::string& w) { return std::pair<std::string, std::int64_t>(w, 1); })
                    .reduce_by_key([](std::int64_t a, std::int64_t b) { return a + b; })
                    .collect(quiet());
  std::map<std::string, std::int64_t> want;
  for (auto& w : words) ++want[w];
  ASSERT_EQ(counts.size(), want.size());
  std::size_t i = 0;
  for (auto& [w, n] : want) {
    EXPECT_EQ(counts[i].first, w);
    EXPECT_EQ(counts[i].second, n);
    ++i;
  }
  // Rank order is input order.
  auto all = parade::range(0, 10001).collect(quiet());
  ASSERT_EQ(all.size(), 10001u);
  for (std::size_t k = 0; k < all.size(); ++k) ASSERT_EQ(all[k], std::int64_t(k));
  EXPECT_EQ(parade::range(0, 10001).take(3, quiet()), (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(parade::range(0, 10001).top(2, quiet()), (std::vector<std::int64_t>{10000, 9999}));
}

TEST(mpi, read_lines_splits_files_by_byte_ranges_and_write_lines_writes_once) {
  shared_dir dir("files");
  // Plain files split across ranks at byte offsets; a compressed one read whole.
  if (parade::rank() == 0) {
    for (int f = 0; f < 3; ++f) {
      std::ofstream out(dir.path + "/in" + std::to_string(f) + ".txt");
      for (int i = 0; i < 5000; ++i) out << "line " << f << " " << i << (i % 7 == 0 ? " with a longer tail" : "") << "\n";
    }
  }
  parade::range(0, 1).count(quiet(1));  // the files exist before anyone reads
  parade::range(0, 20000)
      .map([](std::int64_t x) { return "z " + std::to_string(x); })
      .write_lines(dir.path + "/z.txt.gz", quiet());
  // Written once, by rank 0, complete: every line once, in order.
  auto lines = parade::read_lines({dir.path + "/in*.txt", dir.path + "/z.txt.gz"}).collect(quiet());
  std::vector<std::string> want;
  for (int f = 0; f < 3; ++f)
    for (int i = 0; i < 5000; ++i)
      want.push_back("line " + std::to_string(f) + " " + std::to_string(i) + (i % 7 == 0 ? " with a longer tail" : ""));
  for (int x = 0; x < 20000; ++x) want.push_back("z " + std::to_string(x));
  EXPECT_EQ(lines, want);
  // Only the file itself: no temporaries of other ranks beside it.
  std::size_t entries = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(dir.path)) ++entries;
  EXPECT_EQ(entries, 4u);
}

TEST(mpi, a_throw_on_one_rank_fails_every_rank_with_the_same_error) {
  ptest::temp_dir tmp;
  int bad = parade::ranks() - 1;
  for (int spill : {0, 1}) {
    auto o = quiet();
    o.temp_dir = tmp.path;
    if (spill) o.memory_limit = 256 << 10;
    std::string what;
    try {
      parade::range(0, 200000)
          .map([bad](std::int64_t x) {
            if (parade::rank() == bad && x % 1000 == 999) throw std::runtime_error("bad element " + std::to_string(x));
            return std::pair<std::int64_t, std::int64_t>(x % 5000, x);
          })
          .group_by_key()
          .count(o);
      ADD_FAILURE() << "no error";
    } catch (const parade::error& e) {
      what = e.what();
    }
    // The same text on every rank, naming the rank and the step.
    std::string rank = parade::ranks() > 1 ? "rank " + std::to_string(bad) + ": " : "";
    EXPECT_NE(what.find("parade: " + rank + "step 'map' failed: bad element"), std::string::npos) << what;
    // One rank's text (the last's: it reads the one element) reaches all.
    EXPECT_EQ(parade::from(std::vector<std::string>{what}).collect(quiet(1)), std::vector<std::string>{what});
  }
  EXPECT_TRUE(tmp.empty());
  EXPECT_EQ(ptest::open_deleted_files(), 0);
  // The next action runs as usual (no notice of the failed one lingers).
  EXPECT_EQ(parade::range(0, 1000).count(quiet()), 1000u);
}

TEST(mpi, a_stop_on_one_rank_cancels_every_rank) {
  std::stop_source stop;
  auto o = quiet();
  o.stop = stop.get_token();
  std::thread later;
  if (parade::rank() == 0)
    later = std::thread([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      stop.request_stop();
    });
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(parade::range(0, std::int64_t(1) << 40)
                   .map([](std::int64_t x) { return std::pair<std::int64_t, std::int64_t>(x % 1000, x); })
                   .reduce_by_key([](std::int64_t a, std::int64_t b) { return a + b; })
                   .count(o),
               parade::cancelled);
  if (later.joinable()) later.join();
  // Promptly: the other ranks hear of it within a poll, not at the end.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
}

TEST(mpi, records_without_a_serializer_cannot_cross_ranks) {
  struct opaque {
    int v;
  };
  auto run = [] {
    return parade::range(0, 100)
        .map([](std::int64_t x) { return std::pair<std::int64_t, std::shared_ptr<opaque>>(x % 3, nullptr); })  // no serializer
        .group_by_key()
        .count(quiet());
  };
  one_rank_only(run, 3u, "no parade::serializer");
}

// batch, enumerate, sample and concat see the whole input in order, as in
// one process: their input is gathered onto one rank first.
TEST(mpi, operations_on_positions_see_the_whole_input) {
  auto numbers = [] { return parade::range(0, 5000).map([](std::int64_t x) { return std::to_string(x); }); };
  auto indexed = numbers().enumerate().collect(quiet());
  ASSERT_EQ(indexed.size(), 5000u);
  for (std::size_t i = 0; i < indexed.size(); ++i) ASSERT_EQ(indexed[i], std::pair(i, std::to_string(i)));
  auto batches = numbers().batch(7).collect(quiet());
  ASSERT_EQ(batches.size(), 715u);
  EXPECT_EQ(batches[0], (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"}));
  EXPECT_EQ(batches.back(), (std::vector<std::string>{"4998", "4999"}));
  // The same sample as one process keeps: sample_keeps() of each position.
  auto sampled = numbers().sample(0.25, 42).collect(quiet());
  std::vector<std::string> want;
  auto th = parade::detail::sample_threshold(0.25);
  for (std::uint64_t i = 0; i < 5000; ++i)
    if (parade::detail::sample_keeps(42, i, th)) want.push_back(std::to_string(i));
  EXPECT_EQ(sampled, want);
  // concat: all of the first, then all of the second (every rank has a
  // share of both), and the work after it still sees that order.
  auto both = parade::range(0, 3000).concat(parade::range(10000, 12000)).enumerate().collect(quiet());
  ASSERT_EQ(both.size(), 5000u);
  for (std::size_t i = 0; i < both.size(); ++i)
    ASSERT_EQ(both[i].second, i < 3000 ? std::int64_t(i) : std::int64_t(10000 + i - 3000)) << i;
}

namespace {
// A generator of n numbers as strings (rank 0 runs it).
auto numbered(std::int64_t n, std::int64_t throw_at = -1) {
  return parade::generate([n, throw_at, i = std::int64_t(0)]() mutable -> std::optional<std::string> {
    if (i == throw_at) throw std::runtime_error("generator broke at " + std::to_string(i));
    if (i == n) return std::nullopt;
    return std::to_string(i++);
  });
}
}  // namespace

// generate runs on rank 0 and deals its chunks to every rank when its chain
// reaches a barrier: the map after it runs everywhere, and the barrier sees
// the input order of one process (group_by_key's values, a stable sort's ties).
TEST(mpi, generate_deals_its_chunks_to_every_rank) {
  const std::int64_t n = 100000;
  for (int spill : {0, 1}) {
    ptest::temp_dir tmp;
    auto o = quiet();
    o.temp_dir = tmp.path;
    if (spill) o.memory_limit = 4 << 20;  // spills: the groups hold about 5 MB
    std::atomic<std::int64_t> here{0};  // elements this rank's map saw
    auto groups = numbered(n)
                      .map([&here](const std::string& s) {
                        here.fetch_add(1, std::memory_order_relaxed);
                        auto x = std::stoll(s);
                        return std::pair<std::int64_t, std::string>(x % 7, s);
                      })
                      .group_by_key()
                      .collect(o);
    ASSERT_EQ(groups.size(), 7u);
    for (std::int64_t k = 0; k < 7; ++k) {
      ASSERT_EQ(groups[std::size_t(k)].first, k);
      auto& v = groups[std::size_t(k)].second;
      ASSERT_EQ(v.size(), std::size_t((n - k + 6) / 7));
      for (std::size_t j = 0; j < v.size(); ++j) ASSERT_EQ(v[j], std::to_string(k + 7 * std::int64_t(j))) << k;
    }
    // Every rank mapped a share; together, each element once.
    EXPECT_GT(here.load(), 0) << "rank " << parade::rank();
    auto shares = parade::from(std::vector<std::int64_t>(std::size_t(parade::ranks()), 0))
                      .map([&here](std::int64_t) { return here.load(); })
                      .fold(std::int64_t{0}, std::plus<>{}, quiet(1));
    EXPECT_EQ(shares, n);
    // sort is stable: ties keep the generator's order.
    auto sorted = numbered(20000).sort([](const std::string& a, const std::string& b) { return a.size() < b.size(); }).collect(o);
    ASSERT_EQ(sorted.size(), 20000u);
    for (std::size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], std::to_string(i));
    EXPECT_TRUE(tmp.empty());
  }
  // Straight into actions that keep input order: dealt too, the chunks put
  // back in order when the ranks' results are gathered.
  std::atomic<std::int64_t> here{0};
  auto mapped = [&here](std::int64_t count) {
    return numbered(count).map([&here](const std::string& s) {
      here.fetch_add(1, std::memory_order_relaxed);
      return s + "!";
    });
  };
  auto all = mapped(50000).collect(quiet());
  ASSERT_EQ(all.size(), 50000u);
  for (std::size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], std::to_string(i) + "!");
  EXPECT_GT(here.load(), 0) << "rank " << parade::rank();
  // fold and reduce with an f that is associative, not commutative.
  auto joined = [](std::string a, std::string b) { return a.empty() || b.empty() ? a + b : a + "," + b; };
  std::string want;
  for (int i = 0; i < 3000; ++i) want = joined(want, std::to_string(i) + "!");
  EXPECT_EQ(mapped(3000).fold(std::string(), joined, quiet()), want);
  EXPECT_EQ(mapped(3000).reduce(joined, quiet()), want);
  EXPECT_EQ(mapped(0).reduce(joined, quiet()), std::nullopt);
  EXPECT_EQ(mapped(20000).count(quiet()), 20000u);
  // take stops an endless generator on every rank.
  auto head = numbered(std::int64_t(1) << 60).take(1000, quiet());
  ASSERT_EQ(head.size(), 1000u);
  for (std::size_t i = 0; i < head.size(); ++i) ASSERT_EQ(head[i], std::to_string(i));
  EXPECT_EQ(numbered(std::int64_t(1) << 60).first(quiet()), "0");
}

// The generator fails mid-stream, or a rank's map does while chunks are
// being dealt: every rank throws the same error, and nothing of the dealing
// is left for the next action.
TEST(mpi, a_failure_while_generate_deals_fails_every_rank) {
  int bad = parade::ranks() - 1;
  for (int where : {0, 1}) {
    std::string what;
    try {
      numbered(200000, where == 0 ? 150000 : -1)
          .map([bad, where](const std::string& s) {
            if (where == 1 && parade::rank() == bad && s.ends_with("999")) throw std::runtime_error("bad " + s);
            return std::pair<std::string, std::int64_t>(s.substr(0, 1), 1);
          })
          .reduce_by_key(std::plus<>{})
          .collect(quiet());
      ADD_FAILURE() << "no error";
    } catch (const parade::error& e) {
      what = e.what();
    }
    std::string want = where == 0 ? "step 'generate' failed: generator broke at 150000" : "step 'map' failed: bad ";
    if (parade::ranks() > 1) want = "rank " + std::to_string(where == 0 ? 0 : bad) + ": " + want;
    EXPECT_NE(what.find("parade: " + want), std::string::npos) << what;
    EXPECT_EQ(numbered(30000).map([](const std::string& s) { return std::pair<std::int64_t, std::int64_t>(std::stoll(s) % 10, 1); })
                  .reduce_by_key(std::plus<>{})
                  .count(quiet()),
              10u);
  }
}

TEST(mpi, write_lines_to_parts_has_every_rank_write_its_own) {
  shared_dir dir("parts");
  std::string target = dir.path + "/out";
  parade::range(0, 10000)
      .map([](std::int64_t x) { return std::to_string(x); })
      .write_lines(target, {.parts = 2, .extension = ".txt.gz"}, quiet());
  // Two parts per rank, numbered in rank order, and _SUCCESS.
  std::size_t parts = 0;
  for (auto& e : std::filesystem::directory_iterator(target)) parts += e.path().filename().string().starts_with("part-");
  EXPECT_EQ(parts, std::size_t(2 * parade::ranks()));
  EXPECT_TRUE(std::filesystem::exists(target + "/part-" + std::string(4, '0') + "0.txt.gz"));
  EXPECT_TRUE(std::filesystem::exists(target + "/_SUCCESS"));
  auto back = parade::read_lines(target).map([](const std::string& s) { return std::stoll(s); }).sort().collect(quiet());
  ASSERT_EQ(back.size(), 10000u);
  for (std::size_t i = 0; i < back.size(); ++i) ASSERT_EQ(back[i], std::int64_t(i));
  // A target that exists and is not empty: rank 0 finds out, every rank fails.
  try {
    parade::range(0, 10).write_lines(target, {.parts = 1}, quiet());
    ADD_FAILURE() << "no error";
  } catch (const parade::error& e) {
    EXPECT_NE(std::string(e.what()).find("it exists and is not empty"), std::string::npos) << e.what();
  }
}

namespace {
// The numbers of the JSON array that follows `key` at or after `from`.
std::vector<double> json_array(const std::string& json, const std::string& key, std::size_t from = 0) {
  auto at = json.find("\"" + key + "\":[", from);
  if (at == std::string::npos) return {};
  std::vector<double> v;
  std::istringstream in(json.substr(at + key.size() + 4, json.find(']', at) - at - key.size() - 4));
  for (std::string n; std::getline(in, n, ',');) v.push_back(std::stod(n));
  return v;
}
}  // namespace

// Rank 0's display and report are the job's: counts summed over ranks while
// the run goes (the other ranks send theirs a few times a second) and at
// the end, with each rank's own figures beside them.
TEST(mpi, rank_0_reports_the_whole_job) {
  shared_dir dir("report");
  std::int64_t n = 2000 * parade::ranks();  // a second per rank (1 ms per element, 2 workers)
  auto o = quiet();
  o.report = dir.path + "/run.html";
  auto kept = parade::range(0, n, {.name = "Numbers"})
                  .map([](std::int64_t x) {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1));
                    return x;
                  })
                  .filter([](std::int64_t x) { return x % 2 == 0; })
                  .count(o);
  EXPECT_EQ(kept, std::uint64_t(n / 2));
  parade::range(0, 1).count(quiet(1));  // rank 0 has written its report
  EXPECT_EQ(std::filesystem::exists(dir.path + "/run.html"), true);
  if (parade::rank() != 0) return;
  std::ifstream f(dir.path + "/run.json");
  std::string json((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(json.find(R"("workers":)" + std::to_string(2 * parade::ranks()) + ","), std::string::npos) << json.substr(0, 300);
  EXPECT_NE(json.find(R"("in":)" + std::to_string(n) + R"(,"out":)" + std::to_string(n)), std::string::npos)
      << "the source's counts are the job's";
  // One entry per rank (none on one process); their inputs add up to the
  // job's, each its share.
  auto ranks_at = json.find("\"ranks\":[");
  if (parade::ranks() == 1) {
    EXPECT_EQ(ranks_at, std::string::npos);
    return;
  }
  ASSERT_NE(ranks_at, std::string::npos);
  double sum = 0;
  std::size_t from = ranks_at;
  for (int r = 0; r < parade::ranks(); ++r) {
    from = json.find("{\"rank\":" + std::to_string(r) + ",", from);
    ASSERT_NE(from, std::string::npos) << "rank " << r;
    auto in = json_array(json, "in", from);
    ASSERT_GE(in.size(), 3u);  // Numbers, map, filter, count
    EXPECT_EQ(in[0], 2000.0) << "rank " << r;
    sum += in[0];
  }
  EXPECT_EQ(sum, double(n));
  // While the run went, rank 0's samples already counted the other ranks:
  // the last sample before the end shows more than rank 0's own share.
  auto samples = json_array(json, "in", json.find("\"samples\":{"));
  ASSERT_GE(samples.size(), 3u);
  EXPECT_GT(samples[samples.size() - 2], 2000.0);
}
