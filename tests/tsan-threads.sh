#!/bin/sh
# tsan-threads.sh BACKEND: the Check cases that start threads, run with
# one backend in a ThreadSanitizer build (./configure
# --enable-sanitizers=thread; ./build.sh test does it in build-tsan/).
#
# Each selection runs the runner once through run-backend.sh, so the log
# holds one Check total per selection and tests/summary.sh counts every
# check.  A ThreadSanitizer report stops the test process at once
# (halt_on_error) and fails the check; the script also fails when one
# shows up anywhere in the output.  tests/tsan.supp lists the races that
# are known and being removed elsewhere.

backend=${1:?usage: tsan-threads.sh BACKEND}
top_srcdir=${top_srcdir:-$(dirname "$0")/..}

TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$top_srcdir/tests/tsan.supp${TSAN_OPTIONS:+ $TSAN_OPTIONS}"
# Check's per-test timeouts are sized for plain builds.
CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-4}
export TSAN_OPTIONS CK_TIMEOUT_MULTIPLIER

# suite[/case]: the cases that use threads.
selections="thread loop/threaded signal buffer/locking bufferevent/threads
listener/listener_thread reuse/threads dns/threads
ssl/threads"

out=$(mktemp "${TMPDIR:-/tmp}/evkit-tsan.XXXXXX") || exit 99
trap 'rm -f "$out"' EXIT

status=0
for sel in $selections; do
	suite=${sel%%/*}
	case $sel in
	*/*) tcase=${sel#*/} ;;
	*) tcase= ;;
	esac
	echo "== $backend: $sel"
	(
		CK_RUN_SUITE=$suite
		export CK_RUN_SUITE
		if [ -n "$tcase" ]; then
			CK_RUN_CASE=$tcase
			export CK_RUN_CASE
		else
			unset CK_RUN_CASE
		fi
		exec "${SHELL:-/bin/sh}" "$top_srcdir/tests/run-backend.sh" "$backend"
	) >"$out" 2>&1
	rc=$?
	cat "$out"
	case $rc in
	0) ;;
	77) [ $status -eq 0 ] && status=77 ;;
	*) status=1 ;;
	esac
	if grep -q "ThreadSanitizer" "$out"; then
		echo "tsan-threads.sh: ThreadSanitizer reported on $sel" >&2
		status=1
	fi
	if ! grep -q "Checks: [1-9]" "$out" && [ $rc -ne 77 ]; then
		echo "tsan-threads.sh: no check ran for $sel" >&2
		status=1
	fi
done
exit $status
