/* libcurl loaded at run time, for the release build of the `metaleak` command only
 * (scripts/release.sh links this archive where a source build links libcurl itself).
 *
 * Why: the release binaries run on any Linux with glibc 2.17 or newer. Linking libcurl at build
 * time would tie bin/metaleak to the build machine's libcurl (its soname flavour, e.g. Debian's
 * CURL_OPENSSL_4 symbol versions, and through it OpenSSL and a newer glibc); linking it
 * statically would ship a TLS stack and a CA-bundle location that are wrong on half the
 * distributions. Only `metaleak collect` speaks HTTP, so the command loads the system's
 * libcurl.so.4 (any TLS flavour: the easy API used here is the same) when `collect` first calls
 * libcurl. Every other command works without libcurl; `collect` without it fails with one
 * message that names the library and the package that provides it.
 *
 * These definitions have the names and prototypes of the libcurl functions the CLI calls; each
 * forwards to the loaded library. Not thread-safe on first use (the CLI is single-threaded). */
#define CURL_DISABLE_TYPECHECK 1 /* plain prototypes: this file defines the functions */
#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* The sonames tried in order: upstream's and Debian's OpenSSL build, then Debian's GnuTLS build
 * (the one git pulls in on Debian and Ubuntu). */
static const char *const sonames[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

static struct {
    int state; /* 0 not tried, 1 loaded, -1 failed (reported once) */
    CURLcode (*global_init)(long);
    void (*global_cleanup)(void);
    CURL *(*easy_init)(void);
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_perform)(CURL *);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    const char *(*easy_strerror)(CURLcode);
    char *(*easy_escape)(CURL *, const char *, int);
    void (*free)(void *);
    void (*easy_cleanup)(CURL *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
} lib;

/* sym: the address of NAME in HANDLE, NULL (and a message) when the library lacks it. */
static void *sym(void *handle, const char *soname, const char *name)
{
    void *p = dlsym(handle, name);

    if (p == NULL)
        fprintf(stderr, "metaleak: %s has no %s: not a usable libcurl\n", soname, name);
    return p;
}

/* load: loads libcurl once; false (after one message on stderr) when it cannot be used. */
static bool load(void)
{
    const char *soname = NULL;
    void *h = NULL;
    char first_error[512] = "";

    if (lib.state != 0)
        return lib.state > 0;
    lib.state = -1;
    for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]) && h == NULL; i++) {
        soname = sonames[i];
        h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (h == NULL && i == 0)
            snprintf(first_error, sizeof(first_error), "%s", dlerror());
    }
    if (h == NULL) {
        fprintf(stderr,
                "metaleak: cannot load libcurl (%s); metaleak collect needs the system's libcurl: "
                "install libcurl4 (Debian, Ubuntu) or libcurl (RHEL, Amazon Linux, Fedora)\n",
                first_error);
        return false;
    }
    /* The casts go through void * (POSIX: dlsym's result converts to a function pointer). */
#define ML_SYM(field, name)                                                                        \
    do {                                                                                           \
        void *p_ = sym(h, soname, name);                                                           \
        if (p_ == NULL)                                                                            \
            goto fail;                                                                             \
        *(void **)&lib.field = p_;                                                                 \
    } while (0)
    ML_SYM(global_init, "curl_global_init");
    ML_SYM(global_cleanup, "curl_global_cleanup");
    ML_SYM(easy_init, "curl_easy_init");
    ML_SYM(easy_setopt, "curl_easy_setopt");
    ML_SYM(easy_perform, "curl_easy_perform");
    ML_SYM(easy_getinfo, "curl_easy_getinfo");
    ML_SYM(easy_strerror, "curl_easy_strerror");
    ML_SYM(easy_escape, "curl_easy_escape");
    ML_SYM(free, "curl_free");
    ML_SYM(easy_cleanup, "curl_easy_cleanup");
    ML_SYM(slist_append, "curl_slist_append");
    ML_SYM(slist_free_all, "curl_slist_free_all");
#undef ML_SYM
    lib.state = 1;
    return true;
fail:
    dlclose(h);
    return false;
}

CURLcode curl_global_init(long flags)
{
    return load() ? lib.global_init(flags) : CURLE_FAILED_INIT;
}

void curl_global_cleanup(void)
{
    if (lib.state > 0)
        lib.global_cleanup();
}

CURL *curl_easy_init(void)
{
    return load() ? lib.easy_init() : NULL;
}

/* The argument's type follows from the option's number range (curl.h CURLOPTTYPE_*). */
CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...)
{
    CURLcode rc;
    va_list ap;

    if (!load())
        return CURLE_FAILED_INIT;
    va_start(ap, option);
    if (option < CURLOPTTYPE_OBJECTPOINT) {
        long v = va_arg(ap, long);
        rc = lib.easy_setopt(curl, option, v);
    } else if (option < CURLOPTTYPE_FUNCTIONPOINT) {
        void *v = va_arg(ap, void *);
        rc = lib.easy_setopt(curl, option, v);
    } else if (option < CURLOPTTYPE_OFF_T) {
        void (*v)(void) = va_arg(ap, void (*)(void));
        rc = lib.easy_setopt(curl, option, v);
    } else if (option < CURLOPTTYPE_BLOB) {
        curl_off_t v = va_arg(ap, curl_off_t);
        rc = lib.easy_setopt(curl, option, v);
    } else {
        void *v = va_arg(ap, void *);
        rc = lib.easy_setopt(curl, option, v);
    }
    va_end(ap);
    return rc;
}

CURLcode curl_easy_perform(CURL *curl)
{
    return load() ? lib.easy_perform(curl) : CURLE_FAILED_INIT;
}

/* Every CURLINFO_* takes a pointer to where the value goes. */
CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...)
{
    CURLcode rc;
    va_list ap;
    void *out;

    if (!load())
        return CURLE_FAILED_INIT;
    va_start(ap, info);
    out = va_arg(ap, void *);
    va_end(ap);
    rc = lib.easy_getinfo(curl, info, out);
    return rc;
}

const char *curl_easy_strerror(CURLcode code)
{
    return load() ? lib.easy_strerror(code) : "libcurl is not available";
}

/* Owned by libcurl: release with curl_free. */
char *curl_easy_escape(CURL *curl, const char *string, int length)
{
    return load() ? lib.easy_escape(curl, string, length) : NULL;
}

void curl_free(void *p)
{
    if (lib.state > 0)
        lib.free(p);
}

void curl_easy_cleanup(CURL *curl)
{
    if (lib.state > 0)
        lib.easy_cleanup(curl);
}

/* Owned by libcurl: release with curl_slist_free_all. */
struct curl_slist *curl_slist_append(struct curl_slist *list, const char *text)
{
    return load() ? lib.slist_append(list, text) : NULL;
}

void curl_slist_free_all(struct curl_slist *list)
{
    if (lib.state > 0)
        lib.slist_free_all(list);
}
