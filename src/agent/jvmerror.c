/* JVMTI and JNI errors (see jvmerror.h). */
#include "jvmerror.h"

#include <stdio.h>

#include "metaleak/log.h"
#include "state.h"

const char *ml_jvmti_error_name(jvmtiEnv *jvmti, jvmtiError err, char *buf, size_t len)
{
    char *name = NULL;

    if (jvmti != NULL && (*jvmti)->GetErrorName(jvmti, err, &name) == JVMTI_ERROR_NONE &&
        name != NULL) {
        snprintf(buf, len, "%s", name);
        (void)(*jvmti)->Deallocate(jvmti, (unsigned char *)name);
    } else {
        snprintf(buf, len, "JVMTI error %d", (int)err);
    }
    return buf;
}

void ml_fail(const char *what, jvmtiError err)
{
    char name[96];

    if (!ml_state_fail())
        return;
    if (err == JVMTI_ERROR_NONE)
        ml_log_error("%s; metaleak disabled", what);
    else
        ml_log_error("%s: %s; metaleak disabled", what,
                     ml_jvmti_error_name(ml_jvmti(), err, name, sizeof(name)));
    ml_mail_wake(ML_REQ_SHUTDOWN);
}

bool ml_jvmti_ok(jvmtiError err, enum ml_on_error how, const char *what)
{
    char name[96];

    if (err == JVMTI_ERROR_NONE)
        return true;
    switch (how) {
    case ML_ON_ERROR_FAIL:
        if (err != JVMTI_ERROR_WRONG_PHASE)
            ml_fail(what, err);
        break;
    case ML_ON_ERROR_LOG:
        ml_log_error("%s: %s", what, ml_jvmti_error_name(ml_jvmti(), err, name, sizeof(name)));
        break;
    case ML_ON_ERROR_INFO:
    case ML_ON_ERROR_DEBUG:
        ml_log(how == ML_ON_ERROR_INFO ? ML_LOG_INFO : ML_LOG_DEBUG, "%s: %s", what,
               ml_jvmti_error_name(ml_jvmti(), err, name, sizeof(name)));
        break;
    case ML_ON_ERROR_SKIP:
        break;
    }
    return false;
}

void ml_jvmti_free(jvmtiEnv *jvmti, void *mem)
{
    if (mem != NULL)
        ml_jvmti_ok((*jvmti)->Deallocate(jvmti, (unsigned char *)mem), ML_ON_ERROR_DEBUG,
                    "Deallocate");
}

bool ml_jni_clear(JNIEnv *jni)
{
    if (!(*jni)->ExceptionCheck(jni))
        return false;
    (*jni)->ExceptionClear(jni);
    return true;
}
