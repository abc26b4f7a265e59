// How an action runs: a run_state for the run, the body compiles and runs the
// plan, and every way out ends in run_state::finish(), which throws
// parade::error or parade::cancelled when the run failed or stopped. Not API.
#pragma once

#include <exception>
#include <optional>
#include <utility>

#include "parade/detail/node.hpp"
#include "parade/error.hpp"

namespace parade::detail {

// Runs fn; a failure or stop it ends in is recorded in rs (finish() throws
// it). Bad input found on the action's thread (a missing file) is already a
// parade::error and goes out as is (after the summary).
// Compiled in src/run.cpp.
void record_failures(run_state& rs, const run_options& o, const std::function<void()>& fn);

template <class Body>
auto run_action(const run_options& o, Body body) {
  run_state rs(o);
  using R = decltype(body(rs));
  if constexpr (std::is_void_v<R>) {
    record_failures(rs, o, [&] { body(rs); });
    rs.finish();
  } else {
    std::optional<R> result;
    record_failures(rs, o, [&] { result.emplace(body(rs)); });
    rs.finish();  // throws if the body did not finish
    return std::move(*result);
  }
}

}  // namespace parade::detail
