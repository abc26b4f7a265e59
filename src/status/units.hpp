// Numbers for people and for logs, shared by the display, the summary and
// the report. Private to the library.
#pragma once

#include <string>

namespace parade::detail {

// printf into a string, always with a decimal point: the host program may
// have set a locale with decimal commas, and plain lines, JSON and SVG must
// parse. So formats must not contain commas of their own.
std::string fmt(const char* f, ...) __attribute__((format(printf, 1, 2)));

// Three significant digits: "91.2", "1.00", "512".
std::string sig3(double v);
// "512 B", "13.9 kB", "1.00 GB".
std::string bytes(double b);
// "950", "12.3k", "4.56M"; fractions below 100 keep two or one decimals
// ("6.66"), whole numbers none.
std::string count_si(double v);
// bytes(v) for a step measured in bytes (files), else count_si(v).
inline std::string amount(double v, bool in_bytes) { return in_bytes ? bytes(v) : count_si(v); }

}  // namespace parade::detail
