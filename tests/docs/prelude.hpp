// What the docs' code fragments use without defining it. Building a chain
// does no work, so these datasets are never read.
#pragma once

#include <parade/parade.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

// A database connection, as in the worker-context examples.
struct connection {
  explicit connection(const std::string&) {}
  std::string name_of(std::int64_t id) { return std::to_string(id); }
};
inline connection open_db() { return connection("users.db"); }
