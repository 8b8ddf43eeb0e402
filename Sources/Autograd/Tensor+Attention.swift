// Multi-head self-attention read straight from a qkv projection: strided GEMMs per image and
// head, so that queries, keys and values are never copied out into their own tensors.

// MARK: - Self-attention

extension Tensor {
    /// The core of multi-head self-attention (the hub's `Attention.forward` between `qkv` and
    /// `proj`): for each image n and head h,
    ///     y[n, :, h] = softmax(q_h k_h^T / sqrt(w)) v_h,
    /// where x = qkv [N, T, 3 H w] is a `linear` output laid out as [N, T, 3, H, w] (queries,
    /// keys, values, each head's w columns in head order) and y is [N, Q, H w] with the heads'
    /// outputs side by side (the hub's `transpose(1, 2).reshape(B, N, C)`). Only the first
    /// `queries` tokens ask (all T by default; 1 gives the class token alone), while every
    /// token is a key and a value. Scores are scaled inside the GEMM (alpha = 1/sqrt(w)); the
    /// softmax is `Kernel.softmaxRow`.
    /// Backward, per image and head, with P the kept probabilities and dS the softmax's backward of
    /// dP = dy_h v_h^T: dq_h = dS k_h / sqrt(w), dk_h = dS^T q_h / sqrt(w), dv_h = P^T dy_h, written
    /// into dx at the columns they were read from (rows of dq past `queries` are 0).
    public func selfAttention(heads: Int, queries: Int? = nil) -> Tensor {
        let attention = SelfAttention(qkvShape: shape, heads: heads, queries: queries ?? (shape.count == 3 ? shape[1] : 0))
        let qkv = data
        let (output, probabilities) = attention.forward(qkv, keepProbabilities: isTracked)
        return Tensor.result(shape: attention.outputShape, data: output, inputs: [self]) { gradOut in
            [attention.backward(gradOut, qkv: qkv, probabilities: probabilities)]
        }
    }
}

/// Sizes of multi-head self-attention on a qkv tensor [N, T, 3 H w], and its kernels.
struct SelfAttention {
    let batch: Int, tokens: Int, heads: Int, headWidth: Int, queries: Int
    var width: Int { heads * headWidth }
    /// Row stride of the qkv tensor: 3 H w.
    var qkvStride: Int { 3 * width }
    var outputShape: [Int] { [batch, queries, width] }
    /// Probabilities per image and head: Q x T.
    var scoresPerHead: Int { queries * tokens }

    init(qkvShape shape: [Int], heads: Int, queries: Int) {
        precondition(shape.count == 3 && heads > 0 && shape[2] % (3 * heads) == 0,
                     "selfAttention: qkv must be [N, T, 3 x heads x width], got \(shape) for \(heads) heads")
        precondition(queries >= 1 && queries <= shape[1], "selfAttention: \(queries) queries for \(shape[1]) tokens")
        (batch, tokens, self.heads, headWidth, self.queries) = (shape[0], shape[1], heads, shape[2] / (3 * heads), queries)
    }

    /// The scale of the scores, 1/sqrt(w).
    func scale<Scalar: BLASScalar>() -> Scalar { 1 / Scalar(headWidth).squareRoot() }

    /// Calls `body(n, h, q, k, v)` with the first row of each operand of image n, head h.
    @inline(__always)
    private func forEachHead<Scalar>(_ qkv: UnsafePointer<Scalar>,
                                     _ body: (Int, Int, UnsafePointer<Scalar>, UnsafePointer<Scalar>, UnsafePointer<Scalar>) -> Void) {
        for n in 0 ..< batch {
            let image = qkv + n * tokens * qkvStride
            for h in 0 ..< heads {
                let q = image + h * headWidth
                body(n, h, q, q + width, q + 2 * width)
            }
        }
    }

    /// y [N, Q, H w], and with `keepProbabilities` the softmax outputs [N, H, Q, T] (else empty).
    func forward<Scalar: BLASScalar>(_ qkv: [Scalar], keepProbabilities: Bool) -> (output: [Scalar], probabilities: [Scalar]) {
        let kept = keepProbabilities ? batch * heads * scoresPerHead : 0
        var probabilities = [Scalar](unsafeUninitializedCapacity: kept) { _, count in count = kept }
        let output = mapBuffer(qkv, count: batch * queries * width) { x, y in
            probabilities.withUnsafeMutableBufferPointer { kept in
                let scratch = keepProbabilities ? nil : UnsafeMutablePointer<Scalar>.allocate(capacity: scoresPerHead)
                defer { scratch?.deallocate() }
                forEachHead(x) { n, h, q, k, v in
                    let p = scratch ?? kept.baseAddress! + (n * heads + h) * scoresPerHead
                    Scalar.gemm(transposeA: false, transposeB: true, m: queries, n: tokens, k: headWidth, alpha: scale(),
                                q, lda: qkvStride, k, ldb: qkvStride, beta: 0, p, ldc: tokens)
                    for row in 0 ..< queries { Kernel.softmaxRow(p + row * tokens, p + row * tokens, width: tokens) }
                    Scalar.gemm(transposeA: false, transposeB: false, m: queries, n: headWidth, k: tokens,
                                p, lda: tokens, v, ldb: qkvStride, beta: 0, y + n * queries * width + h * headWidth, ldc: width)
                }
            }
        }
        return (output, probabilities)
    }

    /// d(qkv) [N, T, 3 H w] from dy [N, Q, H w].
    func backward<Scalar: BLASScalar>(_ gradOut: [Scalar], qkv: [Scalar], probabilities: [Scalar]) -> [Scalar] {
        precondition(probabilities.count == batch * heads * scoresPerHead, "selfAttention: backward without probabilities")
        let scratch = UnsafeMutablePointer<Scalar>.allocate(capacity: scoresPerHead)
        defer { scratch.deallocate() }
        return qkv.withUnsafeBufferPointer { x in
            probabilities.withUnsafeBufferPointer { kept in
                // Every value is written by the GEMMs, except the rows of dq past `queries`.
                mapBuffer(gradOut, count: qkv.count, zeroed: queries < tokens) { dy, dx in
                    forEachHead(x.baseAddress!) { n, h, q, k, v in
                        let p = kept.baseAddress! + (n * heads + h) * scoresPerHead
                        let g = dy + n * queries * width + h * headWidth
                        let dq = dx + n * tokens * qkvStride + h * headWidth, dk = dq + width, dv = dq + 2 * width
                        // dP = dy_h v_h^T, then dS = P (dP - rowsum(dP P)) in place.
                        Scalar.gemm(transposeA: false, transposeB: true, m: queries, n: tokens, k: headWidth,
                                    g, lda: width, v, ldb: qkvStride, beta: 0, scratch, ldc: tokens)
                        for row in 0 ..< queries {
                            let r = row * tokens
                            Kernel.softmaxBackwardRow(scratch + r, p + r, scratch + r, width: tokens)
                        }
                        Scalar.gemm(transposeA: false, transposeB: false, m: queries, n: headWidth, k: tokens, alpha: scale(),
                                    scratch, lda: tokens, k, ldb: qkvStride, beta: 0, dq, ldc: qkvStride)
                        Scalar.gemm(transposeA: true, transposeB: false, m: tokens, n: headWidth, k: queries, alpha: scale(),
                                    scratch, lda: tokens, q, ldb: qkvStride, beta: 0, dk, ldc: qkvStride)
                        Scalar.gemm(transposeA: true, transposeB: false, m: tokens, n: headWidth, k: queries,
                                    p, lda: tokens, g, ldb: width, beta: 0, dv, ldc: qkvStride)
                    }
                }
            }
        }
    }
}
