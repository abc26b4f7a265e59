// expect: the context type make() returns must be movable
#include <parade/parade.hpp>
#include <mutex>
struct connection {
  std::mutex m;  // neither copyable nor movable
  int lookup(std::int64_t x) { return int(x); }
};
int main() {
  auto ds = parade::range(0, 10).map([](std::int64_t x, connection& c) { return c.lookup(x); },
                                     parade::context([] { return connection{}; }));
  return int(ds.count());
}
