// MARK: - One sample's exact contribution to FID

/// What one generated sample does to FID when it joins the generated set (Kynkäänniemi et
/// al., "The Role of ImageNet Classes in Fréchet Inception Distance"): the generated
/// statistics (mu_g, S_g) describe N - 1 samples; with the feature f added they become
///
///     mu' = ((N-1)/N) mu_g + f/N,   S' = ((N-2)/(N-1)) S_g + (f - mu_g)(f - mu_g)^T / N,
///
/// FID_after = FID(reference; mu', S') and deltaFID = FID_after - FID(reference; mu_g, S_g).
public struct SampleContribution: Sendable, Equatable {
    public var fidAfter: Double
    public var deltaFID: Double
    /// dFID_after/df, [d]:
    /// 2 (mu' - mu_r)/N + (2/N) (I - A M'^{-1/2} A)(f - mu_g), A = S_r^{1/2}, M' = A S' A.
    /// Empty when the evaluation was asked for ΔFID only.
    public var gradient: [Double]

    /// FID of the set the image joins, without it.
    public var fidBefore: Double { fidAfter - deltaFID }

    public init(fidAfter: Double, deltaFID: Double, gradient: [Double]) {
        self.fidAfter = fidAfter
        self.deltaFID = deltaFID
        self.gradient = gradient
    }
}

/// Evaluates `SampleContribution` for many features against one (reference, generated)
/// pair: O(d^3) once in `init`, then O(d^2) per feature (the rank-one solver splits its work
/// over two threads; `fidviz-bench` times both).
///
/// Precompute: a factor F F^T = S_r (`ReferenceFactor`, Cholesky when possible), then
/// M = F^T S_g F = Q diag(lambda) Q^T (same spectrum as A S_g A), and B = F Q. Per feature,
/// with u = f - mu_g and c = (N-2)/(N-1),
///
///     Q^T (F^T S' F) Q = c diag(lambda) + z z^T,   z = B^T u / sqrt(N),
///
/// a diagonal-plus-rank-one matrix solved by `DiagonalPlusRankOne` in O(d^2); then
/// A M'^{-1/2} A u = F (F^T S' F)^{-1/2} F^T u = sqrt(N) B (c Lambda + z z^T)^{-1/2} z, and
///
///     deltaFID = 2 (mu_g - mu_r).u / N + |u|^2/N^2 + |u|^2/N - Tr S_g/(N-1)
///                - 2 [ (sqrt c - 1) sum sqrt(lambda) + sum sqrt(t') - sum sqrt(c lambda) ]
///
/// is formed from differences directly (no cancellation of two large FIDs).
///
/// Singular spectra, as in `FrechetDistance`: a rank-deficient S_r is factored through its
/// eigendecomposition with negative eigenvalues clamped to 0, negative eigenvalues of M are
/// clamped to 0, and every positive eigenvalue of M and of M' counts in Tr sqrt, so
/// FID_after equals `FrechetDistance.distance` of (mu', S') up to rounding; on singular
/// statistics that rounding includes the sqrt of each near-zero eigenvalue (see
/// `FrechetDistance`): with each route's eigenvalues within delta = d * eps * lambda_max of
/// the exact ones, fast and direct FIDs agree to within 2 sqrt(delta) per such eigenvalue
/// (the bound the tests use) rather than to 1e-12. Only M'^{-1/2} uses a cutoff: eigenvalues at or
/// below d * eps * (largest eigenvalue) have their eigenvectors dropped (the Moore-Penrose
/// convention, NumPy's `pinv` default rcond), so the gradient stays finite when S' is
/// rank-deficient: directions that S' does not span receive no -A M'^{-1/2} A term.
///
/// All state is immutable after `init`, so `evaluate` may run on several threads at once.
public final class FIDContribution: Sendable {
    /// Feature dimension d.
    public let dimension: Int
    /// Size N of the generated set after the sample joins it.
    public let n: Int
    /// FID(reference; mu_g, S_g).
    public let fidBefore: Double

    private let referenceMean: [Double]
    private let generatedMean: [Double]
    private let generatedTrace: Double
    /// Eigenvalues of M = A S_g A, negative ones set to 0, ascending, [d].
    private let lambda: [Double]
    private let sumSqrtLambda: Double
    /// B = F Q, row-major [d, d].
    private let transform: [Double]

    /// - Parameter n: N, the generated set size once the sample has joined (N >= 2).
    /// - Throws: `FrechetError.dimensionMismatch` / `.nonFinite` for unusable statistics,
    ///   `.tooFewSamples` when N < 2, `.eigendecompositionFailed` from LAPACK.
    public init(reference: FrechetStatistics, generated: FrechetStatistics, n: Int) throws {
        try FrechetDistance.checkCompatible(reference: reference, generated: generated)
        guard n >= 2 else {
            throw FrechetError.tooFewSamples(source: "generated set", count: n, needed: 2)
        }
        dimension = reference.dimension
        self.n = n
        referenceMean = reference.mu
        generatedMean = generated.mu
        generatedTrace = generated.traceOfSigma

        let spectrum = try CongruenceSpectrum(factor: ReferenceFactor.shared(for: reference),
                                              sigma: generated.sigma)
        lambda = spectrum.lambda
        sumSqrtLambda = spectrum.traceOfSquareRoot
        transform = spectrum.transform
        fidBefore = FrechetDistance.distance(reference: reference, generated: generated,
                                             traceOfSquareRoot: sumSqrtLambda)
    }

    /// The contribution of the sample with feature `f` [d] in O(d^2).
    ///
    /// A feature with NaN or Inf entries yields NaN results. The gradient (one more O(d^2)
    /// product) is left empty when `gradient` is false, as ranking needs only ΔFID.
    public func evaluate(feature f: [Double], gradient wantsGradient: Bool = true) -> SampleContribution {
        let d = dimension
        precondition(f.count == d, "FIDContribution.evaluate: feature [\(f.count)], expected [\(d)]")
        guard f.allSatisfy({ $0.isFinite }) else {
            return SampleContribution(fidAfter: .nan, deltaFID: .nan,
                                      gradient: [Double](repeating: .nan, count: d))
        }
        let count = Double(n)
        let c = (count - 2) / (count - 1)
        var u = [Double](repeating: 0, count: d)
        var uu = 0.0
        var offsetDotU = 0.0
        for j in 0..<d {
            u[j] = f[j] - generatedMean[j]
            uu += u[j] * u[j]
            offsetDotU += (generatedMean[j] - referenceMean[j]) * u[j]
        }
        var z = multiply(transform, transpose: true, vector: u, dimension: d)
        let scale = 1 / count.squareRoot()
        for j in 0..<d { z[j] *= scale }
        let diagonal = lambda.map { c * $0 }
        let update = DiagonalPlusRankOne(diagonal: diagonal, vector: z)
        // sqrt(c) - 1 = (c - 1)/(sqrt(c) + 1) = -1 / ((N - 1)(sqrt(c) + 1)).
        let sqrtCMinusOne = -1 / ((count - 1) * (c.squareRoot() + 1))
        let sqrtTraceChange = sqrtCMinusOne * sumSqrtLambda + update.squareRootTraceChange()
        let delta = 2 * offsetDotU / count + uu / (count * count) + uu / count
            - generatedTrace / (count - 1) - 2 * sqrtTraceChange
        guard wantsGradient else { return SampleContribution(fidAfter: fidBefore + delta, deltaFID: delta, gradient: []) }

        let cutoff = FrechetDistance.pseudoInverseCutoff(eigenvalues: update.eigenvalues)
        let h = update.inverseSquareRootOfVector(cutoff: cutoff)
        let bh = multiply(transform, vector: h, dimension: d)

        var gradient = [Double](repeating: 0, count: d)
        let sqrtN = count.squareRoot()
        for j in 0..<d {
            let meanAfterMinusReference = (generatedMean[j] - referenceMean[j]) + u[j] / count
            gradient[j] = 2 * meanAfterMinusReference / count + (2 / count) * (u[j] - sqrtN * bh[j])
        }
        return SampleContribution(fidAfter: fidBefore + delta, deltaFID: delta, gradient: gradient)
    }
}
