/* `metaleak collect`'s pure parts: one report per JVM, and URLs fit to print (collect.h). */
#include "metaleak/collect.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The URL as it may be printed: a user:password@ in it becomes ***@. */
void ml_collect_shown_url(const char *url, char *out, size_t outlen)
{
    const char *scheme = strstr(url, "://");
    const char *host = scheme != NULL ? scheme + 3 : url;
    const char *end = host + strcspn(host, "/?#");
    const char *at = NULL;

    for (const char *p = host; p < end; p++)
        if (*p == '@')
            at = p;
    if (at == NULL) {
        snprintf(out, outlen, "%s", url);
        return;
    }
    snprintf(out, outlen, "%.*s***%s", (int)(host - url), url, at);
}

/* ---- one report per JVM ---- */

static uint64_t file_hash(const char *path)
{
    uint64_t h = 1469598103934665603ULL;
    FILE *f = fopen(path, "rb");
    int c;

    if (f == NULL)
        return 0;
    while ((c = getc(f)) != EOF)
        h = (h ^ (unsigned char)c) * 1099511628211ULL;
    fclose(f);
    return h;
}

/* Which JVM a report is of: host, pid and start time when the report has them, else its
 * bytes. */
static void jvm_key(const struct ml_rfile *rf, char *out, size_t outlen)
{
    const cJSON *jvm = cJSON_GetObjectItemCaseSensitive(rf->root, "jvm");
    const cJSON *host = cJSON_GetObjectItemCaseSensitive(jvm, "host");

    if (rf->pid > 0 && rf->start_epoch_ms >= 0)
        snprintf(out, outlen, "jvm %s pid %ld started %lld",
                 cJSON_IsString(host) ? host->valuestring : "?", rf->pid,
                 (long long)rf->start_epoch_ms);
    else
        snprintf(out, outlen, "content %016llx", (unsigned long long)file_hash(rf->path));
}

/* Keeps one report per JVM, the newest (generated_at); the others' files are removed from the
 * output directory. Returns the new count. */
size_t ml_collect_dedup(struct ml_rfile *rfs, size_t n)
{
    size_t kept = 0;

    for (size_t i = 0; i < n; i++) {
        char ki[320], kj[320];
        size_t j;

        jvm_key(&rfs[i], ki, sizeof(ki));
        for (j = 0; j < kept; j++) {
            jvm_key(&rfs[j], kj, sizeof(kj));
            if (strcmp(ki, kj) == 0)
                break;
        }
        if (j == kept) {
            if (kept != i)
                rfs[kept] = rfs[i];
            kept++;
            continue;
        }
        {
            bool newer = rfs[i].generated_at != NULL && rfs[j].generated_at != NULL &&
                         strcmp(rfs[i].generated_at, rfs[j].generated_at) > 0;
            struct ml_rfile drop = newer ? rfs[j] : rfs[i];

            if (newer)
                rfs[j] = rfs[i];
            printf("  duplicate: %s is the same report as %s (%s); kept %s\n", drop.path,
                   rfs[j].path, ki, rfs[j].path);
            unlink(drop.path);
            ml_rfile_release(&drop);
        }
    }
    return kept;
}

