import CBLAS

/// The engine's arithmetic: one kernel per op, generic over the scalar type, so that `Tensor`
/// (Float, taped) and `Tensor64` (Double, forward only) run the same loops.
///
/// Stateless kernels are static functions of `Kernel`, added next to their op (`Tensor+*.swift`);
/// kernels that need precomputed geometry are methods of a plan (`ConvPlan`, `PoolWindows`,
/// `BilinearResize`). The release build specialises each for Float and Double (whole-module
/// optimisation sees both call sites).
enum Kernel {}

/// A scalar type the kernels run on: Float or Double, with its BLAS matrix product.
protocol BLASScalar: BinaryFloatingPoint {
    /// C = op(A) op(B) + beta C for row-major matrices (cblas_sgemm / cblas_dgemm): op(A) is
    /// [m, k], op(B) is [k, n], C is [m, n]; op transposes when asked; lda, ldb, ldc are the
    /// row strides of A, B and C as stored. With beta = 0, C is only written.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: BLASScalar {
    @inline(__always)
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
                     beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension Double: BLASScalar {
    @inline(__always)
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
                     _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
                     beta: Double, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

// MARK: - Buffers

/// A new array of `count` values, all of which `body` must write.
@inline(__always)
func makeBuffer<Scalar>(_ count: Int, _ body: (UnsafeMutablePointer<Scalar>) -> Void) -> [Scalar] {
    [Scalar](unsafeUninitializedCapacity: count) { buffer, initialised in
        body(buffer.baseAddress!)
        initialised = count
    }
}

/// A new array of `count` values that `kernel(x, y)` computes from `input` (x) into y.
/// The kernel must write every value of y, unless `zeroed`: then y starts at 0 and the kernel
/// may accumulate into it (backward scatters).
@inline(__always)
func mapBuffer<Scalar: BLASScalar>(_ input: [Scalar], count: Int, zeroed: Bool = false,
                                   _ kernel: (UnsafePointer<Scalar>, UnsafeMutablePointer<Scalar>) -> Void) -> [Scalar] {
    input.withUnsafeBufferPointer { x in
        guard zeroed else { return makeBuffer(count) { y in kernel(x.baseAddress!, y) } }
        var output = [Scalar](repeating: 0, count: count)
        output.withUnsafeMutableBufferPointer { y in kernel(x.baseAddress!, y.baseAddress!) }
        return output
    }
}
