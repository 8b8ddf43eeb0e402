// Process set-up for numerical work, run by the dynamic loader before `main` (after
// libopenblas's own initialiser, since a library's constructors run before those of the
// program that links it).
#include "shim.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

// OpenBLAS runtime (DYNAMIC_ARCH builds, as Debian ships): drop and reload the kernel set.
void gotoblas_dynamic_init(void);
void gotoblas_dynamic_quit(void);

const char *fidviz_supported_coretype(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
    return 0;
}

/// Debian's OpenBLAS picks its kernels at load time from the CPU model. OpenBLAS 0.3.21 does not
/// know some newer Intel CPUs and falls back to its generic "Prescott" kernels, which leave the
/// CPU's AVX2 and AVX-512 units unused. In that case, if the CPU has AVX-512 or AVX2 and the user
/// has not chosen a core with OPENBLAS_CORETYPE, OpenBLAS is re-initialised with the matching one.
static void fidviz_select_openblas_kernels(void) {
    if (getenv("OPENBLAS_CORETYPE") != 0) return;
    const char *current = openblas_get_corename();
    if (current == 0 || strcmp(current, "Prescott") != 0) return;
    const char *better = fidviz_supported_coretype();
    if (better == 0) return;
    setenv("OPENBLAS_CORETYPE", better, 0);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    unsetenv("OPENBLAS_CORETYPE");
}

/// glibc returns large freed blocks to the kernel, so every activation buffer would be freshly
/// mapped and zeroed. Keeping freed blocks up to 32 MiB (glibc's largest mmap threshold) in the
/// heap, and trimming it only beyond 1 GiB, lets a forward pass reuse the same sizes again and again.
/// One arena for every thread: a worker thread's own arena lives in 64 MiB heaps that glibc
/// unmaps whenever one empties, whatever the trim threshold, so workers running forward passes
/// would fault in fresh pages for every pass; the main heap keeps them. (The arena's lock is
/// taken per allocation; the engine allocates in large blocks, a few hundred per pass.)
static void fidviz_keep_freed_memory(void) {
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_ARENA_MAX, 1);
}

__attribute__((constructor))
static void fidviz_prepare_numerics(void) {
    fidviz_keep_freed_memory();
    fidviz_select_openblas_kernels();
}
