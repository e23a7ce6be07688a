/* Error descriptions for enum ml_err. */
#include "metaleak/error.h"

const char *ml_strerror(int err)
{
    switch (err) {
    case ML_OK:
        return "success";
    case ML_ERR_CONFIG:
        return "invalid configuration";
    case ML_ERR_IO:
        return "input/output error";
    case ML_ERR_NOMEM:
        return "out of memory";
    case ML_ERR_JVM:
        return "JVMTI/JNI call failed";
    case ML_ERR_FULL:
        return "bound reached";
    default:
        return "unknown error";
    }
}
