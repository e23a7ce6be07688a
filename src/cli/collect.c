/* `metaleak collect JOBMANAGER_URL [--out DIR]`: every TaskManager's report (and the
 * JobManager's own) through Flink's REST API, the job names, then one summary. The agent writes
 * its report into Flink's log directory by default, which is what the REST log endpoints serve:
 *   GET /taskmanagers                      -> {"taskmanagers": [{"id": ...}, ...]}
 *   GET /taskmanagers/<id>/logs            -> {"logs": [{"name": ..., "size": ...}, ...]}
 *   GET /taskmanagers/<id>/logs/<name>     -> the file
 *   GET /jobmanager/logs, /jobmanager/logs/<name>   the same for the JobManager
 *   GET /jobs/overview                     -> {"jobs": [{"jid": ..., "name": ...}, ...]}
 * The job names go into DIR/flink-jobs.json (jobnames.h), which summary and html accept beside
 * the reports. HTTP is libcurl's: https with the system's CAs or --cacert, basic or bearer
 * authentication (Flink's REST behind an ingress); secrets come from files or the environment
 * and are never printed, and a URL is printed without its user:password. Several JVMs on one
 * host share a log directory, so the same report can be listed by each of them: reports of the
 * same JVM (host, pid, start time; else the same bytes) are kept once, the newest. A TaskManager
 * that times out, answers with an error or has no report is listed, not fatal; no report at all
 * is (exit 1). */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "metaleak/atomicfile.h"
#include "metaleak/cli.h"
#include "metaleak/collect.h"
#include "metaleak/error.h"
#include "metaleak/jobnames.h"

#define MAX_LISTING_BYTES (16u * 1024u * 1024u)
#define MAX_TMS 1024
#define MAX_FOUND 4096

struct buf {
    char *data;
    size_t len;
    size_t cap;     /* bound */
    bool too_big;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
    struct buf *b = user;
    size_t n = size * nmemb;
    char *grown;

    if (b->len + n > b->cap) {
        b->too_big = true;
        return 0;
    }
    grown = realloc(b->data, b->len + n + 1);
    if (grown == NULL)
        return 0;
    b->data = grown;
    memcpy(b->data + b->len, ptr, n);
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

/* GETs url into b (bounded by cap). Returns true on HTTP 200; otherwise writes the reason. */
static bool get(CURL *curl, const char *url, size_t cap, long timeout_s, struct buf *b,
                char *why, size_t whylen)
{
    long status = 0;
    CURLcode rc;

    memset(b, 0, sizeof(*b));
    b->cap = cap;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout_s);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        snprintf(why, whylen, "%s", b->too_big ? "answer larger than the bound"
                                               : curl_easy_strerror(rc));
        return false;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        snprintf(why, whylen, "HTTP %ld%s", status,
                 status == 401 || status == 403
                     ? " (credentials missing or refused: --user, --token-file)"
                 : status >= 300 && status < 400
                     ? " (a redirect; not followed when credentials are sent: give the final URL)"
                     : "");
        return false;
    }
    return true;
}

static cJSON *get_json(CURL *curl, const char *url, long timeout_s, char *why, size_t whylen)
{
    struct buf b;
    cJSON *json;

    if (!get(curl, url, MAX_LISTING_BYTES, timeout_s, &b, why, whylen)) {
        free(b.data);
        return NULL;
    }
    json = b.data != NULL ? cJSON_ParseWithLength(b.data, b.len) : NULL;
    free(b.data);
    if (json == NULL)
        snprintf(why, whylen, "answer is not JSON");
    return json;
}

/* The JobManager's job names into out_dir/flink-jobs.json; reasons are printed, not fatal (a
 * summary without names still helps). */
static void collect_job_names(CURL *curl, const char *base, const char *shown,
                              const char *out_dir, long timeout_s, struct ml_jobnames *jn)
{
    char url[4096], why[256], path[4096], err[512];
    struct buf b;
    char *text;
    struct timespec now;

    snprintf(url, sizeof(url), "%s/jobs/overview", base);
    if (!get(curl, url, MAX_LISTING_BYTES, timeout_s, &b, why, sizeof(why))) {
        printf("  job names: %s/jobs/overview: %s (jobs are named by id only)\n", shown, why);
        free(b.data);
        return;
    }
    if (ml_jobnames_from_overview(b.data ? b.data : "", b.len, jn, why, sizeof(why)) != ML_OK) {
        printf("  job names: %s/jobs/overview: %s (jobs are named by id only)\n", shown, why);
        free(b.data);
        return;
    }
    free(b.data);
    clock_gettime(CLOCK_REALTIME, &now);
    text = ml_jobnames_render(jn, shown, (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    snprintf(path, sizeof(path), "%s/flink-jobs.json", out_dir);
    if (text == NULL)
        printf("  job names: out of memory\n");
    else if (ml_write_atomic(path, text, strlen(text), err, sizeof(err)) != ML_OK)
        printf("  job names: %s\n", err);
    else
        printf("  job names: %zu job(s) -> %s\n", jn->n, path);
    free(text);
}

static void usage(FILE *out)
{
    fputs("usage: metaleak collect JOBMANAGER_URL [--out DIR] [--timeout SECONDS]\n"
          "                        [--cacert FILE] [--user NAME [--password-file FILE]]\n"
          "                        [--token-file FILE]\n",
          out);
}

/* Fetches the metaleak reports of one log directory (a TaskManager's, or the JobManager's with
 * tm_id NULL) into out_dir; appends their paths to found. */
static void collect_logs(CURL *curl, const char *base, const char *tm_id, const char *out_dir,
                         long timeout_s, char **found, size_t *n_found)
{
    char url[8192], why[256], prefix[4096];
    const char *who = tm_id != NULL ? tm_id : "jobmanager";
    char *esc = tm_id != NULL ? curl_easy_escape(curl, tm_id, 0) : NULL;
    cJSON *listing, *logs, *log;
    size_t before = *n_found;

    if (tm_id != NULL)
        snprintf(prefix, sizeof(prefix), "%s/taskmanagers/%s/logs", base, esc ? esc : tm_id);
    else
        snprintf(prefix, sizeof(prefix), "%s/jobmanager/logs", base);
    listing = get_json(curl, prefix, timeout_s, why, sizeof(why));
    if (listing == NULL) {
        printf("  %s: log listing failed: %s\n", who, why);
        curl_free(esc);
        return;
    }
    logs = cJSON_GetObjectItemCaseSensitive(listing, "logs");
    cJSON_ArrayForEach(log, logs) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(log, "name");
        char *fesc, path[4096], err[512], safe_id[256];
        struct buf b;

        if (!cJSON_IsString(name) || fnmatch("metaleak-*.json", name->valuestring, 0) != 0 ||
            strchr(name->valuestring, '/') != NULL || *n_found >= MAX_FOUND)
            continue;
        fesc = curl_easy_escape(curl, name->valuestring, 0);
        snprintf(url, sizeof(url), "%s/%s", prefix, fesc ? fesc : name->valuestring);
        curl_free(fesc);
        if (!get(curl, url, ML_REPORT_MAX_BYTES, timeout_s, &b, why, sizeof(why))) {
            printf("  %s: %s: %s\n", who, name->valuestring, why);
            free(b.data);
            continue;
        }
        /* TaskManager ids may contain ':' and '/'-free text only is safe in a file name. */
        snprintf(safe_id, sizeof(safe_id), "%s", who);
        for (char *p = safe_id; *p; p++) {
            if (*p == '/' || *p == ':')
                *p = '_';
        }
        snprintf(path, sizeof(path), "%s/%s-%s", out_dir, safe_id, name->valuestring);
        if (ml_write_atomic(path, b.data ? b.data : "", b.len, err, sizeof(err)) != ML_OK) {
            printf("  %s: %s\n", who, err);
        } else {
            found[(*n_found)++] = strdup(path);
            printf("  %s: %s -> %s\n", who, name->valuestring, path);
        }
        free(b.data);
    }
    if (*n_found == before)
        printf(tm_id != NULL
                   ? "  %s: no metaleak report in its log directory (agent not loaded there?)\n"
                   : "  %s: no metaleak report in its log directory\n",
               who);
    cJSON_Delete(listing);
    curl_free(esc);
}

/* ---- credentials: from files or the environment, never printed ---- */

struct secrets {
    char user[512];
    char password[4096];
    char token[4096];
    char *header;              /* "Authorization: Bearer ..." */
};

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;

    while (n-- > 0)
        *v++ = 0;
}

/* The first line of a file (a password or a token), without its line end. Returns false with
 * a message naming the file (never its content). */
static bool read_secret(const char *option, const char *file, char *out, size_t outlen)
{
    FILE *f = fopen(file, "r");
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "metaleak collect: %s '%s': %s\n", option, file, strerror(errno));
        return false;
    }
    n = fread(out, 1, outlen - 1, f);
    fclose(f);
    out[n] = '\0';
    out[strcspn(out, "\r\n")] = '\0';
    if (out[0] == '\0') {
        fprintf(stderr, "metaleak collect: %s '%s' is empty\n", option, file);
        return false;
    }
    if (n == outlen - 1) {
        wipe(out, outlen);
        fprintf(stderr, "metaleak collect: %s '%s' is longer than %zu bytes\n", option, file,
                outlen - 2);
        return false;
    }
    return true;
}

/* Sets what every request of this handle sends: the CA file, basic or bearer credentials. No
 * redirect is followed with credentials (they would go to wherever the redirect points). */
static int set_auth(CURL *curl, const char *base, const char *cacert, struct secrets *sec,
                    struct curl_slist **headers)
{
    bool creds = sec->user[0] != '\0' || sec->token[0] != '\0' || strchr(base, '@') != NULL;

    if (cacert != NULL)
        curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
    if (sec->user[0] != '\0') {
        curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(curl, CURLOPT_USERNAME, sec->user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, sec->password);
    }
    if (sec->token[0] != '\0') {
        size_t len = strlen(sec->token) + 32;

        sec->header = malloc(len);
        if (sec->header == NULL)
            return ML_EXIT_FAIL;
        snprintf(sec->header, len, "Authorization: Bearer %s", sec->token);
        *headers = curl_slist_append(NULL, sec->header);
        if (*headers == NULL)
            return ML_EXIT_FAIL;
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, *headers);
    }
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, creds ? 0L : 1L);
    if (creds && strncmp(base, "http://", 7) == 0)
        fputs("metaleak collect: warning: credentials over plain http:// are readable on the "
              "way; use https://\n",
              stderr);
    return ML_EXIT_OK;
}

int ml_cli_collect(int argc, char **argv)
{
    static const struct option longopts[] = {{"out", required_argument, NULL, 'o'},
                                             {"timeout", required_argument, NULL, 't'},
                                             {"cacert", required_argument, NULL, 'c'},
                                             {"user", required_argument, NULL, 'u'},
                                             {"password-file", required_argument, NULL, 'p'},
                                             {"token-file", required_argument, NULL, 'k'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    const char *out_dir = "metaleak-reports";
    const char *cacert = getenv("METALEAK_REST_CACERT");
    const char *password_file = NULL, *token_file = NULL;
    static struct secrets sec;
    char base[2048], shown[2048], why[256], url[4096];
    char **found = NULL;
    size_t n_found = 0;
    long timeout_s = 10;
    cJSON *tms_json = NULL, *tms, *tm;
    struct ml_rfile *rfs = NULL;
    struct ml_jobnames jn = {NULL, 0};
    struct curl_slist *headers = NULL;
    size_t n_rf = 0;
    CURL *curl = NULL;
    int rc = ML_EXIT_FAIL, c;
    char *end;

    memset(&sec, 0, sizeof(sec));
    snprintf(sec.user, sizeof(sec.user), "%s",
             getenv("METALEAK_REST_USER") ? getenv("METALEAK_REST_USER") : "");
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out_dir = optarg;
            break;
        case 't':
            timeout_s = strtol(optarg, &end, 10);
            if (*end != '\0' || timeout_s < 1 || timeout_s > 600) {
                fprintf(stderr, "metaleak collect: --timeout '%s' is not 1..600 seconds\n",
                        optarg);
                return ML_EXIT_USAGE;
            }
            break;
        case 'c':
            cacert = optarg;
            break;
        case 'u':
            snprintf(sec.user, sizeof(sec.user), "%s", optarg);
            break;
        case 'p':
            password_file = optarg;
            break;
        case 'k':
            token_file = optarg;
            break;
        case 'h':
            usage(stdout);
            puts("\nLists the TaskManagers through the JobManager's REST API, fetches each one's\n"
                 "metaleak-*.json from its log directory (the agent's default report location),\n"
                 "and the JobManager's own, into DIR (default ./metaleak-reports), the job names\n"
                 "(GET /jobs/overview) into DIR/flink-jobs.json, then prints one summary of them\n"
                 "all. A report listed twice (JVMs sharing a log directory) is kept once.\n"
                 "TaskManagers that time out, fail or have no report are listed, not fatal.\n"
                 "\n"
                 "  --cacert FILE         CA certificates (PEM) for https (env METALEAK_REST_CACERT)\n"
                 "  --user NAME           basic authentication (env METALEAK_REST_USER); the\n"
                 "                        password from --password-file FILE or the env\n"
                 "                        METALEAK_REST_PASSWORD\n"
                 "  --token-file FILE     bearer token (env METALEAK_REST_TOKEN)\n"
                 "Secrets are never printed. With credentials no redirect is followed.\n"
                 "\n"
                 "Exit 0 with at least one usable report, 1 when no report could be fetched or\n"
                 "the JobManager cannot be read, 2 usage.");
            return ML_EXIT_OK;
        default:
            usage(stderr);
            return ML_EXIT_USAGE;
        }
    }
    if (argc - optind != 1) {
        usage(stderr);
        return ML_EXIT_USAGE;
    }
    snprintf(base, sizeof(base), "%s", argv[optind]);
    while (strlen(base) > 0 && base[strlen(base) - 1] == '/')
        base[strlen(base) - 1] = '\0';
    ml_collect_shown_url(base, shown, sizeof(shown));
    if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0) {
        fprintf(stderr, "metaleak collect: '%s' is not an http(s):// URL of the JobManager's "
                        "REST endpoint\n",
                shown);
        return ML_EXIT_USAGE;
    }
    if (cacert != NULL && access(cacert, R_OK) != 0) {
        fprintf(stderr, "metaleak collect: --cacert '%s': %s\n", cacert, strerror(errno));
        return ML_EXIT_USAGE;
    }
    if (password_file != NULL &&
        !read_secret("--password-file", password_file, sec.password, sizeof(sec.password)))
        goto usage_error;
    if (password_file == NULL && getenv("METALEAK_REST_PASSWORD") != NULL)
        snprintf(sec.password, sizeof(sec.password), "%s", getenv("METALEAK_REST_PASSWORD"));
    if (token_file != NULL && !read_secret("--token-file", token_file, sec.token, sizeof(sec.token)))
        goto usage_error;
    if (token_file == NULL && getenv("METALEAK_REST_TOKEN") != NULL)
        snprintf(sec.token, sizeof(sec.token), "%s", getenv("METALEAK_REST_TOKEN"));
    if (sec.user[0] != '\0' && sec.token[0] != '\0') {
        fputs("metaleak collect: give either a user (basic) or a token (bearer), not both\n",
              stderr);
        goto usage_error;
    }
    if (sec.user[0] != '\0' && sec.password[0] == '\0') {
        fputs("metaleak collect: --user needs a password: --password-file FILE or "
              "METALEAK_REST_PASSWORD\n",
              stderr);
        goto usage_error;
    }
    if (sec.user[0] == '\0' && password_file != NULL) {
        fputs("metaleak collect: --password-file needs --user\n", stderr);
        goto usage_error;
    }
    if (mkdir(out_dir, 0750) != 0 && errno != EEXIST) {
        fprintf(stderr, "metaleak collect: cannot create '%s': %s\n", out_dir, strerror(errno));
        goto usage_error;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (curl = curl_easy_init()) == NULL) {
        fputs("metaleak collect: cannot initialise libcurl\n", stderr);
        goto cleanup;
    }
    if (set_auth(curl, base, cacert, &sec, &headers) != ML_EXIT_OK)
        goto cleanup;
    snprintf(url, sizeof(url), "%s/taskmanagers", base);
    tms_json = get_json(curl, url, timeout_s, why, sizeof(why));
    if (tms_json == NULL) {
        fprintf(stderr, "metaleak collect: %s/taskmanagers: %s\n", shown, why);
        goto cleanup;
    }
    tms = cJSON_GetObjectItemCaseSensitive(tms_json, "taskmanagers");
    if (!cJSON_IsArray(tms)) {
        fprintf(stderr, "metaleak collect: %s/taskmanagers: no \"taskmanagers\" list: not a "
                        "Flink REST endpoint?\n",
                shown);
        goto cleanup;
    }
    found = calloc(MAX_FOUND, sizeof(*found));
    if (found == NULL)
        goto cleanup;
    printf("%d TaskManager(s) at %s\n", cJSON_GetArraySize(tms), shown);
    cJSON_ArrayForEach(tm, tms) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(tm, "id");

        if (cJSON_IsString(id))
            collect_logs(curl, base, id->valuestring, out_dir, timeout_s, found, &n_found);
    }
    collect_logs(curl, base, NULL, out_dir, timeout_s, found, &n_found);
    collect_job_names(curl, base, shown, out_dir, timeout_s, &jn);
    rfs = calloc(n_found + 1, sizeof(*rfs));
    if (rfs == NULL)
        goto cleanup;
    for (size_t i = 0; i < n_found; i++) {
        char err[1024];

        if (ml_rfile_load(found[i], &rfs[n_rf], err, sizeof(err)) == ML_OK) {
            n_rf++;
        } else {
            printf("  unusable: %s\n", err);
            ml_rfile_release(&rfs[n_rf]);
        }
    }
    n_rf = ml_collect_dedup(rfs, n_rf);
    putchar('\n');
    if (n_rf == 0) {
        fprintf(stderr, "metaleak collect: no TaskManager report could be fetched from %s (%d "
                        "TaskManager(s); agent not loaded, or its report elsewhere than the log "
                        "directory?)\n",
                shown, cJSON_GetArraySize(tms));
        goto cleanup;
    }
    rc = ml_summary_print(rfs, n_rf, &jn, false, stdout);
    goto cleanup;
usage_error:
    rc = ML_EXIT_USAGE;
cleanup:
    ml_jobnames_release(&jn);
    for (size_t i = 0; i < n_rf; i++)
        ml_rfile_release(&rfs[i]);
    free(rfs);
    for (size_t i = 0; found != NULL && i < n_found; i++)
        free(found[i]);
    free(found);
    cJSON_Delete(tms_json);
    if (curl != NULL)
        curl_easy_cleanup(curl);
    if (headers != NULL)
        curl_slist_free_all(headers);
    if (sec.header != NULL) {
        wipe(sec.header, strlen(sec.header));
        free(sec.header);
    }
    wipe(&sec, sizeof(sec));
    if (curl != NULL)
        curl_global_cleanup();
    return rc;
}
