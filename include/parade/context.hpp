// parade::context(factory): one resource per worker for a step.
#pragma once

#include <type_traits>
#include <utility>

namespace parade {

// Wraps a factory `make() -> Ctx`. Pass it to an operation after the function:
//   ds.map([](const T& t, Db& db) { ... }, parade::context(open_db));
// The factory runs once per worker slot of the step, on its first element; the
// context is destroyed when the step's segment ends (success, failure or
// cancel). Never more contexts are alive than the step's workers.
template <class Make>
struct context_factory {
  Make make;
};

template <class Make>
context_factory<std::decay_t<Make>> context(Make&& make) {
  return {std::forward<Make>(make)};
}

namespace detail {
template <class T>
struct is_context_factory : std::false_type {};
template <class M>
struct is_context_factory<context_factory<M>> : std::true_type {};
}  // namespace detail

}  // namespace parade
