// Random chains against a plain sequential reference, over the whole config
// matrix and random chunk sizes, for int64 and std::string elements
// (differential_types_test.cpp: a move-only struct and one with no default
// constructor and a const member). PARADE_DIFF_CASES sets the number of
// cases per kind. (The machinery: differential.hpp.)
#include "engine/differential.hpp"

using namespace diff;

TEST(differential, int64_chains_match_sequential_reference) { random_chains<int_kind>(cases(1500), 20261124); }
TEST(differential, string_chains_match_sequential_reference) { random_chains<string_kind>(cases(1000), 20261125); }
