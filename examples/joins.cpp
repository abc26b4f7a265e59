// Joins and keyed operations on generated CSV files: the total each user
// spent (join of users with their orders' sums), the ten biggest spenders,
// users without orders (left_join), and how many orders each amount band has.
//   ./joins [--users N] [--orders N] [--memory-mb M]
#include <parade/parade.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::int64_t users_n = 200000, orders_n = 2000000;
  std::size_t memory_mb = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--users") users_n = std::atoll(argv[i + 1]);
    else if (a == "--orders") orders_n = std::atoll(argv[i + 1]);
    else if (a == "--memory-mb") memory_mb = std::size_t(std::atoll(argv[i + 1]));
  }
  // The inputs: users.csv (id,name) and orders.csv (user_id,amount); one
  // user in ten has no orders.
  fs::path dir = fs::temp_directory_path() / ("parade-joins-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream u(dir / "users.csv"), o(dir / "orders.csv");
    for (std::int64_t id = 0; id < users_n; ++id) u << id << ",user-" << id << "\n";
    std::mt19937_64 rng(1);
    for (std::int64_t i = 0; i < orders_n; ++i) {
      std::int64_t id = std::int64_t(rng() % std::uint64_t(users_n));
      if (id % 10 == 9) id -= 1;
      o << id << "," << double(rng() % 100000) / 100 << "\n";
    }
  }
  parade::run_options run{.name = "joins"};
  run.memory_limit = memory_mb << 20;

  auto users = parade::read_lines((dir / "users.csv").string()).map([](const std::string& l) {
    auto c = l.find(',');
    return std::pair<std::int64_t, std::string>(std::stoll(l.substr(0, c)), l.substr(c + 1));
  }, {.name = "parse users"});
  auto orders = parade::read_lines((dir / "orders.csv").string()).map([](const std::string& l) {
    auto c = l.find(',');
    return std::pair<std::int64_t, double>(std::stoll(l.substr(0, c)), std::stod(l.substr(c + 1)));
  }, {.name = "parse orders"});

  auto spent = orders.reduce_by_key(std::plus<>{}, {.name = "sum per user"});
  auto top = users.join(spent, {.name = "join"})
                 .map([](const std::pair<std::int64_t, std::pair<std::string, double>>& r) { return std::pair(r.second.first, r.second.second); })
                 .top(10, [](const auto& a, const auto& b) { return a.second < b.second; }, run);
  std::printf("biggest spenders:\n");
  for (auto& [name, total] : top) std::printf("  %-14s %12.2f\n", name.c_str(), total);

  auto idle = users.left_join(spent, {.name = "left join"})
                  .filter([](const auto& r) { return !r.second.second.has_value(); })
                  .count(run);
  std::printf("users without orders: %zu of %lld\n", idle, static_cast<long long>(users_n));

  auto bands = orders.map([](const std::pair<std::int64_t, double>& o) { return std::int64_t(o.second / 250) * 250; })
                   .count_by_value({.name = "orders per band"})
                   .collect(run);
  for (auto& [band, n] : bands) std::printf("  orders of %4lld-%4lld: %zu\n", static_cast<long long>(band), static_cast<long long>(band + 249), n);
  fs::remove_all(dir);
}
