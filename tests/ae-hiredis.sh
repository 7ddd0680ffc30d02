#!/bin/sh
# ae-hiredis.sh: evkit's ae API with a real client.  hiredis' asynchronous
# API, through its adapters/ae.h compiled against our ae.h
# (tests/ae_hiredis.c), talks to a redis-server started here on 127.0.0.1
# and a free port, once per backend.
# An automake test: 0 pass, 1 fail, 77 skip (only when redis-server or
# hiredis is missing; build.sh installs both).

top_builddir=${top_builddir:-.}
unset EVENT_NOEPOLL EVENT_NOPOLL EVENT_NOSELECT EVENT_NOIO_URING EVENT_SHOW_METHOD
client=$top_builddir/tests/ae_hiredis

if ! command -v redis-server >/dev/null 2>&1 ||
    ! command -v redis-cli >/dev/null 2>&1; then
	echo "SKIP: redis-server/redis-cli not installed"
	exit 77
fi
if [ ! -x "$client" ]; then
	echo "SKIP: $client not built (hiredis missing at configure time)"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ae-hiredis.XXXXXX") || exit 1
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The port was free a moment ago; another process may take it first, so
# a server that does not come up is started again on another port.
start_redis() {
	local_try=0
	while [ $local_try -lt 5 ]; do
		local_try=$((local_try + 1))
		port=$("$client" --free-port) || return 1
		redis-server --bind 127.0.0.1 --port "$port" --save '' \
		    --appendonly no --daemonize no --dir "$tmp" \
		    --logfile "$tmp/redis.log" &
		pid=$!
		i=0
		while [ $i -lt 50 ]; do # 5 s at most
			if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
				return 0
			fi
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	done
	echo "FAIL: redis-server did not answer PING; its log:"
	cat "$tmp/redis.log" 2>/dev/null
	return 1
}

start_redis || exit 1

failures=0
for be in epoll poll select; do
	no=
	for other in EPOLL POLL SELECT; do
		[ "$other" = "$(echo "$be" | tr a-z A-Z)" ] || no="$no EVENT_NO$other=1"
	done
	# shellcheck disable=SC2086
	if out=$(env $no timeout -k 5 30 "$client" "$port" 300 2>&1); then
		case $out in
		*"on $be"*) echo "ok: $out" ;;
		*) echo "FAIL: $be: wrong backend: $out"; failures=$((failures + 1)) ;;
		esac
	else
		echo "FAIL: $be: $out"
		failures=$((failures + 1))
	fi
done
[ $failures -eq 0 ] || exit 1
exit 0
