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

// A distributed run lists its ranks under the header: each with its host,
// state and memory while they fit, else how many are in each state.
TEST(render, ranks_are_listed_under_the_header) {
  using parade::detail::rank_line;
  fixture fx;
  fx.f.ranks = {rank_line{0, "node-a", step_state::running, 1'200'000'000},
                rank_line{1, "node-b", step_state::done, 800'000'000}, rank_line{2, "", step_state::waiting, 0}};
  auto lines = parade::detail::render_live(fx.f, 160, false);
  ASSERT_EQ(lines.size(), 11u);
  EXPECT_EQ(lines[1], "  3 ranks: 0 node-a running 1.20 GB · 1 node-b done 800 MB · 2 unheard") << lines[1];
  for (int i = 0; i < 40; ++i) fx.f.ranks.push_back({3 + i, "a-host-with-a-long-name", step_state::running, 1000});
  for (int width = 19; width <= 200; ++width)
    for (auto& l : parade::detail::render_live(fx.f, width, true)) EXPECT_LE(columns(l), width) << l;
  auto many = parade::detail::render_live(fx.f, 200, false)[1];
  EXPECT_EQ(many, "  43 ranks: 1 waiting, 41 running, 1 done, largest RSS 1.20 GB (rank 0)") << many;
}

TEST(render, a_rank_status_travels_as_bytes) {
  using namespace parade::detail;
  rank_status s;
  s.rank = 3;
  s.host = "node-c";
  s.workers = 8;
  s.rss = 123;
  s.peak_rss = 456;
  s.memory_peak = 789;
  s.bytes_sent = 1u << 30;
  s.messages = 17;
  rank_step a;
  a.in = 10, a.out = 20, a.total = 30, a.busy = 2, a.cap = 4, a.state = std::int64_t(step_state::finishing);
  a.start_s = 0.5, a.end_s = -1;
  s.steps = {a, rank_step{}};
  auto bytes = encode(s);
  auto back = decode(bytes);
  EXPECT_EQ(back.rank, 3);
  EXPECT_EQ(back.host, "node-c");
  EXPECT_EQ(back.workers, 8u);
  EXPECT_EQ(back.peak_rss, 456u);
  EXPECT_EQ(back.memory_peak, 789u);
  EXPECT_EQ(back.bytes_sent, std::uint64_t(1) << 30);
  EXPECT_EQ(back.messages, 17u);
  ASSERT_EQ(back.steps.size(), 2u);
  EXPECT_EQ(back.steps[0].in, 10u);
  EXPECT_EQ(back.steps[0].total, 30u);
  EXPECT_EQ(back.steps[0].cap, 4u);
  EXPECT_EQ(back.steps[0].start_s, 0.5);
  EXPECT_EQ(back.steps[1].total, unknown_total);
  // Cut or padded bytes are an error, not garbage counts.
  EXPECT_THROW(decode(std::string_view(bytes).substr(0, bytes.size() - 1)), parade::error);
  EXPECT_THROW(decode(bytes + "x"), parade::error);
  EXPECT_THROW(decode(""), parade::error);
}

TEST(render, a_steps_state_over_ranks) {
  using parade::detail::combine;
  EXPECT_EQ(combine(step_state::done, step_state::done), step_state::done);
  EXPECT_EQ(combine(step_state::done, step_state::waiting), step_state::running);  // under way
  EXPECT_EQ(combine(step_state::done, step_state::finishing), step_state::finishing);
  EXPECT_EQ(combine(step_state::running, step_state::finishing), step_state::running);
  EXPECT_EQ(combine(step_state::waiting, step_state::running), step_state::running);
  EXPECT_EQ(combine(step_state::stopped, step_state::done), step_state::stopped);
  EXPECT_EQ(combine(step_state::running, step_state::failed), step_state::failed);
  EXPECT_EQ(combine(step_state::failed, step_state::stopped), step_state::failed);
}
