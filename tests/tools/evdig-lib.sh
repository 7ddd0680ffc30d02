# Helpers for the evdig tests (tests/tools/evdig-*.sh); sourced, not run.
#
# evcat-lib.sh's helpers (bg, fail/ok, free_port, finish, METHODS, ...)
# work for any of our tools: it is sourced with EVCAT pointing at evdig.
# dns-server-lib.sh starts NSD with the generated zone.
#
# Environment: EVDIG (the binary; default $top_builddir/tools/evdig/evdig).

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
EVDIG=${EVDIG:-$top_builddir/tools/evdig/evdig}
EVCAT=$EVDIG
. "$top_srcdir/tests/tools/evcat-lib.sh"
. "$top_srcdir/tests/tools/dns-server-lib.sh"
unset EVDIG_RESOLV_CONF

# ev ARGS...: evdig, bounded by timeout.
ev() {
	timeout -k 5 "$LIMIT" "$EVDIG" "$@"
}

# start_dns NHOSTS: NSD with the zone on $dns_port (killed at exit).
start_dns() {
	need nsd dig perl awk
	DNS_SERVER_LIMIT=600
	dns_zone "$tmp/zone" "$1" || { echo "FAIL: cannot write the zone"; exit 1; }
	if ! dns_server_start "$tmp/zone"; then
		echo "FAIL: nsd did not start"
		exit 1
	fi
	pids="$pids $dns_pid"
	S="@127.0.0.1 -p $dns_port"
}

# both ARGS...: dig and evdig with the same arguments against the test
# server; outputs in $tmp/dig.out and $tmp/evdig.out, statuses in
# $dig_st and $evdig_st.
both() {
	timeout -k 5 "$LIMIT" dig $S "$@" >"$tmp/dig.out" 2>&1
	dig_st=$?
	timeout -k 5 "$LIMIT" "$EVDIG" $S "$@" >"$tmp/evdig.out" 2>&1
	evdig_st=$?
}

# same LABEL: the two outputs of `both` are equal (and the statuses).
same() {
	if cmp -s "$tmp/dig.out" "$tmp/evdig.out" && [ $dig_st = $evdig_st ]
	then
		ok "$1"
	else
		fail "$1"
		diff "$tmp/dig.out" "$tmp/evdig.out" | head -20
	fi
}
