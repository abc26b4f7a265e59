// The run report: HTML and JSON written on success and failure, from
// run_options::report or PARADE_REPORT, self-contained, and opening in a
// real browser (headless Chromium).
#include "support.hpp"

#include <cstdlib>

#include "io/files.hpp"
#include "status/record.hpp"

namespace {

using ptest::read_file;
using ptest::scratch_dir;

std::vector<std::int64_t> run_pipeline(const std::string& report, bool fail = false) {
  return parade::range(0, 3000, {.name = "Numbers"})
      .map([fail](std::int64_t x) {
        if (x % 100 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        if (fail && x == 2500) throw std::runtime_error("bad <record> 2500");
        return 2 * x;
      }, {.name = "double", .output_name = "Doubled"})
      .filter([](std::int64_t x) { return x % 3 == 0; }, {.name = "thirds", .workers = 1})
      .collect({.name = "Report test", .workers = 2, .status = parade::status_mode::off, .report = report});
}

bool contains(const std::string& s, const std::string& what) { return s.find(what) != std::string::npos; }

}  // namespace

TEST(report, html_and_json_are_written_and_self_contained) {
  unsetenv("PARADE_REPORT");
  scratch_dir dir;
  auto result = run_pipeline(dir / "run.html");
  EXPECT_EQ(result.size(), 1000u);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"run.html", "run.json"}));  // and no temporaries

  auto html = read_file(dir / "run.html");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* s : {"Report test", "Numbers", "double", "Doubled", "thirds", "collect", "<svg", "<table"})
    EXPECT_TRUE(contains(html, s)) << s;
  // Nothing fetched from anywhere: no scripts, links, images or URLs.
  for (const char* s : {"<script", "http://", "https://", "<link", "<img", "url("})
    EXPECT_FALSE(contains(html, s)) << s;

  auto json = read_file(dir / "run.json");
  EXPECT_TRUE(contains(json, R"("format":"parade-report-1")"));
  EXPECT_TRUE(contains(json, R"("outcome":"done")"));
  EXPECT_TRUE(contains(json, R"("name":"thirds")"));
  EXPECT_TRUE(contains(json, R"("in":3000,"out":1000)")) << json.substr(0, 2000);
  EXPECT_TRUE(contains(json, R"("samples":{"t":[)"));
}

TEST(report, written_on_failure_from_the_environment_variable) {
  scratch_dir dir;
  setenv("PARADE_REPORT", (dir / "failed").c_str(), 1);
  EXPECT_THROW(run_pipeline("", true), parade::error);
  unsetenv("PARADE_REPORT");
  auto json = read_file(dir / "failed.json");
  EXPECT_TRUE(contains(json, R"("outcome":"failed")")) << json.substr(0, 500);
  EXPECT_TRUE(contains(json, "bad <record> 2500"));
  auto html = read_file(dir / "failed");
  EXPECT_TRUE(contains(html, "bad &lt;record&gt; 2500")) << "user text is escaped";
  EXPECT_TRUE(contains(html, "FAILED"));
}

// PARADE_REPORT covers every action of a program, and no report overwrites
// another: the first run writes the path as given, later ones number theirs.
TEST(report, the_environment_variable_numbers_the_reports_of_later_runs) {
  scratch_dir dir;
  for (const char* base : {"multi.html", "plain"}) {
    setenv("PARADE_REPORT", (dir / base).c_str(), 1);
    for (const char* name : {"First", "Second", "Third"})
      EXPECT_EQ(parade::range(0, 10).count({.name = name, .status = parade::status_mode::off}), 10u);
  }
  unsetenv("PARADE_REPORT");
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"multi-2.html", "multi-2.json", "multi-3.html", "multi-3.json",
                                                     "multi.html", "multi.json", "plain", "plain-2", "plain-2.json",
                                                     "plain-3", "plain-3.json", "plain.json"}));
  EXPECT_TRUE(contains(read_file(dir / "multi.json"), R"("name":"First")"));
  EXPECT_TRUE(contains(read_file(dir / "multi-2.json"), R"("name":"Second")"));
  EXPECT_TRUE(contains(read_file(dir / "multi-3.html"), "Third"));
  EXPECT_TRUE(contains(read_file(dir / "plain-3.json"), R"("name":"Third")"));
}

TEST(report, an_unwritable_report_path_is_a_clear_error) {
  unsetenv("PARADE_REPORT");
  try {
    run_pipeline("/nonexistent-parade-dir/run.html");
    FAIL() << "expected parade::error";
  } catch (const parade::error& e) {
    EXPECT_TRUE(contains(e.what(), "/nonexistent-parade-dir/run.html")) << e.what();
    EXPECT_TRUE(contains(e.what(), "report")) << e.what();
  }
}

// Chromium loads the page and renders it (skipped where Chromium is missing,
// but CI installs it and requires it).
TEST(report, opens_in_headless_chromium) {
  const char* browser = nullptr;
  for (const char* b : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (access(b, X_OK) == 0) browser = b;
  PTEST_NEEDS(browser, "Chromium");
  unsetenv("PARADE_REPORT");
  scratch_dir dir;
  run_pipeline(dir / "run.html");
  std::string flags = std::string(browser) +
                      " --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run"
                      " --hide-scrollbars --user-data-dir=" + (dir / "profile") + " --window-size=1200,1600 ";
  std::string url = "file://" + (dir / "run.html");
  ASSERT_EQ(std::system((flags + "--dump-dom " + url + " > " + (dir / "dom.html") + " 2>" + (dir / "log1")).c_str()), 0)
      << read_file(dir / "log1");
  auto dom = read_file(dir / "dom.html");
  EXPECT_TRUE(contains(dom, "Report test")) << dom.substr(0, 500);
  EXPECT_TRUE(contains(dom, "<svg"));
  EXPECT_TRUE(contains(dom, "thirds"));
  ASSERT_EQ(std::system((flags + "--screenshot=" + (dir / "shot.png") + " " + url + " 2>" + (dir / "log2")).c_str()), 0)
      << read_file(dir / "log2");
  auto png = read_file(dir / "shot.png");
  ASSERT_GT(png.size(), 10000u) << "an empty page renders to a tiny PNG";
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

// A distributed run's report: the job's sums, and each rank's own figures.
TEST(report, a_distributed_run_has_a_table_of_ranks) {
  parade::detail::run_record r;
  r.name = "Job";
  r.outcome = "done";
  r.workers = 4;
  auto& s = r.steps.emplace_back();
  s.name = "Numbers";
  s.unit = "items";
  s.in = 3000;
  for (int k = 0; k < 2; ++k) {
    auto& x = r.ranks.emplace_back();
    x.rank = k;
    x.host = k ? "node-<b>" : "node-a";
    x.state = "done";
    x.workers = 2;
    x.bytes_sent = 1000u * std::uint64_t(k + 1);
    x.in = {std::uint64_t(1000 + 1000 * k)};
    x.out = {7};
    x.busy_s = {0.5};
  }
  auto json = parade::detail::report_json(r);
  EXPECT_TRUE(contains(json, R"("ranks":[{"rank":0,"host":"node-a","state":"done","workers":2,)")) << json;
  EXPECT_TRUE(contains(json, R"("sent_bytes":2000,"steps":{"in":[2000],"out":[7],"busy_s":[0.5]}}])")) << json;
  auto html = parade::detail::report_html(r);
  EXPECT_TRUE(contains(html, "<b>2</b> ranks")) << html;
  EXPECT_TRUE(contains(html, "<h2>Ranks")) << html;
  EXPECT_TRUE(contains(html, "node-&lt;b&gt;")) << "host names are escaped";
  EXPECT_TRUE(contains(html, "<td class='n'>1,000</td><td class='n'>2,000</td>")) << "input per rank";
  // A run on one process has neither.
  r.ranks.clear();
  EXPECT_FALSE(contains(parade::detail::report_json(r), "\"ranks\""));
  EXPECT_FALSE(contains(parade::detail::report_html(r), "<h2>Ranks"));
}

// concat's progress is out of both inputs' lengths, not the first's alone.
TEST(report, concat_counts_both_inputs_in_its_total) {
  scratch_dir dir;
  auto n = parade::range(0, 3000).concat(parade::range(0, 2000)).count(
      {.status = parade::status_mode::off, .report = dir / "run.html"});
  EXPECT_EQ(n, 5000u);
  auto json = read_file(dir / "run.json");
  auto at = json.find(R"("kind":"concat")");
  ASSERT_NE(at, std::string::npos) << json.substr(0, 2000);
  EXPECT_EQ(json.find(R"("total":5000,"in":5000)", at), json.find(R"("total":)", at)) << json.substr(at, 300);
}
