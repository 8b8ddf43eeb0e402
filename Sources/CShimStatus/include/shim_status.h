#ifndef FIDVIZ_SHIM_STATUS_H
#define FIDVIZ_SHIM_STATUS_H

// What the decoder shims (CPNG, CJPEG) hand back to Swift, and how they keep their first failure.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Header facts and the first failure. `failed` is 0 on success; when it is 1, `message` holds a
/// one-line, NUL-terminated description without the file name.
typedef struct shim_status {
    uint32_t width;
    uint32_t height;
    int failed;
    char message[320];
} shim_status;

/// The first failure inside a decoder, kept until it is copied to the caller's status (library
/// callbacks cannot reach the caller's status directly).
typedef struct shim_failure {
    int recorded;
    char message[320];
} shim_failure;

/// Keeps the printf-style message unless one is kept already: later messages are usually the
/// library's echo of the first.
void shim_failure_record(shim_failure *failure, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/// Marks `status` failed with `message`.
void shim_status_fail(shim_status *status, const char *message);

/// Marks `status` failed with the kept failure's message, or `fallback` when none was kept.
void shim_status_fail_with(shim_status *status, const shim_failure *failure, const char *fallback);

/// The start of every decoder's open: clears `status` and returns `size` zeroed bytes for the
/// decoder, or NULL with `status` failed ("out of memory while creating the <format> decoder").
void *shim_decoder_calloc(size_t size, const char *format, shim_status *status);

#ifdef __cplusplus
}
#endif

#endif
