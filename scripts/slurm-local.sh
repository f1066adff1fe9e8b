#!/usr/bin/env bash
# A single-node Slurm cluster on this machine, for running sweeps as job arrays (and for CI's
# test against a real batch engine). Debian's slurm-wlm + munge, started by hand: no systemd,
# MpiDefault=none, no cgroup.conf (proctrack/linuxproc, task/none). Needs root.
#   scripts/slurm-local.sh install   apt-get install slurm-wlm munge (if missing)
#   scripts/slurm-local.sh start     write /etc/slurm/slurm.conf, start munged, slurmctld, slurmd
#   scripts/slurm-local.sh status    sinfo
#   scripts/slurm-local.sh stop      stop the daemons
set -euo pipefail

need_root() { [ "$(id -u)" = 0 ] || { echo "slurm-local: run as root" >&2; exit 1; }; }

install() {
  need_root
  if command -v slurmctld >/dev/null && command -v munged >/dev/null && command -v sbatch >/dev/null; then return 0; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || apt-get update
  apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null 2>&1 \
    || apt-get install -y --no-install-recommends slurm-wlm munge
}

start() {
  need_root
  local host cpus mem
  host=$(hostname -s)
  cpus=$(nproc)
  mem=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 / 2 ))
  # munge: a key (the package makes one; make one if it did not) and its run directory.
  if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null
    chown munge:munge /etc/munge/munge.key && chmod 400 /etc/munge/munge.key
  fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if ! munge -n >/dev/null 2>&1; then su -s /bin/sh munge -c /usr/sbin/munged; fi
  for i in $(seq 1 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
  munge -n | unmunge >/dev/null || { echo "slurm-local: munge does not work" >&2; exit 1; }

  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  cat > /etc/slurm/slurm.conf <<CONF
# Written by iovsim scripts/slurm-local.sh: one node, no cgroups, no accounting.
ClusterName=iovsim
SlurmctldHost=$host
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmUser=root
SlurmdUser=root
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ReturnToService=2
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
  pgrep -x slurmctld >/dev/null || slurmctld
  pgrep -x slurmd >/dev/null || slurmd
  for i in $(seq 1 100); do
    if sinfo -h -o '%t' 2>/dev/null | grep -qE '^(idle|mix|alloc)'; then
      echo "slurm-local: cluster up ($host, $cpus CPUs)"
      return 0
    fi
    sleep 0.2
  done
  echo "slurm-local: the cluster did not come up; logs:" >&2
  tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
  exit 1
}

stop() {
  pkill -x slurmd || true
  pkill -x slurmctld || true
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  status) sinfo ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|status|stop" >&2; exit 2 ;;
esac
