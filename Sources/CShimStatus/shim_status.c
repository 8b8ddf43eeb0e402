#include "shim_status.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void shim_failure_record(shim_failure *failure, const char *format, ...) {
    if (failure->recorded) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(failure->message, sizeof failure->message, format, arguments);
    va_end(arguments);
    failure->recorded = 1;
}

void shim_status_fail(shim_status *status, const char *message) {
    status->failed = 1;
    snprintf(status->message, sizeof status->message, "%s", message);
}

void shim_status_fail_with(shim_status *status, const shim_failure *failure, const char *fallback) {
    shim_status_fail(status, failure->recorded ? failure->message : fallback);
}

void *shim_decoder_calloc(size_t size, const char *format, shim_status *status) {
    memset(status, 0, sizeof *status);
    void *decoder = calloc(1, size);
    if (decoder == NULL) {
        status->failed = 1;
        snprintf(status->message, sizeof status->message, "out of memory while creating the %s decoder", format);
    }
    return decoder;
}
