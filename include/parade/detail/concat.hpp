// concat's source: two segments' sources read as one, the first's parts
// then the second's, so ordered steps downstream see this, then other.
// Untyped; compiled in src/concat.cpp. Not API.
#pragma once

#include <memory>
#include <mutex>

#include "parade/detail/plan.hpp"

namespace parade::detail {

class concat_source final : public source_def {
 public:
  concat_source(std::shared_ptr<source_def> first, std::shared_ptr<source_def> second);
  ~concat_source() override;
  source_mode mode() const override { return source_mode::concurrent; }
  pull next_concurrent(token& t, std::size_t n, bool lookahead) override;
  std::uint32_t parts() const override;
  std::size_t max_chunk() const override;
  // The parts before the second source's: a token of part p is the second
  // source's if p >= first_parts().
  std::uint32_t first_parts() const;

 private:
  struct side;
  pull next_of(side& s, token& t, std::size_t n, bool lookahead);
  void init() const;
  std::unique_ptr<side> sides_[2];
  mutable std::once_flag init_;
};

}  // namespace parade::detail
