/* JVM class signatures to Java names. */
#include "metaleak/jnames.h"

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
