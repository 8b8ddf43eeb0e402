import Agreement
import Frechet
import InceptionGraph

// MARK: - How the spaces, and people, agree

/// How a report's two spaces agree with each other, and each space with people, over its images:
/// Spearman's rho (`RankCorrelation`, as scipy computes it), with a seeded bootstrap 95% interval
/// against people's scores. Positive means agreement: the images a metric punishes more are the
/// ones the other space punishes more, or more people judged fake.
public struct ReportAgreement: Sendable {
    /// The two spaces compared (A FID's, B the other) and rho between their Δs.
    public var spaces: (a: FeatureSpace, b: FeatureSpace, rho: Double)?
    /// With people's scores: how many images they scored, and each space's rho with them.
    public var human: (scored: Int, estimates: [(space: FeatureSpace, estimate: SpearmanEstimate)])?

    /// The numbers of `ranked`, in the report's order; nil with one space and no people's scores.
    public init?(_ ranked: RankedRows) {
        let rows = ranked.rows
        if let (a, b) = ranked.compared, let first = rows.first {
            spaces = (first.distances[a].space, first.distances[b].space,
                      RankCorrelation.spearman(rows.map { $0.distances[a].delta }, rows.map { $0.distances[b].delta }))
        }
        if ranked.hasHumanScores, let first = rows.first {
            let scored = rows.filter { $0.humanScore != nil }
            let scores = scored.map { $0.humanScore! }
            human = (scored.count, first.distances.indices.map { column in
                (first.distances[column].space, SpearmanEstimate(scored.map { $0.distances[column].delta }, scores))
            })
        }
        if spaces == nil && human == nil { return nil }
    }

    /// report.json's `agreement`: `spearman_<a>_<b>` (e.g. `spearman_fid_fd_dinov2`) and, with
    /// people's scores, `human` = {`n_scored`, and per space `spearman_<key>` and `ci95_<key>`
    /// ([lo, hi], or null when no resample gave a finite rho)}.
    public var json: JSONValue {
        var members: [String: JSONValue] = [:]
        if let spaces { members["spearman_\(spaces.a.key)_\(spaces.b.key)"] = .number(spaces.rho) }
        if let human {
            var entry: [String: JSONValue] = ["n_scored": .int(human.scored)]
            for (space, estimate) in human.estimates {
                entry["spearman_\(space.key)"] = .number(estimate.rho)
                entry["ci95_\(space.key)"] = estimate.interval.map { .array([.number($0.lowerBound), .number($0.upperBound)]) }
                    ?? .null
            }
            members["human"] = .object(entry)
        }
        return .object(members)
    }
}

// MARK: - Classes in two spaces

/// The images of one Top-1 class and their Δ sums in two spaces (`ClassSums`), so that the
/// classes one space alone cares about stand out.
public struct TwoSpaceClass: Sendable, Equatable {
    public let index: Int
    public let label: String
    public let count: Int
    /// Sum of the class's Δ in space A (FID) and B (the other); non-finite Δs left out.
    public let sumA: Double, sumB: Double
    /// `sumA / distanceA - sumB / distanceB`: each sum as a share of its set's distance, A's
    /// minus B's. Large: a class FID alone punishes.
    public let gap: Double

    /// Every Top-1 class of `ranked` with its sums in its compared spaces, largest `gap` first
    /// (the classes FID alone punishes first), equal gaps by class index; empty without two
    /// spaces or classes. `distances` are the set's distances, by space, that scale the sums.
    public static func classes(_ ranked: RankedRows, distances: [SetDistance]) -> [TwoSpaceClass] {
        guard let (a, b) = ranked.compared else { return [] }
        let rows = ranked.rows
        let sums = ClassSums(classes: rows.map { $0.top1?.index }, deltaA: rows.map { $0.distances[a].delta },
                             deltaB: rows.map { $0.distances[b].delta })
        let scaleA = distances.divisor(of: rows[0].distances[a].space) ?? 1
        let scaleB = distances.divisor(of: rows[0].distances[b].space) ?? 1
        return sums.classIndices.map { index in
            let totals = sums.byClass[index]!
            return TwoSpaceClass(index: index, label: ImageNetLabels.label(index), count: totals.count,
                                 sumA: totals.sumA, sumB: totals.sumB, gap: totals.sumA / scaleA - totals.sumB / scaleB)
        }.sorted { $0.gap != $1.gap ? $0.gap > $1.gap : $0.index < $1.index }
    }

    /// One entry of report.json's `classes_two_spaces`: `index`, `label`, `count`,
    /// `sum_delta_<a>`, `sum_delta_<b>` (e.g. `sum_delta_fid`, `sum_delta_fd_dinov2`).
    func json(a: FeatureSpace, b: FeatureSpace) -> JSONValue {
        .object(["index": .int(index), "label": .string(label), "count": .int(count),
                 "sum_delta_\(a.key)": .number(sumA), "sum_delta_\(b.key)": .number(sumB)])
    }
}
