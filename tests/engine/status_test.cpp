// The minimal status line honours run_options::status and PARADE_STATUS.
#include "support.hpp"

#include <cstdlib>

namespace {
std::string run_capturing(parade::run_options o) {
  testing::internal::CaptureStderr();
  parade::range(0, 20000)
      .map([](std::int64_t x) {
        if (x % 1000 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
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

TEST(status, plain_prints_steps_and_final_state) {
  unsetenv("PARADE_STATUS");
  auto out = run_capturing({.name = "My run", .status = parade::status_mode::plain,
                            .status_interval = std::chrono::milliseconds(10)});
  EXPECT_NE(out.find("My run"), std::string::npos) << out;
  EXPECT_NE(out.find("slow-step"), std::string::npos) << out;
  EXPECT_NE(out.find("done"), std::string::npos) << out;
  EXPECT_EQ(out.find("\x1b["), std::string::npos) << "plain mode must not use escape codes";
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
