#!/usr/bin/env bash
# A throw-away single-node Ceph cluster answering S3 (RADOS Gateway) on a loopback port, for tests.
#
#   ceph-rgw.sh install      install ceph-mon, ceph-osd and radosgw with apt-get (root; idempotent)
#   ceph-rgw.sh start DIR [OWNER_PID]
#                            start a monitor, one memstore OSD and RGW with all their state under DIR; when RGW
#                            answers, write DIR/s3.env (SLUICE_S3_SERVICE_URL, _ACCESS_KEY, _SECRET_KEY, _REGION).
#                            With OWNER_PID, the cluster stops by itself once that process is gone (a test run
#                            that was killed leaves no daemons behind).
#   ceph-rgw.sh stop DIR     stop what start started (by the pid files in DIR)
#
# No cephx, no files in /etc/ceph or /var/lib/ceph: every daemon gets "-c DIR/ceph.conf". The OSD keeps its objects
# in memory (memstore), so the cluster holds nothing once stopped.
set -euo pipefail

packages=(ceph-mon ceph-osd radosgw ceph-common)

die() { echo "ceph-rgw: $*" >&2; exit 1; }

install() {
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || die "installing ${missing[*]} needs apt-get (Debian or Ubuntu)"
  [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "ceph-rgw: installed ${missing[*]}"
}

# Fixed credentials of the test user: the cluster lives on loopback and only as long as a test run.
access_key=SLUICETESTACCESSKEY0
secret_key=sluice-test-secret-key-not-for-production

# A loopback TCP port nothing listens on, below the kernel's ephemeral range: a port the kernel may hand to any
# outgoing connection (or to a test server asking for port 0) can be taken between this check and the bind.
free_port() {
  local port low=32768
  [ -r /proc/sys/net/ipv4/ip_local_port_range ] && read -r low _ < /proc/sys/net/ipv4/ip_local_port_range
  [ "$low" -gt 11024 ] || low=61000
  for _ in $(seq 1 50); do
    if [ "$low" -eq 61000 ]; then port=$((61000 + RANDOM % 4000)); else port=$((10000 + RANDOM % (low - 10000))); fi
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  die "no free loopback port found"
}

# Prints the tail of every log under DIR, then fails.
fail_with_logs() {
  local log
  echo "ceph-rgw: $1" >&2
  for log in "$dir"/log/*.log; do
    [ -f "$log" ] && { echo "--- $log" >&2; tail -n 15 "$log" >&2; }
  done
  stop_daemons
  exit 1
}

stop_daemons() {
  local pid_file pid
  for pid_file in "$dir"/run/watch.pid "$dir"/run/client.rgw.pid "$dir"/run/osd.0.pid "$dir"/run/mon.a.pid; do
    [ -f "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    if [ -n "$pid" ] && kill "$pid" 2>/dev/null; then
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$pid_file"
  done
}

# Starts the cluster; a port taken by another process meanwhile fails one attempt, and the next picks other ports.
start() {
  local attempt rc
  command -v ceph-mon >/dev/null && command -v ceph-osd >/dev/null && command -v radosgw >/dev/null \
    || die "Ceph is not installed (run: $0 install)"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ -f "$dir/run/mon.a.pid" ] && die "$dir holds a cluster already (stop it first)"
  for attempt in 1 2 3; do
    # Not as a condition, where bash would ignore errexit inside the subshell.
    set +e
    (set -e; start_once)
    rc=$?
    set -e
    [ "$rc" -eq 0 ] && return 0
    echo "ceph-rgw: attempt $attempt of 3 failed" >&2
  done
  exit 1
}

start_once() {
  rm -rf "${dir:?}"/{mon,osd,rgw,run,log,ceph.conf,monmap,s3.env}
  mkdir -p "$dir"/{mon,osd,rgw,run,log}

  local mon_port rgw_port fsid osd_uuid
  mon_port=$(free_port)
  rgw_port=$(free_port)
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  conf="$dir/ceph.conf"
  cat > "$conf" <<CONF
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
# Ceph 16 on Debian 12 fails its msgr2 handshakes in the default secure-only mode without cephx.
ms mon client mode = crc secure
ms client mode = crc secure
ms cluster mode = crc secure
ms service mode = crc secure
run dir = $dir/run
pid file = $dir/run/\$name.pid
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
log to stderr = false
err to stderr = false
mon data = $dir/mon/\$id
osd data = $dir/osd/\$id
rgw data = $dir/rgw
keyring = $dir/keyring
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon allow pool delete = true
# A busy CI disk must not stop the monitor: the cluster holds no data of value.
mon data avail warn = 2
mon data avail crit = 1

[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw dns name = localhost
CONF

  monmaptool --create --clobber --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null \
    || fail_with_logs "monmaptool failed"
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" >>"$dir/log/setup.log" 2>&1 || fail_with_logs "ceph-mon --mkfs failed"
  ceph-mon -c "$conf" -i a >>"$dir/log/setup.log" 2>&1 || fail_with_logs "ceph-mon did not start"

  ceph -c "$conf" --connect-timeout 30 osd new "$osd_uuid" 0 >>"$dir/log/setup.log" 2>&1 || fail_with_logs "the monitor did not answer"
  mkdir -p "$dir/osd/0"
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >>"$dir/log/setup.log" 2>&1 || fail_with_logs "ceph-osd --mkfs failed"
  ceph-osd -c "$conf" -i 0 >>"$dir/log/setup.log" 2>&1 || fail_with_logs "ceph-osd did not start"

  radosgw -c "$conf" -n client.rgw >>"$dir/log/setup.log" 2>&1 || fail_with_logs "radosgw did not start"
  local up=
  for _ in $(seq 1 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$rgw_port") 2>/dev/null; then up=1; break; fi
    sleep 0.1
  done
  [ -n "$up" ] || fail_with_logs "radosgw did not listen on 127.0.0.1:$rgw_port within 60 s"

  radosgw-admin -c "$conf" user create --uid=sluice-test --display-name="Sluice tests" \
    --access-key="$access_key" --secret="$secret_key" >>"$dir/log/setup.log" 2>&1 \
    || fail_with_logs "radosgw-admin could not create the S3 user"

  cat > "$dir/s3.env" <<ENV
SLUICE_S3_SERVICE_URL=http://127.0.0.1:$rgw_port
SLUICE_S3_ACCESS_KEY=$access_key
SLUICE_S3_SECRET_KEY=$secret_key
SLUICE_S3_REGION=us-east-1
ENV
  if [ -n "$owner" ]; then
    # Detached from this script's output, so that whoever reads it sees its end now.
    setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 2; done; rm -f "$3/run/watch.pid"; exec bash "$2" stop "$3"' \
      watch "$owner" "$0" "$dir" </dev/null >/dev/null 2>&1 &
    echo $! > "$dir/run/watch.pid"
  fi
  echo "ceph-rgw: S3 on http://127.0.0.1:$rgw_port ($dir/s3.env)"
}

case "${1:-}" in
  install) install ;;
  start) [ -n "${2:-}" ] || die "usage: $0 start DIR [OWNER_PID]"; dir=$2; owner=${3:-}; start ;;
  stop) [ -n "${2:-}" ] || die "usage: $0 stop DIR"; dir=$2; [ -d "$dir" ] && stop_daemons; true ;;
  *) die "usage: $0 install | start DIR [OWNER_PID] | stop DIR" ;;
esac
