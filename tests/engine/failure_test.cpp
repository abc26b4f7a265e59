// A throwing user function, context factory or generator ends every kind of
// step in parade::error naming the step, nesting the original, closing every
// context, and never hanging.
#include "support.hpp"

#include <random>

namespace {

struct boom : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using tracker = ptest::context_tracker;
using ctx = ptest::tracked_context;

template <class Run>
void expect_failure(const std::string& step, Run run) {
  ptest::with_watchdog(std::chrono::seconds(60), [&] {
    try {
      run();
      FAIL() << "expected parade::error from step " << step;
    } catch (const parade::cancelled& e) {
      FAIL() << "got cancelled instead of error: " << e.what();
    } catch (const parade::error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("'" + step + "'"), std::string::npos) << what;
      EXPECT_NE(what.find("bang at"), std::string::npos) << what;
      EXPECT_THROW(std::rethrow_if_nested(e), boom);
    }
  });
}

}  // namespace

TEST(failure, every_kind_of_step) {
  std::mt19937 rng(7);
  ptest::each_config([&](const ptest::config& c) {
    for (int round = 0; round < 3; ++round) {
      const std::int64_t n = 20000;
      std::int64_t at = std::uniform_int_distribution<std::int64_t>(0, n - 1)(rng);
      auto thrower = [at](std::int64_t x) {
        if (x == at) throw boom("bang at " + std::to_string(x));
      };
      auto src = parade::range(0, n);
      SCOPED_TRACE("throw at " + std::to_string(at));
      expect_failure("m", [&] { src.map([=](std::int64_t x) { thrower(x); return x; }, {.name = "m"}).count(c.run()); });
      expect_failure("f", [&] { src.filter([=](std::int64_t x) { thrower(x); return true; }, {.name = "f"}).collect(c.run()); });
      expect_failure("fm", [&] {
        src.flat_map([=](std::int64_t x) { thrower(x); return std::vector<std::int64_t>{x}; }, {.name = "fm"}).count(c.run());
      });
      expect_failure("fe", [&] {
        src.flat_map<std::int64_t>([=](std::int64_t x, auto& emit) { emit(x); thrower(x); }, {.name = "fe"}).count(c.run());
      });
      expect_failure("after-batch", [&] {
        src.batch(7).map([=](const std::vector<std::int64_t>& b) { for (auto x : b) thrower(x); return b.size(); },
                         {.name = "after-batch"}).count(c.run());
      });
      expect_failure("capped", [&] {
        src.map([=](std::int64_t x) { thrower(x); return x; }, {.name = "capped", .workers = 1}).count(c.run());
      });
      // Both arguments: a worker's first value of a key becomes its
      // accumulator without f, so `at` may reach f only as `a` (the next
      // value added to it, or the merge that combines it).
      expect_failure("red", [&] {
        src.map([](std::int64_t x) { return std::pair{x % 10, x}; })
            .reduce_by_key([=](std::int64_t a, std::int64_t b) { thrower(a); thrower(b); return a + b; }, {.name = "red"})
            .collect(c.run());
      });
      expect_failure("after-group", [&] {
        src.map([](std::int64_t x) { return std::pair{x, x}; })
            .group_by_key()
            .map([=](const std::pair<std::int64_t, std::vector<std::int64_t>>& g) { thrower(g.first); return 1; },
                 {.name = "after-group"})
            .count(c.run());
      });
      expect_failure("for_each", [&] { src.for_each([=](std::int64_t x) { thrower(x); }, c.run()); });
      expect_failure("fold", [&] {
        src.fold(std::int64_t{0}, [=](std::int64_t a, std::int64_t b) { thrower(b); return a + b; }, c.run());
      });
      expect_failure("gen", [&] {
        parade::generate([=, i = std::int64_t(0)]() mutable -> std::optional<std::int64_t> {
          if (i == n) return std::nullopt;
          thrower(i);
          return i++;
        }, {.name = "gen"}).count(c.run());
      });
      // Contexts: a throwing function and a throwing factory close every context.
      tracker t;
      expect_failure("ctx-map", [&] {
        src.map([=](std::int64_t x, ctx&) { thrower(x); return x; }, parade::context([&t] { return ctx(&t); }),
                {.name = "ctx-map"}).count(c.run());
      });
      EXPECT_EQ(t.opened.load(), t.closed.load());
      EXPECT_GE(t.opened.load(), 1);
      expect_failure("ctx-factory", [&] {
        src.map([](std::int64_t x, ctx&) { return x; },
                parade::context([&t]() -> ctx {
                  throw boom("bang at factory");
                  return ctx(&t);
                }),
                {.name = "ctx-factory"})
            .count(c.run());
      });
      EXPECT_EQ(t.opened.load(), t.closed.load());
    }
  });
}

TEST(failure, stops_slow_steps_promptly_and_never_hangs) {
  ptest::each_config([](const ptest::config& c) {
    ptest::with_watchdog(std::chrono::seconds(30), [&] {
      // Without the stop this would take 100 s of sleeping.
      EXPECT_THROW(parade::range(0, 100000)
                       .map([](std::int64_t x) {
                         std::this_thread::sleep_for(std::chrono::milliseconds(1));
                         return x;
                       })
                       .map([](std::int64_t x) {
                         if (x == 50) throw boom("bang at 50");
                         return x;
                       })
                       .count(c.run()),
                   parade::error);
    });
  });
}

TEST(failure, non_std_exception_is_nested_too) {
  try {
    parade::range(0, 10).map([](std::int64_t x) { if (x == 3) throw 42; return x; }, {.name = "int-thrower"})
        .count({.status = parade::status_mode::off});
    FAIL();
  } catch (const parade::error& e) {
    EXPECT_NE(std::string(e.what()).find("int-thrower"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("non-standard exception"), std::string::npos) << e.what();
    EXPECT_THROW(std::rethrow_if_nested(e), int);
  }
}

// The documented pattern, catch (const parade::error& e) {
// std::rethrow_if_nested(e); }, must not terminate when nothing is nested:
// cancellation and errors parade finds itself.
TEST(failure, rethrow_if_nested_is_safe_on_every_error) {
  auto nested_or_nothing = [](const parade::error& e) {
    try {
      std::rethrow_if_nested(e);
      return std::string("nothing");
    } catch (const std::exception& inner) {
      return std::string(inner.what());
    }
  };
  try {
    parade::read_lines("/nonexistent/parade/input.txt").count({.status = parade::status_mode::off});
    FAIL();
  } catch (const parade::error& e) {
    EXPECT_EQ(nested_or_nothing(e), "nothing");
  }
  try {
    std::stop_source src;
    src.request_stop();
    parade::range(0, 100).count({.status = parade::status_mode::off, .stop = src.get_token()});
    FAIL();
  } catch (const parade::cancelled& e) {
    EXPECT_EQ(nested_or_nothing(e), "nothing");
  }
  try {
    parade::range(0, 100).map([](std::int64_t x) {
      if (x == 50) throw std::out_of_range("fifty");
      return x;
    }).count({.status = parade::status_mode::off});
    FAIL();
  } catch (const parade::error& e) {
    EXPECT_EQ(nested_or_nothing(e), "fifty");
    EXPECT_THROW(std::rethrow_if_nested(e), std::out_of_range);
  }
}
