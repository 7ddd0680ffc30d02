#!/bin/sh
# Proves that the build never used the system's libevent (installed on
# these machines for comparisons):
#  1. no compiler dependency file (.deps/*.Po) names a libevent header from
#     outside our tree (/usr/include/event2/..., /usr/include/event.h,
#     /usr/include/evutil.h, or the same under /usr/local/include);
#  2. no program built in the tree links a libevent shared library.
#
# Run by `make check` with top_builddir in the environment.  Exits 0 on
# success, 1 naming the offending file, 77 when nothing has been built.
# Binaries made for comparing against libevent on purpose (see
# tests/local.mk's libevent-check) are named *libevent* and skipped.

top_builddir=${top_builddir:-$(dirname "$0")/..}
cd "$top_builddir" || exit 1

failed=0
depfiles=0
binaries=0

# 1. Dependency files of every part of the tree.
deplist=$(find lib tools tests bench -type d -name .deps 2>/dev/null |
    while read -r d; do
	    find "$d" -maxdepth 1 -type f \( -name '*.Po' -o -name '*.Plo' \)
    done | LC_ALL=C sort)
for f in $deplist; do
	# Empty or "# dummy" files carry no information.
	grep -q ':' "$f" 2>/dev/null || continue
	depfiles=$((depfiles + 1))
	case $f in *libevent*) continue ;; esac
	hits=$(grep -Eo '/usr(/local)?/include/(event2/[^ :\\]+|event\.h|evutil\.h)' \
	    "$f" | LC_ALL=C sort -u)
	if [ -n "$hits" ]; then
		echo "FAIL: $f: built against the system libevent headers:"
		echo "$hits" | sed 's/^/    /'
		failed=1
	fi
done

# 2. Linked programs: every ELF executable in the build tree.
if command -v ldd >/dev/null 2>&1; then
	list_libs() { ldd "$1" 2>/dev/null; }
elif command -v readelf >/dev/null 2>&1; then
	list_libs() { readelf -d "$1" 2>/dev/null | grep NEEDED; }
else
	list_libs() { :; }
	echo "no-system-libevent: neither ldd nor readelf; link check skipped"
fi
exelist=$(find lib tools tests bench -type f -perm -u+x ! -name '*.sh' \
    ! -name '*.test' ! -path '*/.deps/*' 2>/dev/null | LC_ALL=C sort)
for f in $exelist; do
	# Only ELF files (skip scripts).
	magic=$(od -An -c -N4 "$f" 2>/dev/null | tr -d ' ')
	[ "$magic" = '177ELF' ] || continue
	binaries=$((binaries + 1))
	case $f in *libevent*) continue ;; esac
	hits=$(list_libs "$f" | grep -E 'libevent(_core|_extra|_pthreads|_openssl)?[-.]' || true)
	if [ -n "$hits" ]; then
		echo "FAIL: $f links the system libevent:"
		echo "$hits" | sed 's/^[[:space:]]*/    /'
		failed=1
	fi
done

if [ $failed -ne 0 ]; then
	exit 1
fi
if [ $depfiles -eq 0 ] && [ $binaries -eq 0 ]; then
	echo "no-system-libevent: nothing built yet (no dependency files, no programs); skipping"
	exit 77
fi
echo "no-system-libevent: $depfiles dependency files and $binaries programs are clean"
exit 0
