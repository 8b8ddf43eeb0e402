// MARK: - Each member's contribution to its own set's FID

/// The paper's per-sample contribution when the generated set is the images themselves:
/// image i joins the other N - 1 (leave-one-out), so the set after joining is always the full
/// set and one O(d^3) precomputation serves every member; each member then costs O(d^2).
///
/// With u = f - mu (mu, S: the full set's mean and covariance, N members):
/// - the others: mu_- = mu - u / (N - 1), S_- = a S - b u u^T with a = (N-1)/(N-2),
///   b = N / ((N-1)(N-2));
/// - FID_after = FID(ref; mu, S) for every member; FID_before = FID(ref; mu_-, S_-), whose
///   Tr sqrt(A S_- A) is that of a diagonal-minus-rank-one matrix a Lambda - b z z^T in the
///   eigenbasis of M = A S A = Q Lambda Q^T (z = Q^T A u). It is solved as the diagonal-plus-
///   rank-one problem -a Lambda + b z z^T, whose eigenvalues are minus the wanted ones (no
///   shift, so an eigenvalue near 0 keeps its accuracy relative to itself);
/// - dFID/df = 2 (mu - mu_r) / N + (2/N) (I - A M^{-1/2} A)(f - mu_-), with M^{-1/2} the
///   pseudo-inverse square root (eigenvalues at or below d * eps * max dropped), the same
///   convention as `FIDContribution`.
///
/// Every positive eigenvalue counts in both traces (see `FrechetDistance`), so when N <= d
/// (singular S and S_-) the rounding noise of the zero eigenvalues enters deltaFID, as it
/// does on any float64 route.
public final class LeaveOneOutContribution: Sendable {
    public let dimension: Int
    /// N, the number of members.
    public let n: Int
    /// FID of the full set: every member's FID after joining.
    public let fidFull: Double

    private let referenceMean: [Double]
    private let referenceTrace: Double
    private let mean: [Double]
    private let trace: Double
    /// Eigenvalues of M (ascending, negatives zeroed) and B = F Q.
    private let lambda: [Double]
    private let transform: [Double]
    /// Eigenvalues of M at or below this are dropped from M^{-1/2}.
    private let inverseCutoff: Double

    /// - Parameter set: the full set's statistics; `set.n` (N >= 3) must be given.
    public init(reference: FrechetStatistics, set: FrechetStatistics) throws {
        try FrechetDistance.checkCompatible(reference: reference, generated: set)
        let n = set.n ?? 0
        guard n >= 3 else { throw FrechetError.tooFewSamples(source: "leave-one-out set", count: n, needed: 3) }
        dimension = reference.dimension
        self.n = n
        referenceMean = reference.mu
        referenceTrace = reference.traceOfSigma
        mean = set.mu
        trace = set.traceOfSigma
        let spectrum = try CongruenceSpectrum(factor: ReferenceFactor.shared(for: reference), sigma: set.sigma)
        lambda = spectrum.lambda
        transform = spectrum.transform
        inverseCutoff = FrechetDistance.pseudoInverseCutoff(eigenvalues: lambda)
        fidFull = FrechetDistance.distance(reference: reference, generated: set,
                                           traceOfSquareRoot: spectrum.traceOfSquareRoot)
    }

    /// The contribution of member `f` (a feature vector of the set) in O(d^2): one product with
    /// B^T for ΔFID, and one with B for the gradient (left empty when `gradient` is false, as
    /// ranking needs only ΔFID).
    public func evaluate(member f: [Double], gradient wantsGradient: Bool = true) -> SampleContribution {
        let d = dimension
        precondition(f.count == d, "LeaveOneOutContribution.evaluate: feature [\(f.count)], expected [\(d)]")
        guard f.allSatisfy({ $0.isFinite }) else {
            return SampleContribution(fidAfter: .nan, deltaFID: .nan, gradient: [Double](repeating: .nan, count: d))
        }
        let count = Double(n)
        let a = (count - 1) / (count - 2), b = count / ((count - 1) * (count - 2))
        let u = (0 ..< d).map { f[$0] - mean[$0] }
        let uu = u.reduce(0) { $0 + $1 * $1 }
        let othersMean = (0 ..< d).map { mean[$0] - u[$0] / (count - 1) }
        let othersTrace = a * trace - b * uu

        // Eigenvalues of a Lambda - b z z^T: minus those of -a Lambda + b z z^T.
        let z = multiply(transform, transpose: true, vector: u, dimension: d)
        let negatedDiagonal = lambda.reversed().map { -a * $0 }
        let scaledVector = z.reversed().map { b.squareRoot() * $0 }
        let others = DiagonalPlusRankOne(diagonal: negatedDiagonal, vector: scaledVector).eigenvalues
            .map { max(-$0, 0) }
        let fidBefore = FrechetDistance.meanTerm(referenceMean, othersMean) + referenceTrace + othersTrace
            - 2 * FrechetDistance.traceOfSquareRoot(eigenvalues: others)

        guard wantsGradient else { return SampleContribution(fidAfter: fidFull, deltaFID: fidFull - fidBefore, gradient: []) }
        // (I - B Lambda^{-1/2} B^T) v with v = f - mu_- = u N / (N - 1), so B^T v = z N / (N - 1).
        let v = u.map { $0 * count / (count - 1) }
        var h = z.map { $0 * count / (count - 1) }
        for k in 0 ..< d { h[k] = lambda[k] > inverseCutoff ? h[k] / lambda[k].squareRoot() : 0 }
        let bh = multiply(transform, vector: h, dimension: d)
        var gradient = [Double](repeating: 0, count: d)
        for j in 0 ..< d {
            gradient[j] = 2 * (mean[j] - referenceMean[j]) / count + (2 / count) * (v[j] - bh[j])
        }
        return SampleContribution(fidAfter: fidFull, deltaFID: fidFull - fidBefore, gradient: gradient)
    }
}
