import InceptionGraph

// MARK: - Which classes drive FID

/// The images of one Top-1 class and what they do to FID together: the sum and mean of their
/// ΔFID. A class whose images raise FID most is where the generated set differs most from the
/// reference, in the network's eyes.
public struct ClassContribution: Equatable, Sendable {
    public let index: Int
    public let label: String
    /// Images whose Top-1 class this is.
    public let count: Int
    /// Sum of their ΔFID (non-finite values left out).
    public let deltaFIDSum: Double
    public var deltaFIDMean: Double { count > 0 ? deltaFIDSum / Double(count) : 0 }
    /// Position in the ranked rows of the class's worst image (largest ΔFID).
    public let worstRow: Int

    /// One entry per Top-1 class present in `ranked` (rows in the report's order), largest
    /// ΔFID sum first; equal sums by class index. Rows without a class (no logits) are in none.
    public static func aggregate(_ ranked: [ImageRow]) -> [ClassContribution] {
        var counts: [Int: (count: Int, sum: Double, worst: Int)] = [:]
        for (position, row) in ranked.enumerated() {
            guard let top1 = row.top1 else { continue }
            var entry = counts[top1.index] ?? (0, 0, position)
            entry.count += 1
            if row.ranking.delta.isFinite { entry.sum += row.ranking.delta }
            counts[top1.index] = entry
        }
        return counts.map { index, entry in
            ClassContribution(index: index, label: ImageNetLabels.label(index), count: entry.count,
                              deltaFIDSum: entry.sum, worstRow: entry.worst)
        }.sorted { $0.deltaFIDSum != $1.deltaFIDSum ? $0.deltaFIDSum > $1.deltaFIDSum : $0.index < $1.index }
    }

    var json: JSONValue {
        .object(["index": .int(index), "label": .string(label), "count": .int(count),
                 "delta_fid_sum": .number(deltaFIDSum), "delta_fid_mean": .number(deltaFIDMean)])
    }
}
