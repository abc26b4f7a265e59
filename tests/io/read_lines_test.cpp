#include <sys/stat.h>

#include <random>

#include "io/files.hpp"
#include "support.hpp"

namespace {

// Random text: empty lines, long lines, CRLF, with or without a final "\n".
std::string random_text(std::mt19937& rng, std::size_t target) {
  std::string s;
  std::uniform_int_distribution<int> kind(0, 9);
  while (s.size() < target) {
    int k = kind(rng);
    std::size_t len = k == 0 ? 0 : k == 1 ? std::uniform_int_distribution<std::size_t>(1000, 300000)(rng)
                                          : std::uniform_int_distribution<std::size_t>(1, 80)(rng);
    for (std::size_t i = 0; i < len; ++i) s.push_back(char('a' + (i * 7 + s.size()) % 26));
    s += kind(rng) == 0 ? "\r\n" : "\n";
  }
  if (!s.empty() && rng() % 2) s.pop_back();  // sometimes no final newline
  return s;
}

}  // namespace

TEST(read_lines, differential_random_files_all_formats) {
  std::mt19937 rng(4242);
  for (int round = 0; round < 6; ++round) {
    ptest::scratch_dir dir;
    std::vector<std::string> want;
    int files = int(rng() % 5) + 1;
    for (int f = 0; f < files; ++f) {
      std::size_t size = rng() % 4 == 0 ? 0 : std::uniform_int_distribution<std::size_t>(1, 3000000)(rng);
      std::string text = random_text(rng, size);
      auto lines = ptest::getline_lines(text);
      want.insert(want.end(), lines.begin(), lines.end());
      std::string name = "f" + std::to_string(f);
      switch (rng() % 4) {
        case 0: ptest::write_file(dir / name, text); break;
        case 1: ptest::write_file(dir / (name + ".gz"), ptest::gzip(text)); break;
        case 2: ptest::write_file(dir / (name + ".zst"), ptest::zstd(text)); break;
        default: ptest::write_file(dir / (name + ".bz2"), ptest::bzip2(text)); break;
      }
    }
    for (std::size_t split : {std::size_t(0), std::size_t(97), std::size_t(4096), std::size_t(70000)}) {
      parade::detail::tuning::max_chunk = split;  // byte ranges of this size
      ptest::each_config([&](const ptest::config& c) {
        SCOPED_TRACE("round " + std::to_string(round) + " split " + std::to_string(split));
        auto got = parade::read_lines(dir.path().string()).collect(c.run());
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], want[i]) << "line " << i;
      });
      parade::detail::tuning::max_chunk = 0;
      if (HasFatalFailure()) return;
    }
  }
}

TEST(read_lines, files_globs_dirs_and_lists_in_sorted_order) {
  ptest::scratch_dir dir;
  std::filesystem::create_directories(dir / "sub/deeper");
  std::filesystem::create_directories(dir / ".hidden");
  ptest::write_file(dir / "b.txt", "b1\nb2\n");
  ptest::write_file(dir / "a.txt", "a1\n");
  ptest::write_file(dir / "sub/c.txt.gz", ptest::gzip("c1\nc2"));
  ptest::write_file(dir / "sub/deeper/d.log", "d1\r\n");
  ptest::write_file(dir / "_SUCCESS", "");
  ptest::write_file(dir / ".hidden/x.txt", "hidden\n");
  ptest::write_file(dir / ".dotfile", "hidden\n");
  auto o = parade::run_options{.workers = 2, .status = parade::status_mode::off};
  EXPECT_EQ(parade::read_lines(dir.path().string()).collect(o),
            (std::vector<std::string>{"a1", "b1", "b2", "c1", "c2", "d1"}));
  EXPECT_EQ(parade::read_lines(dir / "*.txt").collect(o), (std::vector<std::string>{"a1", "b1", "b2"}));
  EXPECT_EQ(parade::read_lines(dir / "b.txt").collect(o), (std::vector<std::string>{"b1", "b2"}));
  EXPECT_EQ(parade::read_lines(std::vector<std::string>{dir / "sub", dir / "a.txt"}).collect(o),
            (std::vector<std::string>{"c1", "c2", "d1", "a1"}));
}

TEST(read_lines, compressed_by_magic_not_by_name) {
  ptest::scratch_dir dir;
  ptest::write_file(dir / "really-gzip.txt", ptest::gzip("x\ny\n"));
  ptest::write_file(dir / "plain.gz", "not compressed\n");
  auto o = parade::run_options{.status = parade::status_mode::off};
  EXPECT_EQ(parade::read_lines(dir / "really-gzip.txt").collect(o), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(parade::read_lines(dir / "plain.gz").collect(o), (std::vector<std::string>{"not compressed"}));
}

TEST(read_lines, concatenated_members_and_frames) {
  ptest::scratch_dir dir;
  ptest::write_file(dir / "m.gz", ptest::gzip("a\nb") + ptest::gzip("c\n"));
  ptest::write_file(dir / "m.zst", ptest::zstd("a\n") + ptest::zstd("b\nc\n"));
  ptest::write_file(dir / "m.bz2", ptest::bzip2("a\nb\n") + ptest::bzip2("c\n"));
  // gzip members are byte streams: "a\nb" + "c\n" is "a\nbc\n".
  EXPECT_EQ(parade::read_lines(dir / "m.gz").collect({.status = parade::status_mode::off}),
            (std::vector<std::string>{"a", "bc"}));
  EXPECT_EQ(parade::read_lines(dir / "m.zst").collect({.status = parade::status_mode::off}),
            (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(parade::read_lines(dir / "m.bz2").collect({.status = parade::status_mode::off}),
            (std::vector<std::string>{"a", "b", "c"}));
}

TEST(read_lines, a_line_longer_than_every_buffer) {
  ptest::scratch_dir dir;
  std::string big(100u << 20, 'q');  // 100 MB
  ptest::write_file(dir / "big.txt", "first\n" + big + "\nlast\n");
  ptest::write_file(dir / "big.zst", ptest::zstd("first\n" + big + "\nlast"));
  for (auto name : {"big.txt", "big.zst"}) {
    auto got = parade::read_lines(dir / name).collect({.workers = 2, .status = parade::status_mode::off});
    ASSERT_EQ(got.size(), 3u) << name;
    EXPECT_EQ(got[0], "first");
    EXPECT_TRUE(got[1] == big) << name;
    EXPECT_EQ(got[2], "last");
  }
}

TEST(read_lines, feeds_keyed_operations) {
  ptest::scratch_dir dir;
  ptest::write_file(dir / "w.txt", "a b a\nc a\n\nb\n");
  ptest::write_file(dir / "w2.gz", ptest::gzip("a c\n"));
  auto counts = parade::read_lines(dir.path().string())
                    .flat_map<std::pair<std::string, long>>([](const std::string& l, auto& emit) {
                      std::istringstream in(l);
                      for (std::string w; in >> w;) emit({w, 1});
                    })
                    .reduce_by_key(std::plus<>{})
                    .collect({.workers = 4, .status = parade::status_mode::off});
  EXPECT_EQ(counts, (std::vector<std::pair<std::string, long>>{{"a", 4}, {"b", 2}, {"c", 2}}));
}

namespace {
void expect_error_naming(const std::function<void()>& run, const std::string& path, const std::string& also = "") {
  try {
    run();
    FAIL() << "expected parade::error for " << path;
  } catch (const parade::error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find(path), std::string::npos) << what;
    if (!also.empty()) {
      EXPECT_NE(what.find(also), std::string::npos) << what;
    }
  }
}
}  // namespace

TEST(read_lines, bad_input_names_the_path) {
  ptest::scratch_dir dir;
  auto o = parade::run_options{.workers = 2, .status = parade::status_mode::off};
  expect_error_naming([&] { parade::read_lines(dir / "missing.txt").count(o); }, dir / "missing.txt");
  expect_error_naming([&] { parade::read_lines(dir / "*.nothing").count(o); }, dir / "*.nothing", "no file matches");
  expect_error_naming([&] { parade::read_lines(std::vector<std::string>{dir / "missing/"}).count(o); },
                      dir / "missing/");

  // Truncated and corrupt compressed files: the path and the line reached.
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "line " + std::to_string(i) + "\n";
  auto gz = ptest::gzip(text), zs = ptest::zstd(text), bz = ptest::bzip2(text);
  ptest::write_file(dir / "trunc.gz", gz.substr(0, gz.size() / 2));
  ptest::write_file(dir / "trunc.zst", zs.substr(0, zs.size() / 2));
  ptest::write_file(dir / "trunc.bz2", bz.substr(0, bz.size() / 2));
  for (auto name : {"trunc.gz", "trunc.zst", "trunc.bz2"})
    expect_error_naming([&] { parade::read_lines(dir / name).count(o); }, dir / name, "after line ");
  // The line reached: four members (frames, streams) of 5,000 lines each, the
  // last one cut short. The three whole ones are read, so the error comes
  // after line 15,000 or later, whatever the decoder had produced when it
  // found the truncation.
  for (auto [name, pack] : {std::pair<const char*, std::string (*)(const std::string&)>{"cut.gz", ptest::gzip},
                            {"cut.zst", ptest::zstd},
                            {"cut.bz2", ptest::bzip2}}) {
    std::string file, quarter;
    for (int i = 0; i < 5000; ++i) quarter += "line " + std::to_string(i) + "\n";
    for (int i = 0; i < 3; ++i) file += pack(quarter);
    auto last = pack(quarter);
    ptest::write_file(dir / name, file + last.substr(0, last.size() / 2));
    try {
      parade::read_lines(dir / name).count(o);
      ADD_FAILURE() << name << " read without an error";
    } catch (const parade::error& e) {
      std::string what = e.what();
      auto at = what.find("after line ");
      ASSERT_NE(at, std::string::npos) << what;
      long line = std::atol(what.c_str() + at + 11);
      EXPECT_GE(line, 15000) << what;
      EXPECT_LT(line, 20000) << what;
    }
  }
  auto corrupt = gz;
  for (std::size_t i = 100; i < 200; ++i) corrupt[i] = char(corrupt[i] ^ 0x5a);
  ptest::write_file(dir / "bad.gz", corrupt);
  expect_error_naming([&] { parade::read_lines(dir / "bad.gz").count(o); }, dir / "bad.gz", "corrupt");
  auto corrupt_zst = zs;
  for (std::size_t i = 20; i < 60; ++i) corrupt_zst[i] = char(corrupt_zst[i] ^ 0x5a);
  ptest::write_file(dir / "bad.zst", corrupt_zst);
  expect_error_naming([&] { parade::read_lines(dir / "bad.zst").count(o); }, dir / "bad.zst");
}

TEST(read_lines, permission_denied_names_the_path) {
  if (geteuid() == 0) GTEST_SKIP() << "root reads any file: permissions cannot be tested";
  ptest::scratch_dir dir;
  ptest::write_file(dir / "secret.txt", "x\n");
  chmod((dir / "secret.txt").c_str(), 0);
  expect_error_naming([&] { parade::read_lines(dir / "secret.txt").count({.status = parade::status_mode::off}); },
                      dir / "secret.txt", "Permission denied");
}

// Several files at once (byte ranges of plain files and whole compressed
// streams, read by several workers): a user function throwing at a random
// line, or a stop at a random moment, ends the run promptly with the right
// error, never a hang.
TEST(read_lines, failure_and_cancel_over_many_files_end_promptly) {
  ptest::scratch_dir dir;
  std::string text;
  for (int i = 0; i < 30000; ++i) text += "row " + std::to_string(i) + "\n";
  for (int f = 0; f < 3; ++f) {
    ptest::write_file(dir / ("p" + std::to_string(f) + ".txt"), text);
    ptest::write_file(dir / ("g" + std::to_string(f) + ".gz"), ptest::gzip(text));
  }
  ptest::write_file(dir / "z.zst", ptest::zstd(text));
  const std::uint64_t lines = 7 * 30000;
  std::mt19937 rng(77);
  int cancelled = 0, finished = 0;
  ptest::each_config([&](const ptest::config& c) {
    for (int round = 0; round < 3; ++round) {
      ptest::with_watchdog(std::chrono::seconds(60), [&] {
        auto bad = std::uniform_int_distribution<std::uint64_t>(0, lines - 1)(rng);
        std::atomic<std::uint64_t> seen{0};
        try {
          parade::read_lines(dir.path().string())
              .map([&](const std::string& s) {
                if (seen.fetch_add(1) == bad) throw std::runtime_error("bad row");
                return s.size();
              }, {.name = "check"})
              .count(c.run());
          ADD_FAILURE() << "no error";
        } catch (const parade::cancelled&) {
          ADD_FAILURE() << "cancelled, not failed";
        } catch (const parade::error& e) {
          EXPECT_NE(std::string(e.what()).find("bad row"), std::string::npos) << e.what();
          EXPECT_NE(std::string(e.what()).find("check"), std::string::npos) << e.what();
        }

        auto o = c.run();
        ptest::stop_after stop(o, std::chrono::microseconds(std::uniform_int_distribution<int>(0, 6000)(rng)));
        try {
          auto n = parade::read_lines(dir.path().string()).map([](const std::string& s) { return s.size(); }).count(o);
          EXPECT_EQ(n, lines);  // finished before the stop came
          ++finished;
        } catch (const parade::cancelled&) {
          ++cancelled;
        }
      });
    }
  });
  std::printf("stopped %d runs mid-read, %d finished first\n", cancelled, finished);
  EXPECT_GT(cancelled, 0);
}
