// expect: this key type has no hash
#include <parade/parade.hpp>
struct point {
  int x, y;
  bool operator==(const point&) const = default;
  bool operator<(const point& o) const { return x < o.x || (x == o.x && y < o.y); }
};
int main() {
  auto ds = parade::range(0, 10).map([](std::int64_t i) { return std::pair{point{int(i), 0}, 1}; });
  return int(ds.reduce_by_key([](int a, int b) { return a + b; }).count());
}
