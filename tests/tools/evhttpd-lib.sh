# Helpers for the evhttpd tests (tests/tools/evhttpd-*.sh); sourced, not
# run.
#
# evcat-lib.sh's helpers (bg, fail/ok, port_from, finish, METHODS, ...)
# serve here too: it is sourced with EVCAT pointing at evhttpd.  Each
# server binds port 0 and the port is read from its "listening on" line.
#
# Environment: EVHTTPD (the binary; default
# $top_builddir/tools/evhttpd/evhttpd), EVHTTPD_TEST_METHODS (backends,
# default epoll poll select).

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
EVHTTPD=${EVHTTPD:-$top_builddir/tools/evhttpd/evhttpd}
EVCAT=$EVHTTPD
EVCAT_TEST_METHODS=${EVHTTPD_TEST_METHODS:-${EVCAT_TEST_METHODS:-}}
. "$top_srcdir/tests/tools/evcat-lib.sh"
# The project's netcat, for raw requests.
NETCAT=${NETCAT:-$top_builddir/tools/evcat/evcat}

# make_site: the served tree in $tmp/www, and $tmp/secret.txt outside it
# holding $SECRET, which no reply may ever contain.
make_site() {
	SECRET="secret-$$-$(date +%s%N)"
	www=$tmp/www
	mkdir -p "$www/sub" "$www/list" "$www/.git" "$www/empty"
	echo "$SECRET" >"$tmp/secret.txt"
	echo "$SECRET" >"$www/.git/config"
	echo "hidden $SECRET" >"$www/.env"
	echo "hello, world" >"$www/hello.txt"
	perl -e 'print map { chr(($_ * 7 + 3) % 256) } 0 .. 1023' >"$www/1k.bin"
	perl -e 'print map { chr(($_ * 13 + 5) % 256) } 0 .. 1048575' \
	    >"$www/1m.bin"
	echo '<!DOCTYPE html><title>sub index</title><p>sub index</p>' \
	    >"$www/sub/index.html"
	printf 'body { color: red }\n' >"$www/style.css"
	echo "plain text" >"$www/page.txt"
	printf 'compressed text\n' | gzip -9n >"$www/page.txt.gz"
	echo "a" >"$www/list/a.txt"
	echo "b" >"$www/list/b file.txt"
	echo "c" >"$www/list/<c&d>.txt"
	echo "e" >"$www/list/%41.txt"
	ln -s ../../secret.txt "$www/list/out-link"
	ln -s "$tmp" "$www/list/out-dir"
	ln -s ../hello.txt "$www/list/in-link"
}

# start_server METHOD [ARGS...]: evhttpd on port 0 serving $www (or the
# last argument when it is a directory); sets $port, $srv (the timeout
# wrapper's PID) and $srv_err.
nsrv=0
start_server() {
	m=$1
	shift
	nsrv=$((nsrv + 1))
	srv_err=$tmp/srv$nsrv.err
	bg "$EVHTTPD" --method "$m" -p 0 "$@" </dev/null 2>"$srv_err"
	srv=$bgpid
	if ! port=$(port_from "$srv_err"); then
		fail "$m: evhttpd did not start: $*"
		show "$srv_err"
		return 1
	fi
	base=http://127.0.0.1:$port
	return 0
}

# server_pid: the PID of evhttpd itself (the child of the wrapper).
server_pid() {
	pgrep -P "$srv" | head -n 1
}

# stop_server: SIGTERM and wait (20 s at most); $fstatus is the status.
stop_server() {
	kill "$srv" 2>/dev/null
	finish "$srv" 20
}

# get ARGS...: curl, bounded, headers in $tmp/h, body in $tmp/b; prints
# the status code.
get() {
	: >"$tmp/h"
	: >"$tmp/b"
	curl -s --max-time 5 -D "$tmp/h" -o "$tmp/b" -w '%{http_code}' "$@"
}

# header NAME: the value of header NAME in $tmp/h (last one, no CR).
header() {
	grep -i "^$1:" "$tmp/h" | tail -n 1 | sed 's/^[^:]*: *//' | tr -d '\r'
}

# raw REQUEST-FILE: send the bytes to the server, print what comes back
# until the server closes (5 s at most).
raw() {
	perl -MIO::Socket::INET -e '
	    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1",
	        PeerPort => $ARGV[0]) or die "connect: $!";
	    local $/; open(my $f, "<", $ARGV[1]) or die; my $req = <$f>;
	    print $s $req; alarm 5; my $buf;
	    while (sysread($s, $buf, 65536) > 0) { print $buf }' \
	    "$port" "$1"
}

# no_secret FILE...: $SECRET appears in none of them.
no_secret() {
	! grep -q "$SECRET" "$@" 2>/dev/null
}

# fan_out N ARGS...: N curl clients at once, each with ARGS (URLs and
# their -o); prints how many replies were 200.
fan_out() {
	nc=$1
	shift
	: >"$tmp/fan"
	cpids=
	while [ "$nc" -gt 0 ]; do
		curl -s --max-time 20 -w '%{http_code}\n' "$@" >>"$tmp/fan" &
		cpids="$cpids $!"
		nc=$((nc - 1))
	done
	# shellcheck disable=SC2086
	wait $cpids
	grep -c '^200$' "$tmp/fan"
}
