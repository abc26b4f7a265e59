#!/usr/bin/env bash
# Runs an MPI program on three "hosts" that are Linux network namespaces on
# this machine: each has its own eth0 and address (10.77.0.1-3/24, joined by
# a bridge), its own hostname, and is reached by mpirun through an ssh-like
# launcher, so the ranks talk over TCP between real addresses as on a
# cluster, not over shared memory. Needs root. Everything it creates (the
# namespaces, veths, bridge, /run/parade-cluster) is removed on exit, also on
# failure or Ctrl-C. --check exits 0 if this can run here, else says why
# and exits 77 (CI skips then). PARADE_* variables are passed to the ranks.
#   ./scripts/cluster.sh [-n RANKS_PER_HOST] -- PROGRAM [ARGS...]
#   ./scripts/cluster.sh --check
set -euo pipefail

hosts=3 per_host=1 net=10.77.0 br=parade-br

skip() { echo "cluster: $*" >&2; exit 77; }
check() {
  [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
  if ! command -v ip >/dev/null; then
    echo "cluster: installing iproute2" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2 >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2 >/dev/null; } ||
      skip "ip missing and iproute2 did not install"
  fi
  command -v mpirun >/dev/null || skip "mpirun missing (apt-get install openmpi-bin)"
  # Containers often forbid these even to root: try one of each for real.
  local ns=parade-check-$$ ok=1
  ip netns add "$ns" 2>/dev/null || skip "cannot create a network namespace here"
  ip link add "pc$$" type veth peer name eth0 netns "$ns" 2>/dev/null || ok=0
  ip netns exec "$ns" true 2>/dev/null || ok=0
  ip netns del "$ns"
  [ "$ok" = 1 ] || skip "cannot add a veth to a namespace or enter one here"
}

case "${1:-}" in
  --check) check; echo "cluster: network namespaces work here"; exit 0 ;;
  -n) per_host="${2:?ranks per host}"; shift 2 ;;
esac
[ "${1:-}" = "--" ] && shift
[ $# -gt 0 ] || { sed -n '10,11s/^#  //p' "$0" >&2; exit 2; }
check

# One run at a time (names and subnet are fixed); whatever exists while we
# hold the lock was left by a run that was killed with -9: clean it first.
# Hence a fixed directory, not mktemp: the next run finds what to clean.
exec 9>/run/parade-cluster.lock
flock -n 9 || { echo "cluster: another scripts/cluster.sh is running" >&2; exit 1; }
dir=/run/parade-cluster

teardown() {
  trap - EXIT INT TERM
  local pid
  pid=$(cat "$dir/mpirun.pid" 2>/dev/null) || pid=""
  if [ -n "$pid" ] && grep -qsF "$dir/launch" "/proc/$pid/cmdline"; then
    # Let mpirun stop its daemons and ranks itself (as on Ctrl-C), but not
    # forever: once they are gone it can hang ignoring SIGTERM.
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  for i in $(seq "$hosts"); do
    # A namespace outlives its deletion while processes are in it; stray
    # orteds or ranks would keep eth0 and the address alive.
    ip netns pids "parade-h$i" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip link del "parade-h$i" 2>/dev/null || true
    ip netns del "parade-h$i" 2>/dev/null || true
  done
  ip link del "$br" 2>/dev/null || true
  rm -rf "$dir"
}
teardown
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The "switch": a bridge in this namespace, which also gets an address
# (.254) because mpirun runs here, like a login node, and the daemons it
# starts on the hosts connect back to it.
ip link add "$br" type bridge
ip addr add "$net.254/24" dev "$br"
ip link set "$br" up
mkdir "$dir"
for i in $(seq "$hosts"); do
  ns=parade-h$i
  ip netns add "$ns"
  ip link add "$ns" type veth peer name eth0 netns "$ns"
  ip link set "$ns" master "$br" up
  ip -n "$ns" addr add "$net.$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  echo "$net.$i slots=$per_host" >>"$dir/hostfile"
done

# What mpirun calls instead of ssh: "launch HOST COMMAND...". Like sshd it
# runs COMMAND with sh on that host: in its network namespace, in a UTS
# namespace of its own so that hostname says which host it is.
cat >"$dir/launch" <<EOF
#!/bin/sh
host=\$1; shift
exec ip netns exec "parade-h\${host##*.}" unshare --uts sh -c 'hostname "\$0"; exec sh -c "\$1"' "parade-h\${host##*.}" "\$*"
EOF
chmod +x "$dir/launch"

[ "$(id -u)" -ne 0 ] || export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
pass=()
for v in $(compgen -e); do [[ $v != PARADE_* ]] || pass+=(-x "$v"); done
# btl tcp,self: no shared memory, so ranks on one host also use TCP (as the
# ranks of separate hosts must). The if_include masks keep both the MPI
# traffic and the daemons' own (oob) on the veth addresses, off eth0 and lo.
# no_tree_spawn: mpirun starts every daemon itself, instead of daemons
# starting each other. yield_when_idle: the ranks share this machine's cores.
mpirun --hostfile "$dir/hostfile" --oversubscribe \
  --mca plm_rsh_agent "$dir/launch" --mca plm_rsh_no_tree_spawn 1 \
  --mca mpi_yield_when_idle 1 --mca btl tcp,self --mca btl_tcp_if_include "$net.0/24" --mca oob_tcp_if_include "$net.0/24" \
  "${pass[@]}" "$@" <&0 9>&- &
echo $! >"$dir/mpirun.pid"
# wait, not a foreground mpirun: a signal interrupts wait at once, so the
# traps run (and stop mpirun) even when the signal reaches only this script.
rc=0
wait $! || rc=$?
rm "$dir/mpirun.pid"
exit "$rc"
