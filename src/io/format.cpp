// The non-template parts of write_lines' formatting, compiled here so users'
// builds need not include <sstream> and <charconv>.
#include <charconv>
#include <sstream>

#include "parade/detail/format.hpp"

namespace parade::detail {

namespace {
template <class T>
void append_chars(std::string& out, T x) {
  char buf[64];  // the longest long double is under 50 characters
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}
}  // namespace

void append_number(std::string& out, long long x) { append_chars(out, x); }
void append_number(std::string& out, unsigned long long x) { append_chars(out, x); }
void append_number(std::string& out, float x) { append_chars(out, x); }
void append_number(std::string& out, double x) { append_chars(out, x); }
void append_number(std::string& out, long double x) { append_chars(out, x); }

struct stream_text::impl {
  std::ostringstream os;
};

stream_text::stream_text() : p_(new impl) {}
stream_text::~stream_text() { delete p_; }

std::ostream& stream_text::begin() {
  p_->os.str(std::string());
  p_->os.clear();
  return p_->os;
}

void stream_text::append_to(std::string& out) { out.append(p_->os.view()); }

}  // namespace parade::detail
