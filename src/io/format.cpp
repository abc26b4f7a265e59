// stream_text: the `<<` fallback of write_lines, compiled here so users'
// builds need not include <sstream>.
#include <sstream>

#include "parade/detail/format.hpp"

namespace parade::detail {

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
