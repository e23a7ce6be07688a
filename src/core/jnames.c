/* JVM class signatures to Java names. */
#include "metaleak/jnames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool ml_sig_to_name(const char *sig, char *out, size_t outlen)
{
    size_t len;

    if (outlen == 0)
        return false;
    out[0] = '\0';
    if (sig == NULL || sig[0] != 'L')
        return false;
    len = strlen(sig);
    if (len < 3 || sig[len - 1] != ';' || len - 2 >= outlen)
        return false;
    for (size_t i = 0; i < len - 2; i++)
        out[i] = sig[i + 1] == '/' ? '.' : sig[i + 1];
    out[len - 2] = '\0';
    return true;
}

bool ml_sig_is_hidden(const char *sig)
{
    return sig != NULL && sig[0] == 'L' && strchr(sig, '.') != NULL;
}

char *ml_sig_to_java(const char *sig)
{
    static const char *const PRIM[][2] = {{"Z", "boolean"}, {"B", "byte"}, {"C", "char"},
                                          {"S", "short"},   {"I", "int"},  {"J", "long"},
                                          {"F", "float"},   {"D", "double"}};
    char name[1024];
    size_t dims = 0, len;
    char *out;

    if (sig == NULL)
        return NULL;
    while (sig[dims] == '[')
        dims++;
    name[0] = '\0';
    if (sig[dims] == 'L') {
        if (!ml_sig_to_name(sig + dims, name, sizeof(name)))
            snprintf(name, sizeof(name), "%s", sig + dims);
    } else {
        for (size_t i = 0; i < sizeof(PRIM) / sizeof(PRIM[0]); i++)
            if (strcmp(sig + dims, PRIM[i][0]) == 0)
                snprintf(name, sizeof(name), "%s", PRIM[i][1]);
        if (name[0] == '\0')
            snprintf(name, sizeof(name), "%s", sig + dims);
    }
    len = strlen(name);
    out = malloc(len + 2 * dims + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, name, len);
    for (size_t i = 0; i < dims; i++)
        memcpy(out + len + 2 * i, "[]", 2);
    out[len + 2 * dims] = '\0';
    return out;
}
