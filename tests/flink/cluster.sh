#!/usr/bin/env bash
# A real standalone Flink session cluster (JobManager and TaskManager in separate JVMs) built from
# Maven Central module jars (no flink-dist), with the metaleak agent on the TaskManager through
# env.java.opts.taskmanager, read back from the real config file the way bin/taskmanager.sh does.
#
# Usage:
#   cluster.sh fetch <version>                       resolve the cluster classpath into the cache, print lib dir
#   cluster.sh fetch-jar <group:artifact:version>    resolve one jar into the cache, print its path
#   cluster.sh start <version> <workdir> <agent.so>|none [agent options]   (none: no agent, for
#                                                    the overhead benchmark bench/flink.sh)
#   cluster.sh [-w <workdir>] submit <jar> <class> [args...]   prints the JobID (Flink's CliFrontend, detached)
#   cluster.sh [-w <workdir>] submit-main <classes> <class> [args...]   a client program of
#                                                               one's own (REST port first), e.g.
#                                                               SQL without a jar; prints the JobID
#   cluster.sh [-w <workdir>] cancel <jobid>                    Flink's CliFrontend cancel
#   cluster.sh [-w <workdir>] wait-finished [jobid...]          wait until the jobs (default: all) are terminal
#                                                               and the TM has released them (closed their loader)
#   cluster.sh [-w <workdir>] stop-tm                           SIGTERM the TaskManager, wait for it to exit
#   cluster.sh [-w <workdir>] stop                              stop TM and JM (SIGTERM, timeout, SIGKILL)
#   cluster.sh [-w <workdir>] status
#
# Without -w the workdir is $METALEAK_FLINK_WORKDIR, else the last one started (recorded in
# ${XDG_CACHE_HOME:-~/.cache}/metaleak/last-flink-workdir).
#
# Environment: JAVA (default: java on PATH), METALEAK_FLINK_CACHE (default ~/.cache/metaleak),
#   FLINK_STOP_TIMEOUT (seconds before SIGKILL, default 30), FLINK_START_TIMEOUT (default 120),
#   FLINK_TM_JAVA_OPTS (more JVM options appended to env.java.opts.taskmanager),
#   FLINK_TM_EXTRA_CONF (extra "key: value" lines appended to the config file, read by JM and TM),
#   FLINK_EXTRA_LIB (colon-separated jar files copied into <workdir>/lib, which is on the JM, TM
#   and client classpath like Flink's lib/ folder),
#   FLINK_WAIT_TIMEOUT (wait-finished, default 120), FLINK_TM_METASPACE
#   (taskmanager.memory.jvm-metaspace.size, default 128m), FLINK_TABLE (1: the classpath also
#   has the Table API / SQL jars of Flink's lib/, cached apart in flink-<version>-table/;
#   fetch and start).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
JAVA=${JAVA:-java}
CACHE=${METALEAK_FLINK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/metaleak}
LAST="$CACHE/last-flink-workdir"
STOP_TIMEOUT=${FLINK_STOP_TIMEOUT:-30}
START_TIMEOUT=${FLINK_START_TIMEOUT:-120}

# The Java 17 module flags the stock Flink config.yaml puts into env.java.opts.all.
JAVA17_OPTS="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED --add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

die() { echo "cluster.sh: $*" >&2; exit 1; }
log() { echo "cluster.sh: $*" >&2; }
now() { date +%s.%N; }

log4j_version_for() {
    # flink-parent <log4j.version>: 2.24.3 for 1.20.x .. 2.2.x, 2.25.3 for 2.3.x
    case "$1" in
        1.*|2.0.*|2.1.*|2.2.*) echo 2.24.3 ;;
        *) echo 2.25.3 ;;
    esac
}

cmd_fetch() {
    local version=${1:?fetch <version>}
    local table=() lib="$CACHE/flink-$version/lib"
    if [ "${FLINK_TABLE:-0}" = 1 ]; then
        table=(-Dflink.table)
        lib="$CACHE/flink-$version-table/lib"
    fi
    if [ -f "$lib/.complete" ]; then echo "$lib"; return 0; fi
    command -v mvn >/dev/null || die "mvn not found (needed once to resolve the Flink jars)"
    local t0; t0=$(now)
    rm -rf "$lib"; mkdir -p "$lib"
    log "resolving Flink $version${table:+ with the Table API / SQL jars} from Maven Central into $lib"
    mvn -q -B -f "$here/pom.xml" -Dflink.version="$version" "${table[@]}" \
        -Dlog4j.version="$(log4j_version_for "$version")" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib" >&2 \
        || die "mvn dependency:copy-dependencies failed for Flink $version"
    ls "$lib"/flink-runtime-"$version".jar >/dev/null || die "flink-runtime-$version.jar missing in $lib"
    touch "$lib/.complete"
    log "fetch took $(python3 -c "print(round($(now)-$t0,1))")s"
    echo "$lib"
}

cmd_fetch_jar() {
    local gav=${1:?fetch-jar <group:artifact:version>}
    local g a v; IFS=: read -r g a v <<< "$gav"
    if [ -z "$g" ] || [ -z "$a" ] || [ -z "$v" ]; then
        die "fetch-jar: expected group:artifact:version, got '$gav'"
    fi
    local dir="$CACHE/jars" jar="$CACHE/jars/$a-$v.jar"
    if [ ! -f "$jar" ]; then
        command -v mvn >/dev/null || die "mvn not found (needed once to resolve $gav)"
        mkdir -p "$dir"
        mvn -q -B dependency:copy -Dartifact="$g:$a:$v:jar" -DoutputDirectory="$dir" >&2 \
            || die "mvn dependency:copy failed for $gav"
        [ -f "$jar" ] || die "$jar missing after mvn dependency:copy"
    fi
    echo "$jar"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Value of a flat key in a Flink config file, like bin/config.sh readFromConfig: the last
# "key: value" line wins; surrounding quotes are removed; a " #" comment is stripped from
# unquoted values.  Only flat keys (the only form this harness writes) are supported.
read_conf() {
    local key=$1 file=$2
    python3 - "$key" "$file" <<'PY'
import sys, re
key, path = sys.argv[1], sys.argv[2]
val = ""
for line in open(path, encoding="utf-8"):
    m = re.match(r"^\s*" + re.escape(key) + r"\s*:\s?(.*?)\s*$", line)
    if not m:
        continue
    v = m.group(1)
    if len(v) >= 2 and v[0] == v[-1] == "'":
        v = v[1:-1].replace("''", "'")
    elif len(v) >= 2 and v[0] == v[-1] == '"':
        v = v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    else:
        v = re.sub(r"\s+#.*$", "", v)
    val = v
print(val)
PY
}

resolve_workdir() {
    if [ -n "${WORKDIR:-}" ]; then :;
    elif [ -n "${METALEAK_FLINK_WORKDIR:-}" ]; then WORKDIR=$METALEAK_FLINK_WORKDIR;
    elif [ -f "$LAST" ]; then WORKDIR=$(cat "$LAST");
    else die "no workdir: use -w <workdir> or start a cluster first"; fi
    [ -f "$WORKDIR/cluster.env" ] || die "$WORKDIR/cluster.env not found (cluster not started?)"
    # shellcheck disable=SC1091
    . "$WORKDIR/cluster.env"
}

alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { [ -f "$WORKDIR/$1.pid" ] && cat "$WORKDIR/$1.pid" || true; }

rest_get() { curl -sf --max-time 5 "http://127.0.0.1:$REST_PORT$1"; }

# Stop one process from its pid file: SIGTERM, wait STOP_TIMEOUT, SIGKILL.
stop_proc() {
    local name=$1 pid; pid=$(pid_of "$name")
    if ! alive "$pid"; then rm -f "$WORKDIR/$name.pid"; return 0; fi
    # Guard against pid reuse: only signal a java process started from this workdir.
    if ! tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -- "$WORKDIR/conf" >/dev/null; then
        log "pid $pid ($name) is not ours any more; not signalling"; rm -f "$WORKDIR/$name.pid"; return 0
    fi
    local t0; t0=$(now)
    kill -TERM "$pid" 2>/dev/null || true
    local i=0
    while alive "$pid" && [ $i -lt $((STOP_TIMEOUT * 10)) ]; do sleep 0.1; i=$((i + 1)); done
    if alive "$pid"; then
        log "$name (pid $pid) still alive after ${STOP_TIMEOUT}s; SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while alive "$pid"; do sleep 0.1; done
    fi
    log "$name (pid $pid) stopped in $(python3 -c "print(round($(now)-$t0,1))")s"
    rm -f "$WORKDIR/$name.pid"
}

write_config() {
    local conf=$1 version=$2 tm_opts=$3
    local file
    case "$version" in 1.*) file="$conf/flink-conf.yaml" ;; *) file="$conf/config.yaml" ;; esac
    # Plain (unquoted) values, as in Flink's stock config files: the legacy flink-conf.yaml parser
    # of 1.x (GlobalConfiguration.loadYAMLResource) and bin/config.sh keep quotes verbatim, which
    # would hand '-agentpath:...' with its quotes to the JVM.  Plain scalars are valid YAML for
    # the 2.x parser as long as the value has no ": ", " #" and does not start with an indicator.
    case "$tm_opts" in *": "*|*" #"*) die "env.java.opts.taskmanager value cannot be written as a plain scalar: $tm_opts" ;; esac
    cat > "$file" <<EOF
# written by tests/flink/cluster.sh (metaleak) for Flink $version
jobmanager.rpc.address: localhost
jobmanager.rpc.port: $RPC_PORT
jobmanager.bind-host: localhost
jobmanager.memory.process.size: 1024m
taskmanager.host: localhost
taskmanager.bind-host: localhost
taskmanager.numberOfTaskSlots: 2
taskmanager.memory.process.size: 1280m
taskmanager.memory.jvm-metaspace.size: ${FLINK_TM_METASPACE:-128m}
taskmanager.resource-id: tm1
rest.address: localhost
rest.bind-address: localhost
rest.port: $REST_PORT
blob.server.port: $BLOB_PORT
parallelism.default: 1
io.tmp.dirs: $WORKDIR/tmp
process.working-dir: $WORKDIR/work
classloader.check-leaked-classloader: true
env.java.opts.all: $JAVA17_OPTS
env.java.opts.taskmanager: $tm_opts
EOF
    if [ -n "${FLINK_TM_EXTRA_CONF:-}" ]; then printf '%s\n' "$FLINK_TM_EXTRA_CONF" >> "$file"; fi
    echo "$file"
}

write_log4j() {
    # No monitorInterval (FLINK-32203): log4j's watcher thread would be created from a task context.
    # append = true: a late log call during JVM shutdown re-creates the log4j context, and with
    # append = false that truncated jobmanager.log / taskmanager.log to 0 bytes on every stop.
    # (start removes the log directory, so appending never mixes runs.)
    cat > "$1/log4j.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.append = true
appender.main.fileName = ${sys:log.file}
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.pekko.name = org.apache.pekko
logger.pekko.level = WARN
logger.akka.name = akka
logger.akka.level = WARN
logger.netty.name = org.apache.flink.shaded.netty4.io.netty
logger.netty.level = WARN
logger.zookeeper.name = org.apache.zookeeper
logger.zookeeper.level = WARN
EOF
    cat > "$1/log4j-cli.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FileAppender
appender.file.name = FileAppender
appender.file.type = File
appender.file.append = true
appender.file.fileName = ${sys:log.file}
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
EOF
}

# BashJavaUtils GET_{TM,JM}_RESOURCE_PARAMS -> two lines: JVM params, dynamic configs.
resource_params() {
    local cmd=$1 out
    out=$("$JAVA" -Xmx128m -cp "$LIB/*:$WORKDIR/lib/*" -Dlog4j.configurationFile="file:$WORKDIR/conf/log4j-cli.properties" \
          -Dlog.file="$WORKDIR/log/bash-java-utils.log" \
          org.apache.flink.runtime.util.bash.BashJavaUtils "$cmd" --configDir "$WORKDIR/conf" 2>&1) \
        || { echo "$out" >&2; die "BashJavaUtils $cmd failed"; }
    local res; res=$(printf '%s\n' "$out" | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://')
    [ "$(printf '%s\n' "$res" | wc -l)" -ge 2 ] || { echo "$out" >&2; die "unexpected BashJavaUtils output"; }
    printf '%s\n' "$res" | tail -n 2
}

cmd_start() {
    local version=${1:?start <version> <workdir> <agent.so> [agent options]}
    local wd=${2:?start <version> <workdir> <agent.so> [agent options]}
    local agent=${3:?start <version> <workdir> <agent.so> [agent options]}
    local agent_opts=${4:-}
    if [ "$agent" != none ]; then
        [ -f "$agent" ] || die "agent not found: $agent"
        agent=$(cd "$(dirname "$agent")" && pwd)/$(basename "$agent")
    fi
    mkdir -p "$wd"; WORKDIR=$(cd "$wd" && pwd)
    if [ -f "$WORKDIR/cluster.env" ]; then
        ( resolve_workdir; for p in tm jm; do alive "$(pid_of $p)" && die "a cluster is running in $WORKDIR (pid $(pid_of $p)); stop it first"; done; true )
    fi
    # Leave nothing running if the start fails half-way.
    trap 'rc=$?; if [ $rc -ne 0 ]; then log "start failed; stopping what was started"; stop_proc tm; stop_proc jm; fi' EXIT
    local t_fetch0; t_fetch0=$(now)
    LIB=$(cmd_fetch "$version")
    local t0; t0=$(now)
    rm -rf "${WORKDIR:?}/conf" "$WORKDIR/log" "$WORKDIR/tmp" "$WORKDIR/work" "${WORKDIR:?}/lib"
    mkdir -p "$WORKDIR/conf" "$WORKDIR/log" "$WORKDIR/tmp" "$WORKDIR/work" "$WORKDIR/lib"
    # Flink's lib/ folder: the resolved Flink jars ($LIB) plus the jars a run adds (a JDBC driver).
    local extra_lib=() j
    [ -n "${FLINK_EXTRA_LIB:-}" ] && IFS=: read -ra extra_lib <<< "$FLINK_EXTRA_LIB"
    for j in "${extra_lib[@]}"; do
        [ -f "$j" ] || die "FLINK_EXTRA_LIB: no such jar: $j"
        cp "$j" "$WORKDIR/lib/"
        log "lib/: added $(basename "$j")"
    done
    RPC_PORT=$(free_port); REST_PORT=$(free_port); BLOB_PORT=$(free_port)
    case "$agent$agent_opts" in *[[:space:]]*) die "agent path and options must not contain white space" ;; esac
    local tm_opts="-agentpath:$agent"
    [ -n "$agent_opts" ] && tm_opts="$tm_opts=$agent_opts"
    [ "$agent" = none ] && tm_opts="-Dmetaleak.none=true"
    [ -n "${FLINK_TM_JAVA_OPTS:-}" ] && tm_opts="$tm_opts $FLINK_TM_JAVA_OPTS"
    local conffile; conffile=$(write_config "$WORKDIR/conf" "$version" "$tm_opts")
    write_log4j "$WORKDIR/conf"
    cat > "$WORKDIR/cluster.env" <<EOF
VERSION=$version
LIB=$LIB
RPC_PORT=$RPC_PORT
REST_PORT=$REST_PORT
BLOB_PORT=$BLOB_PORT
CONF_FILE=$conffile
EOF
    echo "$WORKDIR" > "$LAST"

    # --- JobManager, like bin/jobmanager.sh: JVM params from GET_JM_RESOURCE_PARAMS,
    #     opts from env.java.opts.all + env.java.opts.jobmanager of the config file.
    local jm_res jm_jvm jm_dyn opts_all opts_jm opts_tm
    jm_res=$(resource_params GET_JM_RESOURCE_PARAMS)
    # parameter expansion, not `| head`: with pipefail an early-closing reader can fail the
    # pipeline with SIGPIPE (exit 141)
    jm_jvm=${jm_res%%$'\n'*}; jm_dyn=${jm_res##*$'\n'}
    opts_all=$(read_conf env.java.opts.all "$conffile")
    opts_jm=$(read_conf env.java.opts.jobmanager "$conffile")
    opts_tm=$(read_conf env.java.opts.taskmanager "$conffile")
    # shellcheck disable=SC2086
    nohup "$JAVA" $jm_jvm -XX:+UseG1GC $opts_all $opts_jm \
        -Dlog.file="$WORKDIR/log/jobmanager.log" \
        -Dlog4j.configurationFile="file:$WORKDIR/conf/log4j.properties" \
        -cp "$LIB/*:$WORKDIR/lib/*" org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
        --configDir "$WORKDIR/conf" $jm_dyn \
        > "$WORKDIR/log/jobmanager.out" 2>&1 < /dev/null &
    echo $! > "$WORKDIR/jm.pid"
    log "JobManager pid $(cat "$WORKDIR/jm.pid"), REST http://localhost:$REST_PORT"

    # --- TaskManager, like bin/taskmanager.sh: GET_TM_RESOURCE_PARAMS -> JVM params + dynamic configs.
    local tm_res tm_jvm tm_dyn
    tm_res=$(resource_params GET_TM_RESOURCE_PARAMS)
    tm_jvm=${tm_res%%$'\n'*}; tm_dyn=${tm_res##*$'\n'}
    printf 'TM_JVM_PARAMS=%q\nTM_DYNAMIC=%q\nTM_OPTS_FROM_CONF=%q\n' "$tm_jvm" "$tm_dyn" "$opts_all $opts_tm" >> "$WORKDIR/cluster.env"
    # shellcheck disable=SC2086
    nohup "$JAVA" $tm_jvm -XX:+UseG1GC $opts_all $opts_tm \
        -Dlog.file="$WORKDIR/log/taskmanager.log" \
        -Dlog4j.configurationFile="file:$WORKDIR/conf/log4j.properties" \
        -cp "$LIB/*:$WORKDIR/lib/*" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
        --configDir "$WORKDIR/conf" $tm_dyn \
        > "$WORKDIR/log/taskmanager.out" 2>&1 < /dev/null &
    echo $! > "$WORKDIR/tm.pid"
    log "TaskManager pid $(cat "$WORKDIR/tm.pid")"

    # --- wait for REST /overview to show 1 TaskManager
    local deadline=$(( $(date +%s) + START_TIMEOUT )) ov=""
    while [ "$(date +%s)" -lt "$deadline" ]; do
        alive "$(pid_of jm)" || { tail -n 30 "$WORKDIR/log/jobmanager.out" "$WORKDIR/log/jobmanager.log" >&2 || true; die "JobManager exited"; }
        alive "$(pid_of tm)" || { tail -n 30 "$WORKDIR/log/taskmanager.out" "$WORKDIR/log/taskmanager.log" >&2 || true; die "TaskManager exited"; }
        ov=$(rest_get /overview 2>/dev/null || true)
        if [ -n "$ov" ] && python3 -c 'import json,sys; sys.exit(0 if json.loads(sys.argv[1]).get("taskmanagers")==1 else 1)' "$ov"; then
            log "cluster up in $(python3 -c "print(round($(now)-$t0,1))")s (fetch/cache check $(python3 -c "print(round($t0-$t_fetch0,1))")s): $ov"
            trap - EXIT
            echo "$WORKDIR"
            return 0
        fi
        sleep 0.5
    done
    die "timeout: no TaskManager registered after ${START_TIMEOUT}s (last /overview: $ov)"
}

client_java() {
    # Flink's own client (what bin/flink runs), configured from the same conf dir.
    local logname=$1; shift
    # shellcheck disable=SC2086
    FLINK_CONF_DIR="$WORKDIR/conf" "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 $JAVA17_OPTS \
        -Dlog.file="$WORKDIR/log/$logname" \
        -Dlog4j.configurationFile="file:$WORKDIR/conf/log4j-cli.properties" \
        -cp "$LIB/*:$WORKDIR/lib/*" org.apache.flink.client.cli.CliFrontend "$@"
}

# The JobID of a "Job has been submitted with JobID <id>" line of a client's output.
job_id_of() {
    local out=$1 id
    id=$(printf '%s\n' "$out" | sed -n 's/.*Job has been submitted with JobID \([0-9a-f]\{32\}\).*/\1/p')
    id=${id%%$'\n'*}
    [ -n "$id" ] || { echo "$out" >&2; die "no JobID in client output"; }
    echo "$id"
}

cmd_submit() {
    local jar=${1:?submit <jar> <class> [args]} cls=${2:?submit <jar> <class> [args]}; shift 2
    [ -f "$jar" ] || die "no such jar: $jar"
    local n; n=$(ls "$WORKDIR/log" | grep -c '^client-submit-' || true)
    local out
    out=$(client_java "client-submit-$n.log" run -d -c "$cls" "$jar" "$@" 2>&1) \
        || { echo "$out" >&2; die "submission failed"; }
    job_id_of "$out"
}

# submit-main <classes> <class> [args]: a client program of the application's own (e.g. one
# that plans SQL and submits the job graph through the REST API without a jar, like the SQL
# client), run with the cluster's classpath plus <classes> and the REST port as its first
# argument; it prints "Job has been submitted with JobID <id>".
cmd_submit_main() {
    local classes=${1:?submit-main <classes> <class> [args]} cls=${2:?submit-main <classes> <class> [args]}
    shift 2
    local n; n=$(ls "$WORKDIR/log" | grep -c '^client-main-' || true)
    local out
    # shellcheck disable=SC2086
    out=$(FLINK_CONF_DIR="$WORKDIR/conf" "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 $JAVA17_OPTS \
          -Djava.io.tmpdir="$WORKDIR/tmp" -Dlog.file="$WORKDIR/log/client-main-$n.log" \
          -Dlog4j.configurationFile="file:$WORKDIR/conf/log4j-cli.properties" \
          -cp "$LIB/*:$WORKDIR/lib/*:$classes" "$cls" "$REST_PORT" "$@" 2>&1) \
        || { echo "$out" >&2; die "$cls failed"; }
    job_id_of "$out"
}

cmd_cancel() {
    local id=${1:?cancel <jobid>}
    client_java "client-cancel-$id.log" cancel "$id" >&2
}

# /jobs/overview asks the dispatcher directly; /jobs/<id> is served from the ExecutionGraphCache
# and lags up to web.refresh-interval (3 s) behind.
job_state() {
    rest_get /jobs/overview | python3 -c '
import json, sys
st = [j["state"] for j in json.load(sys.stdin)["jobs"] if j["jid"] == sys.argv[1]]
print(st[0] if st else "UNKNOWN")' "$1"
}

cmd_wait_finished() {
    local ids=("$@") timeout=${FLINK_WAIT_TIMEOUT:-120}
    if [ ${#ids[@]} -eq 0 ]; then
        mapfile -t ids < <(rest_get /jobs/overview | python3 -c 'import json,sys; [print(j["jid"]) for j in json.load(sys.stdin)["jobs"]]')
    fi
    local deadline=$(( $(date +%s) + timeout ))
    local id st
    for id in "${ids[@]}"; do
        while :; do
            st=$(job_state "$id" 2>/dev/null || echo UNKNOWN)
            case "$st" in FINISHED|CANCELED|FAILED) break ;; esac
            [ "$(date +%s)" -lt "$deadline" ] || die "timeout waiting for job $id (state $st)"
            sleep 0.2
        done
        # The TM closes the job's class loader when it drops the job: TaskExecutor.closeJob logs
        # "Close JobManager connection for job <id>." (and releases the class loader lease).
        while ! grep -q "Close JobManager connection for job $id" "$WORKDIR/log/taskmanager.log" 2>/dev/null; do
            alive "$(pid_of tm)" || break  # the TM is gone (e.g. it stopped after a Metaspace OOM)
            if [ "$(date +%s)" -ge "$deadline" ]; then log "warning: TM did not log the release of job $id"; break; fi
            sleep 0.2
        done
        echo "$id $st"
    done
}

cmd_status() {
    echo "workdir $WORKDIR (Flink $VERSION), REST http://localhost:$REST_PORT"
    for p in jm tm; do
        if alive "$(pid_of $p)"; then echo "$p: running (pid $(pid_of $p))"; else echo "$p: not running"; fi
    done
    rest_get /overview 2>/dev/null && echo || true
}

main() {
    WORKDIR=""
    while [ $# -gt 0 ]; do
        case "$1" in
            -w) WORKDIR=$(cd "${2:?-w <workdir>}" && pwd); shift 2 ;;
            *) break ;;
        esac
    done
    local cmd=${1:-}; shift || true
    mkdir -p "$CACHE"
    case "$cmd" in
        fetch) cmd_fetch "$@" ;;
        fetch-jar) cmd_fetch_jar "$@" ;;
        start) cmd_start "$@" ;;
        submit) resolve_workdir; cmd_submit "$@" ;;
        submit-main) resolve_workdir; cmd_submit_main "$@" ;;
        cancel) resolve_workdir; cmd_cancel "$@" ;;
        wait-finished) resolve_workdir; cmd_wait_finished "$@" ;;
        stop-tm) resolve_workdir; stop_proc tm ;;
        stop) resolve_workdir; stop_proc tm; stop_proc jm ;;
        status) resolve_workdir; cmd_status ;;
        *) sed -n '2,34p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || exit 2 ;;
    esac
}

main "$@"
