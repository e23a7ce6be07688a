/* `metaleak attach PID [OPTIONS]`: loads the agent into a running HotSpot JVM through its
 * dynamic attach protocol, with no JDK tools (official Flink images ship a JRE only).
 *
 * The protocol (HotSpot, Linux): the JVM listens on the UNIX socket /tmp/.java_pid<pid> once
 * its attach listener runs; it starts it on SIGQUIT when the file .attach_pid<pid> exists in
 * its working directory or /tmp. A request is "1\0load\0<library>\0true\0<options>\0"; the reply
 * starts with the request's result ("0") and then the agent's return code. HotSpot accepts a
 * peer with the JVM's own effective uid and gid only, so root switches to the target's ids.
 * Inside a container the JVM knows itself by its namespace pid (NSpid), and its /tmp is
 * /proc/<pid>/root/tmp as seen from here. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "metaleak/cli.h"

struct target {
    pid_t pid;
    pid_t nspid;      /* pid inside the JVM's own namespace */
    uid_t uid;
    gid_t gid;
};

/* Prints "metaleak attach: <message>" and evaluates to ML_EXIT_FAIL. */
#define FAIL(...)                                                                              \
    (fputs("metaleak attach: ", stderr), fprintf(stderr, __VA_ARGS__), fputc('\n', stderr),    \
     ML_EXIT_FAIL)

/* Reads Uid, Gid and NSpid from /proc/PID/status. */
static bool read_status(struct target *t)
{
    char path[64], line[512];
    FILE *f;
    bool have_uid = false, have_gid = false;

    snprintf(path, sizeof(path), "/proc/%ld/status", (long)t->pid);
    f = fopen(path, "r");
    if (f == NULL)
        return false;
    t->nspid = t->pid;
    while (fgets(line, sizeof(line), f) != NULL) {
        char *p;

        if (strncmp(line, "Uid:", 4) == 0) {
            /* real, effective, saved, fs: HotSpot compares the effective uid */
            strtoul(line + 4, &p, 10);
            t->uid = (uid_t)strtoul(p, NULL, 10);
            have_uid = true;
        } else if (strncmp(line, "Gid:", 4) == 0) {
            strtoul(line + 4, &p, 10);
            t->gid = (gid_t)strtoul(p, NULL, 10);
            have_gid = true;
        } else if (strncmp(line, "NSpid:", 6) == 0) {
            /* one pid per nested namespace, innermost last */
            const char *q = line + 6;

            for (;;) {
                long v = strtol(q, &p, 10);

                if (p == q)
                    break;
                t->nspid = (pid_t)v;
                q = p;
            }
        }
    }
    fclose(f);
    return have_uid && have_gid;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* True when the process has libjvm mapped: never SIGQUIT a process that is not a JVM. The maps
 * file of a busy process is read again a few times before giving up: a read that races with the
 * process changing its mappings is not atomic. */
static bool is_jvm(pid_t pid)
{
    char path[64], line[1024];
    bool found = false;

    snprintf(path, sizeof(path), "/proc/%ld/maps", (long)pid);
    for (int attempt = 0; attempt < 5 && !found; attempt++) {
        FILE *f = fopen(path, "r");

        if (f == NULL)
            return false;
        while (!found && fgets(line, sizeof(line), f) != NULL)
            found = strstr(line, "/libjvm.so") != NULL;
        fclose(f);
        if (!found)
            sleep_ms(50);
    }
    return found;
}

static bool is_socket(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Makes the JVM start its attach listener; returns ML_EXIT_OK when the socket exists. */
static int start_listener(const struct target *t, const char *sock, int timeout_s)
{
    char trigger[PATH_MAX];
    int fd;
    long waited = 0, step = 20;

    if (is_socket(sock))
        return ML_EXIT_OK;
    snprintf(trigger, sizeof(trigger), "/proc/%ld/cwd/.attach_pid%ld", (long)t->pid,
             (long)t->nspid);
    fd = open(trigger, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(trigger, sizeof(trigger), "/proc/%ld/root/tmp/.attach_pid%ld", (long)t->pid,
                 (long)t->nspid);
        fd = open(trigger, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
    }
    if (fd < 0 && errno != EEXIST)
        return FAIL("cannot create the attach trigger file of JVM %ld: %s", (long)t->pid,
                    strerror(errno));
    if (fd >= 0)
        close(fd);
    if (kill(t->pid, SIGQUIT) != 0) {
        int e = errno;

        unlink(trigger);
        return FAIL("cannot signal JVM %ld: %s", (long)t->pid, strerror(e));
    }
    while (!is_socket(sock) && waited < (long)timeout_s * 1000) {
        sleep_ms(step);
        waited += step;
        if (step < 200)
            step *= 2;
    }
    unlink(trigger);
    if (!is_socket(sock)) {
        fprintf(stderr,
                "metaleak attach: JVM %ld did not start its attach listener within %d s "
                "(started with -XX:+DisableAttachMechanism? not a HotSpot JVM?)\n",
                (long)t->pid, timeout_s);
        return ML_EXIT_FAIL;
    }
    return ML_EXIT_OK;
}

static bool write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Sends the load request and reads the reply into reply (NUL-terminated). */
static int send_load(const char *sock, const char *agent, const char *options, int timeout_s,
                     char *reply, size_t replylen, long pid)
{
    struct sockaddr_un addr;
    struct timeval tv = {timeout_s, 0};
    char req[PATH_MAX * 2 + 64];
    size_t len = 0, got = 0;
    int fd;

    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    if (strlen(sock) >= sizeof(addr.sun_path))
        return FAIL("attach socket path too long: %s", sock);
    strcpy(addr.sun_path, sock); /* length checked above */
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return FAIL("cannot create a socket: %s", strerror(errno));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        int e = errno;

        close(fd);
        fprintf(stderr, "metaleak attach: JVM %ld refused the connection: %s\n", pid,
                strerror(e));
        return ML_EXIT_FAIL;
    }
    /* "1" load <library> <is absolute> <options>, each NUL-terminated */
    len = (size_t)snprintf(req, sizeof(req), "1%cload%c%s%ctrue%c%s%c", 0, 0, agent, 0, 0,
                           options, 0);
    if (len >= sizeof(req) || !write_all(fd, req, len)) {
        close(fd);
        return FAIL("cannot send the load request to JVM %ld", pid);
    }
    while (got + 1 < replylen) {
        ssize_t n = read(fd, reply + got, replylen - 1 - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            fprintf(stderr, "metaleak attach: no answer from JVM %ld within %d s\n", pid,
                    timeout_s);
            return ML_EXIT_FAIL;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    reply[got] = '\0';
    close(fd);
    return ML_EXIT_OK;
}

/* Finds libmetaleak.so beside this program, in ../lib (installed), or fails. */
static bool find_agent(char *out, size_t len)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    /* beside it, installed (bin/ + lib/), or the build tree (build/bin/ + build/) */
    static const char *const rel[] = {"/libmetaleak.so", "/../lib/libmetaleak.so",
                                      "/../libmetaleak.so"};
    char *slash;

    if (n <= 0)
        return false;
    self[n] = '\0';
    slash = strrchr(self, '/');
    if (slash == NULL)
        return false;
    *slash = '\0';
    for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
        char candidate[PATH_MAX + 32];

        snprintf(candidate, sizeof(candidate), "%s%s", self, rel[i]);
        if (realpath(candidate, out) != NULL && access(out, R_OK) == 0)
            return true;
    }
    (void)len;
    return false;
}

/* Interprets the reply: "0\n" then the agent's return code (JDK 9+: "return code: N"). */
static int check_reply(const char *reply, long pid)
{
    char *end = NULL;
    long result = strtol(reply, &end, 10);
    const char *rc_text;
    long agent_rc = 0;

    if (end == reply) {
        fprintf(stderr, "metaleak attach: JVM %ld sent an unexpected reply: '%.80s'\n", pid,
                reply);
        return ML_EXIT_FAIL;
    }
    if (result != 0) {
        fprintf(stderr, "metaleak attach: JVM %ld refused to load the agent (result %ld): %.200s\n",
                pid, result, end);
        return ML_EXIT_FAIL;
    }
    rc_text = strstr(end, "return code:");
    if (rc_text != NULL)
        agent_rc = strtol(rc_text + 12, NULL, 10);
    else if (*end == '\n')
        agent_rc = strtol(end + 1, NULL, 10);
    if (agent_rc != 0) {
        fprintf(stderr,
                "metaleak attach: the agent did not start in JVM %ld (return code %ld); its "
                "reason is the 'metaleak: error:' line on the JVM's stderr\n",
                pid, agent_rc);
        return ML_EXIT_FAIL;
    }
    return ML_EXIT_OK;
}

int ml_cli_attach(int argc, char **argv)
{
    static const struct option longopts[] = {{"agent", required_argument, NULL, 'a'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    struct target t;
    char agent[PATH_MAX], sock[PATH_MAX], reply[4096];
    const char *agent_arg = NULL, *options = "";
    int timeout_s = 10, c, rc;
    char *end;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
        switch (c) {
        case 'a':
            agent_arg = optarg;
            break;
        case 't':
            timeout_s = (int)strtol(optarg, &end, 10);
            if (*end != '\0' || timeout_s < 1 || timeout_s > 600) {
                fprintf(stderr, "metaleak attach: --timeout '%s' is not 1..600 seconds\n",
                        optarg);
                return ML_EXIT_USAGE;
            }
            break;
        case 'h':
            puts("usage: metaleak attach [--agent PATH] [--timeout SECONDS] PID [AGENT_OPTIONS]\n\n"
                 "Loads the metaleak agent into the running JVM PID through HotSpot's attach\n"
                 "protocol (no JDK or jcmd needed), as the JVM's own user (root switches to it).\n"
                 "The agent writes a first report at once (trigger request); if it is already\n"
                 "loaded, it writes a report now. AGENT_OPTIONS is the agent's option string,\n"
                 "e.g. report=/opt/flink/log/metaleak-%p.json,interval=60.\n"
                 "  --agent PATH   libmetaleak.so to load (default: beside this program,\n"
                 "                 ../lib/ as installed, or ../ in the build tree)\n"
                 "  --timeout S    how long to wait for the JVM (default 10)");
            return ML_EXIT_OK;
        default:
            fputs("usage: metaleak attach [--agent PATH] [--timeout S] PID [AGENT_OPTIONS]\n",
                  stderr);
            return ML_EXIT_USAGE;
        }
    }
    if (argc - optind < 1 || argc - optind > 2) {
        fputs("usage: metaleak attach [--agent PATH] [--timeout S] PID [AGENT_OPTIONS]\n", stderr);
        return ML_EXIT_USAGE;
    }
    memset(&t, 0, sizeof(t));
    t.pid = (pid_t)strtol(argv[optind], &end, 10);
    if (*argv[optind] == '\0' || *end != '\0' || t.pid <= 0) {
        fprintf(stderr, "metaleak attach: '%s' is not a process id\n", argv[optind]);
        return ML_EXIT_USAGE;
    }
    if (argc - optind == 2)
        options = argv[optind + 1];
    if (agent_arg != NULL) {
        if (realpath(agent_arg, agent) == NULL || access(agent, R_OK) != 0) {
            fprintf(stderr, "metaleak attach: --agent '%s': %s\n", agent_arg, strerror(errno));
            return ML_EXIT_USAGE;
        }
    } else if (!find_agent(agent, sizeof(agent))) {
        fputs("metaleak attach: libmetaleak.so not found beside this program or in ../lib; "
              "give --agent PATH\n",
              stderr);
        return ML_EXIT_USAGE;
    }
    if (!read_status(&t)) {
        fprintf(stderr, "metaleak attach: no process %ld\n", (long)t.pid);
        return ML_EXIT_FAIL;
    }
    if (!is_jvm(t.pid)) {
        fprintf(stderr, "metaleak attach: process %ld is not a HotSpot JVM (no libjvm.so mapped) "
                        "or is not readable by this user\n",
                (long)t.pid);
        return ML_EXIT_FAIL;
    }
    if (geteuid() != t.uid || getegid() != t.gid) {
        if (geteuid() != 0) {
            fprintf(stderr, "metaleak attach: JVM %ld runs as uid %ld; HotSpot accepts attach "
                            "only from that user (run as it, or as root)\n",
                    (long)t.pid, (long)t.uid);
            return ML_EXIT_FAIL;
        }
        if (setegid(t.gid) != 0 || seteuid(t.uid) != 0) {
            fprintf(stderr, "metaleak attach: cannot switch to uid %ld of JVM %ld: %s\n",
                    (long)t.uid, (long)t.pid, strerror(errno));
            return ML_EXIT_FAIL;
        }
    }
    snprintf(sock, sizeof(sock), "/proc/%ld/root/tmp/.java_pid%ld", (long)t.pid, (long)t.nspid);
    rc = start_listener(&t, sock, timeout_s);
    if (rc == ML_EXIT_OK)
        rc = send_load(sock, agent, options, timeout_s, reply, sizeof(reply), (long)t.pid);
    if (rc == ML_EXIT_OK)
        rc = check_reply(reply, (long)t.pid);
    if (rc == ML_EXIT_OK)
        printf("metaleak: agent %s loaded into JVM %ld\n", agent, (long)t.pid);
    return rc;
}
