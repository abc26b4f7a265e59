// expect: pass the container as an rvalue
#include <parade/parade.hpp>
#include <memory>
#include <vector>
int main() {
  std::vector<std::unique_ptr<int>> v;
  v.push_back(std::make_unique<int>(1));
  return int(parade::from(v).count());
}
