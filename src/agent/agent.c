/* JVMTI entry points: Agent_OnLoad (start-up), Agent_OnAttach (late attach) and
 * Agent_OnUnload. The top of the agent: it calls down into the modules and nothing calls it.
 * One initialisation serves both entries, in a fixed order: environment, options,
 * capabilities, monitors and state, callbacks, then events; the worker thread starts at VMInit
 * (start-up) or at once (attach).
 *
 * Configuration errors refuse to start (Agent_OnLoad returns JNI_ERR, so the JVM exits as it
 * does for a bad -XX flag) with one line on stderr. Everything after that is a runtime failure:
 * the agent logs once, disables itself and lets the JVM run (ml_fail). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "jvmerror.h"
#include "metaleak/clock.h"
#include "metaleak/error.h"
#include "metaleak/log.h"
#include "metaleak/options.h"
#include "metaleak/optstring.h"
#include "metaleak/filepath.h"
#include "replay.h"
#include "state.h"
#include "worker.h"

/* Set by the first successful initialisation; read by the entry points only (the JVM runs
 * them one at a time). */
static bool initialized;

/* Picks the default report template: metaleak-%p.json beside Flink's log file when the JVM
 * has -Dlog.file=..., else in the working directory. */
static void default_report(jvmtiEnv *jvmti, struct ml_options *opts)
{
    char *log_file = NULL;

    /* No such property is the usual case (JVMTI_ERROR_NOT_AVAILABLE). */
    if (ml_jvmti_ok((*jvmti)->GetSystemProperty(jvmti, "log.file", &log_file), ML_ON_ERROR_SKIP,
                    "GetSystemProperty(log.file)") &&
        log_file != NULL) {
        char dir[ML_FILEPATH_MAX];

        static const char name[] = "/metaleak-%p.json";
        size_t len;

        if (ml_filepath_dirname(log_file, dir, sizeof(dir)) == ML_OK &&
            (len = strlen(dir)) + sizeof(name) <= sizeof(opts->report)) {
            memcpy(opts->report, dir, len);
            memcpy(opts->report + len, name, sizeof(name));
        }
        ml_jvmti_free(jvmti, log_file);
    }
    if (opts->report[0] == '\0')
        snprintf(opts->report, sizeof(opts->report), "metaleak-%%p.json");
}

/* Parses options and checks the report (and metrics) location. Prints the one error line
 * itself. */
static int configure(jvmtiEnv *jvmti, const char *optstr, struct ml_options *opts, char *path,
                     char *metrics, size_t pathlen, char *host, size_t hostlen)
{
    char err[ML_ERRBUF];
    int rc;

    ml_options_defaults(opts);
    ml_filepath_host(host, hostlen);
    rc = ml_optstring_parse(optstr, opts, err, sizeof(err));
    if (rc == ML_OK && opts->report[0] == '\0')
        default_report(jvmti, opts);
    if (rc == ML_OK)
        rc = ml_filepath_expand_for("report", opts->report, getpid(), ml_clock_start_time(), host,
                                    path, pathlen, err, sizeof(err));
    if (rc == ML_OK)
        rc = ml_filepath_check_dir_for("report", path, err, sizeof(err));
    if (rc == ML_OK && opts->metrics[0] != '\0')
        rc = ml_filepath_expand_for("metrics", opts->metrics, getpid(), ml_clock_start_time(),
                                    host, metrics, pathlen, err, sizeof(err));
    if (rc == ML_OK && opts->metrics[0] != '\0')
        rc = ml_filepath_check_dir_for("metrics", metrics, err, sizeof(err));
    if (rc != ML_OK)
        ml_log_error("%s", err);
    return rc;
}

/* Requests exactly the capabilities metaleak uses, after checking each is available. */
static int add_capabilities(jvmtiEnv *jvmti)
{
    jvmtiCapabilities potential, wanted;
    if (!ml_jvmti_ok((*jvmti)->GetPotentialCapabilities(jvmti, &potential), ML_ON_ERROR_LOG,
                     "GetPotentialCapabilities"))
        return ML_ERR_JVM;
    if (!potential.can_tag_objects || !potential.can_generate_object_free_events ||
        !potential.can_generate_garbage_collection_events) {
        ml_log_error("this JVM lacks a JVMTI capability metaleak needs (%s)",
                     !potential.can_tag_objects                    ? "can_tag_objects"
                     : !potential.can_generate_object_free_events ? "can_generate_object_free_events"
                                                                   : "can_generate_garbage_collection_events");
        return ML_ERR_JVM;
    }
    memset(&wanted, 0, sizeof(wanted));
    wanted.can_tag_objects = 1;
    wanted.can_generate_object_free_events = 1;
    wanted.can_generate_garbage_collection_events = 1;
    return ml_jvmti_ok((*jvmti)->AddCapabilities(jvmti, &wanted), ML_ON_ERROR_LOG,
                       "AddCapabilities") ? ML_OK : ML_ERR_JVM;
}

/* Shared by Agent_OnLoad and Agent_OnAttach. Returns JNI_OK or JNI_ERR. */
static jint init(JavaVM *vm, const char *optstr, bool attached)
{
    static struct ml_options opts;  /* 8 KiB: not on the JVM thread's stack */
    static char report_file[ML_FILEPATH_MAX];
    static char metrics_file[ML_FILEPATH_MAX];
    static char host[256];
    struct ml_registry *reg;
    jvmtiEnv *jvmti = NULL;

    ml_clock_init();
    if ((*vm)->GetEnv(vm, (void **)&jvmti, JVMTI_VERSION_1_2) != JNI_OK || jvmti == NULL) {
        ml_log_error("cannot get a JVMTI 1.2 environment from this JVM");
        return JNI_ERR;
    }
    ml_state_begin(vm, jvmti, attached);
    memset(report_file, 0, sizeof(report_file));
    memset(metrics_file, 0, sizeof(metrics_file));
    if (configure(jvmti, optstr, &opts, report_file, metrics_file, sizeof(report_file), host,
                  sizeof(host)) != ML_OK)
        goto fail;
    ml_log_set_level(opts.log);
    if (add_capabilities(jvmti) != ML_OK ||
        !ml_jvmti_ok(ml_replay_init(jvmti), ML_ON_ERROR_LOG, "CreateRawMonitor"))
        goto fail;
    reg = ml_registry_new(opts.max_loaders, opts.history);
    if (reg == NULL) {
        ml_log_error("out of memory creating the loader registry");
        goto fail;
    }
    if (!ml_jvmti_ok(ml_state_setup(&opts, report_file, reg), ML_ON_ERROR_LOG,
                     "CreateRawMonitor"))
        goto fail;
    ml_state_setup_files(metrics_file, host);
    ml_set_active(true);
    if (ml_events_install(jvmti, ml_worker_start) != ML_OK)
        goto fail;
    initialized = true;
    ml_log(ML_LOG_DEBUG, "loaded (%s), report %s", attached ? "attach" : "start-up",
           ml_report_file());
    return JNI_OK;
fail:
    ml_state_abandon();
    ml_jvmti_ok((*jvmti)->DisposeEnvironment(jvmti), ML_ON_ERROR_DEBUG, "DisposeEnvironment");
    return JNI_ERR;
}

JNIEXPORT jint JNICALL Agent_OnLoad(JavaVM *vm, char *options, void *reserved)
{
    (void)reserved;
    if (initialized) {
        ml_log_error("loaded twice at start-up; the second -agentpath is ignored");
        return JNI_OK;
    }
    return init(vm, options, false);
}

JNIEXPORT jint JNICALL Agent_OnAttach(JavaVM *vm, char *options, void *reserved)
{
    JNIEnv *jni = NULL;

    (void)reserved;
    if (initialized) {
        /* Already loaded (at start-up or by an earlier attach): write a report now. */
        if (ml_failed())
            return JNI_ERR;
        ml_mail_wake(ML_REQ_REPORT);
        ml_log(ML_LOG_INFO, "already loaded; report requested");
        return JNI_OK;
    }
    if (init(vm, options, true) != JNI_OK)
        return JNI_ERR;
    /* On-call attached to see the state: the first report comes at once. */
    ml_mail_wake(ML_REQ_REPORT);
    if ((*vm)->GetEnv(vm, (void **)&jni, JNI_VERSION_1_8) != JNI_OK || jni == NULL ||
        ml_worker_start(ml_jvmti(), jni) != ML_OK) {
        ml_fail("cannot start the metaleak worker thread", JVMTI_ERROR_NONE);
        return JNI_ERR;
    }
    return JNI_OK;
}

JNIEXPORT void JNICALL Agent_OnUnload(JavaVM *vm)
{
    (void)vm;
    ml_state_release();
}
