#!/bin/bash
# Builds evkit on a fresh Debian 12 machine and runs the benchmark or the
# tests.
#
#   ./build.sh bench     build, then run evbench over every backend
#   ./build.sh test      build, run `make check` as built and again under
#                        ASan+UBSan, print "N passed, N failed" for both
#   ./build.sh sanitize  as test, in build-sanitize/ with --enable-sanitizers
#   ./build.sh deps      only install the missing Debian packages
#
# Missing packages are installed with apt-get (through sudo when not root);
# a machine that has them all does no apt work.  autoreconf and configure
# run only when their outputs are missing or stale, so running the script
# again only rebuilds what changed.
#
# Environment: CONFIGURE_FLAGS (extra ./configure arguments),
# EVKIT_TEST_TIMEOUT (seconds allowed for a non-interactive make check,
# default 1800),
# EVKIT_NO_DEPS=1 (never touch packages), EVKIT_NO_SANITIZE=1 (test: skip
# the sanitizer pass).

set -u

cd "$(dirname "$0")" || exit 1
top=$(pwd)

jobs=$(nproc 2>/dev/null || echo 2)
test_timeout=${EVKIT_TEST_TIMEOUT:-1800}

# Packages the build, the tests and the comparisons need.
packages=(
	autoconf automake libtool pkg-config make gcc g++ libc6-dev
	check libsubunit-dev libedit-dev
	mandoc clang-format libevent-dev
	valgrind strace netcat-openbsd socat ncat tmux time curl
	libhiredis-dev redis-server
)

say() {
	echo "build.sh: $*" >&2
}

die() {
	say "$*"
	exit 1
}

usage() {
	echo "usage: ./build.sh bench | test | sanitize | deps" >&2
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

# Prepares and builds build-sanitize/ (ASan + UBSan); sets $sb.
sanitize_build() {
	sb=$top/build-sanitize
	# automake refuses an out-of-tree build of a source tree that is
	# itself configured (as ./build.sh test leaves it).  Then the build
	# uses a copy of the distributed sources made by `make distdir`
	# (mtimes kept, so unchanged files are not rebuilt).
	if [ -f "$top/config.status" ]; then
		ensure_configured "$top" "$top"
		mkdir -p "$sb" || die "cannot create $sb"
		make -s distdir distdir=build-sanitize/src >/dev/null ||
		    die "make distdir failed: the sanitizer build needs a" \
			"complete dist list, or an unconfigured tree (make distclean)"
		src=$sb/src
	else
		src=$top
	fi
	# A build configured against the other source location is redone.
	if [ -f "$sb/Makefile" ]; then
		old=$(sed -n 's/^abs_top_srcdir = //p' "$sb/Makefile")
		if [ -z "$old" ] || ! [ "$old" -ef "$src" ]; then
			say "build-sanitize/ was configured for ${old:-?}; starting afresh"
			make -C "$sb" -s distclean >/dev/null 2>&1
			rm -f "$sb/Makefile" "$sb/config.status"
		fi
	fi
	ensure_configured "$sb" "$src" --enable-sanitizers
	build_or_report "$sb"
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
	"$top/tests/summary.sh" "$top" ${sb:+"$sb"}
	exit $status
	;;
sanitize)
	ensure_deps
	ensure_configure_script
	sanitize_build
	run_tests "$sb"
	exit $?
	;;
*)
	usage
	;;
esac
