# Helpers of the evbench tests (evbench.sh, evbench-report.sh); sourced.
# EVBENCH may name another binary, e.g. one built against the system
# libevent.

. "${top_srcdir:-.}/tests/tools/test-lib.sh"
EVBENCH=${EVBENCH:-$top_builddir/tools/evbench/evbench}
LIMIT=60 # seconds for any one command

prog=$(basename "$EVBENCH")
if [ ! -x "$EVBENCH" ]; then
	echo "FAIL: $EVBENCH not built"
	exit 1
fi
BOUND="timeout -k 5 $LIMIT"
out=$tmp/out
err=$tmp/err
FAIL_SHOW="$out $err"

# The variables a test may set: none of them leaks in from outside.
unset EVENT_NOEPOLL EVENT_NOPOLL EVENT_NOSELECT EVENT_NODEVPOLL \
	EVENT_NOKQUEUE EVENT_NOEVPORT EVENT_NOWIN32 EVENT_NOIO_URING \
	EVENT_SHOW_METHOD EVENT_PRECISE_TIMER EVENT_EPOLL_USE_CHANGELIST

# run EXPECTED-STATUS ARGS...: run evbench, keep its output in $out, $err.
# run_env "NAME=VALUE ..." EXPECTED-STATUS ARGS...: the same, with those
# variables in its environment.
RUN_ENV=
run() {
	want=$1
	shift
	$BOUND env $RUN_ENV "$EVBENCH" "$@" >"$out" 2>"$err"
	status=$?
	if [ "$status" -ne "$want" ]; then
		fail "${RUN_ENV:+$RUN_ENV }evbench $* exited $status, not $want"
		return 1
	fi
	return 0
}

run_env() {
	RUN_ENV=$1
	shift
	run "$@"
	rc=$?
	RUN_ENV=
	return $rc
}

has() { # has FILE PATTERN: grep -E, quietly
	grep -Eq -- "$2" "$1"
}

