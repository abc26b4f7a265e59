// The standard library parts parade's public headers need. Not API.
//
// With libstdc++ they come from its internal headers: the standard headers
// that hold std::function, std::sort and std::chrono::milliseconds
// (<functional>, <algorithm>, <chrono>) also pull in searchers, parallel
// algorithms and time-zone formatting, 30,000 lines that every file
// including parade would parse for nothing. Other standard libraries get the
// standard headers. User code that names std::plus or std::sort should
// include <functional> or <algorithm> itself, as always.
#pragma once

#if defined(__GLIBCXX__) && __has_include(<bits/std_function.h>) && __has_include(<bits/stl_algo.h>) && \
    __has_include(<bits/chrono.h>)
#include <bits/chrono.h>
#include <bits/stl_algo.h>
#include <bits/stl_function.h>
#include <bits/std_function.h>
#else
#include <algorithm>
#include <chrono>
#include <functional>
#endif
