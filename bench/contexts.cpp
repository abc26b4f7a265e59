// Worker contexts against a lock: N lookups in a SQLite table, through one
// connection per worker (parade::context, no lock) or through one shared
// connection behind a mutex (what a program without contexts does).
// Prints seconds and the sum of the looked-up names' lengths.
//
//   bench_contexts context|shared DB N   (DB is made when missing: 100,000 rows)
#include <parade/parade.hpp>
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>

namespace {

constexpr std::int64_t rows = 100000;

// A read-only connection with its prepared lookup; closed by the destructor.
struct connection {
  sqlite3* db = nullptr;
  sqlite3_stmt* lookup = nullptr;
  explicit connection(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
    sqlite3_prepare_v2(db, "SELECT name FROM item WHERE id = ?", -1, &lookup, nullptr);
  }
  connection(connection&& o) noexcept : db(std::exchange(o.db, nullptr)), lookup(std::exchange(o.lookup, nullptr)) {}
  ~connection() {
    sqlite3_finalize(lookup);
    sqlite3_close(db);
  }
  std::int64_t name_length(std::int64_t id) {
    sqlite3_reset(lookup);
    sqlite3_bind_int64(lookup, 1, id);
    return sqlite3_step(lookup) == SQLITE_ROW ? sqlite3_column_bytes(lookup, 0) : 0;
  }
};

void make_database(const std::string& path) {
  std::string tmp = path + ".tmp";
  std::filesystem::remove(tmp);
  sqlite3* db = nullptr;
  sqlite3_open(tmp.c_str(), &db);
  sqlite3_exec(db, "CREATE TABLE item(id INTEGER PRIMARY KEY, name TEXT); BEGIN;", nullptr, nullptr, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO item VALUES(?, ?)", -1, &ins, nullptr);
  for (std::int64_t i = 0; i < rows; ++i) {
    std::string name = "item-" + std::to_string(i * 7919 % 1000003);
    sqlite3_bind_int64(ins, 1, i);
    sqlite3_bind_text(ins, 2, name.c_str(), int(name.size()), SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  sqlite3_exec(db, "COMMIT;", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  std::filesystem::rename(tmp, path);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: bench_contexts context|shared DB N\n");
    return 2;
  }
  std::string mode = argv[1], path = argv[2];
  std::int64_t n = std::atoll(argv[3]);
  if (!std::filesystem::exists(path)) make_database(path);
  parade::run_options run{.workers = 2, .status = parade::status_mode::off};
  auto ids = parade::range(0, n).map([](std::int64_t i) { return i * 48271 % rows; });
  auto t0 = std::chrono::steady_clock::now();
  std::int64_t sum = 0;
  if (mode == "context") {
    sum = ids.map([](std::int64_t id, connection& c) { return c.name_length(id); },
                  parade::context([&] { return connection(path); }))
              .fold(std::int64_t{0}, std::plus<>{}, run);
  } else {
    connection shared(path);
    std::mutex m;
    sum = ids.map([&](std::int64_t id) {
               std::lock_guard lock(m);
               return shared.name_length(id);
             })
              .fold(std::int64_t{0}, std::plus<>{}, run);
  }
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%s seconds=%.3f result=%lld\n", mode.c_str(), s, static_cast<long long>(sum));
}
