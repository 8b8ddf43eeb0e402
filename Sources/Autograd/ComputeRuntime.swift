import CBLAS
import Foundation

/// One-time process set-up for numerical work: OpenBLAS kernels and the allocator.
///
/// - Debian's OpenBLAS picks its kernels at load time from the CPU model. When it does not know
///   the model (it then reports the generic "Prescott" core) but the CPU has AVX-512 or AVX2,
///   fidviz re-initialises it with the matching kernel set, which is several times faster. A
///   user's own `OPENBLAS_CORETYPE` is always respected. Programs call `prepare()` before their
///   first BLAS or LAPACK call (any library's); the engine also calls it before its first GEMM.
/// - glibc returns large freed blocks to the kernel, so every activation buffer of every layer
///   would be freshly mapped and zeroed by the kernel. Raising the mmap and trim thresholds
///   keeps freed buffers for reuse (a forward pass allocates the same sizes again and again).
public enum ComputeRuntime {
    /// Call once at start-up, before any BLAS or LAPACK work; cheap after the first call.
    public static func prepare() { _ = configured }

    /// The OpenBLAS core in use after set-up (e.g. "SkylakeX").
    public static var coreName: String {
        _ = configured
        return String(cString: openblas_get_corename())
    }

    static let configured: Bool = {
        fidviz_keep_freed_memory()
        let current = String(cString: openblas_get_corename())
        guard current == "Prescott", ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let better = fidviz_supported_coretype() else { return false }
        setenv("OPENBLAS_CORETYPE", better, 0)
        gotoblas_dynamic_quit()
        gotoblas_dynamic_init()
        unsetenv("OPENBLAS_CORETYPE")
        return true
    }()

    /// Call before any BLAS work; cheap after the first call.
    @inline(__always)
    static func ensureConfigured() { _ = configured }
}

extension ComputeRuntime {
    /// Runs `body` with OpenBLAS limited to `threads` threads, restoring the previous count after.
    /// Used when the caller parallelises across images itself: single-threaded GEMMs on separate
    /// cores beat two threads splitting every small GEMM and spinning while Swift code runs.
    public static func withThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        ensureConfigured()
        let previous = Int(openblas_get_num_threads())
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(Int32(previous)) }
        return try body()
    }
}
