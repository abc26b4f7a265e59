// sample(fraction, seed): each element kept with probability `fraction`,
// decided from the seed and the element's position: the same seed gives the
// same elements for any worker count and chunk size.
#pragma once


#include "parade/dataset.hpp"
#include "parade/detail/hash.hpp"
#include "parade/detail/indexed.hpp"
#include "parade/detail/sorter.hpp"

namespace parade {
namespace detail {

// Whether the element at `pos` is in a sample of `fraction` with `seed`:
// a hash of both against the fraction of 2^64.
inline bool sample_keeps(std::uint64_t seed, std::uint64_t pos, std::uint64_t threshold) {
  return mix64(mix64(seed + 0x9e3779b97f4a7c15ULL) ^ (pos * 0xbf58476d1ce4e5b9ULL + 1)) < threshold;
}

// The fraction of 2^64 below which a hash keeps its element (src/sample.cpp);
// throws std::invalid_argument unless 0 <= fraction <= 1.
std::uint64_t sample_threshold(double fraction);

template <class T>
class sample_node final : public node<T> {
 public:
  sample_node(std::shared_ptr<const node<T>> parent, std::uint64_t threshold, std::uint64_t seed, op_options o)
      : parent_(std::move(parent)), threshold_(threshold), seed_(seed), o_(std::move(o)) {}
  open_end<T> compile(run_state& rs) const override {
    auto emit = [th = threshold_, seed = seed_](std::uint64_t pos, T&& x, std::vector<T>& out) {
      if (th == ~std::uint64_t{0} || sample_keeps(seed, pos, th)) out.emplace_back(std::move(x));
    };
    return positioned<T, T>(rs, on_one_rank(rs, parent_->compile(rs), o_, "sample"), o_, "sample", yields::unknown, emit);
  }

 private:
  std::shared_ptr<const node<T>> parent_;
  std::uint64_t threshold_, seed_;
  op_options o_;
};

}  // namespace detail

// A random sample without replacement: each element is kept with
// probability `fraction` (0 to 1), so the size is about fraction x count.
// The choice depends only on the seed and the element's position in input
// order: the same seed gives the same sample for any worker count and chunk
// size; another seed gives another. Throws std::invalid_argument for a
// fraction outside [0, 1].
//   auto some = lines.sample(0.01, 42).collect();  // about 1%
template <class T>
dataset<T> dataset<T>::sample(double fraction, std::uint64_t seed, op_options o) const {
  return dataset<T>(std::make_shared<detail::sample_node<T>>(node_, detail::sample_threshold(fraction), seed, std::move(o)));
}

}  // namespace parade
