#!/usr/bin/env bash
# radosgw.sh — a throwaway Ceph cluster with an S3 gateway, for the tests.
#
#   radosgw.sh start DIR   one monitor, one memstore OSD (cephx auth), radosgw
#                          (beast) on a free loopback HTTP port and a free HTTPS
#                          port with a CA generated into DIR; an S3 user; writes
#                          DIR/env (shell-sourceable, see the end of start)
#   radosgw.sh stop DIR    stops the daemons by the PIDs in their pid files and
#                          waits for them to exit; safe to repeat
#
# Everything (config, keyrings, data, logs, pid files, admin sockets) lives
# under DIR, so several clusters can run side by side and nothing needs
# systemd. Needs the Debian packages ceph-mon, ceph-osd, radosgw, ceph-common,
# openssl and python3 (see scripts/packages.txt).
set -euo pipefail
unset CEPH_ARGS CEPH_CONF

die() {
	echo "radosgw.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: radosgw.sh start|stop DIR" >&2
	exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
[ "$cmd" = stop ] && [ ! -d "$2" ] && exit 0
mkdir -p "$2"
DIR=$(cd "$2" && pwd)
CONF=$DIR/ceph.conf

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits up to $2 seconds for "$1" (a shell condition) to hold.
wait_for() {
	local cond=$1 secs=$2 what=$3 i
	for ((i = 0; i < secs * 10; i++)); do
		if eval "$cond"; then
			return 0
		fi
		sleep 0.1
	done
	die "timed out after ${secs}s waiting for $what (logs in $DIR/log)"
}

pid_alive() {
	[ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# TERM a group of daemons, then wait for each; KILL what is still there
# after 15 s.
stop_group() {
	local d pidfile pid pids=() i
	for d in "$@"; do
		pidfile=$DIR/run/$d.pid
		[ -f "$pidfile" ] || continue
		pid=$(cat "$pidfile")
		if kill -0 "$pid" 2>/dev/null; then
			kill -TERM "$pid" 2>/dev/null || true
			pids+=("$pid")
		fi
	done
	for pid in "${pids[@]}"; do
		for ((i = 0; i < 150; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
			for ((i = 0; i < 50; i++)); do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
	done
	for d in "$@"; do
		rm -f "$DIR/run/$d.pid"
	done
}

# The gateway and the OSD together, then the monitor: an OSD whose monitor
# is gone waits for it before exiting.
do_stop() {
	stop_group rgw osd
	stop_group mon
}

need() {
	command -v "$1" >/dev/null 2>&1 ||
		die "$1 not found: install the packages in scripts/packages.txt (apt-get install $2)"
}

write_conf() {
	local monport=$1 http=$2 https=$3
	cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon host = v2:127.0.0.1:$monport
mon initial members = a
public addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr1 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $DIR/keyring
run dir = $DIR/run
admin socket = $DIR/run/\$cluster-\$name.asok
log file = $DIR/log/\$cluster-\$name.log
mon cluster log file = $DIR/log/\$cluster.log
crash dir = $DIR/crash
log to stderr = false
err to stderr = true
log to syslog = false
debug ms = 0
# One OSD on one host, no replication, small placement groups: a test rig.
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mon osd full ratio = 0.99
mon osd backfillfull ratio = 0.98
mon osd nearfull ratio = 0.97
mon data avail warn = 1
mon data avail crit = 0

[mon]
mon data = $DIR/mon/\$id
pid file = $DIR/run/mon.pid

[osd]
osd data = $DIR/osd/\$id
pid file = $DIR/run/osd.pid
osd objectstore = memstore
memstore device bytes = 4294967296
osd max object name len = 460
osd max object namespace len = 64
osd op num threads per shard = 1
osd op num shards = 2

[client.rgw.gw]
pid file = $DIR/run/rgw.pid
rgw data = $DIR/rgw
rgw frontends = beast endpoint=127.0.0.1:$http ssl_endpoint=127.0.0.1:$https ssl_certificate=$DIR/tls/server.crt ssl_private_key=$DIR/tls/server.key
rgw dns name = 127.0.0.1
rgw enable usage log = false
rgw thread pool size = 64
rgw init timeout = 60
EOF
}

make_tls() {
	local t=$DIR/tls
	mkdir -p "$t"
	openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=cairn test CA" \
		-keyout "$t/ca.key" -out "$t/ca.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$t/server.key" -out "$t/server.csr" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$t/ext.cnf"
	openssl x509 -req -in "$t/server.csr" -CA "$t/ca.crt" -CAkey "$t/ca.key" \
		-CAcreateserial -days 7 -extfile "$t/ext.cnf" -out "$t/server.crt" 2>/dev/null
}

do_start() {
	need ceph-mon ceph-mon
	need ceph-osd ceph-osd
	need radosgw radosgw
	need radosgw-admin radosgw
	need ceph ceph-common
	need ceph-authtool ceph-common
	need monmaptool ceph-common
	need openssl openssl
	need python3 python3

	do_stop
	rm -rf "$DIR/mon" "$DIR/osd" "$DIR/rgw" "$DIR/run" "$DIR/log" "$DIR/crash" "$DIR/tls" \
		"$DIR/keyring" "$DIR/env" "$DIR/monmap"
	mkdir -p "$DIR/mon/a" "$DIR/osd/0" "$DIR/rgw" "$DIR/run" "$DIR/log" "$DIR/crash"

	FSID=$(cat /proc/sys/kernel/random/uuid)
	local monport http https
	monport=$(free_port)
	http=$(free_port)
	https=$(free_port)
	while [ "$https" = "$http" ] || [ "$https" = "$monport" ] || [ "$http" = "$monport" ]; do
		http=$(free_port)
		https=$(free_port)
	done
	write_conf "$monport" "$http" "$https"
	make_tls

	local c=(-c "$CONF")
	# Keys: the monitor's, an admin's, and (below) the OSD's and gateway's.
	ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
	ceph-authtool "$DIR/keyring" --gen-key -n client.admin \
		--cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
	monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$monport]" "$DIR/monmap" >/dev/null
	ceph-mon "${c[@]}" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" \
		>"$DIR/log/mkfs-mon.out" 2>&1 || die "ceph-mon --mkfs failed: $(tail -5 "$DIR/log/mkfs-mon.out")"
	ceph-mon "${c[@]}" -i a >"$DIR/log/mon.out" 2>&1 ||
		die "ceph-mon did not start: $(tail -5 "$DIR/log/mon.out")"
	wait_for "pid_alive $DIR/run/mon.pid" 10 "ceph-mon's pid file"

	local osd_uuid osd_id
	osd_uuid=$(cat /proc/sys/kernel/random/uuid)
	osd_id=$(timeout 60 ceph "${c[@]}" osd new "$osd_uuid" 2>"$DIR/log/osd-new.out") ||
		die "ceph osd new failed: $(tail -5 "$DIR/log/osd-new.out")"
	[ "$osd_id" = 0 ] || die "unexpected OSD id $osd_id"
	ceph-authtool "$DIR/keyring" --gen-key -n osd.0 >/dev/null
	ceph-authtool -p -n osd.0 "$DIR/keyring" >"$DIR/osd.key"
	ceph-authtool --create-keyring "$DIR/osd/0/keyring" --name osd.0 --add-key "$(cat "$DIR/osd.key")" >/dev/null
	rm -f "$DIR/osd.key"
	ceph "${c[@]}" auth add osd.0 osd 'allow *' mon 'allow profile osd' mgr 'allow profile osd' \
		-i "$DIR/osd/0/keyring" >/dev/null 2>&1 || die "ceph auth add osd.0 failed"
	ceph-osd "${c[@]}" -i 0 --mkfs --osd-uuid "$osd_uuid" --keyring "$DIR/osd/0/keyring" \
		>"$DIR/log/mkfs-osd.out" 2>&1 || die "ceph-osd --mkfs failed: $(tail -5 "$DIR/log/mkfs-osd.out")"
	ceph-osd "${c[@]}" -i 0 --keyring "$DIR/osd/0/keyring" >"$DIR/log/osd.out" 2>&1 ||
		die "ceph-osd did not start: $(tail -5 "$DIR/log/osd.out")"
	wait_for "pid_alive $DIR/run/osd.pid" 10 "ceph-osd's pid file"
	wait_for "ceph ${c[*]} osd stat 2>/dev/null | grep -q '1 up'" 60 "the OSD to come up"

	ceph "${c[@]}" auth get-or-create client.rgw.gw mon 'allow rw' osd 'allow rwx' \
		>"$DIR/rgw/keyring" 2>/dev/null || die "cannot create the gateway's key"
	radosgw "${c[@]}" -n client.rgw.gw --keyring "$DIR/rgw/keyring" >"$DIR/log/rgw.out" 2>&1 ||
		die "radosgw did not start: $(tail -5 "$DIR/log/rgw.out")"
	wait_for "pid_alive $DIR/run/rgw.pid" 20 "radosgw's pid file"
	wait_for "curl -s -o /dev/null http://127.0.0.1:$http/" 60 "radosgw to answer on port $http"

	local ak sk
	ak=CAIRN$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
	sk=$(head -c 30 /dev/urandom | base64 | tr -d '\n/+=')
	radosgw-admin "${c[@]}" -n client.admin user create --uid=cairn --display-name="cairn tests" \
		--access-key="$ak" --secret-key="$sk" >"$DIR/log/user.out" 2>&1 ||
		die "radosgw-admin user create failed: $(tail -5 "$DIR/log/user.out")"
	cat >"$DIR/env" <<EOF
S3_ENDPOINT_HTTP=127.0.0.1:$http
S3_ENDPOINT_HTTPS=127.0.0.1:$https
S3_ACCESS_KEY=$ak
S3_SECRET_KEY=$sk
S3_CA_FILE=$DIR/tls/ca.crt
CEPH_CONF=$CONF
EOF
}

case $cmd in
start)
	# A failed start leaves nothing running.
	trap 'rc=$?; [ $rc -eq 0 ] || do_stop; exit $rc' EXIT
	do_start
	;;
stop) do_stop ;;
*) usage ;;
esac
