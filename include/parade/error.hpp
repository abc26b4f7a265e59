// The exceptions an action throws.
#pragma once

#include <stdexcept>
#include <string>

namespace parade {

// A run failed. what() names the step and quotes the original message. When
// the failure came from an exception (a user function's, bad_alloc, ...),
// that original is nested: std::rethrow_if_nested(e) rethrows it with its
// own type. Errors parade finds itself (a missing file) and cancellation
// nest nothing, and rethrow_if_nested does nothing for them.
class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A run was stopped by Ctrl-C or run_options::stop. Derives from error, so
// `catch (const parade::error&)` also sees cancellation.
class cancelled : public error {
 public:
  using error::error;
};

}  // namespace parade
