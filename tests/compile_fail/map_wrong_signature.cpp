// expect: map needs f(const T&) -> U
#include <parade/parade.hpp>
#include <string>
int main() {
  auto ds = parade::range(0, 10).map([](const std::string& s) { return s.size(); });
  return int(ds.count());
}
