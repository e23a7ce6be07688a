/* JVM type signatures and Java class names. Pure module. */
#ifndef METALEAK_JNAMES_H
#define METALEAK_JNAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Converts a class signature ("Ljava/net/URLClassLoader;") to a Java name
 * ("java.net.URLClassLoader") in out. Returns false (out = "") when sig is not a class
 * signature or out is too small. */
bool ml_sig_to_name(const char *sig, char *out, size_t outlen);

/* True when sig is the signature of a hidden class (JDK 15+ marks the hidden-class suffix with
 * a '.', as in "Lp/Foo$$Lambda$14.0x0000000800c03000;"). */
bool ml_sig_is_hidden(const char *sig);

/* Any type signature as Java writes the type: "[Ljava/lang/Object;" -> "java.lang.Object[]",
 * "[I" -> "int[]", "Lp/A$B;" -> "p.A$B". Returns a malloc'd string the caller frees, or NULL
 * for NULL or when out of memory. An unknown signature is kept as it is. */
char *ml_sig_to_java(const char *sig);

#endif
