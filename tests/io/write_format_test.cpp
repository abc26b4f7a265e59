// write_lines output that other tools read exactly: shortest round-trip
// numbers, tab-separated pairs and tuples, fmt formatters, valid empty
// compressed streams, and small datasets spread over every part.
#include "support.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <tuple>

#include "io/files.hpp"

namespace {

parade::run_options quiet() { return {.status = parade::status_mode::off}; }

struct point {
  int x, y;
};

struct money {
  long cents;
  friend std::ostream& operator<<(std::ostream& os, const money& m) { return os << m.cents / 100 << '.' << (m.cents % 100 < 10 ? "0" : "") << m.cents % 100; }
};

bool tool(const char* name) { return std::system((std::string("command -v ") + name + " >/dev/null 2>&1").c_str()) == 0; }

}  // namespace

template <>
struct fmt::formatter<point> : fmt::formatter<int> {
  auto format(const point& p, format_context& ctx) const { return fmt::format_to(ctx.out(), "({}, {})", p.x, p.y); }
};

TEST(write_lines, doubles_read_back_exactly) {
  ptest::scratch_dir dir;
  std::mt19937_64 rng(3);
  std::vector<double> values = {3788190.5, 0.1, 1e300, -0.0, 5e-324, std::numeric_limits<double>::max(), 1.0 / 3};
  for (int i = 0; i < 2000; ++i) values.push_back(std::ldexp(double(rng() >> 11), int(rng() % 200) - 100));
  parade::from(values).write_lines(dir / "d.txt", quiet());
  auto lines = parade::read_lines(dir / "d.txt").collect(quiet());
  ASSERT_EQ(lines.size(), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(std::strtod(lines[i].c_str(), nullptr), values[i]) << lines[i];
  EXPECT_EQ(lines[0], "3788190.5");  // not 3.78819e+06
  EXPECT_EQ(lines[1], "0.1");
  parade::from(std::vector<float>{0.1f, 16777216.f}).write_lines(dir / "f.txt", quiet());
  EXPECT_EQ(ptest::read_file(dir / "f.txt"), "0.1\n16777216\n");
}

TEST(write_lines, pairs_and_tuples_are_tab_separated_fields) {
  ptest::scratch_dir dir;
  parade::from(std::vector<std::pair<std::string, std::int64_t>>{{"apple", 3}, {"pear", -1}}).write_lines(dir / "p.txt", quiet());
  EXPECT_EQ(ptest::read_file(dir / "p.txt"), "apple\t3\npear\t-1\n");
  using row = std::tuple<int, std::string, double, std::pair<char, bool>>;
  parade::from(std::vector<row>{{1, "a b", 0.5, {'x', true}}}).write_lines(dir / "t.txt", quiet());
  EXPECT_EQ(ptest::read_file(dir / "t.txt"), "1\ta b\t0.5\tx\t1\n");
  // What reduce_by_key gives, straight to a file.
  parade::range(0, 10)
      .map([](std::int64_t x) { return std::pair{x % 3, 0.5 * double(x)}; })
      .reduce_by_key(std::plus<>{})
      .write_lines(dir / "r.txt", quiet());
  EXPECT_EQ(ptest::read_file(dir / "r.txt"), "0\t9\n1\t6\n2\t7.5\n");
}

TEST(write_lines, fmt_formatter_then_stream_operator) {
  ptest::scratch_dir dir;
  parade::from(std::vector<point>{{1, 2}, {-3, 4}}).write_lines(dir / "pt.txt", quiet());
  EXPECT_EQ(ptest::read_file(dir / "pt.txt"), "(1, 2)\n(-3, 4)\n");
  parade::from(std::vector<money>{{1205}, {7}}).write_lines(dir / "m.txt", quiet());
  EXPECT_EQ(ptest::read_file(dir / "m.txt"), "12.05\n0.07\n");
  parade::from(std::vector<std::pair<std::string, money>>{{"a", {150}}}).write_lines(dir / "pm.txt", quiet());
  EXPECT_EQ(ptest::read_file(dir / "pm.txt"), "a\t1.50\n");
}

TEST(write_lines, empty_compressed_outputs_are_valid_empty_streams) {
  ptest::scratch_dir dir;
  for (std::string ext : {".gz", ".zst", ".bz2"}) {
    SCOPED_TRACE(ext);
    parade::range(0, 0).write_lines(dir / ("e.txt" + ext), quiet());
    EXPECT_GT(ptest::read_file(dir / ("e.txt" + ext)).size(), 0u);
    EXPECT_TRUE(parade::read_lines(dir / ("e.txt" + ext)).collect(quiet()).empty());
    parade::range(0, 2).write_lines(dir / ("parts" + ext), {.parts = 3, .extension = ".txt" + ext}, quiet());
    for (int i = 0; i < 3; ++i)
      EXPECT_GT(ptest::read_file(dir / ("parts" + ext + "/part-0000" + std::to_string(i) + ".txt" + ext)).size(), 0u);
    EXPECT_EQ(parade::read_lines(dir / ("parts" + ext)).count(quiet()), 2u);
  }
  // The tools users check files with accept them.
  PTEST_NEEDS(tool("gzip") && tool("zstd") && tool("bzip2"), "gzip, zstd and bzip2");
  for (auto cmd : {"gzip -t ", "zstd -q -t ", "bzip2 -t "}) {
    std::string ext = cmd[0] == 'g' ? ".gz" : cmd[0] == 'z' ? ".zst" : ".bz2";
    EXPECT_EQ(std::system((cmd + dir / ("e.txt" + ext)).c_str()), 0) << cmd;
    EXPECT_EQ(std::system((cmd + dir / ("parts" + ext + "/part-00002.txt" + ext)).c_str()), 0) << cmd;
  }
}

TEST(write_lines, a_small_dataset_is_spread_over_every_part) {
  ptest::each_config([](const ptest::config& c) {
    ptest::scratch_dir dir;
    parade::range(0, 1000).write_lines(dir / "out", {.parts = 4, .extension = ".txt"}, c.run());
    std::vector<std::int64_t> all;
    for (int i = 0; i < 4; ++i) {
      auto lines = parade::read_lines(dir / ("out/part-0000" + std::to_string(i) + ".txt")).collect(c.run());
      EXPECT_GT(lines.size(), 150u) << "part " << i;  // about 250 each
      for (auto& l : lines) all.push_back(std::stoll(l));
    }
    std::sort(all.begin(), all.end());
    ASSERT_EQ(all.size(), 1000u);
    for (std::int64_t i = 0; i < 1000; ++i) ASSERT_EQ(all[std::size_t(i)], i);
  });
}
