// expect: reduce_by_key needs a dataset of std::pair<K, V>
#include <parade/parade.hpp>
#include <functional>
int main() { return int(parade::range(0, 10).reduce_by_key(std::plus<>{}).count()); }
