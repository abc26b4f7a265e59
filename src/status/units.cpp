#include "status/units.hpp"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdio>

namespace parade::detail {

std::string fmt(const char* f, ...) {
  char buf[64];
  va_list ap;
  va_start(ap, f);
  int n = std::vsnprintf(buf, sizeof buf, f, ap);
  va_end(ap);
  std::string s(buf, std::size_t(std::clamp(n, 0, int(sizeof buf) - 1)));
  std::replace(s.begin(), s.end(), ',', '.');
  return s;
}

std::string sig3(double v) { return fmt(v < 9.995 ? "%.2f" : v < 99.95 ? "%.1f" : "%.0f", v); }

std::string bytes(double b) {
  static const char* unit[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  if (b < 1000) return fmt("%.0f B", b);
  int u = 0;
  while (b >= 999.5 && u < 5) b /= 1000, ++u;
  return sig3(b) + " " + unit[u];
}

std::string count_si(double v) {
  static const char* suffix[] = {"", "k", "M", "G", "T"};
  if (v < 1000) return fmt(v == std::floor(v) || v >= 100 ? "%.0f" : v < 10 ? "%.2f" : "%.1f", v);
  int u = 0;
  while (v >= 999.5 && u < 4) v /= 1000, ++u;
  return sig3(v) + suffix[u];
}

}  // namespace parade::detail
