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

template <class Body>
auto run_action(const run_options& o, Body body) {
  run_state rs(o);
  using R = decltype(body(rs));
  if constexpr (std::is_void_v<R>) {
    try {
      body(rs);
    } catch (const parade::error&) {
      throw;  // bad input found on the action's thread (a missing file): as is
    } catch (const stop_signal&) {
    } catch (const step_failure& f) {
      rs.fail(f.step, f.original);
    } catch (...) {
      rs.fail(o.name, std::current_exception());
    }
    rs.finish();
  } else {
    std::optional<R> result;
    try {
      result.emplace(body(rs));
    } catch (const parade::error&) {
      throw;  // bad input found on the action's thread (a missing file): as is
    } catch (const stop_signal&) {
    } catch (const step_failure& f) {
      rs.fail(f.step, f.original);
    } catch (...) {
      rs.fail(o.name, std::current_exception());
    }
    rs.finish();
    return std::move(*result);
  }
}

}  // namespace parade::detail
