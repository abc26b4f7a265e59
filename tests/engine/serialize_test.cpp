// parade::serializer: every built-in type and nesting round-trips through
// bytes, a user type through its specialization, and data that ends early
// or is corrupt throws instead of reading past the end.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <parade/serialize.hpp>

namespace {

template <class T>
T round_trip(const T& v, std::size_t* size = nullptr) {
  std::string bytes;
  parade::byte_writer w(bytes);
  w(v);
  if (size) *size = bytes.size();
  parade::byte_reader r(bytes);
  T back = r.get<T>();
  EXPECT_TRUE(r.done());
  return back;
}

struct point {
  std::string name;
  double x = 0, y = 0;
  bool operator==(const point&) const = default;
};

struct plain {
  std::int32_t a;
  char b[3];
  double c;
  bool operator==(const plain& o) const { return a == o.a && std::equal(b, b + 3, o.b) && c == o.c; }
};

struct no_way {
  std::map<int, int> m;  // no serializer for std::map
};

enum class colour : std::uint8_t { red, green };

}  // namespace

template <>
struct parade::serializer<point> {
  static void write(parade::byte_writer& w, const point& p) { w(p.name, p.x, p.y); }
  static point read(parade::byte_reader& r) {
    auto name = r.get<std::string>();
    double x = r.get<double>();
    double y = r.get<double>();
    return {std::move(name), x, y};
  }
};

static_assert(parade::is_serializable_v<int>);
static_assert(parade::is_serializable_v<plain>);
static_assert(parade::is_serializable_v<colour>);
static_assert(parade::is_serializable_v<std::pair<std::string, std::vector<std::optional<point>>>>);
static_assert(!parade::is_serializable_v<const char*>);        // a pointer: its bytes mean nothing later
static_assert(!parade::is_serializable_v<std::string_view>);   // a view of memory that is gone
static_assert(!parade::is_serializable_v<no_way>);
static_assert(!parade::is_serializable_v<std::vector<no_way>>);

TEST(serialize, built_in_types_round_trip) {
  EXPECT_EQ(round_trip(std::int64_t{-5}), -5);
  EXPECT_EQ(round_trip(2.5), 2.5);
  EXPECT_EQ(round_trip(colour::green), colour::green);
  EXPECT_EQ(round_trip(plain{7, {'a', 0, 'c'}, 1.5}), (plain{7, {'a', 0, 'c'}, 1.5}));
  std::string with_nul("a\0b\xff", 4);
  EXPECT_EQ(round_trip(with_nul), with_nul);
  EXPECT_EQ(round_trip(std::string()), "");
  std::string big(100000, 'z');
  EXPECT_EQ(round_trip(big), big);
  EXPECT_EQ(round_trip(std::vector<int>{1, 2, 3}), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(round_trip(std::vector<bool>{true, false, true}), (std::vector<bool>{true, false, true}));
  EXPECT_EQ(round_trip(std::vector<std::string>{"x", "", "yz"}), (std::vector<std::string>{"x", "", "yz"}));
  EXPECT_EQ(round_trip(std::array<std::string, 2>{"p", "q"}), (std::array<std::string, 2>{"p", "q"}));
  EXPECT_EQ(round_trip(std::optional<std::string>()), std::nullopt);
  EXPECT_EQ(round_trip(std::optional<std::string>("o")), std::optional<std::string>("o"));
  // An optional of a plain type is trivially copyable too: its own
  // serializer (flag, then value) applies, not a copy of its bytes.
  EXPECT_EQ(round_trip(std::optional<double>(2.5)), std::optional<double>(2.5));
  EXPECT_EQ(round_trip(std::optional<double>()), std::nullopt);
  auto t = std::tuple<int, std::string, std::vector<double>>{1, "two", {3.0}};
  EXPECT_EQ(round_trip(t), t);
  auto nested = std::pair<std::string, std::vector<std::pair<int, std::optional<std::string>>>>{
      "k", {{1, std::nullopt}, {2, "v"}}};
  EXPECT_EQ(round_trip(nested), nested);
  auto p = round_trip(std::make_unique<std::string>("owned"));
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, "owned");
  EXPECT_FALSE(round_trip(std::unique_ptr<int>()));
}

TEST(serialize, lengths_are_compact) {
  std::size_t n = 0;
  round_trip(std::string("abc"), &n);
  EXPECT_EQ(n, 4u);  // one byte of length below 128
  round_trip(std::string(300, 'a'), &n);
  EXPECT_EQ(n, 302u);
}

TEST(serialize, a_user_type_through_its_specialization) {
  point p{"home", 1.25, -3.5};
  EXPECT_EQ(round_trip(p), p);
  std::vector<point> many{p, {"", 0, 0}, {"far", 1e300, -1e-300}};
  EXPECT_EQ(round_trip(many), many);
}

TEST(serialize, data_that_ends_early_or_is_corrupt_throws) {
  std::string bytes;
  parade::byte_writer w(bytes);
  w(std::string("hello"), std::vector<std::int64_t>{1, 2, 3});
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    parade::byte_reader r(bytes.data(), cut);
    EXPECT_THROW((r.get<std::string>(), r.get<std::vector<std::int64_t>>()), std::out_of_range) << cut;
  }
  std::string huge_count = "\xff\xff\xff\xff\x0f";  // a count of 4 G elements and no data
  parade::byte_reader r(huge_count);
  EXPECT_THROW(r.get<std::vector<std::int64_t>>(), std::out_of_range);
  parade::byte_reader r2(huge_count);
  EXPECT_THROW(r2.get<std::vector<std::string>>(), std::out_of_range);
  std::string endless(11, '\xff');  // a varint that never ends
  parade::byte_reader r3(endless);
  EXPECT_THROW(r3.get<std::string>(), std::out_of_range);
}
