import Frechet
import Foundation

/// The generated set each explained image joins, as the paper defines the per-sample contribution:
/// the image is added to N - 1 other generated samples (mean mu_g, covariance Sigma_g).
enum JoinedSet {
    /// `--gen FILE`: given statistics; N is the file's `n`, else 50000.
    case statistics(FrechetStatistics, n: Int, path: String)
    /// Several images: each joins the statistics of the others (leave-one-out); N = the count.
    case leaveOneOut(FrechetStatistics)
    /// One image and no --gen: the generated set is taken to equal the reference (a perfect
    /// generator); N = the reference's `n`, else 50000.
    case perfectGenerator(n: Int)

    static let defaultSampleCount = 50_000

    var n: Int {
        switch self {
        case let .statistics(_, n, _): return n
        case let .leaveOneOut(set): return set.n ?? 0
        case let .perfectGenerator(n): return n
        }
    }

    /// One line for the report and JSON's `gen_source`.
    var description: String {
        switch self {
        case let .statistics(_, n, path):
            return "given statistics \(path) (N = \(n)); each image joins a set of N - 1 samples with those statistics"
        case .leaveOneOut:
            return "leave-one-out over the \(n) input images: each image joins the statistics of the other \(n - 1)"
        case let .perfectGenerator(n):
            return "perfect generator: the generated set is taken to equal the reference (N = \(n)); the image joins N - 1 such samples"
        }
    }

    /// The FID of the generated set and the per-image evaluator (pool3 features as Double to the
    /// image's contribution, with its gradient when the flag is true). The O(d^3) precomputation
    /// happens here, once per run; each image then costs O(d^2).
    func contributions(reference: FrechetStatistics) throws
        -> (setFID: Double, evaluate: (_ feature: [Double], _ gradient: Bool) -> SampleContribution) {
        switch self {
        case let .statistics(stats, n, _):
            let contribution = try FIDContribution(reference: reference, generated: stats, n: n)
            return (contribution.fidBefore, { contribution.evaluate(feature: $0, gradient: $1) })
        case let .perfectGenerator(n):
            let contribution = try FIDContribution(reference: reference, generated: reference, n: n)
            return (contribution.fidBefore, { contribution.evaluate(feature: $0, gradient: $1) })
        case let .leaveOneOut(set):
            let contribution = try LeaveOneOutContribution(reference: reference, set: set)
            return (contribution.fidFull, { contribution.evaluate(member: $0, gradient: $1) })
        }
    }
}
