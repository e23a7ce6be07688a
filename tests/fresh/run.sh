#!/usr/bin/env bash
# The fresh-machine test (run by .ci/run, as root): the README's commands on fresh Debian 12
# root file systems (debootstrap --variant=minbase bookworm), each given a clean clone of this
# repository's HEAD commit:
#   bare   nothing beyond minbase: the demo command (scripts/demo.sh) must print the Flink
#          triage summary (not the plugin fallback), then the README's build-from-source
#          commands in a second clean clone
#   maven  minbase + maven (demo.sh used to skip its test packages when mvn was there and then
#          stop at CMocka): the demo, then the build-from-source commands
#   hand   minbase + only the packages README.md lists for building from source: those commands
# The build-from-source commands are read from README.md ("## Building from source"), so the
# test fails when the README and the build drift apart. Each build's dist/ is then checked:
# bin/metaleak --version, and the agent loads into java -version and writes a report that
# bin/metaleak summary reads.
#
# Each root runs in its own mount and PID namespace (unshare): /proc, /sys, /dev and the shared
# caches are mounted there and unmounted on exit, and every process the demo left behind dies
# with the namespace. resolv.conf and the CA certificates that update-ca-certificates installed
# (/usr/local/share/ca-certificates) are copied in. Cached between runs in
# $METALEAK_FRESH_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/metaleak/fresh): the minbase
# tarball (rebuilt after 14 days) and the apt archive (shared by the roots). Within one run the
# roots share a Maven repository (the first root downloads from Maven Central for real).
# Logs: build-fresh/logs/. Usage: tests/fresh/run.sh [bare|maven|hand]...  (default: all three)
# The README commands are read from the working tree; the roots get METALEAK_FRESH_REV's code.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
CACHE=${METALEAK_FRESH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/metaleak/fresh}
MIRROR=${METALEAK_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=bookworm
MAX_AGE_DAYS=14
FRESH=$ROOT/build-fresh
LOGS=$FRESH/logs
roots=("$@")
[ ${#roots[@]} -gt 0 ] || roots=(bare maven hand)

die() { echo "fresh: $*" >&2; exit 1; }
log() { echo "fresh: $*"; }
now() { date +%s; }

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot, mounts)"
for r in "${roots[@]}"; do
    case $r in bare|maven|hand) ;; *) die "unknown root '$r' (bare, maven, hand)" ;; esac
done
# METALEAK_FRESH_REV: the commit the roots get (default HEAD; e.g. an older one, to see this
# test fail where the README's commands failed).
rev=${METALEAK_FRESH_REV:-HEAD}
head=$(git rev-parse --verify -q "$rev^{commit}") || die "'$rev' is not a commit of this git checkout"
if [ "$rev" = HEAD ] && [ -n "$(git status --porcelain --untracked-files=no)" ]; then
    log "note: uncommitted changes are not tested; the roots get HEAD ($head)"
fi
scripts/deps.sh fresh
t_start=$(now)
passed=0 failed=0
ok() { passed=$((passed + 1)); log "ok   $*"; }
bad() { failed=$((failed + 1)); log "FAIL $*"; }

# ---- the commands README.md gives for building from source ----
# The indented block(s) of the "## Building from source" section: the apt-get line is the
# package list, the other lines are the commands (trailing "# ..." comments dropped).
readme_block=$(awk '/^## /{ insec = ($0 ~ /^## Building from source/) ; next }
                    insec && /^    [^ ]/ { sub(/^    /, ""); sub(/[ \t]+#.*$/, ""); print }' README.md)
hand_packages=$(printf '%s\n' "$readme_block" | sed -n 's/^\(sudo \)\{0,1\}apt-get install \(-[^ ]* \)*//p')
hand_commands=$(printf '%s\n' "$readme_block" | grep -v 'apt-get' || true)
[ -n "$hand_packages" ] || die "README.md: no 'apt-get install' line in the indented block of '## Building from source'"
[ -n "$hand_commands" ] || die "README.md: no build commands in '## Building from source'"
log "README build-from-source packages: $hand_packages"
log "README build-from-source commands: $(printf '%s\n' "$hand_commands" | paste -sd ';' | sed 's/;/; /g')"

mkdir -p "$CACHE/apt-archives/partial" "$LOGS" "$FRESH/m2"
rm -f "$LOGS"/*.log

# ---- the cached minbase root file system ----
base="$CACHE/$SUITE-minbase.tar.gz"
if [ -f "$base" ] && [ -z "$(find "$base" -mtime +$MAX_AGE_DAYS)" ]; then
    log "minbase tarball: $base (cached)"
else
    t0=$(now)
    log "debootstrap --variant=minbase $SUITE from $MIRROR"
    tmp="$FRESH/debootstrap"
    rm -rf --one-file-system "$tmp"
    # In a mount namespace: whatever debootstrap mounts in the target goes away with it.
    unshare --mount --propagation private -- \
        debootstrap --variant=minbase "$SUITE" "$tmp" "$MIRROR" > "$LOGS/debootstrap.log" 2>&1 \
        || { tail -30 "$LOGS/debootstrap.log"; die "debootstrap failed (log: $LOGS/debootstrap.log)"; }
    rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*
    tar --numeric-owner -C "$tmp" -czf "$base.part" .
    mv "$base.part" "$base"
    rm -rf --one-file-system "$tmp"
    log "minbase tarball built in $(( $(now) - t0 )) s: $base ($(du -h "$base" | cut -f1))"
fi

# ---- one root ----
# in_root DIR LOG CMD: runs CMD with bash as root in DIR (chroot) with a clean environment, in a
# new mount + PID namespace with /proc, /sys, /dev, /dev/shm, the apt archive and the run's
# Maven repository mounted; everything is unmounted when CMD ends, and the namespace's
# processes are killed with it.
in_root() {
    local dir=$1 logf=$2 cmd=$3
    unshare --mount --pid --fork --kill-child --propagation private -- bash -c '
        set -u
        r=$1 archives=$2 m2=$3 cmd=$4
        mounted=()
        cleanup() {
            local i
            for (( i=${#mounted[@]}-1; i>=0; i-- )); do
                umount "${mounted[$i]}" 2>/dev/null || umount -l "${mounted[$i]}" || true
            done
        }
        trap cleanup EXIT
        mnt() { mount "$@" && mounted+=("${@: -1}"); }
        mnt -t proc proc "$r/proc" &&
        mnt -t sysfs -o ro sysfs "$r/sys" &&
        mnt --bind /dev "$r/dev" &&
        mnt -t tmpfs -o mode=1777,size=256m tmpfs "$r/dev/shm" &&
        mnt --bind "$archives" "$r/var/cache/apt/archives" &&
        mnt --bind "$m2" "$r/root/.m2" || exit 99
        chroot "$r" /usr/bin/env -i HOME=/root USER=root LOGNAME=root LANG=C.UTF-8 TERM=dumb \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            /bin/bash -c "$cmd"
    ' in_root "$dir" "$CACHE/apt-archives" "$FRESH/m2" "$cmd" > "$logf" 2>&1
}

# make_root NAME: unpacks minbase into build-fresh/roots/NAME, with Debian 12's usual sources,
# the host's resolv.conf and local CA certificates, and two clean clones of HEAD.
make_root() {
    local name=$1 dir="$FRESH/roots/$1"
    rm -rf --one-file-system "$dir"
    mkdir -p "$dir"
    tar --numeric-owner -xzf "$base" -C "$dir"
    cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
    cat > "$dir/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
    if [ -d /usr/local/share/ca-certificates ] && \
       [ -n "$(find /usr/local/share/ca-certificates -name '*.crt' -print -quit)" ]; then
        # Picked up by ca-certificates' own update-ca-certificates when a root installs it.
        mkdir -p "$dir/usr/local/share/ca-certificates"
        cp -R /usr/local/share/ca-certificates/. "$dir/usr/local/share/ca-certificates/"
        log "$name: copied the local CA certificates of /usr/local/share/ca-certificates"
    fi
    mkdir -p "$dir/root/.m2"
    local c
    for c in metaleak metaleak-hand; do
        git clone -q --no-checkout "$ROOT" "$dir/root/$c"
        git -C "$dir/root/$c" checkout -q --detach "$head"
    done
}

# step ROOT NAME CMD: runs CMD in the root, logs it, times it; 0 when it succeeded.
declare -A times
step() {
    local name=$1 what=$2 cmd=$3 t0 rc=0 logf="$LOGS/$1-$2.log"
    t0=$(now)
    in_root "$FRESH/roots/$name" "$logf" "$cmd" || rc=$?
    times[$name-$what]=$(( $(now) - t0 ))
    if [ "$rc" -ne 0 ]; then
        bad "$name: $what exited $rc after ${times[$name-$what]} s; the end of $logf:"
        tail -40 "$logf" | sed 's/^/    /'
        return 1
    fi
    log "$name: $what took ${times[$name-$what]} s"
    return 0
}

check_demo() { # ROOT: the demo's output is the Flink triage summary
    local name=$1 f="$LOGS/$1-demo.log"
    if grep -q "running the plugin demo" "$f"; then
        bad "$name: the demo fell back to the plugin demo (Maven Central not reached?)"
    elif grep -q "starting a Flink" "$f" && grep -q "^verdict: LEAK" "$f" \
         && grep -q "^leaks, one block per leak" "$f" \
         && grep -q "ChildFirstClassLoader  *cause: thread" "$f"; then
        ok "$name: scripts/demo.sh printed the Flink triage summary"
        sed -n '/^verdict:/,/^leaks, one block per leak/p' "$f" | sed 's/^/    /'
    else
        bad "$name: scripts/demo.sh did not print the Flink triage summary (see $f)"
    fi
}

hand_build() { # ROOT: the README's commands in the second clean clone, then its dist/ checked
    local name=$1
    if step "$name" hand-build "set -e; cd /root/metaleak-hand; set -x; $hand_commands"; then
        ok "$name: README build-from-source commands"
        if step "$name" dist-check 'set -e; cd /root/metaleak-hand/build/dist
                ls lib/libmetaleak.so lib/libcjson.so.1 bin/metaleak
                bin/metaleak --version
                java -agentpath:$PWD/lib/libmetaleak.so=report=/tmp/dist-check.json -version
                bin/metaleak summary /tmp/dist-check.json'; then
            ok "$name: build/dist: bin/metaleak runs, the agent loads from lib/ and writes a report it reads"
        fi
    fi
}

for name in "${roots[@]}"; do
    t_root=$(now)
    log "---- root '$name' ----"
    make_root "$name"
    case $name in
        bare)
            step bare demo "cd /root/metaleak && scripts/demo.sh" && check_demo bare
            hand_build bare
            ;;
        maven)
            step maven install-maven "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends maven" \
                && ok "maven: maven installed before the demo"
            step maven demo "cd /root/metaleak && scripts/demo.sh" && check_demo maven
            hand_build maven
            ;;
        hand)
            step hand install-packages "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $hand_packages" \
                && ok "hand: the README's build-from-source packages installed"
            hand_build hand
            ;;
    esac
    rm -rf --one-file-system "$FRESH/roots/$name"
    times[$name]=$(( $(now) - t_root ))
    log "root '$name' done in ${times[$name]} s"
done
rm -rf --one-file-system "$FRESH/m2" "$FRESH/roots"

summary="fresh test: $(( $(now) - t_start )) s in total"
for name in "${roots[@]}"; do summary+=", $name ${times[$name]} s"; done
log "$summary (logs: $LOGS)"
echo "fresh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
