// expect: fold copies `zero` for every chunk
#include <parade/parade.hpp>
#include <memory>
int main() {
  auto ds = parade::range(0, 10).map([](std::int64_t x) { return std::make_unique<std::int64_t>(x); });
  auto r = ds.fold(std::make_unique<std::int64_t>(0), [](auto a, auto b) { *a += *b; return a; });
  return int(*r);
}
