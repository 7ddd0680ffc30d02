#!/bin/sh
# Prints one line, "N passed, N failed" (", N skipped" when some were),
# from the automake test logs of a build tree: the last line of output.
#
# usage: tests/summary.sh [BUILDDIR...]
# Without arguments it reads $top_builddir (default: the tree this script
# is in).  Each BUILDDIR's tests/*.log and tests/tools/*.log are read.
#
# A log holding Check totals ("100%: Checks: 57, Failures: 0, Errors: 0",
# possibly several) counts its individual checks; any other test counts
# once, from the :test-result: lines of its .trs file.  A test whose .trs
# says it failed counts at least one failure even when its log shows no
# failing check (a runner that crashed or leaked).

if [ $# -eq 0 ]; then
	set -- "${top_builddir:-$(dirname "$0")/..}"
fi

passed=0
failed=0
skipped=0

for dir in "$@"; do
	for log in "$dir"/tests/*.log "$dir"/tests/tools/*.log; do
		[ -f "$log" ] || continue
		trs=${log%.log}.trs
		# Only test logs have a .trs (test-suite.log has none).
		[ -f "$trs" ] || continue

		results=$(sed -n 's/^:test-result: *\([A-Z]*\).*/\1/p' "$trs")
		t_pass=0
		t_fail=0
		t_skip=0
		for r in $results; do
			case $r in
			PASS | XFAIL) t_pass=$((t_pass + 1)) ;;
			SKIP) t_skip=$((t_skip + 1)) ;;
			*) t_fail=$((t_fail + 1)) ;; # FAIL, XPASS, ERROR
			esac
		done

		totals=$(grep -Eo '[0-9]+%: Checks: [0-9]+, Failures: [0-9]+, Errors: [0-9]+' "$log" |
		    sed 's/.*Checks: \([0-9]*\), Failures: \([0-9]*\), Errors: \([0-9]*\)/\1 \2 \3/')
		if [ -n "$totals" ]; then
			c_pass=0
			c_fail=0
			while read -r checks failures errors; do
				c_pass=$((c_pass + checks - failures - errors))
				c_fail=$((c_fail + failures + errors))
			done <<EOT
$totals
EOT
			if [ $t_fail -gt 0 ] && [ $c_fail -eq 0 ]; then
				c_fail=1
			fi
			passed=$((passed + c_pass))
			failed=$((failed + c_fail))
		else
			passed=$((passed + t_pass))
			failed=$((failed + t_fail))
			skipped=$((skipped + t_skip))
		fi
	done
done

if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
