#!/bin/sh
# The layering HACKING.md describes, checked: the tools (tools/), the
# benches (bench/) and the examples (examples/) use the library as its
# users do, through the public headers of lib/include and config.h.
#
# 1. No source under those directories includes a header of lib/ itself
#    (lib/*.h: the *-internal.h headers), whatever its include path.
# 2. No build fragment or bench script there puts lib/ on the include
#    path (-I.../lib) or uses LIB_CPPFLAGS, the library's own flags.
# 3. In the configured Makefile, the preprocessor and compiler flags of
#    every program and library under tools/ and examples/ (their own, or
#    AM_CPPFLAGS when they have none) name no lib/ directory.
#
# A bench that must measure an internal module lives under tests/bench/
# instead.  Run by `make check` with top_srcdir and top_builddir in the
# environment; exits 0 when clean, 1 with the offending lines otherwise.

top_srcdir=${top_srcdir:-$(dirname "$0")/..}
top_builddir=${top_builddir:-.}
MAKE=${MAKE:-make}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/evkit-layering.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT

failed=0
fail() {
	echo "layering: $*"
	failed=1
}

# The text files of the three directories, build outputs left out.
(cd "$top_srcdir" && find tools bench examples -type f \
    ! -name '*.o' ! -name '*.a' ! -name '*.log' ! -name '*.trs' \
    ! -path '*/.deps/*' ! -path '*/.dirstamp' 2>/dev/null) |
    LC_ALL=C sort >"$tmp/files"
if [ ! -s "$tmp/files" ]; then
	fail "no files under $top_srcdir/tools, bench or examples"
	exit 1
fi

# 1. Includes of lib/'s own headers.
(cd "$top_srcdir/lib" && ls *.h) >"$tmp/internal" || exit 1
checked=0
while read -r f; do
	case $f in
	*.c | *.h) ;;
	*) continue ;;
	esac
	checked=$((checked + 1))
	grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]' \
	    "$top_srcdir/$f" | while IFS= read -r line; do
		name=$(printf '%s\n' "$line" | sed 's/.*include[[:space:]]*[<"]\([^">]*\)[">].*/\1/')
		base=${name##*/}
		case $name in
		lib/include/* | */lib/include/*) continue ;;
		esac
		if grep -qx "$base" "$tmp/internal" ||
		    case $base in *-internal.h) true ;; *) false ;; esac; then
			echo "$f:$line"
		fi
	done
done <"$tmp/files" >"$tmp/bad-includes"
if [ -s "$tmp/bad-includes" ]; then
	fail "internal headers of lib/ included outside lib/ and tests/:"
	sed 's/^/	/' "$tmp/bad-includes"
fi

# 2. lib/ on an include path in the fragments and scripts.
while read -r f; do
	case $f in
	*.c | *.h | *.1 | *.md | *.rpc) continue ;;
	esac
	grep -I -n -E -- '-I([^[:space:]]*[/"'"'"'{}()])?lib/?(["'"'"'[:space:]\\]|$)|LIB_CPPFLAGS' \
	    "$top_srcdir/$f" 2>/dev/null | sed "s|^|$f:|"
done <"$tmp/files" >"$tmp/bad-flags"
if [ -s "$tmp/bad-flags" ]; then
	fail "lib/ on the include path of a tool, bench or example:"
	sed 's/^/	/' "$tmp/bad-flags"
fi

# 3. The flags the configured Makefile gives each target (no globbing
# of the words).
set -f
if [ -f "$top_builddir/Makefile" ] &&
    $MAKE --version 2>/dev/null | grep -q 'GNU Make'; then
	cat >"$tmp/print.mk" <<'EOF'
layering-targets:
	@echo $(bin_PROGRAMS) $(noinst_PROGRAMS) $(noinst_LIBRARIES)
layering-flags:
	@echo '$(if $(filter undefined,$(origin $(V)_CPPFLAGS)),$(AM_CPPFLAGS),$($(V)_CPPFLAGS)) $($(V)_CFLAGS) $(DEFAULT_INCLUDES)'
EOF
	mk() {
		$MAKE -s --no-print-directory -C "$top_builddir" -f Makefile \
		    -f "$tmp/print.mk" "$@"
	}
	targets=$(mk layering-targets) || {
		fail "cannot read the targets from $top_builddir/Makefile"
		exit 1
	}
	n=0
	for t in $targets; do
		case $t in
		tools/* | examples/*) ;;
		*) continue ;;
		esac
		n=$((n + 1))
		v=$(printf '%s\n' "$t" | sed 's/[^A-Za-z0-9_]/_/g')
		flags=$(mk layering-flags V="$v") || {
			fail "cannot read the flags of $t"
			continue
		}
		for w in $flags; do
			case $w in
			-I*) ;;
			*) continue ;;
			esac
			d=${w#-I}
			d=${d%/}
			case $d in
			lib | */lib) fail "$t is compiled with $w (lib/)" ;;
			esac
		done
	done
	if [ "$n" -eq 0 ]; then
		fail "no tool or example target found in the Makefile"
	fi
	echo "layering: $checked sources, $n targets checked"
else
	echo "layering: $checked sources checked (no GNU make or Makefile:" \
	    "target flags not checked)"
fi

exit $failed
