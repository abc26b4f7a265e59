// expect: use of deleted function
// A temporary string's words would dangle: split_ws refuses it.
#include <parade/parade.hpp>

#include <string>

int main() {
  std::size_t n = 0;
  for (auto w : parade::split_ws(std::string("a b"))) n += w.size();
  return int(n);
}
