#!/usr/bin/env bash
# Checks one release tarball (scripts/release.sh runs it on each; tests/release/run.sh too):
#   tests/release/check_tarball.sh dist/metaleak-<version>-linux-<arch>.tar.gz
# - its .sha256 beside it matches;
# - one top directory metaleak-<version>-linux-<arch>/ with lib/libmetaleak.so, lib/libcjson.so.1,
#   bin/metaleak, LICENSE, THIRD_PARTY_NOTICES (cJSON's and libyaml's MIT notices), CHANGELOG.md
#   (with this version), README.md, docs/ and examples/, and nothing else at the top;
# - every ELF file is for <arch>, needs no glibc symbol version newer than 2.17 (objdump -T)
#   and no library outside glibc and the lib/ beside it; the RUNPATHs find lib/;
# - the agent exports Agent_OnLoad, Agent_OnAttach and Agent_OnUnload and no other symbol.
# Prints what it found; exits 1 with one line per failure.
set -euo pipefail
tarball=${1:?usage: check_tarball.sh dist/metaleak-<version>-linux-<arch>.tar.gz}
base=$(basename "$tarball" .tar.gz)
fails=0
fail() { echo "check_tarball: $base: $*" >&2; fails=$((fails + 1)); }

[[ $base =~ ^metaleak-([0-9]+\.[0-9]+\.[0-9]+)-linux-(x86_64|aarch64)$ ]] \
    || { echo "check_tarball: $tarball: not named metaleak-<version>-linux-<x86_64|aarch64>.tar.gz" >&2; exit 1; }
version=${BASH_REMATCH[1]} arch=${BASH_REMATCH[2]}
case $arch in
    x86_64) objdump=objdump machine="Advanced Micro Devices X86-64" ;;
    aarch64) objdump=aarch64-linux-gnu-objdump machine="AArch64" ;;
esac
command -v "$objdump" >/dev/null || { echo "check_tarball: $objdump missing (scripts/deps.sh release)" >&2; exit 1; }

(cd "$(dirname "$tarball")" && sha256sum -c --status "$base.tar.gz.sha256") \
    || fail "$base.tar.gz.sha256 does not match (or is missing)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$tarball" -C "$tmp"
top=$(ls -A "$tmp")
[ "$top" = "$base" ] || fail "top level is '$top', expected the single directory $base/"
d="$tmp/$base"

expected_top="CHANGELOG.md LICENSE README.md THIRD_PARTY_NOTICES bin docs examples lib"
got_top=$(ls -A "$d" | sort | tr '\n' ' ' | sed 's/ $//')
[ "$got_top" = "$expected_top" ] || fail "top directory holds '$got_top', expected '$expected_top'"
for f in lib/libmetaleak.so lib/libcjson.so.1 bin/metaleak docs/report.md docs/report.schema.json \
         docs/cli.md docs/flink.md examples/flink-conf/flink-conf.yaml examples/k8s/README.md \
         examples/ci/leak-gate.sh; do
    [ -f "$d/$f" ] || fail "no $f"
done
[ "$(ls "$d/lib" | tr '\n' ' ')" = "libcjson.so.1 libmetaleak.so " ] || fail "lib/ holds $(ls "$d/lib" | tr '\n' ' ')"
[ -x "$d/bin/metaleak" ] || fail "bin/metaleak is not executable"
grep -q "^## $version " "$d/CHANGELOG.md" || fail "CHANGELOG.md has no '## $version' entry"
grep -q "Dave Gamble and cJSON contributors" "$d/THIRD_PARTY_NOTICES" || fail "THIRD_PARTY_NOTICES lacks cJSON's notice"
grep -q "Kirill Simonov" "$d/THIRD_PARTY_NOTICES" || fail "THIRD_PARTY_NOTICES lacks libyaml's notice"
[ "$(grep -c "Permission is hereby granted" "$d/THIRD_PARTY_NOTICES")" -ge 2 ] || fail "THIRD_PARTY_NOTICES lacks the MIT permission texts"

echo "$base: glibc symbol versions needed (objdump -T):"
allowed_needed=" libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1 libcjson.so.1 ld-linux-x86-64.so.2 ld-linux-aarch64.so.1 "
while IFS= read -r -d '' f; do
    [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
    rel=${f#"$d/"}
    grep -q "Machine: *$machine" <<<"$(readelf -h "$f")" || fail "$rel is not a $arch ELF file"
    versions=$("$objdump" -T "$f" | grep -o 'GLIBC_[0-9][0-9.]*' | sort -u -V | tr '\n' ' ')
    newest=$(echo "$versions" | tr ' ' '\n' | sed -n 's/^GLIBC_//p' | sort -V | tail -1)
    printf '  %-20s %s\n' "$rel" "$versions"
    if [ -z "$newest" ]; then
        fail "$rel: objdump -T found no GLIBC_ version at all"
    elif [ "$(printf '%s\n2.17\n' "$newest" | sort -V | tail -1)" != 2.17 ]; then
        fail "$rel needs GLIBC_$newest (newer than 2.17): $("$objdump" -T "$f" | grep "GLIBC_$newest" | awk '{print $NF}' | tr '\n' ' ')"
    fi
    for lib in $(readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
        case $allowed_needed in *" $lib "*) ;; *) fail "$rel needs $lib (only glibc and lib/ may be needed)" ;; esac
    done
    runpath=$(readelf -d "$f" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p')
    case $rel in
        lib/libmetaleak.so) [ "$runpath" = '$ORIGIN' ] || fail "$rel RUNPATH is '$runpath', expected \$ORIGIN" ;;
        bin/metaleak) [ "$runpath" = '$ORIGIN/../lib' ] || fail "$rel RUNPATH is '$runpath', expected \$ORIGIN/../lib" ;;
    esac
done < <(find "$d" -type f -print0 | sort -z)

# Defined dynamic symbols of the agent (objdump -T: not *UND*), version nodes excluded.
exports=$("$objdump" -T "$d/lib/libmetaleak.so" | awk '$0 ~ /\.text|\.data|\.bss|\.rodata/ {print $NF}' | sort | tr '\n' ' ')
echo "  agent exports: $exports"
[ "$exports" = "Agent_OnAttach Agent_OnLoad Agent_OnUnload " ] || fail "libmetaleak.so exports '$exports', expected only Agent_OnLoad, Agent_OnAttach, Agent_OnUnload"
# The CLI defines the libcurl functions it forwards (src/release/curl_dlopen.c): none of them
# may be exported, or a dlopen'ed libcurl could bind to them.
# (grep reads a variable, not a pipe: under pipefail, grep -q ending first fails the pipe.)
cli_dyn=$("$objdump" -T "$d/bin/metaleak")
if grep -q curl_ <<<"$(awk '$0 ~ /\.text/' <<<"$cli_dyn")"; then
    fail "bin/metaleak exports curl_* symbols"
fi
grep -q 'dlopen' <<<"$cli_dyn" || fail "bin/metaleak does not use dlopen (libcurl must be loaded at run time)"

if [ "$fails" -gt 0 ]; then
    echo "check_tarball: $base: $fails check(s) failed" >&2
    exit 1
fi
echo "$base: contents, glibc <= 2.17, needed libraries, RUNPATH, agent exports: ok"
