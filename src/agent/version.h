/* The agent's version, as the report states it. */
#ifndef METALEAK_VERSION_H
#define METALEAK_VERSION_H

#define ML_VERSION "0.2.1"

#endif
