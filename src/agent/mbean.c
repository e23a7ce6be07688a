/* The io.metaleak:type=Agent MBean (mbean.h): a JDK RequiredModelMBean whose read-only
 * attribute descriptors the worker updates. Worker thread only. */
#include "mbean.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jvmerror.h"
#include "jniutil.h"
#include "metaleak/clock.h"
#include "metaleak/log.h"
#include "metaleak/version.h"
#include "state.h"

#define CHECK_EVERY_MS 5000    /* mbean=auto: how often to look for the platform MBean server */

enum kind { K_BOOL, K_INT, K_LONG, K_STRING };

struct attr_def {
    const char *name;
    enum kind kind;
    const char *desc;
};

enum {
    A_ACTIVE,
    A_LEAKED_LOADERS,
    A_LEAKED_LOADERS_TOTAL,
    A_LEAKED_CLASSES,
    A_LEAKED_METASPACE,
    A_LOADERS_LIVE,
    A_VERDICT,
    A_VERDICT_LEVEL,
    A_SUBMISSIONS_LEFT,
    A_SECONDS_LEFT,
    A_METASPACE_USED,
    A_METASPACE_MAX,
    A_OOMS,
    A_REPORTS,
    A_LAST_REPORT,
    A_LAST_REPORT_TIME,
    A_ERRORS,
    A_VERSION,
    N_ATTRS
};

/* The contract (docs/operations.md): names, types, order. */
static const struct attr_def ATTRS[N_ATTRS] = {
    {"Active", K_BOOL, "true while the agent works; false once it disabled itself"},
    {"LeakedLoaders", K_LONG, "class loaders proven leaked and still loaded"},
    {"LeakedLoadersTotal", K_LONG, "class loaders proven leaked since the JVM started"},
    {"LeakedClasses", K_LONG, "classes of the leaked class loaders still loaded"},
    {"LeakedMetaspaceBytes", K_LONG, "Metaspace held by the leaked loaders that were measured"},
    {"LoadersLive", K_LONG, "class loaders alive and not released"},
    {"MetaspaceVerdict", K_STRING, "healthy, growing, undersized or leak; empty before the first"},
    {"MetaspaceVerdictLevel", K_INT, "0 healthy, 1 growing, 2 undersized, 3 leak, -1 none yet"},
    {"ForecastSubmissionsLeft", K_LONG, "leaking job submissions until Metaspace runs out, -1 unknown"},
    {"ForecastSecondsLeft", K_LONG, "seconds until Metaspace runs out at the leak rate, -1 unknown"},
    {"MetaspaceUsedBytes", K_LONG, "Metaspace in use, -1 unknown"},
    {"MetaspaceMaxBytes", K_LONG, "the Metaspace limit, -1 unlimited"},
    {"MetaspaceOutOfMemoryErrors", K_LONG, "OutOfMemoryErrors for Metaspace or the class space"},
    {"ReportsWritten", K_LONG, "reports written"},
    {"LastReportPath", K_STRING, "the file of the last report; empty before the first"},
    {"LastReportTime", K_LONG, "when the last report was written, ms since the epoch, -1 none"},
    {"AgentErrors", K_LONG, "errors the agent printed"},
    {"Version", K_STRING, "the agent's version"},
};

enum mstate { M_WAITING = 0, M_READY, M_OFF };

/* Worker thread only. */
static struct {
    enum mstate state;
    int64_t next_check_ms;
    jobject bean;              /* global: the RequiredModelMBean */
    jobject info;              /* global: its live ModelMBeanInfo */
    jobject names[N_ATTRS];    /* global: the attribute names */
    jobject attribute;         /* global: "attribute" */
    jobject value;             /* global: "value" */
    jmethodID get_desc, set_desc, set_field;
    jclass long_cls, int_cls, bool_cls;   /* global */
    jmethodID long_of, int_of, bool_of;
    int64_t num[N_ATTRS];
    char *str[N_ATTRS];
    bool checked;              /* the first push was read back */
} mb;

/* Turns the MBean off for the rest of the run, with one line. */
static void turn_off(JNIEnv *jni, const char *why)
{
    ml_jni_clear(jni);
    mb.state = M_OFF;
    ml_log(ML_LOG_WARN, "the MBean %s is off: %s (the agent carries on)", ML_MBEAN_NAME, why);
}

static jobject global(JNIEnv *jni, jobject local)
{
    jobject g = local == NULL ? NULL : (*jni)->NewGlobalRef(jni, local);

    if (local != NULL)
        (*jni)->DeleteLocalRef(jni, local);
    return g;
}

/* A Java string from bytes that may not be modified UTF-8 (a path): bytes that do not form a
 * 1 to 3 byte UTF-8 sequence become '?'. */
static jstring java_string(JNIEnv *jni, const char *s)
{
    size_t n = strlen(s), o = 0;
    char *copy = malloc(n + 1);
    jstring out;

    if (copy == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : 0;
        bool ok = len > 0 && i + len <= n;

        for (size_t k = 1; ok && k < len; k++)
            ok = ((unsigned char)s[i + k] & 0xc0) == 0x80;
        if (!ok) {
            copy[o++] = '?';
            i++;
            continue;
        }
        memcpy(copy + o, s + i, len);
        o += len;
        i += len;
    }
    copy[o] = '\0';
    out = (*jni)->NewStringUTF(jni, copy);
    free(copy);
    return out;
}

jobject ml_mbean_platform_server(JNIEnv *jni, bool create)
{
    jclass mf = (*jni)->FindClass(jni, "java/lang/management/ManagementFactory");
    jobject server = NULL;
    bool exists = create;

    if (mf == NULL) {
        ml_jni_clear(jni);
        return NULL;
    }
    if (!create) {
        /* ManagementFactory keeps the server in a static field once it made it; reading it
         * creates nothing. Without that field (another JDK), the servers made through
         * MBeanServerFactory.createMBeanServer, which is how the platform server is made. */
        jfieldID f = (*jni)->GetStaticFieldID(jni, mf, "platformMBeanServer",
                                              "Ljavax/management/MBeanServer;");

        if (f != NULL) {
            server = (*jni)->GetStaticObjectField(jni, mf, f);
            (*jni)->DeleteLocalRef(jni, mf);
            return server;
        }
        ml_jni_clear(jni);
        {
            jclass fac = (*jni)->FindClass(jni, "javax/management/MBeanServerFactory");
            jmethodID find = fac == NULL ? NULL
                                         : (*jni)->GetStaticMethodID(
                                               jni, fac, "findMBeanServer",
                                               "(Ljava/lang/String;)Ljava/util/ArrayList;");
            jobject list = find == NULL ? NULL
                                        : (*jni)->CallStaticObjectMethod(jni, fac, find, NULL);
            jclass al = list == NULL ? NULL : (*jni)->GetObjectClass(jni, list);
            jmethodID size = al == NULL ? NULL : (*jni)->GetMethodID(jni, al, "size", "()I");

            exists = size != NULL && (*jni)->CallIntMethod(jni, list, size) > 0;
            if (ml_jni_clear(jni))
                exists = false;
        }
    }
    if (exists) {
        jmethodID get = (*jni)->GetStaticMethodID(jni, mf, "getPlatformMBeanServer",
                                                  "()Ljavax/management/MBeanServer;");

        server = get == NULL ? NULL : (*jni)->CallStaticObjectMethod(jni, mf, get);
        if (ml_jni_clear(jni))
            server = NULL;
    }
    (*jni)->DeleteLocalRef(jni, mf);
    return server;
}

/* The value of attribute i from s (numbers) or its text (strings). */
static int64_t num_of(const struct ml_agent_status *s, int i)
{
    switch (i) {
    case A_ACTIVE:
        return s->active;
    case A_LEAKED_LOADERS:
        return (int64_t)s->leaked_loaders;
    case A_LEAKED_LOADERS_TOTAL:
        return (int64_t)s->leaked_loaders_total;
    case A_LEAKED_CLASSES:
        return (int64_t)s->leaked_classes;
    case A_LEAKED_METASPACE:
        return s->leaked_metaspace_bytes;
    case A_LOADERS_LIVE:
        return (int64_t)s->loaders_live;
    case A_VERDICT_LEVEL:
        return ml_metrics_verdict_level(s->verdict);
    case A_SUBMISSIONS_LEFT:
        return s->submissions_left;
    case A_SECONDS_LEFT:
        return s->seconds_left;
    case A_METASPACE_USED:
        return s->metaspace_used_bytes;
    case A_METASPACE_MAX:
        return s->metaspace_max_bytes;
    case A_OOMS:
        return (int64_t)s->ooms;
    case A_REPORTS:
        return (int64_t)s->reports_written;
    case A_LAST_REPORT_TIME:
        return s->last_report_epoch_ms;
    case A_ERRORS:
        return (int64_t)s->errors;
    default:
        return 0;
    }
}

static const char *str_of(const struct ml_agent_status *s, int i)
{
    switch (i) {
    case A_VERDICT:
        return s->verdict != NULL ? s->verdict : "";
    case A_LAST_REPORT:
        return s->last_report != NULL ? s->last_report : "";
    case A_VERSION:
        return ML_VERSION;
    default:
        return "";
    }
}

/* The boxed Java value of attribute i. */
static jobject boxed(JNIEnv *jni, const struct ml_agent_status *s, int i)
{
    switch (ATTRS[i].kind) {
    case K_BOOL:
        return (*jni)->CallStaticObjectMethod(jni, mb.bool_cls, mb.bool_of,
                                              (jboolean)(num_of(s, i) != 0));
    case K_INT:
        return (*jni)->CallStaticObjectMethod(jni, mb.int_cls, mb.int_of, (jint)num_of(s, i));
    case K_LONG:
        return (*jni)->CallStaticObjectMethod(jni, mb.long_cls, mb.long_of, (jlong)num_of(s, i));
    case K_STRING:
        return java_string(jni, str_of(s, i));
    }
    return NULL;
}

static const char *java_type(enum kind k)
{
    return k == K_BOOL ? "boolean" : k == K_INT ? "int" : k == K_LONG ? "long"
                                                                       : "java.lang.String";
}

/* Resolves the classes and methods once. */
static bool resolve(JNIEnv *jni)
{
    jclass info_cls = (*jni)->FindClass(jni, "javax/management/modelmbean/ModelMBeanInfo");
    jclass desc_cls = (*jni)->FindClass(jni, "javax/management/Descriptor");

    mb.long_cls = (jclass)global(jni, (*jni)->FindClass(jni, "java/lang/Long"));
    mb.int_cls = (jclass)global(jni, (*jni)->FindClass(jni, "java/lang/Integer"));
    mb.bool_cls = (jclass)global(jni, (*jni)->FindClass(jni, "java/lang/Boolean"));
    if (ml_jni_clear(jni) || info_cls == NULL || desc_cls == NULL || mb.long_cls == NULL ||
        mb.int_cls == NULL || mb.bool_cls == NULL)
        return false;
    mb.long_of = (*jni)->GetStaticMethodID(jni, mb.long_cls, "valueOf", "(J)Ljava/lang/Long;");
    mb.int_of = (*jni)->GetStaticMethodID(jni, mb.int_cls, "valueOf", "(I)Ljava/lang/Integer;");
    mb.bool_of = (*jni)->GetStaticMethodID(jni, mb.bool_cls, "valueOf", "(Z)Ljava/lang/Boolean;");
    mb.get_desc = (*jni)->GetMethodID(jni, info_cls, "getDescriptor",
                                      "(Ljava/lang/String;Ljava/lang/String;)"
                                      "Ljavax/management/Descriptor;");
    mb.set_desc = (*jni)->GetMethodID(jni, info_cls, "setDescriptor",
                                      "(Ljavax/management/Descriptor;Ljava/lang/String;)V");
    mb.set_field = (*jni)->GetMethodID(jni, desc_cls, "setField",
                                       "(Ljava/lang/String;Ljava/lang/Object;)V");
    mb.attribute = global(jni, (*jni)->NewStringUTF(jni, "attribute"));
    mb.value = global(jni, (*jni)->NewStringUTF(jni, "value"));
    for (int i = 0; i < N_ATTRS; i++)
        mb.names[i] = global(jni, (*jni)->NewStringUTF(jni, ATTRS[i].name));
    if (ml_jni_clear(jni) || mb.long_of == NULL || mb.int_of == NULL || mb.bool_of == NULL ||
        mb.get_desc == NULL || mb.set_desc == NULL || mb.set_field == NULL ||
        mb.attribute == NULL || mb.value == NULL)
        return false;
    for (int i = 0; i < N_ATTRS; i++)
        if (mb.names[i] == NULL)
            return false;
    return true;
}

/* One ModelMBeanAttributeInfo: read-only, its value in the descriptor (currencyTimeLimit=0:
 * always current). */
static jobject attribute_info(JNIEnv *jni, const struct ml_agent_status *s, int i,
                              jclass string_cls, jclass dsup_cls, jmethodID dsup_ctor,
                              jclass ai_cls, jmethodID ai_ctor)
{
    char name_field[96];
    jobjectArray fields = (*jni)->NewObjectArray(jni, 3, string_cls, NULL);
    jobject desc = NULL, value = NULL, type = NULL, text = NULL, info = NULL;
    static const char *const rest[] = {"descriptorType=attribute", "currencyTimeLimit=0"};

    if (fields == NULL)
        return NULL;
    snprintf(name_field, sizeof(name_field), "name=%s", ATTRS[i].name);
    for (int k = 0; k < 3; k++) {
        jstring f = (*jni)->NewStringUTF(jni, k == 0 ? name_field : rest[k - 1]);

        if (f == NULL)
            goto done;
        (*jni)->SetObjectArrayElement(jni, fields, k, f);
        (*jni)->DeleteLocalRef(jni, f);
    }
    desc = (*jni)->NewObject(jni, dsup_cls, dsup_ctor, fields);
    value = desc == NULL ? NULL : boxed(jni, s, i);
    if (value == NULL || ml_jni_clear(jni))
        goto done;
    (*jni)->CallVoidMethod(jni, desc, mb.set_field, mb.value, value);
    type = (*jni)->NewStringUTF(jni, java_type(ATTRS[i].kind));
    text = (*jni)->NewStringUTF(jni, ATTRS[i].desc);
    if (ml_jni_clear(jni) || type == NULL || text == NULL)
        goto done;
    info = (*jni)->NewObject(jni, ai_cls, ai_ctor, mb.names[i], type, text, JNI_TRUE, JNI_FALSE,
                             JNI_FALSE, desc);
    if (ml_jni_clear(jni))
        info = NULL;
done:
    ml_jni_clear(jni);
    (*jni)->DeleteLocalRef(jni, fields);
    if (desc != NULL)
        (*jni)->DeleteLocalRef(jni, desc);
    if (value != NULL)
        (*jni)->DeleteLocalRef(jni, value);
    if (type != NULL)
        (*jni)->DeleteLocalRef(jni, type);
    if (text != NULL)
        (*jni)->DeleteLocalRef(jni, text);
    return info;
}

/* Builds the MBean with the current values and registers it. Returns NULL on success, else
 * what failed. Runs inside a local frame. */
static const char *build_and_register(JNIEnv *jni, jobject server, const struct ml_agent_status *s)
{
    jclass string_cls = (*jni)->FindClass(jni, "java/lang/String");
    jclass dsup_cls = (*jni)->FindClass(jni, "javax/management/modelmbean/DescriptorSupport");
    jclass ai_cls = (*jni)->FindClass(jni, "javax/management/modelmbean/ModelMBeanAttributeInfo");
    jclass infos_cls = (*jni)->FindClass(jni, "javax/management/modelmbean/ModelMBeanInfoSupport");
    jclass rmmb_cls = (*jni)->FindClass(jni, "javax/management/modelmbean/RequiredModelMBean");
    jclass on_cls = (*jni)->FindClass(jni, "javax/management/ObjectName");
    jclass server_cls = (*jni)->FindClass(jni, "javax/management/MBeanServer");
    jmethodID dsup_ctor, ai_ctor, infos_ctor, rmmb_ctor, on_ctor, reg, is_reg;
    jfieldID live;
    jobjectArray attrs;
    jobject info, bean, name;
    jstring cls_name, desc, on_text;

    if (ml_jni_clear(jni) || string_cls == NULL || dsup_cls == NULL || ai_cls == NULL ||
        infos_cls == NULL || rmmb_cls == NULL || on_cls == NULL || server_cls == NULL)
        return "javax.management.modelmbean is not available";
    dsup_ctor = (*jni)->GetMethodID(jni, dsup_cls, "<init>", "([Ljava/lang/String;)V");
    ai_ctor = (*jni)->GetMethodID(jni, ai_cls, "<init>",
                                  "(Ljava/lang/String;Ljava/lang/String;Ljava/lang/String;ZZZ"
                                  "Ljavax/management/Descriptor;)V");
    infos_ctor = (*jni)->GetMethodID(
        jni, infos_cls, "<init>",
        "(Ljava/lang/String;Ljava/lang/String;"
        "[Ljavax/management/modelmbean/ModelMBeanAttributeInfo;"
        "[Ljavax/management/modelmbean/ModelMBeanConstructorInfo;"
        "[Ljavax/management/modelmbean/ModelMBeanOperationInfo;"
        "[Ljavax/management/modelmbean/ModelMBeanNotificationInfo;)V");
    rmmb_ctor = (*jni)->GetMethodID(jni, rmmb_cls, "<init>",
                                    "(Ljavax/management/modelmbean/ModelMBeanInfo;)V");
    on_ctor = (*jni)->GetMethodID(jni, on_cls, "<init>", "(Ljava/lang/String;)V");
    reg = (*jni)->GetMethodID(jni, server_cls, "registerMBean",
                              "(Ljava/lang/Object;Ljavax/management/ObjectName;)"
                              "Ljavax/management/ObjectInstance;");
    is_reg = (*jni)->GetMethodID(jni, server_cls, "isRegistered",
                                 "(Ljavax/management/ObjectName;)Z");
    live = (*jni)->GetFieldID(jni, rmmb_cls, "modelMBeanInfo",
                              "Ljavax/management/modelmbean/ModelMBeanInfo;");
    if (ml_jni_clear(jni) || dsup_ctor == NULL || ai_ctor == NULL || infos_ctor == NULL ||
        rmmb_ctor == NULL || on_ctor == NULL || reg == NULL || is_reg == NULL || live == NULL)
        return "the JDK's RequiredModelMBean is not as expected";
    attrs = (*jni)->NewObjectArray(jni, N_ATTRS, ai_cls, NULL);
    if (attrs == NULL)
        return "out of memory";
    for (int i = 0; i < N_ATTRS; i++) {
        jobject ai = attribute_info(jni, s, i, string_cls, dsup_cls, dsup_ctor, ai_cls, ai_ctor);

        if (ai == NULL)
            return "building the attributes failed";
        (*jni)->SetObjectArrayElement(jni, attrs, i, ai);
        (*jni)->DeleteLocalRef(jni, ai);
    }
    cls_name = (*jni)->NewStringUTF(jni, "javax.management.modelmbean.RequiredModelMBean");
    desc = (*jni)->NewStringUTF(jni, "metaleak: class-loader leaks and Metaspace of this JVM "
                                     "(docs/operations.md)");
    on_text = (*jni)->NewStringUTF(jni, ML_MBEAN_NAME);
    if (ml_jni_clear(jni) || cls_name == NULL || desc == NULL || on_text == NULL)
        return "out of memory";
    info = (*jni)->NewObject(jni, infos_cls, infos_ctor, cls_name, desc, attrs, NULL, NULL, NULL);
    bean = info == NULL ? NULL : (*jni)->NewObject(jni, rmmb_cls, rmmb_ctor, info);
    name = bean == NULL ? NULL : (*jni)->NewObject(jni, on_cls, on_ctor, on_text);
    if (ml_jni_clear(jni) || name == NULL)
        return "creating the RequiredModelMBean failed";
    if ((*jni)->CallBooleanMethod(jni, server, is_reg, name) && !ml_jni_clear(jni))
        return "an MBean with that name is registered already (a second agent?)";
    (*jni)->CallObjectMethod(jni, server, reg, bean, name);
    if (ml_jni_clear(jni))
        return "registerMBean failed";
    mb.bean = (*jni)->NewGlobalRef(jni, bean);
    mb.info = global(jni, (*jni)->GetObjectField(jni, bean, live));
    if (ml_jni_clear(jni) || mb.bean == NULL || mb.info == NULL)
        return "the MBean's ModelMBeanInfo cannot be reached";
    for (int i = 0; i < N_ATTRS; i++) {
        mb.num[i] = num_of(s, i);
        mb.str[i] = ATTRS[i].kind == K_STRING ? strdup(str_of(s, i)) : NULL;
    }
    return NULL;
}

/* Sets the descriptor value of attribute i. False on an exception. */
static bool push(JNIEnv *jni, const struct ml_agent_status *s, int i)
{
    jobject d = (*jni)->CallObjectMethod(jni, mb.info, mb.get_desc, mb.names[i], mb.attribute);
    jobject v = d == NULL || ml_jni_clear(jni) ? NULL : boxed(jni, s, i);
    bool ok = false;

    if (v != NULL && !ml_jni_clear(jni)) {
        (*jni)->CallVoidMethod(jni, d, mb.set_field, mb.value, v);
        if (!ml_jni_clear(jni)) {
            (*jni)->CallVoidMethod(jni, mb.info, mb.set_desc, d, mb.attribute);
            ok = !ml_jni_clear(jni);
        }
    }
    ml_jni_clear(jni);
    if (d != NULL)
        (*jni)->DeleteLocalRef(jni, d);
    if (v != NULL)
        (*jni)->DeleteLocalRef(jni, v);
    return ok;
}

/* Reads ReportsWritten back through the MBean's own getAttribute, as a JMX reader would: the
 * pushes must arrive. */
static bool read_back(JNIEnv *jni, int64_t want)
{
    jclass rmmb = (*jni)->GetObjectClass(jni, mb.bean);
    jclass num_cls = (*jni)->FindClass(jni, "java/lang/Number");
    jmethodID get = rmmb == NULL ? NULL
                                 : (*jni)->GetMethodID(jni, rmmb, "getAttribute",
                                                       "(Ljava/lang/String;)Ljava/lang/Object;");
    jmethodID long_value = num_cls == NULL ? NULL
                                           : (*jni)->GetMethodID(jni, num_cls, "longValue", "()J");
    jobject v = get == NULL || long_value == NULL
                    ? NULL
                    : (*jni)->CallObjectMethod(jni, mb.bean, get, mb.names[A_REPORTS]);
    jlong got = v == NULL || ml_jni_clear(jni) ? -2 : (*jni)->CallLongMethod(jni, v, long_value);

    return !ml_jni_clear(jni) && got == want;
}

void ml_mbean_update(JNIEnv *jni, const struct ml_agent_status *s)
{
    const struct ml_options *opts = ml_opts();
    bool changed = false;

    if (opts->mbean == ML_MBEAN_OFF || mb.state == M_OFF)
        return;
    if ((*jni)->PushLocalFrame(jni, 128) != 0) {
        ml_jni_clear(jni);
        return;
    }
    if (mb.state == M_WAITING) {
        int64_t now = ml_clock_ms();
        jobject server;
        const char *why;

        if (now < mb.next_check_ms)
            goto done;
        mb.next_check_ms = now + CHECK_EVERY_MS;
        server = ml_mbean_platform_server(jni, opts->mbean == ML_MBEAN_ON);
        if (server == NULL) {
            if (opts->mbean == ML_MBEAN_ON)
                turn_off(jni, "the platform MBean server cannot be created");
            goto done;
        }
        if (!resolve(jni)) {
            turn_off(jni, "the JDK's management classes are not as expected");
            goto done;
        }
        why = build_and_register(jni, server, s);
        if (why != NULL) {
            turn_off(jni, why);
            goto done;
        }
        mb.state = M_READY;
        ml_log(ML_LOG_DEBUG, "MBean %s registered", ML_MBEAN_NAME);
        goto done;
    }
    for (int i = 0; i < N_ATTRS; i++) {
        bool differs = ATTRS[i].kind == K_STRING
                           ? (mb.str[i] == NULL || strcmp(mb.str[i], str_of(s, i)) != 0)
                           : mb.num[i] != num_of(s, i);

        if (!differs)
            continue;
        if (!push(jni, s, i)) {
            turn_off(jni, "updating an attribute failed");
            goto done;
        }
        changed = true;
        mb.num[i] = num_of(s, i);
        if (ATTRS[i].kind == K_STRING) {
            free(mb.str[i]);
            mb.str[i] = strdup(str_of(s, i));
        }
    }
    if (changed && !mb.checked) {
        mb.checked = true;
        if (!read_back(jni, num_of(s, A_REPORTS)))
            turn_off(jni, "its values do not reach JMX readers");
    }
done:
    (*jni)->PopLocalFrame(jni, NULL);
}

size_t ml_mbean_own_globals(jobject *out, size_t cap)
{
    size_t n = 0;

    if (mb.bean != NULL && n < cap)
        out[n++] = mb.bean;
    if (mb.info != NULL && n < cap)
        out[n++] = mb.info;
    return n;
}
