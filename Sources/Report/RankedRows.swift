import Agreement
import Frechet

// MARK: - Ranked once

/// The images two verdicts on the same set part on most, each way, as positions in the report's
/// rows: `aOnly` are the images verdict A ranks much worse than verdict B does (A's offenders
/// alone), largest gap first; `bOnly` the other way round (`RankComparison.mostDisagreeing`).
public struct Disagreements: Sendable, Equatable {
    public var aOnly: [Int]
    public var bOnly: [Int]

    public init(aOnly: [Int] = [], bOnly: [Int] = []) {
        self.aOnly = aOnly
        self.bOnly = bOnly
    }

    public var isEmpty: Bool { aOnly.isEmpty && bOnly.isEmpty }
}

/// A report's rows in the one order (`ImageRow.isWorse`) with the positions it explains, ranked
/// and selected once: phase 2 fills in the maps of `explained`, and the report writes the rows
/// as they are.
///
/// With two distance columns, each row also gets its rank in both spaces and its disagreement
/// (`RankComparison`, with A FID's column, or the first, and B the other), and the images the
/// two spaces part on most are selected; with people's scores (`ImageRow.humanScore`), the
/// images A and people part on most, among the scored ones.
public struct RankedRows: Sendable {
    public private(set) var rows: [ImageRow]
    /// The first `top` positions (largest Δ first).
    public let worst: [Int]
    /// The last `best` positions with a finite Δ that are not already in `worst`, most negative first.
    public let best: [Int]
    /// The columns compared, A and B (indices into each row's `distances`), when there are two;
    /// people's scores are compared with column A (or the only one).
    public let compared: (a: Int, b: Int)?
    /// Up to `disagreements` images each way that space A ranks much worse than space B
    /// (`aOnly`, "FID-only offenders") and the other way round (`bOnly`).
    public let spaceDisagreements: Disagreements
    /// Up to `disagreements` images each way, among those people scored, that space A ranks much
    /// worse than people do (`aOnly`), and that people rank much worse (judge fake more often)
    /// than space A does (`bOnly`).
    public let peopleDisagreements: Disagreements
    /// Whether people's scores were given (`--human`), even if they scored no image.
    public let hasHumanScores: Bool

    public init(_ rows: [ImageRow], top: Int, best: Int, disagreements: Int = 0, hasHumanScores: Bool = false) {
        var sorted = rows.sorted(by: ImageRow.isWorse)
        worst = Array(0 ..< min(max(top, 0), sorted.count))
        let finiteCount = sorted.prefix { $0.ranking.delta.isFinite }.count
        self.best = Array(stride(from: finiteCount - 1, through: worst.count, by: -1).prefix(max(best, 0)))
        self.hasHumanScores = hasHumanScores
        let k = max(disagreements, 0)
        let columns = sorted.first?.distances.map(\.space) ?? []
        let a = columns.firstIndex(of: .inceptionPool3) ?? 0
        if let b = columns.indices.first(where: { $0 != a }) {
            let comparison = RankComparison(deltaA: sorted.map { $0.distances[a].delta },
                                            deltaB: sorted.map { $0.distances[b].delta })
            for position in sorted.indices {
                sorted[position].distances[a].rank = comparison.rankA[position]
                sorted[position].distances[b].rank = comparison.rankB[position]
                sorted[position].disagreement = comparison.disagreement[position]
            }
            let parted = comparison.mostDisagreeing(k)
            compared = (a, b)
            spaceDisagreements = Disagreements(aOnly: parted.fidOnly, bOnly: parted.otherOnly)
        } else {
            compared = nil
            spaceDisagreements = Disagreements()
        }
        let scored = sorted.indices.filter { sorted[$0].humanScore != nil }
        if !scored.isEmpty, !columns.isEmpty {
            let comparison = RankComparison(deltaA: scored.map { sorted[$0].distances[a].delta },
                                            deltaB: scored.map { sorted[$0].humanScore! })
            let parted = comparison.mostDisagreeing(k)
            peopleDisagreements = Disagreements(aOnly: parted.fidOnly.map { scored[$0] },
                                                bOnly: parted.otherOnly.map { scored[$0] })
        } else {
            peopleDisagreements = Disagreements()
        }
        self.rows = sorted
    }

    /// The positions phase 2 explains: `worst`, `best`, then the disagreements (the spaces',
    /// then people's), each position once.
    public var explained: [Int] {
        var seen = Set<Int>()
        return (worst + best + spaceDisagreements.aOnly + spaceDisagreements.bOnly + peopleDisagreements.aOnly
            + peopleDisagreements.bOnly).filter { seen.insert($0).inserted }
    }

    public subscript(position: Int) -> ImageRow {
        get { rows[position] }
        set {
            precondition(newValue.file == rows[position].file, "RankedRows: row \(position) replaced by another image")
            rows[position] = newValue
        }
    }
}
