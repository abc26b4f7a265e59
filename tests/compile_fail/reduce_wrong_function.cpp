// expect: reduce_by_key needs f(V, V) -> V
#include <parade/parade.hpp>
#include <string>
int main() {
  auto ds = parade::range(0, 10).map([](std::int64_t x) { return std::pair{x % 2, x}; });
  return int(ds.reduce_by_key([](const std::string& a, const std::string&) { return a; }).count());
}
