/* The io.metaleak:type=Agent MBean in the platform MBean server: the status snapshot
 * (metrics.h) for JMX readers (the Prometheus JMX exporter, jconsole, Flink's JMX reporter
 * users). Worker thread only.
 *
 * No class of ours enters the JVM: the MBean is the JDK's own
 * javax.management.modelmbean.RequiredModelMBean, built from ModelMBeanInfoSupport with one
 * read-only attribute per number (descriptor currencyTimeLimit=0: the descriptor's "value" is
 * always the answer). The worker pushes new values into the live attribute descriptors
 * (ModelMBeanInfo.setDescriptor on the MBean's own info, reached through its `modelMBeanInfo`
 * field); JMX readers on other threads only read descriptors and never call into the agent.
 *
 * When it is registered (option mbean): `auto` once the platform MBean server exists (checked
 * without creating it, at most every 5 s: Flink's log4j, the JMX exporter agent, a JMX
 * reporter or the agent's own per-loader Metaspace measurement create it), `on` at the first
 * update (creating the server if need be), `off` never. Any failure turns the MBean off with
 * one log line; the agent carries on. */
#ifndef METALEAK_MBEAN_H
#define METALEAK_MBEAN_H

#include <jni.h>
#include <stdbool.h>
#include <stddef.h>

#include "metaleak/metrics.h"

#define ML_MBEAN_NAME "io.metaleak:type=Agent"

/* Registers the MBean when it is due and pushes the values that changed. */
void ml_mbean_update(JNIEnv *jni, const struct ml_agent_status *s);

/* The platform MBean server as a local reference when it exists, NULL when it does not (yet);
 * with `create`, ManagementFactory.getPlatformMBeanServer() (which creates it: about 0.15 s
 * and 500 classes). Any exception is cleared. For every module that wants the server only
 * when somebody else paid for it. */
jobject ml_mbean_platform_server(JNIEnv *jni, bool create);

/* The objects this module holds with JNI global references (at most cap into out): a path
 * search ignores JNI global roots to them (the MBean refers to the MBean server, which holds
 * every registered MBean). Returns how many. */
size_t ml_mbean_own_globals(jobject *out, size_t cap);

#endif
