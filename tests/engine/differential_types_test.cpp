// The random chains of differential_test.cpp over element types that only
// move (move_only_kind) and that have no default constructor and a const
// member (fixed_kind): every operation must compile and stay exact for
// them. Not built under the sanitizers (tests/CMakeLists.txt): they are half
// of the differential test's compile time there and run the same threads
// and memory paths as the int64 and string kinds, which the sanitizers do run.
#include "engine/differential.hpp"

using namespace diff;

TEST(differential, move_only_chains_match_sequential_reference) { random_chains<move_only_kind>(cases(1000), 20261126); }
TEST(differential, const_member_chains_match_sequential_reference) { random_chains<fixed_kind>(cases(1000), 20261127); }
