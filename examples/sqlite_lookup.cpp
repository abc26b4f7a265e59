// Worker contexts with a real database: each worker opens its own SQLite
// connection once, looks values up through it, and closes it when done.
//
//   sqlite_lookup [path.db]   (default: a temporary database it creates)
#include <parade/parade.hpp>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

namespace {

// An RAII connection: the destructor closes it, so parade closes it when the
// step ends on that worker, also on failure or Ctrl-C.
struct connection {
  sqlite3* db = nullptr;
  sqlite3_stmt* lookup = nullptr;
  explicit connection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
    sqlite3_prepare_v2(db, "SELECT name FROM city WHERE id = ?", -1, &lookup, nullptr);
  }
  connection(connection&& o) noexcept : db(std::exchange(o.db, nullptr)), lookup(std::exchange(o.lookup, nullptr)) {}
  ~connection() {
    sqlite3_finalize(lookup);
    sqlite3_close(db);
  }
  std::string name_of(std::int64_t id) {
    sqlite3_reset(lookup);
    sqlite3_bind_int64(lookup, 1, id);
    if (sqlite3_step(lookup) != SQLITE_ROW) return "?";
    return reinterpret_cast<const char*>(sqlite3_column_text(lookup, 0));
  }
};

void make_database(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE city(id INTEGER PRIMARY KEY, name TEXT); BEGIN;", nullptr, nullptr, nullptr);
  for (int i = 0; i < 1000; ++i) {
    std::string sql = "INSERT INTO city VALUES(" + std::to_string(i) + ", 'city-" + std::to_string(i) + "');";
    sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  sqlite3_exec(db, "COMMIT;", nullptr, nullptr, nullptr);
  sqlite3_close(db);
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = argc > 1 ? argv[1] : (std::filesystem::temp_directory_path() / "parade-cities.db").string();
  if (argc <= 1) {
    std::filesystem::remove(path);
    make_database(path);
  }
  try {
    auto visits = parade::range(0, 100000, {.name = "Visits"})
                      .map([](std::int64_t i) { return (i * 7919) % 1000; }, {.name = "pick city"})
                      .map([](std::int64_t id, connection& c) { return std::pair{c.name_of(id), std::int64_t{1}}; },
                           parade::context([&] { return connection(path); }), {.name = "lookup"})
                      .reduce_by_key(std::plus<>{}, {.name = "count"})
                      .collect({.name = "City visits"});
    std::printf("%zu cities, first: %s x%lld\n", visits.size(), visits.front().first.c_str(),
                static_cast<long long>(visits.front().second));
  } catch (const parade::error& e) {
    std::fprintf(stderr, "sqlite_lookup: %s\n", e.what());
    return 1;
  }
  if (argc <= 1) std::filesystem::remove(path);
}
