// MARK: - Batched matrix product

extension Tensor {
    /// Batched matrix product of two activations (attention's Q K^T and A V), PyTorch `a @ b`
    /// without broadcasting: a [..., M, K] times b [..., K, N] -> [..., M, N], or with
    /// `transposeB` b [..., N, K] read as its transpose. The leading axes must be equal; each
    /// batch item is one GEMM. Backward: da = dy op(b)^T, db = a^T dy (or dy^T a when
    /// transposed); keeps both operands.
    public func matmul(_ b: Tensor, transposeB: Bool = false) -> Tensor {
        let product = BatchedMatrixProduct(a: shape, b: b.shape, transposeB: transposeB)
        let (left, right) = (data, b.data)
        return Tensor.result(shape: product.outputShape, data: product.forward(left, right), inputs: [self, b]) { gradOut in
            let (da, db) = product.backward(gradOut, left, right)
            return [da, db]
        }
    }
}

/// Sizes of a batched product op(A) op(B) = C with A [batch, M, K], B [batch, K, N] or
/// [batch, N, K] (transposed), C [batch, M, N], all row-major.
struct BatchedMatrixProduct {
    let batch: Int, m: Int, k: Int, n: Int
    let transposeB: Bool
    let outputShape: [Int]

    init(a: [Int], b: [Int], transposeB: Bool) {
        precondition(a.count >= 2 && b.count == a.count && a.dropLast(2) == b.dropLast(2),
                     "matmul: shapes \(a) and \(b) need equal leading axes and rank >= 2")
        let (rowsB, columnsB) = (b[b.count - 2], b[b.count - 1])
        (m, k) = (a[a.count - 2], a[a.count - 1])
        n = transposeB ? rowsB : columnsB
        precondition((transposeB ? columnsB : rowsB) == k,
                     "matmul: inner sizes differ: \(a) times \(b)\(transposeB ? " transposed" : "")")
        batch = a.dropLast(2).reduce(1, *)
        self.transposeB = transposeB
        outputShape = a.dropLast(2) + [m, n]
    }

    /// C = A op(B), one GEMM per batch item.
    func forward<Scalar: BLASScalar>(_ a: [Scalar], _ b: [Scalar]) -> [Scalar] {
        b.withUnsafeBufferPointer { right in
            mapBuffer(a, count: batch * m * n) { left, c in
                for i in 0 ..< batch {
                    Scalar.gemm(transposeA: false, transposeB: transposeB, m: m, n: n, k: k,
                                left + i * m * k, lda: k, right.baseAddress! + i * k * n, ldb: transposeB ? k : n,
                                beta: 0, c + i * m * n, ldc: n)
                }
            }
        }
    }

    /// dA = dC op(B)^T [M, K]; dB = A^T dC [K, N], or dC^T A [N, K] when B is transposed.
    func backward<Scalar: BLASScalar>(_ gradOut: [Scalar], _ a: [Scalar], _ b: [Scalar]) -> ([Scalar], [Scalar]) {
        let da = b.withUnsafeBufferPointer { right in
            mapBuffer(gradOut, count: batch * m * k) { dc, out in
                for i in 0 ..< batch {
                    // dA = dC B^T when B is [K, N], dC B when B is [N, K].
                    Scalar.gemm(transposeA: false, transposeB: !transposeB, m: m, n: k, k: n,
                                dc + i * m * n, lda: n, right.baseAddress! + i * k * n, ldb: transposeB ? k : n,
                                beta: 0, out + i * m * k, ldc: k)
                }
            }
        }
        let db = a.withUnsafeBufferPointer { left in
            mapBuffer(gradOut, count: batch * k * n) { dc, out in
                for i in 0 ..< batch {
                    let l = left.baseAddress! + i * m * k, g = dc + i * m * n
                    if transposeB {
                        Scalar.gemm(transposeA: true, transposeB: false, m: n, n: k, k: m,
                                    g, lda: n, l, ldb: k, beta: 0, out + i * k * n, ldc: k)
                    } else {
                        Scalar.gemm(transposeA: true, transposeB: false, m: k, n: n, k: m,
                                    l, lda: k, g, ldb: n, beta: 0, out + i * k * n, ldc: n)
                    }
                }
            }
        }
        return (da, db)
    }
}
