import CBLAS
import CVectorKernels

/// The engine's arithmetic: one kernel per op, generic over the scalar type, so that `Tensor`
/// (Float, taped) and `Tensor64` (Double, forward only) run the same loops.
///
/// Stateless kernels are static functions of `Kernel`, added next to their op (`Tensor+*.swift`);
/// kernels that need precomputed geometry are methods of a plan (`ConvPlan`, `PoolWindows`,
/// `BilinearResize`). The release build specialises each for Float and Double (whole-module
/// optimisation sees both call sites).
enum Kernel {}

/// A scalar type the kernels run on: Float or Double, with its BLAS matrix product and the
/// transcendental functions at its precision, eight lanes at a time (`Kernel+Lanes.swift`).
protocol BLASScalar: BinaryFloatingPoint, SIMDScalar {
    /// `cblas_sgemm` or `cblas_dgemm`; kernels call it through `gemm`.
    static var cblasGemm: CBLASGemm<Self> { get }
    /// `fidviz_combine_float` or `fidviz_combine_double` (CVectorKernels): a sparse row applied
    /// to runs of values, in AVX2 where the CPU has it.
    static var combineKernel: CombineKernel<Self> { get }
    /// `fidviz_transpose_float` or `fidviz_transpose_double` (CVectorKernels): 8 x 8 blocks
    /// transposed, with a bias and a ReLU if asked, in AVX2 where the CPU has it.
    static var transposeKernel: TransposeKernel<Self> { get }
    /// e^x per lane.
    static func exponential(_ x: Lanes<Self>) -> Lanes<Self>
    /// The error function per lane.
    static func errorFunction(_ x: Lanes<Self>) -> Lanes<Self>
    /// b where b > a, else a, per lane.
    static func maximum(_ a: Lanes<Self>, _ b: Lanes<Self>) -> Lanes<Self>
}

/// The signature of `cblas_sgemm` and `cblas_dgemm` for scalar S.
typealias CBLASGemm<S> = (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint, S,
                          UnsafePointer<S>?, blasint, UnsafePointer<S>?, blasint, S, UnsafeMutablePointer<S>?, blasint) -> Void

/// The signature of `fidviz_combine_float` and `fidviz_combine_double` for scalar S.
typealias CombineKernel<S> = (UnsafePointer<Int>?, UnsafePointer<S>?, Int, UnsafePointer<S>?, Int, Int, Int, Int,
                              UnsafeMutablePointer<S>?, Int) -> Void

/// The signature of `fidviz_transpose_float` and `fidviz_transpose_double` for scalar S.
typealias TransposeKernel<S> = (UnsafePointer<S>?, Int, Int, UnsafeMutablePointer<S>?, Int, Int, Int,
                                UnsafePointer<S>?, Int32) -> Void

extension Float: BLASScalar {
    static var cblasGemm: CBLASGemm<Float> { cblas_sgemm }
    static var combineKernel: CombineKernel<Float> { fidviz_combine_float }
    static var transposeKernel: TransposeKernel<Float> { fidviz_transpose_float }
}

extension Double: BLASScalar {
    static var cblasGemm: CBLASGemm<Double> { cblas_dgemm }
    static var combineKernel: CombineKernel<Double> { fidviz_combine_double }
    static var transposeKernel: TransposeKernel<Double> { fidviz_transpose_double }
}

extension BLASScalar {
    /// C = alpha op(A) op(B) + beta C for row-major matrices: op(A) is [m, k], op(B) is [k, n],
    /// C is [m, n]; op transposes when asked; lda, ldb, ldc are the row strides of A, B and C as
    /// stored (a row of a wider matrix can be read or written in place). With beta = 0, C is
    /// only written.
    @inline(__always)
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self = 1,
                     _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, _ c: UnsafeMutablePointer<Self>, ldc: Int) {
        cblasGemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                  blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
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
