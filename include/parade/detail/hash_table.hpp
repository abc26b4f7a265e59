// The keyed steps' hash table. Not API.
//
// Written here rather than taken from abseil (whose flat_hash_map the brief
// prefers) for two measured reasons: its headers add 0.7 s and 50,000 lines
// to every translation unit that includes parade, and the keyed steps need
// only find-or-insert, in-order iteration and handing all entries out at
// once (to sort them, spill them or merge them), which a dense entry vector
// behind an index of probe slots does directly.
//
// Layout: entries live in one vector in insertion order; the probe array
// holds, per slot, 32 bits of the hash (the tag) and the entry's index + 1.
// A probe reads 8 bytes and touches the entry only when the tags agree.
// Linear probing, power-of-two slots, at most 5/8 full. Growing rehashes
// the slots from their tags alone (the position is taken from the tag), so
// keys are never hashed twice.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace parade::detail {

template <class K, class A>
class hash_table {
 public:
  using entry = std::pair<K, A>;

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  entry& operator[](std::size_t i) { return entries_[i]; }
  std::vector<entry>& entries() { return entries_; }

  // The table's part of a key's hash: its upper half (the lower half picks
  // the partition, so the two do not correlate).
  static std::uint32_t tag_of(std::uint64_t h) { return std::uint32_t(h >> 32); }

  // The index of the entry for `key` (whose tag_of(hash) is `tag`): found, or
  // added as (key moved, make()) when absent. `added` says which. Inlined
  // by force: with three call sites in the keyed step g++ made it a call.
  template <class Key, class Make>
  [[gnu::always_inline]] std::size_t find_or_add(Key&& key, std::uint32_t tag, Make&& make, bool& added) {
    if (slots_.empty()) grow();
    for (;;) {
      std::size_t mask = slots_.size() - 1;
      for (std::size_t pos = tag & mask;; pos = (pos + 1) & mask) {
        std::uint64_t s = slots_[pos];
        if (s == 0) {
          // Only an insert may need a larger table: checking the load on
          // every lookup was a fifth of a lookup's time.
          if ((entries_.size() + 1) * 8 > slots_.size() * 5) {
            grow();
            break;  // and probe the larger table
          }
          entries_.emplace_back(std::forward<Key>(key), make());
          slots_[pos] = (std::uint64_t(tag) << 32) | entries_.size();
          added = true;
          return entries_.size() - 1;
        }
        if (std::uint32_t(s >> 32) == tag) {
          std::size_t i = std::size_t(std::uint32_t(s)) - 1;
          if (entries_[i].first == key) {
            added = false;
            return i;
          }
        }
      }
    }
  }

  // Asks the CPU to bring in the slot where a probe for `tag` starts (a
  // table far larger than the cache misses there on nearly every lookup).
  void prefetch(std::uint32_t tag) const {
    if (!slots_.empty()) __builtin_prefetch(slots_.data() + (tag & (slots_.size() - 1)));
  }

  // Bytes the table itself holds (not what its keys and values own).
  std::size_t table_bytes() const { return entries_.capacity() * sizeof(entry) + slots_.capacity() * 8; }

  // Bytes the table's own arrays grew by since the last call (they grow
  // only when a key is added), so that a lookup need not measure them.
  std::size_t take_grown() { return std::exchange(grown_, 0); }

  // The tag of every entry, by index (for moving entries to another table
  // without hashing their keys again).
  std::vector<std::uint32_t> tags() const {
    std::vector<std::uint32_t> t(entries_.size());
    for (std::uint64_t s : slots_)
      if (s != 0) t[std::uint32_t(s) - 1] = std::uint32_t(s >> 32);
    return t;
  }

  // Hands every entry out (insertion order) and leaves the table empty.
  std::vector<entry> take() {
    std::vector<entry> out;
    out.swap(entries_);  // not `entries_ = {}`: that copies from an initializer_list
    std::vector<std::uint64_t>().swap(slots_);
    grown_ = 0;
    return out;
  }

 private:
  void grow() {
    std::size_t before = table_bytes();
    std::size_t n = slots_.empty() ? 16 : slots_.size() * 2;
    std::vector<std::uint64_t> old = std::move(slots_);
    slots_.assign(n, 0);
    std::size_t mask = n - 1;
    for (std::uint64_t s : old) {
      if (s == 0) continue;
      std::size_t pos = std::uint32_t(s >> 32) & mask;
      while (slots_[pos] != 0) pos = (pos + 1) & mask;
      slots_[pos] = s;
    }
    entries_.reserve(n * 5 / 8);  // the inserts up to the next grow() never reallocate
    grown_ += table_bytes() - before;
  }

  std::vector<entry> entries_;
  std::vector<std::uint64_t> slots_;
  std::size_t grown_ = 0;
};

}  // namespace parade::detail
