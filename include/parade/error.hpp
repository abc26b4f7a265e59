// The exceptions an action throws.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>

namespace parade {

// A run failed. what() names the step and quotes the original message; the
// original exception is nested (std::rethrow_if_nested rethrows it).
class error : public std::runtime_error, public std::nested_exception {
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
