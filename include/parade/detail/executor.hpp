// Runs segments: a source and a chain of stages, on the run's workers, with a
// bounded number of tokens in flight. Not API. Defined in src/executor.cpp.
#pragma once

#include <cstddef>
#include <vector>

#include "parade/detail/plan.hpp"
#include "parade/detail/run.hpp"

namespace parade::detail {

// Runs one segment to its end (or to the run's stop). Threading contract:
//  - source.next(): under the scheduler lock for splittable sources; for
//    serial ones, one call at a time outside the lock, in token order.
//  - stage_instance::process(): parallel across instances, never concurrently
//    on one instance; an ordered stage sees tokens in sequence order, one at
//    a time. Every token passes every stage, the empty `last` one included.
//  - stage instances are destroyed on the calling thread after all workers
//    have left, on success, failure and cancel alike.
// Failures are recorded in `rs` (the caller's finish() throws them).
// The stages' steps (and `source_step`, whose reads it times) are moved
// through running, finishing and done as the work drains.
// `spread`: see source_def::begin_segment.
void execute_segment(run_state& rs, source_def& source, std::vector<stage_def>& stages,
                     step_stats* source_step, bool spread = false);

// Calls fn(i, worker) for i in [0, n) on the run's workers (at most
// max_workers of them; `worker` is in [0, max_workers)), stopping early when
// the run stops. An exception from fn fails the run as step `step`.
void parallel_for(run_state& rs, std::size_t n, const std::string& step,
                  const std::function<void(std::size_t, std::size_t)>& fn,
                  std::size_t max_workers = SIZE_MAX);

}  // namespace parade::detail
