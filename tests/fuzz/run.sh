#!/bin/bash
# tests/fuzz/run.sh: builds every tests/fuzz/fuzz_<name>.c with libFuzzer
# and runs each for FUZZ_SECONDS (default 15).  `make fuzz` runs it.
#
# A harness defines LLVMFuzzerTestOneInput and names, in a comment in its
# first lines, the sources outside lib/ it needs:
#     /* fuzz-sources: tools/evcat/options.c tools/common/cli.c */
# (paths relative to the top directory; the list may be empty).  The
# library's sources (LIB_SOURCES, as lib/local.mk lists them) are always
# compiled in, with -fsanitize=fuzzer-no-link,address,undefined.
#
# A harness may also name, in the same first lines, .rpc files whose
# generated code it uses:
#     /* fuzz-rpc: tests/tools/evrpcgen-all.rpc */
# run.sh builds tools/evrpcgen and generates NAME.gen.c and NAME.gen.h
# into $FUZZ_BUILDDIR/gen/<target>/, which is on the include path.
#
# Seeds come from tests/fuzz/corpus/<name>/ when it exists; what the
# fuzzer finds is kept in $FUZZ_BUILDDIR/corpus/<name>/, crashes in
# $FUZZ_BUILDDIR/artifacts/.  Each target's result goes to
# $FUZZ_BUILDDIR/tests/fuzz-<name>.log and .trs, where tests/summary.sh
# counts it (a missing clang is one skip).
#
# Environment: top_srcdir, top_builddir (where config.h is), LIB_SOURCES,
# FUZZ_SECONDS, FUZZ_BUILDDIR (default $top_builddir/build-fuzz), CLANG,
# FUZZ_TARGETS (names to run; default all).  Exits non-zero when a target
# failed to build or found a crash.

set -u

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
top_srcdir=$(cd "$top_srcdir" && pwd)
top_builddir=$(cd "$top_builddir" && pwd)
out=${FUZZ_BUILDDIR:-$top_builddir/build-fuzz}
seconds=${FUZZ_SECONDS:-15}
clang=${CLANG:-}

result() { # NAME PASS|FAIL|SKIP MESSAGE-FILE-OR-TEXT
	mkdir -p "$out/tests"
	printf ':test-result: %s\n:global-test-result: %s\n' "$2" "$2" \
	    >"$out/tests/fuzz-$1.trs"
	echo "$2: fuzz $1${3:+: $3}"
}

mkdir -p "$out/tests" || exit 1
rm -f "$out"/tests/fuzz-*.log "$out"/tests/fuzz-*.trs

if [ -z "$clang" ]; then
	for c in clang clang-14 clang-15 clang-16; do
		command -v "$c" >/dev/null 2>&1 && { clang=$c; break; }
	done
fi
probe=$out/probe
if [ -z "$clang" ] ||
    ! printf 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n' |
	"$clang" -x c -fsanitize=fuzzer,address,undefined -o "$probe" - \
	    >/dev/null 2>&1; then
	echo "note: no clang with libFuzzer (install clang and libclang-rt-dev); fuzzing skipped" \
	    >"$out/tests/fuzz-clang.log"
	result clang SKIP "$(cat "$out/tests/fuzz-clang.log")"
	exit 0
fi
rm -f "$probe"

if [ -z "${LIB_SOURCES:-}" ]; then
	# Outside make: the sources lib/*.mk list.
	LIB_SOURCES=$(cat "$top_srcdir"/lib/*.mk | grep -o 'lib/[A-Za-z0-9_./-]*\.c' |
	    sort -u)
fi

cflags=(-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all
	-I"$top_srcdir/lib/include" -I"$top_builddir/lib/include"
	-I"$top_srcdir/lib" -I"$top_builddir" -DHAVE_CONFIG_H)
# What a harness of a tool needs besides (tools/common/cli.h, and the top
# directory for "tools/<tool>/<tool>.h").
tool_cflags=(-I"$top_srcdir/tools/common" -I"$top_srcdir")

# The library, once for every target.
mkdir -p "$out/obj" || exit 1
objs=()
for src in $LIB_SOURCES; do
	case $src in *.c) ;; *) continue ;; esac
	obj=$out/obj/$(echo "${src%.c}" | tr / _).o
	if [ ! -f "$obj" ] || [ "$top_srcdir/$src" -nt "$obj" ] ||
	    [ -n "$(find "$top_srcdir/lib" -name '*.h' -newer "$obj" 2>/dev/null | head -n 1)" ]; then
		"$clang" "${cflags[@]}" -fsanitize=fuzzer-no-link,address,undefined \
		    -c "$top_srcdir/$src" -o "$obj" || {
			echo "fuzz: $src does not build" >&2
			result lib FAIL "library build failed"
			exit 1
		}
	fi
	objs+=("$obj")
done

status=0
for harness in "$top_srcdir"/tests/fuzz/fuzz_*.c; do
	[ -f "$harness" ] || continue
	name=$(basename "$harness" .c)
	name=${name#fuzz_}
	if [ -n "${FUZZ_TARGETS:-}" ] && ! [[ " $FUZZ_TARGETS " == *" $name "* ]]; then
		continue
	fi
	log=$out/tests/fuzz-$name.log
	extra=$(head -n 5 "$harness" | sed -n 's|.*fuzz-sources:\(.*\)\*/.*|\1|p')
	srcs=()
	for s in $extra; do
		srcs+=("$top_srcdir/$s")
	done
	rpcs=$(head -n 5 "$harness" | sed -n 's|.*fuzz-rpc:\(.*\)\*/.*|\1|p')
	gen_cflags=()
	if [ -n "$rpcs" ]; then
		gen=$out/gen/$name
		mkdir -p "$gen"
		if ! "$clang" -O1 -o "$out/evrpcgen" "$top_srcdir"/tools/evrpcgen/*.c \
		    >"$log" 2>&1; then
			cat "$log" >&2
			result "$name" FAIL "evrpcgen does not build"
			status=1
			continue
		fi
		for r in $rpcs; do
			base=$(basename "$r" .rpc)
			"$out/evrpcgen" "$top_srcdir/$r" "$gen/$base.gen.h" \
			    "$gen/$base.gen.c" >>"$log" 2>&1 || {
				cat "$log" >&2
				result "$name" FAIL "evrpcgen failed on $r"
				status=1
				continue 2
			}
			srcs+=("$gen/$base.gen.c")
		done
		gen_cflags=(-I"$gen")
	fi
	bin=$out/fuzz_$name
	if ! "$clang" "${cflags[@]}" "${tool_cflags[@]}" "${gen_cflags[@]}" \
	    -fsanitize=fuzzer,address,undefined \
	    "$harness" "${srcs[@]}" "${objs[@]}" -lpthread -o "$bin" >"$log" 2>&1; then
		cat "$log" >&2
		result "$name" FAIL "does not build"
		status=1
		continue
	fi
	corpus=$out/corpus/$name
	mkdir -p "$corpus" "$out/artifacts"
	seeds=()
	[ -d "$top_srcdir/tests/fuzz/corpus/$name" ] &&
	    seeds=("$top_srcdir/tests/fuzz/corpus/$name")
	# Past the budget, a run that has not stopped by itself is a hang.
	timeout -k 5 $((seconds + 60)) "$bin" -max_total_time="$seconds" \
	    -timeout=10 -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
	    -artifact_prefix="$out/artifacts/$name-" \
	    "$corpus" "${seeds[@]}" >>"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		result "$name" PASS "${runs:-?} runs in ${seconds}s"
	else
		echo "----- $log (last 60 lines) -----" >&2
		tail -n 60 "$log" >&2
		result "$name" FAIL "exit $rc; crash inputs in $out/artifacts/"
		status=1
	fi
done
exit $status
