// The status display: modes and PARADE_STATUS, plain lines that parse, states
// in order, totals, ETAs, the summary, and the live display in a terminal.
#include "support.hpp"

#include <clocale>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "io/files.hpp"

namespace {

using fields = std::map<std::string, std::string>;

// key=value pairs of a plain line; values may be "quoted".
fields parse(const std::string& line) {
  fields f;
  static const std::regex kv(R"re((\w+)=("(?:[^"\\]|\\.)*"|\S+))re");
  for (std::sregex_iterator it(line.begin(), line.end(), kv), end; it != end; ++it) {
    std::string v = (*it)[2];
    if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
    f[(*it)[1]] = v;
  }
  return f;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The plain lines of one step, in order (summary lines excluded).
std::vector<fields> step_lines(const std::string& out, const std::string& step) {
  std::vector<fields> v;
  for (auto& l : lines_of(out)) {
    if (l.rfind("parade: run=", 0) != 0) continue;
    auto f = parse(l);
    if (f["step"] == step) v.push_back(f);
  }
  return v;
}

fields summary_of(const std::string& out, const std::string& key, const std::string& value) {
  for (auto& l : lines_of(out)) {
    if (l.rfind("parade: summary ", 0) != 0) continue;
    auto f = parse(l);
    if (f.count(key) && f[key] == value) return f;
  }
  return {};
}

int rank(const std::string& state) {
  static const std::map<std::string, int> order = {{"waiting", 0}, {"running", 1}, {"finishing", 2}, {"done", 3}};
  auto it = order.find(state);
  return it == order.end() ? -1 : it->second;
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

parade::run_options plain(std::string name, int interval_ms) {
  return {.name = std::move(name), .workers = 2, .status = parade::status_mode::plain,
          .status_interval = std::chrono::milliseconds(interval_ms)};
}

std::string run_capturing(parade::run_options o) {
  testing::internal::CaptureStderr();
  parade::range(0, 20000)
      .map([](std::int64_t x) {
        if (x % 1000 == 0) sleep_ms(2);
        return x;
      }, {.name = "slow-step"})
      .count(o);
  return testing::internal::GetCapturedStderr();
}

}  // namespace

TEST(status, off_prints_nothing) {
  unsetenv("PARADE_STATUS");
  EXPECT_EQ(run_capturing({.status = parade::status_mode::off}), "");
}

TEST(status, environment_overrides_the_option) {
  setenv("PARADE_STATUS", "off", 1);
  auto out = run_capturing({.status = parade::status_mode::plain, .status_interval = std::chrono::milliseconds(10)});
  unsetenv("PARADE_STATUS");
  EXPECT_EQ(out, "");
  setenv("PARADE_STATUS", "plain", 1);
  out = run_capturing({.status = parade::status_mode::off});
  unsetenv("PARADE_STATUS");
  EXPECT_NE(out.find("slow-step"), std::string::npos);
}

// A pipeline of known sizes with a barrier: every line parses, states only
// move forward (waiting → running → finishing → done), totals are right
// (the step after the barrier learns its total when the barrier ends), and
// the summary counts every step's items.
TEST(status, plain_lines_parse_and_progress_from_waiting_to_done) {
  unsetenv("PARADE_STATUS");
  testing::internal::CaptureStderr();
  auto result = parade::range(0, 6000, {.name = "Numbers"})
                    .map([](std::int64_t x) {
                      if (x % 50 == 0) sleep_ms(8);
                      return x;
                    }, {.name = "slow", .output_name = "Slow numbers"})
                    .filter([](std::int64_t x) { return x % 2 == 0; }, {.name = "evens"})
                    .map([](std::int64_t x) { return std::pair{x % 10, std::int64_t{1}}; }, {.name = "key"})
                    .reduce_by_key(std::plus<>{}, {.name = "tally"})
                    .map([](auto kv) {
                      sleep_ms(60);
                      return kv;
                    }, {.name = "after"})  // fused with the barrier's output: its state must not go back
                    .collect(plain("Known sizes", 100));
  auto out = testing::internal::GetCapturedStderr();
  ASSERT_EQ(result.size(), 5u);
  EXPECT_EQ(out.find("\x1b["), std::string::npos) << "plain mode must not use escape codes";

  for (const char* step : {"Numbers", "slow", "evens", "key", "tally", "after", "collect"}) {
    auto v = step_lines(out, step);
    ASSERT_FALSE(v.empty()) << step << "\n" << out;
    int last = -1;
    for (auto& f : v) {
      for (const char* k : {"t", "state", "processed", "total", "unit", "rate", "eta"})
        EXPECT_TRUE(f.count(k)) << step << " lacks " << k;
      int r = rank(f["state"]);
      EXPECT_GE(r, last) << step << " went back to " << f["state"] << "\n" << out;
      // No rate before a step has run for a second (it has not, before the
      // run has), and 0 before it starts.
      if (r == 0) {
        EXPECT_EQ(f["rate"], "0/s") << step;
      }
      if (r > 0 && std::stod(f["t"]) < 1.0) {
        EXPECT_EQ(f["rate"], "-") << step << " at t=" << f["t"];
      }
      last = std::max(last, r);
    }
    EXPECT_EQ(v.back()["state"], "done") << step;
  }
  // The step after the barrier was seen waiting, before the barrier ended.
  EXPECT_EQ(step_lines(out, "after").front()["state"], "waiting") << out;

  auto final_of = [&](const char* step) { return step_lines(out, step).back(); };
  EXPECT_EQ(final_of("Numbers")["total"], "6000");
  EXPECT_EQ(final_of("slow")["total"], "6000");
  EXPECT_EQ(final_of("evens")["total"], "6000");
  EXPECT_EQ(final_of("key")["total"], "-");  // after a filter: unknown
  EXPECT_EQ(final_of("tally")["processed"], "3000");
  EXPECT_EQ(final_of("after")["total"], "5");
  EXPECT_EQ(final_of("collect")["processed"], "5");
  // Once the barrier had ended, "after" had its total while still running
  // (a spilled barrier knows its length only when its merge has ended).
  bool total_while_running = false;
  for (auto& f : step_lines(out, "after"))
    total_while_running |= (f["state"] == "running" || f["state"] == "finishing") && f["total"] == "5";
  if (!std::getenv("PARADE_FORCE_SPILL")) {
    EXPECT_TRUE(total_while_running) << out;
  }

  auto run = summary_of(out, "run", "Known sizes");
  EXPECT_EQ(run["outcome"], "done") << out;
  EXPECT_GT(std::stoull(run["peak_rss"]), 0u);
  EXPECT_EQ(summary_of(out, "step", "evens")["out"], "3000");
  EXPECT_EQ(summary_of(out, "step", "tally")["out"], "5");
  EXPECT_EQ(summary_of(out, "step", "slow")["state"], "done");
  EXPECT_GT(std::stod(summary_of(out, "step", "slow")["busy"]), 0.1);
}

// At most one line per step per interval: a long interval gives only the
// final lines and the summary.
TEST(status, plain_mode_does_not_flood) {
  unsetenv("PARADE_STATUS");
  testing::internal::CaptureStderr();
  parade::range(0, 200).map([](std::int64_t x) { sleep_ms(5); return x; }, {.name = "m"}).count(plain("Quiet", 60000));
  auto out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(step_lines(out, "m").size(), 1u) << out;
  EXPECT_EQ(summary_of(out, "run", "Quiet")["outcome"], "done");
}

// Failure and cancellation also end in a summary naming the outcome.
TEST(status, summary_on_failure_and_cancel) {
  unsetenv("PARADE_STATUS");
  testing::internal::CaptureStderr();
  EXPECT_THROW(parade::range(0, 1000).map([](std::int64_t x) {
    if (x == 500) throw std::runtime_error("boom");
    return x;
  }, {.name = "bad"}).count(plain("Failing", 50)), parade::error);
  auto out = testing::internal::GetCapturedStderr();
  auto run = summary_of(out, "run", "Failing");
  EXPECT_EQ(run["outcome"], "failed") << out;
  EXPECT_NE(run["error"].find("boom"), std::string::npos);
  EXPECT_EQ(summary_of(out, "step", "bad")["state"], "FAILED") << out;

  // Failing on the last element, while other workers drain the stage: the
  // step stays FAILED (draining must not mark it done).
  for (int i = 0; i < 10; ++i) {
    testing::internal::CaptureStderr();
    EXPECT_THROW(parade::range(0, 2000).map([](std::int64_t x) {
      if (x == 1999) throw std::runtime_error("last");
      return x;
    }, {.name = "bad"}).map([](std::int64_t x) { return x; }, {.name = "next", .workers = 1}).count(plain("Late", 50)),
                 parade::error);
    out = testing::internal::GetCapturedStderr();
    EXPECT_EQ(summary_of(out, "step", "bad")["state"], "FAILED") << out;
  }

  testing::internal::CaptureStderr();
  {
    auto o = plain("Cancelled", 50);
    ptest::stop_after stop(o, std::chrono::milliseconds(300));
    EXPECT_THROW(parade::range(0, 100000).map([](std::int64_t x) { sleep_ms(1); return x; }, {.name = "long"}).count(o),
                 parade::cancelled);
  }
  out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(summary_of(out, "run", "Cancelled")["outcome"], "cancelled") << out;
  EXPECT_EQ(summary_of(out, "step", "long")["state"], "stopped") << out;
}

namespace {

// Runs `work` (a step named "work", about 4 s at a steady or bursty pace) in
// plain mode and checks every ETA between a quarter and three quarters of
// the way against the time that really remained.
void check_eta(const std::function<void(std::int64_t)>& pace, std::int64_t n) {
  unsetenv("PARADE_STATUS");
  testing::internal::CaptureStderr();
  parade::range(0, n).map([&](std::int64_t x) { pace(x); return x; }, {.name = "work", .workers = 1})
      .count(plain("ETA", 100));
  auto out = testing::internal::GetCapturedStderr();
  auto v = step_lines(out, "work");
  ASSERT_FALSE(v.empty());
  double end = std::stod(v.back()["t"]);
  int checked = 0;
  double worst = 0, worst_s = 0;
  for (auto& f : v) {
    double done = std::stod(f["processed"]) / double(n);
    if (done < 0.25 || done > 0.75 || f["state"] != "running") continue;
    ASSERT_NE(f["eta"], "-") << "no ETA at " << done * 100 << "%\n" << out;
    double eta = std::stod(f["eta"]), real = end - std::stod(f["t"]);
    EXPECT_NEAR(eta, real, 0.25 * real) << "at " << done * 100 << "%: ETA " << eta << " s, really " << real << " s";
    worst = std::max(worst, std::abs(eta - real) / real);
    worst_s = std::max(worst_s, std::abs(eta - real));
    ++checked;
  }
  EXPECT_GE(checked, 5) << out;
  // Plain lines give t and the ETA to 0.1 s, so an ETA off by 0.1 s may be exact.
  std::printf("ETA checked at %d points between 25%% and 75%%: worst error %.1f%% of the real remaining time, "
              "worst absolute %.2f s\n", checked, 100 * worst, worst_s);
}

}  // namespace

TEST(status, eta_is_right_for_a_steady_step) {
  check_eta([](std::int64_t) { sleep_ms(10); }, 400);
}

// Bursts: 20 quick elements, then 20 slow ones, over and over. The ETA comes
// from a smoothed rate, so it must not swing with the bursts.
TEST(status, eta_is_stable_under_bursty_work) {
  check_eta([](std::int64_t x) { sleep_ms(x / 20 % 2 ? 15 : 1); }, 480);
}

namespace {

// Runs the status tour in a detached tmux terminal `width` columns wide
// (resized to `resize_to` a second in, if given) and returns the screen at
// the end; with `escapes`, colour codes are kept.
std::string tour_in_tmux(int width, int resize_to, bool escapes, const std::string& env) {
  // A server of its own per call: a killed server can still hold its socket
  // for a moment, so reusing the name raced ("server exited unexpectedly").
  // tmux does not remove its socket when killed, so the test does.
  static int calls = 0;
  std::string session = "parade-test-" + std::to_string(getpid()) + "-" + std::to_string(++calls);
  std::string socket = "/tmp/" + session + ".sock";
  std::string tmux = "tmux -S " + socket + " ";
  std::string cmd = tmux + "new-session -d -s s -x " + std::to_string(width) + " -y 60 \"env -u PARADE_STATUS -u NO_COLOR " +
                    env + " " + PARADE_TOUR_PATH + " --seconds 3; " + tmux + "wait-for -S finished; sleep 60\"";
  if (std::system(cmd.c_str()) != 0) return "tmux failed to start";
  if (resize_to) {
    sleep_ms(1000);
    std::system((tmux + "resize-window -t s -x " + std::to_string(resize_to)).c_str());
  }
  ptest::with_watchdog(std::chrono::seconds(120), [&] { std::system((tmux + "wait-for finished").c_str()); });
  std::string cap = "/tmp/" + session + ".txt";
  std::system((tmux + "capture-pane -p " + (escapes ? "-e " : "") + "-t s > " + cap + "; " + tmux + "kill-server").c_str());
  std::ifstream in(cap);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(cap.c_str());
  std::remove(socket.c_str());
  return ss.str();
}

// The final frame: the header, a row per step (all done) and per dataset,
// nothing left from earlier frames, the logged lines above it once each,
// then the summary; no line wider than `width`.
void check_final_screen(const std::string& text, int width) {
  auto screen = lines_of(text);
  std::size_t header = screen.size(), logs = 0;
  for (std::size_t i = 0; i < screen.size(); ++i) {
    if (screen[i].rfind("Status tour · done in", 0) == 0) header = i;
    if (screen[i].find("elapsed · ETA") != std::string::npos) ADD_FAILURE() << "a running frame was left: " << screen[i];
    if (screen[i].find("logged through parade::log") != std::string::npos) {
      ++logs;
      EXPECT_LT(i, header) << "a log line below the final frame";
    }
  }
  ASSERT_LT(header, screen.size()) << text;
  EXPECT_EQ(logs, 3u) << text;
  const std::vector<std::string> steps = {"Access log", "parse", "check", "key by path", "count per path",
                                          "slow report step", "collect"};
  std::size_t row = header + 1;
  for (auto& step : steps) {
    ASSERT_LT(row, screen.size());
    EXPECT_EQ(screen[row].rfind("  " + step + " ", 0), 0u) << "row " << row << ": " << screen[row] << "\n" << text;
    EXPECT_NE(screen[row].find(" done "), std::string::npos) << screen[row];
    ++row;
    if (step != "collect") {
      EXPECT_EQ(screen[row].rfind("    → ", 0), 0u) << screen[row];
      ++row;
    }
  }
  ASSERT_LT(row, screen.size());
  EXPECT_EQ(screen[row].rfind("Status tour: done in", 0), 0u) << text;
  for (std::size_t i = header; i < screen.size(); ++i) {
    int cols = 0;
    for (unsigned char c : screen[i]) cols += (c & 0xC0) != 0x80;
    EXPECT_LE(cols, width) << screen[i];
  }
}

bool has_tmux() { return std::system("command -v tmux >/dev/null 2>&1") == 0; }

}  // namespace

// The live display in a real terminal (tmux): a clean final frame.
TEST(status, live_display_in_a_terminal_ends_with_a_clean_final_frame) {
  PTEST_NEEDS(has_tmux(), "tmux");
  check_final_screen(tour_in_tmux(110, 0, false, ""), 110);
}

// Made narrower while it runs, the display fits the new width, and the
// redraw still lands on the old frame (nothing left over).
TEST(status, live_display_follows_a_terminal_resize) {
  PTEST_NEEDS(has_tmux(), "tmux");
  check_final_screen(tour_in_tmux(120, 80, false, ""), 80);
}

// Colours on a terminal, none with NO_COLOR set.
TEST(status, colours_on_a_terminal_but_never_with_no_color) {
  PTEST_NEEDS(has_tmux(), "tmux");
  EXPECT_NE(tour_in_tmux(110, 0, true, "").find("\x1b[32m"), std::string::npos) << "done is green";
  auto plain = tour_in_tmux(110, 0, true, "NO_COLOR=1");
  EXPECT_EQ(plain.find("\x1b[3"), std::string::npos) << "no colour codes with NO_COLOR";
  check_final_screen(plain, 110);
}

// Without a live display, parade::log is a plain line on stderr.
TEST(status, log_without_a_display_writes_a_line) {
  testing::internal::CaptureStderr();
  parade::log("hello from a worker");
  parade::log("already ends\n");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "hello from a worker\nalready ends\n");
}

// A host program may set a locale with decimal commas (de_DE). Plain lines,
// the summary and the report's JSON and SVG must still have decimal points,
// or they no longer parse. The locale is compiled into a scratch directory
// (LOCPATH), so the test needs Debian's `locales` sources, not root.
TEST(status, numbers_keep_a_decimal_point_under_a_decimal_comma_locale) {
  unsetenv("PARADE_STATUS");
  unsetenv("PARADE_REPORT");
  PTEST_NEEDS(std::system("test -d /usr/share/i18n/locales") == 0, "Debian's locales package");
  ptest::scratch_dir dir;
  std::string compile = "localedef -i de_DE -f UTF-8 " + (dir / "de_DE.UTF-8") + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(compile.c_str()), 0) << compile;
  setenv("LOCPATH", dir.path().string().c_str(), 1);
  ASSERT_NE(std::setlocale(LC_ALL, "de_DE.UTF-8"), nullptr);
  char probe[16];
  std::snprintf(probe, sizeof probe, "%.1f", 1.5);
  EXPECT_STREQ(probe, "1,5") << "the locale is in force";

  testing::internal::CaptureStderr();
  auto n = parade::range(0, 3000, {.name = "Numbers"})
               .map([](std::int64_t x) {
                 if (x % 10 == 0) sleep_ms(10);  // 1.5 s: rates and ETAs get known
                 return x;
               }, {.name = "slow"})
               .count({.name = "Komma", .workers = 2, .status = parade::status_mode::plain,
                       .status_interval = std::chrono::milliseconds(20), .report = dir / "run.html"});
  auto out = testing::internal::GetCapturedStderr();
  std::setlocale(LC_ALL, "C");
  unsetenv("LOCPATH");
  ASSERT_EQ(n, 3000u);

  const std::regex number(R"(^-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?$)");
  int checked = 0;
  for (auto& l : lines_of(out)) {
    if (l.rfind("parade: ", 0) != 0) continue;
    auto f = parse(l);
    for (const char* key : {"t", "rate", "eta", "elapsed", "wall", "busy"}) {
      if (!f.count(key) || f[key] == "-") continue;
      std::string v = f[key];
      while (!v.empty() && std::isalpha(static_cast<unsigned char>(v.back()))) v.pop_back();  // "1.2s", "53.1/s"
      if (!v.empty() && v.back() == '/') v.pop_back();
      EXPECT_TRUE(std::regex_match(v, number)) << key << "=" << f[key] << " in: " << l;
      ++checked;
    }
  }
  EXPECT_GT(checked, 20) << out;
  EXPECT_TRUE(std::regex_search(out, std::regex(R"(step="slow" state=running .* eta=[0-9]+\.[0-9]s)"))) << out;

  auto json = ptest::read_file(dir / "run.json");
  const std::string num = R"(-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?)";
  EXPECT_TRUE(std::regex_search(json, std::regex("\"elapsed_s\":" + num + ",\"workers\":"))) << json.substr(0, 400);
  EXPECT_TRUE(std::regex_search(json, std::regex("\"wall_s\":" + num + ",\"busy_s\":" + num + ",\"start_s\":" + num +
                                                 ",\"end_s\":" + num + ",\"cap\":")))
      << json.substr(0, 1200);
  auto html = ptest::read_file(dir / "run.html");
  std::smatch m;  // a comma before three digits groups thousands ("3,000"); before one or two it is a decimal
  EXPECT_FALSE(std::regex_search(html, m, std::regex(".{0,30}[0-9],[0-9]{1,2}(?![0-9]).{0,30}")))
      << "a decimal comma in the page: " << m.str();
}

// The defaults (API.md): automatic is plain when stderr is not a terminal,
// and plain lines come every 10 s. Like tqdm's delay, a run that ends within
// a second shows nothing; a longer one prints one line per step (its last)
// and the summary.
TEST(status, automatic_is_quiet_for_short_runs_and_plain_off_a_terminal) {
  unsetenv("PARADE_STATUS");
  EXPECT_EQ(run_capturing({.name = "Short", .workers = 2}), "");
  testing::internal::CaptureStderr();
  parade::range(0, 80)
      .map([](std::int64_t x) {
        sleep_ms(35);  // 80 x 35 ms on 2 workers: about 1.4 s
        return x;
      }, {.name = "slow-step"})
      .count({.name = "Defaults", .workers = 2});
  auto out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out.find("\x1b["), std::string::npos) << out;
  for (const char* step : {"range", "slow-step", "count"}) {
    auto v = step_lines(out, step);
    ASSERT_EQ(v.size(), 1u) << step << "\n" << out;
    EXPECT_EQ(v[0]["state"], "done");
    EXPECT_EQ(v[0]["run"], "Defaults");  // lines name their run
  }
  EXPECT_EQ(summary_of(out, "run", "Defaults")["outcome"], "done") << out;
  // Asked for explicitly, even a short run shows its lines and summary.
  out = run_capturing({.name = "Asked", .workers = 2, .status = parade::status_mode::plain});
  EXPECT_EQ(step_lines(out, "slow-step").back()["run"], "Asked") << out;
  EXPECT_EQ(summary_of(out, "run", "Asked")["outcome"], "done") << out;
  setenv("PARADE_STATUS", "plain", 1);
  out = run_capturing({.name = "Asked by env", .workers = 2});
  unsetenv("PARADE_STATUS");
  EXPECT_EQ(summary_of(out, "run", "Asked by env")["outcome"], "done") << out;
}

// An unknown PARADE_STATUS is ignored, with one warning naming the values.
TEST(status, an_unknown_environment_value_warns_once) {
  setenv("PARADE_STATUS", "bogus", 1);
  auto out = run_capturing({.status = parade::status_mode::off});
  out += run_capturing({.status = parade::status_mode::off});
  unsetenv("PARADE_STATUS");
  auto first = out.find("PARADE_STATUS=bogus");
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_NE(out.find("live, plain, off"), std::string::npos) << out;
  EXPECT_EQ(out.find("PARADE_STATUS=bogus", first + 1), std::string::npos) << "warned twice:\n" << out;
}

// PARADE_STATUS=live overrides the code even off a terminal: frames drawn in
// place (cursor codes, no colour off a terminal), no plain lines.
TEST(status, environment_can_force_the_live_display) {
  setenv("PARADE_STATUS", "live", 1);
  auto out = run_capturing({.name = "Forced live", .status = parade::status_mode::plain});
  unsetenv("PARADE_STATUS");
  EXPECT_NE(out.find("\x1b[?25l"), std::string::npos) << out;
  EXPECT_NE(out.find("Forced live · done in"), std::string::npos) << out;
  EXPECT_EQ(out.find("parade: run="), std::string::npos) << out;
  EXPECT_EQ(out.find("\x1b[3"), std::string::npos) << "no colour off a terminal";
}

// Sources with a known size (API.md): files count bytes, generate uses
// its length hint; both reach the plain lines as total and unit.
TEST(status, files_count_bytes_and_generate_uses_its_length) {
  unsetenv("PARADE_STATUS");
  ptest::scratch_dir dir;
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "line " + std::to_string(i) + (i % 7 ? "\n" : " with more words\n");
  ptest::write_file(dir / "in.txt", text);
  testing::internal::CaptureStderr();
  EXPECT_EQ(parade::read_lines(dir / "in.txt", {.name = "File"}).count(plain("Files", 20)), 5000u);
  int i = 0;
  EXPECT_EQ(parade::generate([&]() -> std::optional<int> { return i < 300 ? std::optional(i++) : std::nullopt; },
                             {.name = "Gen", .length = 300})
                .count(plain("Generated", 20)),
            300u);
  auto out = testing::internal::GetCapturedStderr();
  auto file = step_lines(out, "File");
  ASSERT_FALSE(file.empty()) << out;
  EXPECT_EQ(file.back()["unit"], "bytes");
  EXPECT_EQ(file.back()["total"], std::to_string(text.size()));
  EXPECT_EQ(file.back()["processed"], std::to_string(text.size()));
  EXPECT_EQ(file.back()["out"], "5000");
  auto gen = step_lines(out, "Gen");
  ASSERT_FALSE(gen.empty()) << out;
  EXPECT_EQ(gen.back()["unit"], "items");
  EXPECT_EQ(gen.back()["total"], "300");
  EXPECT_EQ(gen.back()["processed"], "300");
}
