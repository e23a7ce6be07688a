/* metaleak error codes: every module returns 0 (ML_OK) or a negative ml_err.
 * Foreign codes (jvmtiError, errno, libyaml, cJSON NULL) are translated once at the boundary. */
#ifndef METALEAK_ERROR_H
#define METALEAK_ERROR_H

enum ml_err {
    ML_OK = 0,
    ML_ERR_CONFIG = -1,  /* invalid configuration: the message names key, value and origin */
    ML_ERR_IO = -2,      /* a file could not be read or written */
    ML_ERR_NOMEM = -3,   /* an allocation failed */
    ML_ERR_JVM = -4,     /* a JVMTI or JNI call failed */
    ML_ERR_FULL = -5,    /* a documented bound was reached; the item was dropped and counted */
};

/* Returns a static, lower-case description of err. Never NULL. */
const char *ml_strerror(int err);

/* Size of every error-message buffer passed to metaleak functions. */
#define ML_ERRBUF 512

#endif
