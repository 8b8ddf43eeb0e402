import Frechet
import Foundation

/// The generated set each explained image joins, as the paper defines the per-sample contribution:
/// the image is added to N - 1 other generated samples (mean mu_g, covariance Sigma_g).
enum GeneratedSet {
    /// `--gen FILE`: given statistics; N is the file's `n`, else 50000.
    case statistics(FrechetStatistics, n: Int, path: String)
    /// Several images: each joins the statistics of the others (leave-one-out); N = the count.
    case leaveOneOut(StatisticsAccumulatorSnapshot)
    /// One image and no --gen: the generated set is taken to equal the reference (a perfect
    /// generator); N = the reference's `n`, else 50000.
    case perfectGenerator(n: Int)

    static let defaultSampleCount = 50_000

    var n: Int {
        switch self {
        case let .statistics(_, n, _): return n
        case let .leaveOneOut(snapshot): return snapshot.count
        case let .perfectGenerator(n): return n
        }
    }

    /// One line for the report and JSON's `gen_source`.
    var description: String {
        switch self {
        case let .statistics(_, n, path):
            return "given statistics \(path) (N = \(n)); each image joins a set of N - 1 samples with those statistics"
        case let .leaveOneOut(snapshot):
            return "leave-one-out over the \(snapshot.count) input images: each image joins the statistics of the other \(snapshot.count - 1)"
        case let .perfectGenerator(n):
            return "perfect generator: the generated set is taken to equal the reference (N = \(n)); the image joins N - 1 such samples"
        }
    }

    /// FID of the whole generated set against the reference.
    func setFID(reference: FrechetStatistics) throws -> Double {
        switch self {
        case let .statistics(stats, _, _): return try FrechetDistance.distance(reference: reference, generated: stats)
        case let .leaveOneOut(snapshot): return try FrechetDistance.distance(reference: reference, generated: snapshot.statistics)
        case .perfectGenerator: return 0
        }
    }

    /// The contribution evaluator for the image with pool3 features `feature` (Double).
    /// Given statistics and the perfect generator share one precomputation; leave-one-out
    /// removes the image from the set's statistics first.
    func contribution(reference: FrechetStatistics, shared: inout FIDContribution?,
                      feature: [Double]) throws -> FIDContribution {
        switch self {
        case let .statistics(stats, n, _):
            if shared == nil { shared = try FIDContribution(reference: reference, generated: stats, n: n) }
            return shared!
        case let .perfectGenerator(n):
            if shared == nil { shared = try FIDContribution(reference: reference, generated: reference, n: n) }
            return shared!
        case let .leaveOneOut(snapshot):
            return try FIDContribution(reference: reference, generated: snapshot.removing(feature), n: snapshot.count)
        }
    }
}

/// Mean and covariance of a set of feature vectors, able to give the statistics without one member.
struct StatisticsAccumulatorSnapshot {
    let statistics: FrechetStatistics
    let count: Int

    /// Statistics of the set without `f` (which must be a member):
    /// mu_- = (N mu - f) / (N - 1); (N - 2) Sigma_- = (N - 1) Sigma - N/(N - 1) (f - mu)(f - mu)^T.
    func removing(_ f: [Double]) -> FrechetStatistics {
        let n = Double(count), d = statistics.dimension
        precondition(count >= 3, "leave-one-out needs at least 3 images, got \(count)")
        let mu = statistics.mu
        let diff = (0 ..< d).map { f[$0] - mu[$0] }
        let muOthers = (0 ..< d).map { (n * mu[$0] - f[$0]) / (n - 1) }
        var sigma = statistics.sigma
        let a = (n - 1) / (n - 2), b = n / ((n - 1) * (n - 2))
        for i in 0 ..< d {
            for j in 0 ..< d { sigma[i * d + j] = a * sigma[i * d + j] - b * diff[i] * diff[j] }
        }
        return FrechetStatistics(mu: muOthers, sigma: sigma, n: count - 1)
    }
}
