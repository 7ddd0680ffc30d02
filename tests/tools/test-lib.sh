# Helpers for the shell tests (tests/tools/*.sh, tests/ssl-openssl.sh);
# sourced, not run.  evcat-lib.sh sources it; a test that needs no tool
# sources it alone.
#
# Every process a test starts in the background goes through `bg`, runs
# under timeout(1), and is killed by PID at exit.  Listeners bind port 0
# and the tests read the port from their stderr.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
LIMIT=20 # seconds any one command may take
# Seconds a background command (a server most often) may live: it serves
# a whole phase of a test, which on a loaded machine takes well over
# LIMIT, and is stopped by the test (finish, stop_server) or at exit.
BG_LIMIT=300

if ! command -v timeout >/dev/null 2>&1; then
	echo "SKIP: timeout(1) not found"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evkit-test.XXXXXX") || exit 99
pids=
failures=0

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# fail WHAT: report and count a failure, showing the files named in
# $FAIL_SHOW (a test's $out and $err, say) with it.
FAIL_SHOW=
fail() {
	echo "FAIL: $*"
	[ -z "$FAIL_SHOW" ] || show $FAIL_SHOW
	failures=$((failures + 1))
}

ok() {
	echo "ok: $*"
}

# show FILE...: a file's contents in a failure report.
show() {
	for f in "$@"; do
		echo "--- $f"
		head -c 2000 "$f" 2>/dev/null
	done
}

# have CMD: whether a peer program is installed.
have() {
	command -v "$1" >/dev/null 2>&1
}

# need CMD...: skip the test without these programs.
need() {
	for c in "$@"; do
		if ! have "$c"; then
			echo "SKIP: $c not installed"
			exit 77
		fi
	done
}

# bg CMD...: run CMD in the background, bounded by BG_LIMIT; $bgpid is
# its PID.  Redirections given to bg apply to CMD; stdin goes through fd 3
# because a background command of a non-interactive shell otherwise reads
# /dev/null.  $bgpid is timeout(1)'s, which passes a test's SIGTERM on to
# CMD and then starts its -k clock: 5 s killed a correct but slow exit
# (evhttpd under ASan on a loaded machine, status 137), so CMD gets 30 s,
# more than finish() waits, and a real hang still shows as one.
bg() {
	{ timeout -k 30 "$BG_LIMIT" "$@" <&3 3<&- & } 3<&0
	bgpid=$!
	pids="$pids $bgpid"
}

# poll_until TENTHS CMD...: run CMD every 0.1 s until it succeeds, TENTHS
# times at most; its status.  Every bounded wait below is one.
poll_until() {
	poll_n=$1
	shift
	while [ "$poll_n" -gt 0 ]; do
		"$@" && return 0
		poll_n=$((poll_n - 1))
		[ "$poll_n" -gt 0 ] && sleep 0.1
	done
	return 1
}

# port_from FILE: wait up to 5 s until FILE shows a listening port and
# print it.  It reads evcat's "listening on ADDR:PORT", nc's "Listening on
# ADDR PORT", socat's "listening on AF=2 ADDR:PORT" and openssl s_server's
# "ACCEPT ADDR:PORT".
port_from() {
	poll_until 50 port_now "$1"
}

port_now() {
	p=$(sed -n \
	    -e 's/^.*[Ll]istening on .*:\([0-9][0-9]*\).*$/\1/p' \
	    -e 's/^Listening on [^ ]* \([0-9][0-9]*\)$/\1/p' \
	    -e 's/^Bound on [^ ]* \([0-9][0-9]*\)$/\1/p' \
	    -e 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' \
	    "$1" 2>/dev/null | head -n 1)
	[ -n "$p" ] && echo "$p"
}

# wait_for FILE PATTERN: up to 5 s until FILE has a line matching PATTERN.
wait_for() {
	poll_until 50 grep -q "$2" "$1" 2>/dev/null
}

# wait_size FILE BYTES: up to 10 s until FILE holds BYTES bytes or more.
wait_size() {
	poll_until 100 size_reached "$1" "$2"
}

size_reached() {
	[ "$(wc -c <"$1" 2>/dev/null || echo 0)" -ge "$2" ]
}

# finish PID SECONDS: wait for PID at most SECONDS; kill it if it is still
# running.  $fstatus is its exit status (124 when it had to be killed).
finish() {
	if ! poll_until $(($2 * 10 + 1)) exited "$1"; then
		kill "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		fstatus=124
		return 1
	fi
	wait "$1"
	fstatus=$?
	return 0
}

# exited PID: whether PID has ended.
exited() {
	! kill -0 "$1" 2>/dev/null
}

# done_tests: the exit status from the failure count.
done_tests() {
	if [ "$failures" -ne 0 ]; then
		echo "$failures failure(s)"
		exit 1
	fi
	exit 0
}
