// expect: write_lines needs elements it can write
#include <parade/parade.hpp>
struct opaque {
  int secret;
};
int main() {
  parade::range(0, 10).map([](std::int64_t x) { return opaque{int(x)}; }).write_lines("out.txt");
}
