// MARK: - Where two spaces rank the same images differently

/// Two feature spaces' verdicts on the same N images, as ranks, and where they part.
///
/// Space A is FID's (Inception pool3), space B the other one (FD_DINOv2). Each image's rank in a
/// space is its place when the images are ordered worst first: 1 = the largest Δ, N = the
/// smallest; equal Δs keep the order given (the caller passes images in the report's order), and
/// a non-finite Δ ranks after every finite one. The disagreement of an image is
/// `rankB / N - rankA / N`: positive when FID ranks it worse than the other space does (an
/// "FID-only offender"), negative the other way round, in (-1, 1). It is computed as
/// `(rankB - rankA) / N`, so that equal rank gaps give equal disagreements.
public struct RankComparison: Equatable, Sendable {
    /// Each image's Δ in space A (FID) and in space B (FD_DINOv2), as given.
    public let deltaA: [Double]
    public let deltaB: [Double]
    /// Each image's rank in space A and in space B, 1 = worst.
    public let rankA: [Int]
    public let rankB: [Int]
    /// Each image's `rankB / N - rankA / N`.
    public let disagreement: [Double]

    /// Ranks both spaces. `deltaA` and `deltaB` hold one value per image, in the same order.
    public init(deltaA: [Double], deltaB: [Double]) {
        precondition(deltaA.count == deltaB.count, "RankComparison: \(deltaA.count) Δs in space A, \(deltaB.count) in space B")
        self.deltaA = deltaA
        self.deltaB = deltaB
        rankA = Self.worstFirstRanks(deltaA)
        rankB = Self.worstFirstRanks(deltaB)
        let n = Double(deltaA.count)
        disagreement = zip(rankA, rankB).map { a, b in Double(b - a) / n }
    }

    public var count: Int { deltaA.count }

    /// The images the two spaces disagree on most: `fidOnly`, up to `k` images with a positive
    /// disagreement, largest first (FID ranks them much worse than space B); `otherOnly`, up to
    /// `k` with a negative one, most negative first. Equal disagreements go in index order.
    /// Images whose Δ is not finite in either space are in neither list (their rank only says
    /// "last"), and no image is in both (the signs differ).
    public func mostDisagreeing(_ k: Int) -> (fidOnly: [Int], otherOnly: [Int]) {
        precondition(k >= 0, "mostDisagreeing: k = \(k)")
        let candidates = (0 ..< count).filter { deltaA[$0].isFinite && deltaB[$0].isFinite }
        let fidOnly = candidates.filter { disagreement[$0] > 0 }
            .sorted { disagreement[$0] != disagreement[$1] ? disagreement[$0] > disagreement[$1] : $0 < $1 }
        let otherOnly = candidates.filter { disagreement[$0] < 0 }
            .sorted { disagreement[$0] != disagreement[$1] ? disagreement[$0] < disagreement[$1] : $0 < $1 }
        return (Array(fidOnly.prefix(k)), Array(otherOnly.prefix(k)))
    }

    /// Spearman's rho between the two spaces' Δs (`RankCorrelation.spearman`: average ranks,
    /// non-finite pairs left out), not between `rankA` and `rankB`, whose ties are broken.
    public var spearman: Double { RankCorrelation.spearman(deltaA, deltaB) }

    /// 1-based ranks, largest finite value first, non-finite values last, ties in index order.
    static func worstFirstRanks(_ deltas: [Double]) -> [Int] {
        let order = deltas.indices.sorted { i, j in
            let x = deltas[i], y = deltas[j]
            switch (x.isFinite, y.isFinite) {
            case (true, false): return true
            case (false, true): return false
            case (true, true) where x != y: return x > y
            default: return i < j
            }
        }
        var ranks = [Int](repeating: 0, count: deltas.count)
        for (position, index) in order.enumerated() { ranks[index] = position + 1 }
        return ranks
    }
}
