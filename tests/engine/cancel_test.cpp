// Cancellation: run_options::stop at random times, Ctrl-C in process, and
// Ctrl-C sent to the demo in a child process.
#include "support.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <random>

using tracker = ptest::context_tracker;
using ctx = ptest::tracked_context;

TEST(cancel, stop_token_at_random_times) {
  std::mt19937 rng(11);
  ptest::each_config([&](const ptest::config& c) {
    for (int round = 0; round < 4; ++round) {
      tracker t;
      auto o = c.run();
      ptest::stop_after stopper(o, std::chrono::microseconds(std::uniform_int_distribution<int>(0, 30000)(rng)));
      ptest::with_watchdog(std::chrono::seconds(30), [&] {
        // Long enough (about 10 s of sleeping) that the stop always lands mid-run.
        EXPECT_THROW(parade::range(0, 200000)
                         .map([](std::int64_t x, ctx&) {
                           if (x % 64 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
                           return std::pair{x % 100, x};
                         }, parade::context([&t] { return ctx(&t); }))
                         .group_by_key()
                         .count(o),
                     parade::cancelled);
      });
      EXPECT_EQ(t.opened.load(), t.closed.load());
    }
  });
}

TEST(cancel, stop_already_requested) {
  std::stop_source src;
  src.request_stop();
  parade::run_options o{.status = parade::status_mode::off};
  o.stop = src.get_token();
  EXPECT_THROW(parade::range(0, 100000000).count(o), parade::cancelled);
}

TEST(cancel, sigint_in_process_cancels_and_restores_the_handler) {
  struct sigaction before {};
  sigaction(SIGINT, nullptr, &before);
  std::thread raiser([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    kill(getpid(), SIGINT);
  });
  ptest::with_watchdog(std::chrono::seconds(30), [&] {
    EXPECT_THROW(parade::range(0, 1000000)
                     .map([](std::int64_t x) {
                       std::this_thread::sleep_for(std::chrono::microseconds(100));
                       return x;
                     })
                     .count({.workers = 2, .status = parade::status_mode::off}),
                 parade::cancelled);
  });
  raiser.join();
  struct sigaction after {};
  sigaction(SIGINT, nullptr, &after);
  EXPECT_EQ(before.sa_handler, after.sa_handler);
  // A later run is not cancelled by the earlier Ctrl-C.
  EXPECT_EQ(parade::range(0, 10).count({.status = parade::status_mode::off}), 10u);
}

namespace {

struct child_result {
  int status = 0;
  std::string err;
};

// Runs the word_count demo (writing a huge sample into `tmp`), sends it
// SIGINT after 1.5 s, and waits for it (60 s).
child_result interrupt_demo(const char* tmp) {
  child_result r;
  int err[2];
  if (pipe(err) != 0) return r;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(err[1], STDERR_FILENO);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    close(err[0]);
    setenv("PARADE_STATUS", "plain", 1);
    setenv("TMPDIR", tmp, 1);
    mkdir(tmp, 0755);
    execl(PARADE_DEMO_PATH, PARADE_DEMO_PATH, "--lines", "1000000000", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(err[1]);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  kill(pid, SIGINT);
  pid_t done = 0;
  for (int i = 0; i < 600 && done == 0; ++i) {
    done = waitpid(pid, &r.status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &r.status, 0);
    ADD_FAILURE() << "the demo did not stop within 60 s of SIGINT";
  }
  char buf[4096];
  for (ssize_t n; (n = read(err[0], buf, sizeof buf)) > 0;) r.err.append(buf, std::size_t(n));
  close(err[0]);
  return r;
}

// Regular files left under dir whose name says they are temporaries.
std::vector<std::string> temporaries(const char* dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.path().filename().string().find("parade-tmp") != std::string::npos) out.push_back(e.path());
  return out;
}

}  // namespace

TEST(cancel, sigint_stops_the_word_count_demo_cleanly) {
  const char* tmp = "/tmp/parade-sigint-test";
  auto r = interrupt_demo(tmp);
  ASSERT_TRUE(WIFEXITED(r.status)) << r.err;
  EXPECT_EQ(WEXITSTATUS(r.status), 130) << r.err;
  EXPECT_NE(r.err.find("word_count: cancelled"), std::string::npos) << r.err;
  // Cancelled while writing the sample: no partial file and no temporary left.
  std::error_code ec;
  for (auto& e : std::filesystem::recursive_directory_iterator(tmp, ec))
    EXPECT_FALSE(e.is_regular_file()) << "left behind: " << e.path();
  std::filesystem::remove_all(tmp, ec);
}

// The second Ctrl-C comes while the first is still stopping the run (each
// worker finishes its 300 ms element), so only the second can end it now.
TEST(cancel, a_second_sigint_ends_the_process_at_once) {
  const char* tmp = "/tmp/parade-sigint2-test";
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);
  std::filesystem::create_directories(tmp);
  std::string out = std::string(tmp) + "/out.txt";
  int err[2];
  ASSERT_EQ(pipe(err), 0);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(err[1], STDERR_FILENO);
    close(err[0]);
    execl(PARADE_SLOW_WRITER_PATH, PARADE_SLOW_WRITER_PATH, out.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(err[1]);
  // Wait until it is writing (its first element is being made).
  std::string said;
  char buf[256];
  for (ssize_t n; said.find("writing") == std::string::npos && (n = read(err[0], buf, sizeof buf)) > 0;)
    said.append(buf, std::size_t(n));
  kill(pid, SIGINT);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  kill(pid, SIGINT);
  int status = 0;
  ptest::with_watchdog(std::chrono::seconds(60), [&] { waitpid(pid, &status, 0); });
  for (ssize_t n; (n = read(err[0], buf, sizeof buf)) > 0;) said.append(buf, std::size_t(n));
  close(err[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "exited normally: " << said;
  EXPECT_EQ(WTERMSIG(status), SIGINT);
  EXPECT_EQ(said.find("cancelled"), std::string::npos) << said;
  // Killed mid-write: no output, and the unnamed temporary vanished with it.
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_TRUE(temporaries(tmp).empty());
  std::filesystem::remove_all(tmp, ec);
}
