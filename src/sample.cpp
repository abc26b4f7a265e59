// sample()'s threshold, compiled here so users' builds need not parse <cmath>.
#include <cmath>
#include <stdexcept>

#include "parade/ops/sample.hpp"

namespace parade::detail {

std::uint64_t sample_threshold(double fraction) {
  if (!(fraction >= 0.0 && fraction <= 1.0))
    throw std::invalid_argument("parade: sample(fraction, seed) needs 0 <= fraction <= 1");
  if (fraction >= 1.0) return ~std::uint64_t{0};
  return std::uint64_t(std::ldexp(fraction, 64));
}

}  // namespace parade::detail
