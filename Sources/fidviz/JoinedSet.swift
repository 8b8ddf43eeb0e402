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

    /// The evaluator of each image's contribution against `reference` (the O(d^3) step, once
    /// per run).
    func evaluator(reference: FrechetStatistics) throws -> ContributionEvaluator {
        switch self {
        case let .statistics(stats, n, _):
            return try ContributionEvaluator(reference: reference, joining: stats, n: n)
        case let .perfectGenerator(n):
            return try ContributionEvaluator(reference: reference, joining: reference, n: n)
        case let .leaveOneOut(set):
            return try ContributionEvaluator(reference: reference, leaveOneOutOf: set)
        }
    }
}
