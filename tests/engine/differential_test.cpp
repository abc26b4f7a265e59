// Random chains against a plain sequential reference, over the whole config
// matrix and random chunk sizes, for several element kinds: int64,
// std::string, a move-only struct and a struct with no default constructor
// and a const member (no assignment). PARADE_DIFF_CASES sets the number of
// cases per kind. (The machinery: differential.hpp.)
#include "engine/differential.hpp"

using namespace diff;

TEST(differential, int64_chains_match_sequential_reference) { random_chains<int_kind>(cases(1500), 20261124); }
TEST(differential, string_chains_match_sequential_reference) { random_chains<string_kind>(cases(1000), 20261125); }
TEST(differential, move_only_chains_match_sequential_reference) { random_chains<move_only_kind>(cases(1000), 20261126); }
TEST(differential, const_member_chains_match_sequential_reference) { random_chains<fixed_kind>(cases(1000), 20261127); }
