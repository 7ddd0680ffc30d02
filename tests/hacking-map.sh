#!/bin/sh
# HACKING.md is the map of the tree; this catches it drifting.
#
# 1. Every library file (lib/*.c, lib/*.h, lib/*.mk) is named in
#    HACKING.md by its path (lib/NAME), so a new file cannot go
#    unmapped.
# 2. Every path HACKING.md names under lib/, tools/, tests/, bench/,
#    examples/ or man/ exists in the source or the build tree.  Patterns
#    (tests/check_<module>.c, bench/*.c, lib/include/event2/{a,b}.h) are
#    not paths and are skipped.
#
# Run by `make check` with top_srcdir and top_builddir in the environment;
# exits 0 when the map and the tree agree, 1 with the differences.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
top_builddir=${top_builddir:-.}
map=$top_srcdir/HACKING.md

# Files named in the map before they reach this tree (another branch adds
# them); normally empty.
optional=""

if [ ! -f "$map" ]; then
	echo "hacking-map: $map is missing"
	exit 1
fi

failed=0
count=0

# 1. lib/ -> HACKING.md
for f in "$top_srcdir"/lib/*.c "$top_srcdir"/lib/*.h "$top_srcdir"/lib/*.mk; do
	[ -f "$f" ] || continue
	name=lib/${f##*/}
	count=$((count + 1))
	if ! grep -F -- "$name" "$map" |
	    grep -Eq "(^|[^A-Za-z0-9_./-])$(printf '%s' "$name" | sed 's/[.]/[.]/g')([^A-Za-z0-9_-]|$)"; then
		echo "hacking-map: $name is not in HACKING.md"
		failed=1
	fi
done

# 2. HACKING.md -> the tree (no globbing: bench/*.c is a pattern)
set -f
paths=$(grep -oE '(^|[^A-Za-z0-9_./$-])(lib|tools|tests|bench|examples|man)/[A-Za-z0-9_.+/-]*[<*{]?' "$map" |
    sed -E 's/^[^a-z]//; s/[.,]+$//' | LC_ALL=C sort -u)
for p in $paths; do
	case $p in
	*'<' | *'*' | *'{') continue ;; # a pattern, not a path
	esac
	count=$((count + 1))
	if [ -e "$top_srcdir/$p" ] || [ -e "$top_builddir/$p" ]; then
		continue
	fi
	case " $optional " in
	*" $p "*) continue ;;
	esac
	# A program or library the build makes (not built yet, or not at
	# all in this configuration).
	if find "$top_srcdir" -name '*.mk' -o -name Makefile.am 2>/dev/null |
	    xargs grep -Eq "_(PROGRAMS|LIBRARIES)[[:space:]]*\+?=.*(^|[[:space:]])$p([[:space:]]|\\\\|\$)"; then
		continue
	fi
	echo "hacking-map: HACKING.md names $p, which does not exist"
	failed=1
done

if [ "$count" -lt 50 ]; then
	echo "hacking-map: only $count names checked; is HACKING.md complete?"
	failed=1
fi
[ "$failed" -eq 0 ] && echo "hacking-map: $count names checked"
exit $failed
