// parade::log: print a line while the live status display is on screen.
#pragma once

#include <string_view>

namespace parade {

// Writes `line` (a newline is added if missing) to stderr above the live
// status display, which is redrawn below it, so neither garbles the other.
// Without a live display it is a plain write to stderr. Thread-safe: user
// functions may call it from the workers.
//   parade::log("skipping corrupt record " + std::to_string(id));
void log(std::string_view line);

}  // namespace parade
