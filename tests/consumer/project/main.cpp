#include <parade/parade.hpp>

#include <cstdio>
#include <functional>

int main() {
  auto sum = parade::range(1, 101).fold(std::int64_t{0}, std::plus<>{}, {.status = parade::status_mode::off});
  std::printf("sum=%lld\n", static_cast<long long>(sum));
}
