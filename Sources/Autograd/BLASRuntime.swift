import CBLAS
import Foundation

/// One-time OpenBLAS set-up, done before the first GEMM.
///
/// Debian's OpenBLAS picks its kernels at load time from the CPU model. When it does not know the
/// model (it then reports the generic "Prescott" core) but the CPU has AVX-512 or AVX2, fidviz
/// re-initialises it with the matching kernel set, which is several times faster. A user's own
/// `OPENBLAS_CORETYPE` is always respected.
public enum BLASRuntime {
    /// The OpenBLAS core in use after set-up (e.g. "SkylakeX").
    public static var coreName: String {
        _ = configured
        return String(cString: openblas_get_corename())
    }

    static let configured: Bool = {
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

extension BLASRuntime {
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
