/* Writing a file so that readers see the old or the new content, never a torn one:
 * a temp file in the same directory (O_EXCL|O_NOFOLLOW, mode 0640), fsync, rename. */
#ifndef METALEAK_ATOMICFILE_H
#define METALEAK_ATOMICFILE_H

#include <stddef.h>

/* Replaces path with len bytes of data. On failure the previous file is untouched, the temp
 * file is removed, and ML_ERR_IO is returned with "cannot write '<path>': <reason>" in err. */
int ml_write_atomic(const char *path, const char *data, size_t len, char *err, size_t errlen);

#endif
