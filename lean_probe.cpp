#include <parade/parade.hpp>
int main() {}
