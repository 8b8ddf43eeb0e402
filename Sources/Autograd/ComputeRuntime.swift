import CBLAS

/// The OpenBLAS runtime as the engine uses it.
///
/// Set-up needs no call: linking `CBLAS` runs its constructor before `main`, which keeps freed
/// activation buffers in the heap and, when OpenBLAS falls back to its generic "Prescott" kernels
/// on a CPU with AVX-512 or AVX2, switches to the matching kernel set (unless `OPENBLAS_CORETYPE`
/// is set). See `Sources/CBLAS/shim.c`.
public enum ComputeRuntime {
    /// The OpenBLAS core in use (e.g. "SkylakeX", "Haswell", "Zen").
    public static var coreName: String {
        String(cString: openblas_get_corename())
    }

    /// Whether the sgemm kernels in use give each row of a product the same bits whatever rows
    /// surround it (for products beyond OpenBLAS's small-matrix sizes, with one thread), so that
    /// several images may share one GEMM without their results depending on the batch. True
    /// for OpenBLAS's AVX-512 kernel set, "SkylakeX" (DINOv2GoldenTests checks it wherever they
    /// run); false for the others, whose AVX2 "Haswell" set rounds a row by its position.
    public static var gemmRowsAreIndependent: Bool { coreName == "SkylakeX" }

    /// Runs `body` with OpenBLAS limited to `threads` threads, restoring the previous count after.
    /// Used when the caller parallelises across images itself: single-threaded GEMMs on separate
    /// cores beat two threads splitting every small GEMM and spinning while Swift code runs.
    public static func withThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = Int(openblas_get_num_threads())
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(Int32(previous)) }
        return try body()
    }
}
