import Heatmap
import InceptionGraph

// MARK: - Top-1 classes as a chart

extension ClassHistogram {
    /// The Top-1 class histogram of generated images (`top1`, one class index each) against
    /// the reference's counts, with each class's weighted share when `weights` (one per image)
    /// are given. Classes absent from both sets are left out.
    static func top1(_ top1: [Int], reference: [Int64]?, weights: [Double]? = nil, title: String,
                     weightedLabel: String = "generated, weighted") -> ClassHistogram {
        let classes = reference?.count ?? InceptionArchitecture.classCount
        var generated = [Int](repeating: 0, count: classes)
        var weighted = [Double](repeating: 0, count: classes)
        for (i, c) in top1.enumerated() where c < classes {
            generated[c] += 1
            weighted[c] += weights?[i] ?? 0
        }
        let counts = (0 ..< classes).compactMap { index -> ClassCount? in
            let ref = reference.map { Int($0[index]) }
            guard generated[index] > 0 || (ref ?? 0) > 0 else { return nil }
            return ClassCount(index: index, label: ImageNetLabels.label(index), generated: generated[index], reference: ref,
                              weightedShare: weights == nil ? nil : weighted[index])
        }
        return ClassHistogram(counts: counts, generatedTotal: top1.count,
                              referenceTotal: reference.map { Int($0.reduce(0, +)) }, title: title,
                              weightedLabel: weightedLabel)
    }
}
