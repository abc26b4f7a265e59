// parade::range(begin, end): the integers [begin, end) as a splittable source.
#pragma once

#include <cstdint>

#include "parade/dataset.hpp"

namespace parade {

// dataset<std::int64_t> of begin, begin+1, ..., end-1 (empty if end <= begin).
// Splittable: every worker reads its own ranges; length known. Compiled in
// src/sources.cpp.
//   auto squares = parade::range(0, 1000).map([](std::int64_t x) { return x * x; });
dataset<std::int64_t> range(std::int64_t begin, std::int64_t end, source_options src = {});

}  // namespace parade
