// The live frame's text, from synthetic frames: every line fits the width it
// was drawn for (the redraw's cursor moves rely on it), names lose their
// middle, and each state and unknown shows as documented.
#include "support.hpp"

#include "status/monitor.hpp"

namespace {

using parade::detail::frame;
using parade::detail::step_state;
using parade::detail::step_stats;
using parade::detail::step_view;

// Columns on a terminal, counted independently of the library: escape
// sequences take none; CJK and emoji (3- and 4-byte UTF-8 here) take two.
int columns(const std::string& s) {
  int w = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == '\x1b') {
      while (i + 1 < s.size() && !(s[i + 1] >= '@' && s[i + 1] <= '~' && s[i + 1] != '[')) ++i;
      ++i;
      continue;
    }
    if ((c & 0xC0) == 0x80) continue;
    bool wide = c >= 0xF0 || (c == 0xE3 || c == 0xE4 || c == 0xE5 || c == 0xE6 || c == 0xE7 || c == 0xE8 || c == 0xE9);
    w += wide ? 2 : 1;
  }
  return w;
}

struct fixture {
  std::deque<step_stats> stats;
  frame f;
  fixture() {
    f.name = "A run with a rather long name that goes on and on · and on";
    f.elapsed = 75;
    f.eta = 3725;
    f.phases = 2;
    auto add = [&](std::string name, std::string dataset, step_state st, bool bytes, std::uint64_t in,
                   std::optional<std::uint64_t> total, std::uint32_t buffer) {
      auto& s = stats.emplace_back();
      s.name = std::move(name);
      s.dataset = std::move(dataset);
      s.bytes = bytes;
      step_view v;
      v.s = &s;
      v.state = st;
      v.in = in;
      v.out = in / 2;
      v.total = total;
      v.rate = 12345.6;
      if (total) v.eta = 42;
      v.busy = 2;
      v.cap = 2;
      v.queued = 3;
      v.buffer_cap = buffer;
      f.steps.push_back(v);
    };
    add("read_lines", "Lines of every access log in the data lake", step_state::running, true, 5'000'000'000,
        10'000'000'000, 0);
    add("a step whose name is far too long to fit in any reasonable column", "Wörds ünd Ümläute", step_state::finishing,
        false, 123456, std::nullopt, 8);
    add("reduce", "Counts", step_state::waiting, false, 0, std::nullopt, 0);
    add("日本語のとても長いステップの名前です", "数据集🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂", step_state::running, false, 5, 10, 0);
    add("collect", "", step_state::failed, false, 10, 20, 0);
  }
};

}  // namespace

TEST(render, every_live_line_fits_the_width) {
  fixture fx;
  for (bool color : {false, true}) {
    for (int width = 19; width <= 200; ++width) {
      auto lines = parade::detail::render_live(fx.f, width, color);
      ASSERT_EQ(lines.size(), 1u + 5 + 4);  // header, steps, datasets (not the action's)
      for (auto& l : lines) EXPECT_LE(columns(l), width) << "width " << width << ": " << l;
    }
  }
}

TEST(render, long_names_lose_their_middle_and_unknowns_show_a_dash) {
  fixture fx;
  auto lines = parade::detail::render_live(fx.f, 120, false);
  std::string all;
  for (auto& l : lines) all += l + "\n";
  EXPECT_NE(all.find("…"), std::string::npos) << all;
  EXPECT_NE(all.find("  a step"), std::string::npos) << "keeps the head of a long name\n" << all;
  EXPECT_NE(all.find("5.00 GB/10.0 GB"), std::string::npos) << "file progress in bytes\n" << all;
  EXPECT_NE(all.find("50%"), std::string::npos) << all;
  EXPECT_NE(all.find("kB/s"), std::string::npos) << "file rate in bytes/s\n" << all;
  EXPECT_NE(all.find("123k/—"), std::string::npos) << "unknown total\n" << all;
  EXPECT_NE(all.find("streaming, 61.7k so far"), std::string::npos) << all;
  EXPECT_NE(all.find("buffer ▕███░░░░░▏ 3/8"), std::string::npos) << all;
  EXPECT_NE(all.find("fused into the next step"), std::string::npos) << all;
  EXPECT_NE(all.find("FAILED"), std::string::npos) << all;
  EXPECT_NE(all.find("finishing"), std::string::npos) << all;
  EXPECT_NE(all.find("ETA 1:02:05 at "), std::string::npos) << "header ETA\n" << all;
  EXPECT_NE(all.find("phase 1/2"), std::string::npos) << all;
  EXPECT_NE(all.find("2/2 busy"), std::string::npos) << all;
  EXPECT_EQ(all.find("\x1b["), std::string::npos) << "no colour unless asked";
}

TEST(render, durations) {
  using parade::detail::format_duration;
  EXPECT_EQ(format_duration(4.25), "4.2s");
  EXPECT_EQ(format_duration(42), "42s");
  EXPECT_EQ(format_duration(125), "2:05");
  EXPECT_EQ(format_duration(3725), "1:02:05");
  EXPECT_EQ(format_duration(-1), "—");
}

// A frame taller than the terminal loses its dataset rows, then its last
// steps (counted), so it never scrolls.
TEST(render, frames_fit_the_terminal_height) {
  fixture fx;
  auto lines = parade::detail::render_live(fx.f, 120, false);
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_EQ(parade::detail::fit_height(lines, 11).size(), 10u);
  auto no_datasets = parade::detail::fit_height(lines, 7);
  ASSERT_EQ(no_datasets.size(), 6u);
  for (auto& l : no_datasets) EXPECT_EQ(l.find("→"), std::string::npos) << l;
  auto cut = parade::detail::fit_height(lines, 4);
  ASSERT_EQ(cut.size(), 3u);
  EXPECT_EQ(cut[0], lines[0]);
  EXPECT_EQ(cut[2], "  … 4 more steps");
}

// Control characters in user text never reach the terminal.
TEST(render, control_characters_in_names_are_blanked) {
  fixture fx;
  fx.stats[0].name = "evil\x1b[2Jname\nsecond";
  fx.f.outcome = "failed";
  fx.f.error = "line one\nline two";
  for (auto& l : parade::detail::render_live(fx.f, 120, false)) {
    EXPECT_EQ(l.find('\n'), std::string::npos);
    EXPECT_EQ(l.find('\x1b'), std::string::npos) << l;
  }
  // The summary too: the run's name, a step's name, the error.
  parade::detail::run_record r;
  r.name = "run\x1b[2J\nname";
  r.outcome = "failed";
  r.error = "line one\nline \x1b[31mtwo";
  r.steps.push_back({.name = "step\x1b[1A\nname", .state = "FAILED"});
  for (bool plain : {false, true}) {
    auto text = parade::detail::render_summary(r, plain, false, 100);
    EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), plain ? 2 : 3) << text;  // run, (header,) one step
  }
}
