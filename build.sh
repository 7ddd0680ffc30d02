#!/bin/bash
# Builds evkit on a fresh Debian 12 machine and runs the benchmark or the
# tests.
#
#   ./build.sh bench     build, then run evbench over every backend
#   ./build.sh test      build and run everything, each part with its own
#                        "label: N passed, N failed" line, then the total:
#                          plain       make check as built (in-tree)
#                          sanitizers  make check under ASan+UBSan (with
#                                      LeakSanitizer), in build-sanitize/
#                          tsan        the Check cases that start threads,
#                                      per backend, under ThreadSanitizer,
#                                      in build-tsan/ (make tsan-check)
#                        make check runs the Check runner once per backend
#                        (epoll, epoll-changelist, poll, select, io_uring,
#                        debug mode; a backend not compiled in, or io_uring
#                        refused by the kernel, is a skip); the suites that
#                        make no event_base (dns_wire, http_parse, http_uri,
#                        tag) run in the epoll pass only.
#                          fuzz        each libFuzzer target for
#                                      EVKIT_FUZZ_SECONDS, in build-fuzz/
#                                      (make fuzz; a skip without clang)
#                        make check includes the allocation-failure sweep
#                        tests/allocfail/allocfail.
#   ./build.sh sanitize  only the ASan+UBSan pass
#   ./build.sh tsan      only the ThreadSanitizer pass
#   ./build.sh fuzz      only the fuzzing pass
#   ./build.sh deps      only install the missing Debian packages
#
# Missing packages are installed with apt-get (through sudo when not root);
# a machine that has them all does no apt work.  autoreconf and configure
# run only when their outputs are missing or stale, so running the script
# again only rebuilds what changed.
#
# Environment: CONFIGURE_FLAGS (extra ./configure arguments),
# EVKIT_TEST_TIMEOUT (seconds allowed for each make check, tsan-check or
# fuzz, default 1800), EVKIT_FUZZ_SECONDS (per fuzz target, default 15;
# 0 skips fuzzing), EVKIT_NO_DEPS=1 (never touch packages),
# EVKIT_NO_SANITIZE=1 (test: skip the ASan pass), EVKIT_NO_TSAN=1 (test:
# skip the TSan pass).

set -u

cd "$(dirname "$0")" || exit 1
top=$(pwd)

jobs=$(nproc 2>/dev/null || echo 2)
test_timeout=${EVKIT_TEST_TIMEOUT:-1800}
fuzz_seconds=${EVKIT_FUZZ_SECONDS:-15}

# Packages the build, the tests and the comparisons need.
packages=(
	autoconf automake libtool pkg-config make gcc g++ libc6-dev
	check libsubunit-dev libedit-dev
	mandoc clang-format libevent-dev
	clang libclang-rt-14-dev
	valgrind strace netcat-openbsd socat ncat tmux time curl iproute2
	microsocks tinyproxy
	libhiredis-dev redis-server
	nsd dnsperf knot-dnsutils adns-tools bind9-dnsutils jq bc
	wrk chromium
	python3 bsdutils
	libssl-dev openssl
)

say() {
	echo "build.sh: $*" >&2
}

die() {
	say "$*"
	exit 1
}

usage() {
	echo "usage: ./build.sh bench | test | sanitize | tsan | fuzz | deps" >&2
	exit 2
}

missing_packages() {
	local p status
	for p in "${packages[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
		[ "$status" = installed ] || echo "$p"
	done
}

ensure_deps() {
	[ "${EVKIT_NO_DEPS:-}" = 1 ] && return 0
	if ! command -v dpkg-query >/dev/null 2>&1; then
		# Not Debian: check the essential commands and hope for the rest.
		local c
		for c in autoreconf make cc pkg-config; do
			command -v "$c" >/dev/null 2>&1 ||
			    die "$c is missing; install: ${packages[*]}"
		done
		return 0
	fi

	local missing
	missing=$(missing_packages | tr '\n' ' ')
	[ -z "${missing// /}" ] && return 0

	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo=(sudo -n)
			if ! sudo -n true 2>/dev/null; then
				# sudo wants a password: ask for it, if anyone can answer.
				[ -t 0 ] || die "missing packages: $missing" \
				    "(sudo needs a password; run: sudo apt-get install $missing)"
				sudo=(sudo)
			fi
		else
			die "missing packages: $missing (as root, run: apt-get install -y $missing)"
		fi
	fi

	say "installing: $missing"
	export DEBIAN_FRONTEND=noninteractive
	local log
	log=$(mktemp) || die "mktemp failed"
	# shellcheck disable=SC2086
	if ! "${sudo[@]}" apt-get update -qq </dev/null >"$log" 2>&1 ||
	    ! "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
		$missing </dev/null >>"$log" 2>&1; then
		cat "$log" >&2
		rm -f "$log"
		die "apt-get failed; missing: $missing"
	fi
	rm -f "$log"
	missing=$(missing_packages | tr '\n' ' ')
	[ -z "${missing// /}" ] || die "still missing after apt-get: $missing"
}

# evbench counts system calls through the raw_syscalls tracepoint, whose
# id it reads from tracefs.  As root, mount tracefs where the kernel
# offers it and nothing is mounted yet (a fresh machine often has the
# empty directory only); otherwise evbench says why it cannot count.
ensure_tracefs() {
	local dir=/sys/kernel/tracing
	[ "$(id -u)" -eq 0 ] || return 0
	[ -d "$dir" ] && [ ! -e "$dir/events" ] || return 0
	if mount -t tracefs tracefs "$dir" 2>/dev/null; then
		say "mounted tracefs on $dir for evbench's system call counts"
	fi
	return 0
}

# Is $1 missing, or older than any of the files that follow?
stale() {
	local out=$1 f
	shift
	[ -e "$out" ] || return 0
	for f in "$@"; do
		[ -e "$f" ] && [ "$f" -nt "$out" ] && return 0
	done
	return 1
}

# autoreconf in the source tree, only when configure is out of date.
ensure_configure_script() {
	# shellcheck disable=SC2046
	if stale configure configure.ac Makefile.am $(ls ./*/local.mk 2>/dev/null) m4/*.m4; then
		say "autoreconf"
		mkdir -p m4 build-aux
		local log
		log=$(mktemp) || die "mktemp failed"
		if ! autoreconf -fi >"$log" 2>&1; then
			cat "$log" >&2
			rm -f "$log"
			die "autoreconf failed"
		fi
		rm -f "$log"
	fi
}

# Configures build directory $1 (relative to the source tree $2) with the
# extra arguments that follow, when not configured yet or out of date.
ensure_configured() {
	local builddir=$1 srcdir=$2
	shift 2
	mkdir -p "$builddir" || die "cannot create $builddir"
	if stale "$builddir/Makefile" "$srcdir/configure" ||
	    stale "$builddir/config.status" "$srcdir/configure"; then
		say "configure${*:+ $*} in $builddir"
		local conf=$srcdir/configure
		[ "$builddir" -ef "$srcdir" ] && conf=./configure
		# shellcheck disable=SC2086
		(cd "$builddir" && "$conf" -q "$@" ${CONFIGURE_FLAGS:-}) || {
			[ -f "$builddir/config.log" ] && tail -n 40 "$builddir/config.log" >&2
			die "configure failed (see $builddir/config.log)"
		}
	fi
}

build() {
	local builddir=$1
	say "make -j$jobs in $builddir"
	make -C "$builddir" -s -j"$jobs" || die "build failed"
}

# Runs make check in $1, prints the failed tests' logs, then the summary
# line last (after "$2: " when a label is given); returns make check's
# status.
run_tests() {
	local builddir=$1 status
	say "make check in $builddir"
	if [ -t 0 ]; then
		# Interactive: keep make in the foreground so ^C reaches it.
		make -C "$builddir" -s -j"$jobs" check
		status=$?
	else
		timeout -k 10 "$test_timeout" make -C "$builddir" -s -j"$jobs" check
		status=$?
	fi
	[ $status -eq 124 ] && say "make check took over ${test_timeout}s; stopped"
	if [ $status -ne 0 ] && [ -f "$builddir/test-suite.log" ]; then
		echo "----- $builddir/test-suite.log (last 300 lines) -----"
		tail -n 300 "$builddir/test-suite.log"
		echo "-----"
	fi
	if [ -n "${2:-}" ]; then
		echo "$2: $("$top/tests/summary.sh" "$builddir" | tail -n 1)"
	else
		"$top/tests/summary.sh" "$builddir"
	fi
	return $status
}

# A build failure still ends with a summary line, counted as one failure.
build_or_report() {
	if ! (build "$1"); then
		echo "0 passed, 1 failed"
		exit 1
	fi
}

# Prepares build directory $1 for an out-of-tree build configured with the
# arguments that follow; sets $src to the source tree it builds.
prepare_out_of_tree() {
	local builddir=$1 name
	shift
	name=$(basename "$builddir")
	# automake refuses an out-of-tree build of a source tree that is
	# itself configured (as ./build.sh test leaves it).  Then the build
	# uses a copy of the distributed sources made by `make distdir`
	# (mtimes kept, so unchanged files are not rebuilt).
	if [ -f "$top/config.status" ]; then
		ensure_configured "$top" "$top"
		mkdir -p "$builddir" || die "cannot create $builddir"
		make -s distdir distdir="$name/src" >/dev/null ||
		    die "make distdir failed: the $name build needs a" \
			"complete dist list, or an unconfigured tree (make distclean)"
		src=$builddir/src
	else
		src=$top
	fi
	# A build configured against the other source location is redone.
	if [ -f "$builddir/Makefile" ]; then
		old=$(sed -n 's/^abs_top_srcdir = //p' "$builddir/Makefile")
		if [ -z "$old" ] || ! [ "$old" -ef "$src" ]; then
			say "$name/ was configured for ${old:-?}; starting afresh"
			make -C "$builddir" -s distclean >/dev/null 2>&1
			rm -f "$builddir/Makefile" "$builddir/config.status"
		fi
	fi
	ensure_configured "$builddir" "$src" "$@"
}

# Prepares and builds build-sanitize/ (ASan + UBSan); sets $sb.
sanitize_build() {
	sb=$top/build-sanitize
	prepare_out_of_tree "$sb" --enable-sanitizers
	build_or_report "$sb"
}

# ThreadSanitizer over the cases that start threads, once per backend, in
# build-tsan/ (only the library and the Check runner are built there).
# Sets $tb; prints "tsan: N passed, N failed" and returns the status.
tsan_tests() {
	local status
	tb=$top/build-tsan
	prepare_out_of_tree "$tb" --enable-sanitizers=thread
	say "make tsan-check in $tb"
	timeout -k 10 "$test_timeout" make -C "$tb" -s -j"$jobs" tsan-check
	status=$?
	if [ $status -ne 0 ] && [ -f "$tb/test-suite.log" ]; then
		echo "----- $tb/test-suite.log (last 300 lines) -----"
		tail -n 300 "$tb/test-suite.log"
		echo "-----"
	fi
	# A failure that no test log shows (the build) still counts.
	rm -f "$tb/tests/tsan-make.log" "$tb/tests/tsan-make.trs"
	if [ $status -ne 0 ] &&
	    [[ $("$top/tests/summary.sh" "$tb") =~ ^[0-9]+\ passed,\ 0\ failed ]]; then
		record_result "$tb/tests/tsan-make" FAIL "make tsan-check failed ($status)"
	fi
	echo "tsan: $("$top/tests/summary.sh" "$tb" | tail -n 1)"
	return $status
}

# record_result BASE PASS|FAIL|SKIP MESSAGE: writes BASE.log and BASE.trs
# as the automake harness would, so tests/summary.sh counts the result.
record_result() {
	mkdir -p "$(dirname "$1")"
	echo "$3" >"$1.log"
	printf ':test-result: %s\n:global-test-result: %s\n' "$2" "$2" >"$1.trs"
}

# libFuzzer: every tests/fuzz/fuzz_<name>.c for $fuzz_seconds each, built
# in build-fuzz/ (tests/fuzz/run.sh; a missing clang counts as a skip).
# Sets $fb; prints "fuzz: N passed, N failed" and returns the status.
fuzz_tests() {
	local status
	fb=$top/build-fuzz
	say "make fuzz, ${fuzz_seconds}s per target"
	FUZZ_BUILDDIR=$fb timeout -k 10 "$test_timeout" \
	    make -C "$top" -s fuzz FUZZ_SECONDS="$fuzz_seconds"
	status=$?
	if [ $status -ne 0 ] &&
	    [[ $("$top/tests/summary.sh" "$fb") =~ ^[0-9]+\ passed,\ 0\ failed ]]; then
		record_result "$fb/tests/fuzz-make" FAIL "make fuzz failed ($status)"
	fi
	echo "fuzz: $("$top/tests/summary.sh" "$fb" | tail -n 1)"
	return $status
}

[ $# -eq 1 ] || usage
case $1 in
deps)
	ensure_deps
	;;
bench)
	ensure_deps
	ensure_configure_script
	ensure_configured "$top" "$top"
	build "$top"
	[ -x tools/evbench/evbench ] || die "tools/evbench/evbench was not built"
	ensure_tracefs
	./tools/evbench/evbench
	;;
test)
	# The whole suite: once as built, once more under ASan and UBSan.
	ensure_deps
	ensure_configure_script
	ensure_configured "$top" "$top"
	build_or_report "$top"
	run_tests "$top" plain
	status=$?
	[ "${EVKIT_NO_SANITIZE:-}" = 1 ] || {
		sanitize_build
		run_tests "$sb" sanitizers || status=$?
	}
	[ "${EVKIT_NO_TSAN:-}" = 1 ] || tsan_tests || status=$?
	[ "$fuzz_seconds" = 0 ] || fuzz_tests || status=$?
	"$top/tests/summary.sh" "$top" ${sb:+"$sb"} ${tb:+"$tb"} ${fb:+"$fb"}
	exit $status
	;;
sanitize)
	ensure_deps
	ensure_configure_script
	sanitize_build
	run_tests "$sb"
	exit $?
	;;
fuzz)
	ensure_deps
	ensure_configure_script
	ensure_configured "$top" "$top"
	build_or_report "$top"
	fuzz_tests
	status=$?
	"$top/tests/summary.sh" "$fb"
	exit $status
	;;
tsan)
	ensure_deps
	ensure_configure_script
	tsan_tests
	status=$?
	"$top/tests/summary.sh" "$tb"
	exit $status
	;;
*)
	usage
	;;
esac
