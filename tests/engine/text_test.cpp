// parade::split_ws and parade::split, and the README's read_lines forms.
#include "support.hpp"

#include "io/files.hpp"

namespace {
template <class R>
std::vector<std::string> all(R r) {
  std::vector<std::string> v;
  for (std::string_view s : r) v.emplace_back(s);
  return v;
}
using strings = std::vector<std::string>;
}  // namespace

TEST(text, split_ws_finds_words) {
  EXPECT_EQ(all(parade::split_ws("  the quick\tbrown \r\n fox ")), (strings{"the", "quick", "brown", "fox"}));
  EXPECT_EQ(all(parade::split_ws("")), strings{});
  EXPECT_EQ(all(parade::split_ws(" \t ")), strings{});
  EXPECT_EQ(all(parade::split_ws("one")), strings{"one"});
}

TEST(text, split_keeps_empty_fields) {
  EXPECT_EQ(all(parade::split("a,,b", ',')), (strings{"a", "", "b"}));
  EXPECT_EQ(all(parade::split("", ',')), strings{""});
  EXPECT_EQ(all(parade::split("a,", ',')), (strings{"a", ""}));
  EXPECT_EQ(all(parade::split(",", ',')), (strings{"", ""}));
}

TEST(text, read_lines_of_a_braced_list_of_paths) {
  ptest::scratch_dir dir;
  ptest::write_file(dir / "a.csv", "1\n2\n");
  ptest::write_file(dir / "b.csv", "3\n");
  std::string a = dir / "a.csv", b = dir / "b.csv";
  parade::run_options o{.status = parade::status_mode::off};
  EXPECT_EQ(parade::read_lines({a, b}).collect(o), (strings{"1", "2", "3"}));
  EXPECT_EQ(parade::read_lines({a.c_str(), b.c_str()}).collect(o), (strings{"1", "2", "3"}));
  EXPECT_EQ(parade::read_lines({a}).collect(o), (strings{"1", "2"}));
  EXPECT_EQ(parade::read_lines(a.c_str()).count(o), 2u);
  EXPECT_EQ(parade::read_lines(std::string_view(b)).count(o), 1u);
  // Two string literals: the form the README shows.
  auto cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  EXPECT_EQ(parade::read_lines({"a.csv", "b.csv"}).count(o), 3u);
  EXPECT_EQ(parade::read_lines("b.csv").count(o), 1u);
  std::filesystem::current_path(cwd);
}
