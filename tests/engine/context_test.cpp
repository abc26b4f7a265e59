// Worker contexts with a real database: one SQLite connection per worker.
#include "support.hpp"

#include <sqlite3.h>

#include <filesystem>

namespace {

struct counters {
  std::atomic<int> opened{0}, closed{0}, alive{0}, peak{0};
};

class connection {
 public:
  connection(const std::string& path, counters* c) : c_(c) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
    sqlite3_prepare_v2(db_, "SELECT value FROM kv WHERE key = ?", -1, &stmt_, nullptr);
    ++c_->opened;
    int now = ++c_->alive;
    int p = c_->peak.load();
    while (now > p && !c_->peak.compare_exchange_weak(p, now)) {}
  }
  connection(connection&& o) noexcept
      : c_(std::exchange(o.c_, nullptr)), db_(std::exchange(o.db_, nullptr)), stmt_(std::exchange(o.stmt_, nullptr)) {}
  ~connection() {
    if (!c_) return;
    sqlite3_finalize(stmt_);
    sqlite3_close(db_);
    ++c_->closed;
    --c_->alive;
  }
  std::int64_t lookup(std::int64_t key) {
    sqlite3_reset(stmt_);
    sqlite3_bind_int64(stmt_, 1, key);
    if (sqlite3_step(stmt_) != SQLITE_ROW) throw std::runtime_error("missing key " + std::to_string(key));
    return sqlite3_column_int64(stmt_, 0);
  }

 private:
  counters* c_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
};

class sqlite_fixture : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             ("parade-test-" + std::to_string(getpid()) + ".db")).string();
    std::filesystem::remove(path_);
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_exec(db, "CREATE TABLE kv(key INTEGER PRIMARY KEY, value INTEGER); BEGIN;", nullptr, nullptr, nullptr);
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO kv VALUES(?, ?)", -1, &ins, nullptr);
    for (int k = 0; k < 1000; ++k) {
      sqlite3_bind_int64(ins, 1, k);
      sqlite3_bind_int64(ins, 2, std::int64_t(k) * k + 1);
      sqlite3_step(ins);
      sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT;", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  void TearDown() override { std::filesystem::remove(path_); }
  std::string path_;
};

}  // namespace

TEST_F(sqlite_fixture, one_connection_per_worker_results_and_counts) {
  ptest::each_config([&](const ptest::config& c) {
    for (std::size_t cap : {std::size_t(0), std::size_t(1), std::size_t(2)}) {
      counters cnt;
      auto out = parade::range(0, 20000)
                     .map([](std::int64_t x) { return (x * 37) % 1000; })
                     .map([](std::int64_t key, connection& db) { return db.lookup(key); },
                          parade::context([&] { return connection(path_, &cnt); }), {.name = "lookup", .workers = cap})
                     .collect(c.run());
      ASSERT_EQ(out.size(), 20000u);
      for (std::size_t i = 0; i < out.size(); ++i) {
        std::int64_t key = std::int64_t(i * 37 % 1000);
        ASSERT_EQ(out[i], key * key + 1);
      }
      std::size_t limit = cap ? std::min(cap, c.workers) : c.workers;
      EXPECT_EQ(cnt.opened.load(), cnt.closed.load());
      EXPECT_GE(cnt.opened.load(), 1);
      EXPECT_LE(std::size_t(cnt.opened.load()), limit);
      EXPECT_LE(std::size_t(cnt.peak.load()), limit);
      EXPECT_EQ(cnt.alive.load(), 0);
    }
  });
}

TEST_F(sqlite_fixture, a_failing_lookup_closes_every_connection) {
  counters cnt;
  ptest::with_watchdog(std::chrono::seconds(60), [&] {
    EXPECT_THROW(parade::range(0, 5000)
                     .map([](std::int64_t key, connection& db) { return db.lookup(key); },
                          parade::context([&] { return connection(path_, &cnt); }), {.name = "lookup"})
                     .count({.workers = 4, .status = parade::status_mode::off}),
                 parade::error);
  });
  EXPECT_EQ(cnt.opened.load(), cnt.closed.load());
  EXPECT_EQ(cnt.alive.load(), 0);
}

// A context that cannot be moved (it holds a mutex) is made in place.
TEST(context, one_that_cannot_be_moved_is_made_in_place) {
  struct pinned {
    std::mutex m;
    std::int64_t calls = 0;
  };
  ptest::each_config([](const ptest::config& c) {
    auto sum = parade::range(0, 10000)
                   .map([](std::int64_t x, pinned& p) {
                     std::lock_guard lk(p.m);
                     ++p.calls;
                     return x;
                   }, parade::context([] { return pinned{}; }))
                   .fold(std::int64_t{0}, std::plus<>{}, c.run());
    EXPECT_EQ(sum, 49995000);
  });
}
