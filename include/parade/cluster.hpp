// Scale-out under MPI: the same program started by `mpirun -np N` runs on N
// ranks (docs/cluster.md). Every action is collective: all ranks call the
// same actions in the same order, and each returns the same result on every
// rank. A program not started by mpirun (or a parade built without MPI) is
// rank 0 of 1 and runs as on one machine.
#pragma once

namespace parade {

// This process's rank, 0 .. ranks() - 1.
int rank();
// The number of ranks in the job (1 when not started by mpirun).
int ranks();

}  // namespace parade
