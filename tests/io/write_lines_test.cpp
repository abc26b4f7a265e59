#include "io/files.hpp"
#include "support.hpp"

namespace {
struct boom : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace

TEST(write_lines, round_trips_in_order_plain_and_compressed) {
  ptest::each_config([](const ptest::config& c) {
    ptest::scratch_dir dir;
    auto data = parade::range(0, 30000).map([](std::int64_t x) { return "v" + std::to_string(x * 3); });
    for (auto name : {"out.txt", "out.txt.gz", "out.txt.zst", "out.txt.bz2"}) {
      data.write_lines(dir / name, c.run());
      auto back = parade::read_lines(dir / name).collect(c.run());
      ASSERT_EQ(back.size(), 30000u) << name;
      for (std::size_t i = 0; i < back.size(); ++i) ASSERT_EQ(back[i], "v" + std::to_string(i * 3)) << name;
    }
    // Only the outputs are left: no temporaries.
    EXPECT_EQ(dir.entries(), (std::vector<std::string>{"out.txt", "out.txt.bz2", "out.txt.gz", "out.txt.zst"}));
    // Compressed by the name's extension (read_lines goes by magic bytes, so
    // the round trip alone would pass plain text under a .gz name).
    EXPECT_EQ(ptest::read_file(dir / "out.txt").rfind("v0\n", 0), 0u);
    EXPECT_EQ(ptest::read_file(dir / "out.txt.gz").rfind("\x1f\x8b", 0), 0u);
    EXPECT_EQ(ptest::read_file(dir / "out.txt.zst").rfind("\x28\xb5\x2f\xfd", 0), 0u);
    EXPECT_EQ(ptest::read_file(dir / "out.txt.bz2").rfind("BZh", 0), 0u);
  });
}

TEST(write_lines, formats_with_stream_operator) {
  ptest::scratch_dir dir;
  parade::from(std::vector<double>{1.5, -2.0}).write_lines(dir / "d.txt", {.status = parade::status_mode::off});
  EXPECT_EQ(ptest::read_file(dir / "d.txt"), "1.5\n-2\n");
  // As `<<` writes them: the char types as characters (int8_t too), bool as 0/1.
  parade::from(std::vector<std::int8_t>{'a', 'b'}).write_lines(dir / "i8.txt", {.status = parade::status_mode::off});
  EXPECT_EQ(ptest::read_file(dir / "i8.txt"), "a\nb\n");
  parade::from(std::vector<unsigned char>{'x'}).write_lines(dir / "u8.txt", {.status = parade::status_mode::off});
  EXPECT_EQ(ptest::read_file(dir / "u8.txt"), "x\n");
  parade::from(std::vector<std::int16_t>{-7, 300}).write_lines(dir / "i16.txt", {.status = parade::status_mode::off});
  EXPECT_EQ(ptest::read_file(dir / "i16.txt"), "-7\n300\n");
  parade::range(0, 0).write_lines(dir / "empty.txt", {.status = parade::status_mode::off});
  EXPECT_EQ(ptest::read_file(dir / "empty.txt"), "");
  EXPECT_TRUE(std::filesystem::exists(dir / "empty.txt"));
}

TEST(write_lines, a_failure_leaves_the_target_as_it_was_and_no_temporary) {
  ptest::each_config([](const ptest::config& c) {
    ptest::scratch_dir dir;
    ptest::write_file(dir / "keep.txt", "old contents\n");
    for (auto name : {"new.txt", "new.txt.gz", "keep.txt"}) {
      EXPECT_THROW(parade::range(0, 50000)
                       .map([](std::int64_t x) {
                         if (x == 40000) throw boom("bad element");
                         return x;
                       })
                       .write_lines(dir / name, c.run()),
                   parade::error);
    }
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"keep.txt"});
    EXPECT_EQ(ptest::read_file(dir / "keep.txt"), "old contents\n");
  });
}

TEST(write_lines, cancellation_leaves_no_target_and_no_temporary) {
  ptest::scratch_dir dir;
  auto o = parade::run_options{.workers = 2, .status = parade::status_mode::off};
  {
    ptest::stop_after stop(o, std::chrono::milliseconds(100));
    ptest::with_watchdog(std::chrono::seconds(60), [&] {
      EXPECT_THROW(parade::range(0, 100000000).map([](std::int64_t x) { return x; }).write_lines(dir / "big.txt.zst", o),
                   parade::cancelled);
    });
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(write_lines, unwritable_destination_fails_before_any_work) {
  ptest::scratch_dir dir;
  std::atomic<int> calls{0};
  auto ds = parade::range(0, 100).map([&](std::int64_t x) {
    ++calls;
    return x;
  });
  auto o = parade::run_options{.status = parade::status_mode::off};
  for (auto path : {dir / "no/such/dir/out.txt", dir.path().string() + "/"}) {
    try {
      ds.write_lines(path, o);
      FAIL() << "expected parade::error for " << path;
    } catch (const parade::error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  std::filesystem::create_directories(dir / "adir");
  EXPECT_THROW(ds.write_lines(dir / "adir", o), parade::error);
  EXPECT_EQ(calls.load(), 0);
}

TEST(write_lines, big_output_mixes_parallel_and_gathered_blocks) {
  ptest::scratch_dir dir;
  auto o = parade::run_options{.workers = 2, .status = parade::status_mode::off};
  for (auto name : {"big.txt.gz", "big.txt.zst"}) {
    parade::range(0, 2000000).write_lines(dir / name, o);
    auto back = parade::read_lines(dir / name).map([](const std::string& s) { return std::stoll(s); });
    EXPECT_EQ(back.count(o), 2000000u) << name;
    EXPECT_EQ(back.fold(std::int64_t{0}, std::plus<>{}, o), std::int64_t{1999999} * 2000000 / 2) << name;
  }
}

TEST(write_lines, parts_in_a_directory_with_success_marker_last) {
  ptest::each_config([](const ptest::config& c) {
    for (std::size_t parts : {std::size_t(1), std::size_t(3), std::size_t(16)}) {
      ptest::scratch_dir dir;
      std::string out = dir / "out";
      parade::range(0, 100000).write_lines(out, {.parts = parts, .extension = ".txt.gz"}, c.run());
      std::vector<std::string> want{"_SUCCESS"};
      for (std::size_t i = 0; i < parts; ++i) {
        char name[48];
        std::snprintf(name, sizeof name, "part-%05zu.txt.gz", i);
        want.push_back(name);
      }
      std::sort(want.begin(), want.end());
      std::vector<std::string> got;
      for (auto& e : std::filesystem::directory_iterator(out)) got.push_back(e.path().filename().string());
      std::sort(got.begin(), got.end());
      EXPECT_EQ(got, want);
      // Every element exactly once (read_lines skips _SUCCESS).
      auto back = parade::read_lines(out).map([](const std::string& s) { return std::stoll(s); }).collect(c.run());
      std::sort(back.begin(), back.end());
      ASSERT_EQ(back.size(), 100000u);
      for (std::size_t i = 0; i < back.size(); ++i) ASSERT_EQ(back[i], std::int64_t(i));
    }
  });
}

// Fewer writers than parts (a capped step fused into the writers): every
// part still gets blocks, not only the first ones.
TEST(write_lines, parts_are_all_used_with_fewer_writers_than_parts) {
  ptest::scratch_dir dir;
  parade::range(0, 400000)
      .map([](std::int64_t x) { return "line " + std::to_string(x); }, {.workers = 2})
      .write_lines(dir / "out", {.parts = 8, .extension = ".txt"}, {.workers = 8, .status = parade::status_mode::off});
  std::size_t total = 0;
  for (int i = 0; i < 8; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "out/part-%05d.txt", i);
    auto size = std::filesystem::file_size(dir / name);
    EXPECT_GT(size, 0u) << name;
    total += size;
  }
  EXPECT_EQ(parade::read_lines(dir / "out").count({.status = parade::status_mode::off}), 400000u);
  EXPECT_GT(total, 400000u * 6);
}

// A part that cannot be put in place at the end (here a directory took its
// name during the run): the parts already named are removed again, so the
// directory never holds some parts without the others.
TEST(write_lines, parts_commit_is_all_or_nothing) {
  ptest::scratch_dir dir;
  std::string out = dir / "out";
  std::once_flag once;
  EXPECT_THROW(parade::range(0, 10000)
                   .map([&](std::int64_t x) {
                     std::call_once(once, [&] { std::filesystem::create_directories(out + "/part-00002.txt/taken"); });
                     return x;
                   })
                   .write_lines(out, {.parts = 4, .extension = ".txt"}, {.workers = 2, .status = parade::status_mode::off}),
               parade::error);
  std::vector<std::string> left;
  for (auto& e : std::filesystem::directory_iterator(out)) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"part-00002.txt"}) << "only what the test put there";
}

TEST(write_lines, parts_failure_leaves_nothing_and_refuses_a_non_empty_directory) {
  ptest::scratch_dir dir;
  auto o = parade::run_options{.workers = 4, .status = parade::status_mode::off};
  EXPECT_THROW(parade::range(0, 100000)
                   .map([](std::int64_t x) {
                     if (x == 77777) throw boom("bad element");
                     return x;
                   })
                   .write_lines(dir / "out", {.parts = 4}, o),
               parade::error);
  EXPECT_TRUE(dir.entries().empty());  // the directory it made is gone too
  std::filesystem::create_directories(dir / "full");
  ptest::write_file(dir / "full/old.txt", "x\n");
  std::atomic<int> calls{0};
  try {
    parade::range(0, 10).map([&](std::int64_t x) { ++calls; return x; }).write_lines(dir / "full", {.parts = 2}, o);
    FAIL() << "expected parade::error";
  } catch (const parade::error& e) {
    EXPECT_NE(std::string(e.what()).find(dir / "full"), std::string::npos) << e.what();
  }
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(ptest::read_file(dir / "full/old.txt"), "x\n");
}
