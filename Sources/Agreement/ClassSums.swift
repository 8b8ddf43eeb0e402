// MARK: - Per-class sums of two spaces' Δs

/// Per class (an image's Top-1 class index), how many images and the sums of their Δ in space A
/// (FID) and space B (FD_DINOv2), so that the classes one space alone cares about stand out.
/// Images without a class (nil) are totalled apart, in `unclassified`. A non-finite Δ is
/// counted with its image but left out of its sum (as the report's class sums do).
public struct ClassSums: Equatable, Sendable {
    /// One group of images: their number and their Δ sums in the two spaces.
    public struct Totals: Equatable, Sendable {
        public var count: Int
        public var sumA: Double
        public var sumB: Double

        public init(count: Int = 0, sumA: Double = 0, sumB: Double = 0) {
            self.count = count
            self.sumA = sumA
            self.sumB = sumB
        }

        mutating func add(_ a: Double, _ b: Double) {
            count += 1
            if a.isFinite { sumA += a }
            if b.isFinite { sumB += b }
        }
    }

    /// Totals per class index present among the images.
    public let byClass: [Int: Totals]
    /// Totals of the images with no class.
    public let unclassified: Totals

    /// Sums per class: `classes`, `deltaA` and `deltaB` hold one entry per image, in the same
    /// order. Each sum adds in image order.
    public init(classes: [Int?], deltaA: [Double], deltaB: [Double]) {
        precondition(classes.count == deltaA.count && classes.count == deltaB.count,
                     "ClassSums: \(classes.count) classes, \(deltaA.count) Δs in space A, \(deltaB.count) in space B")
        var byClass: [Int: Totals] = [:]
        var unclassified = Totals()
        for (i, label) in classes.enumerated() {
            if let label {
                byClass[label, default: Totals()].add(deltaA[i], deltaB[i])
            } else {
                unclassified.add(deltaA[i], deltaB[i])
            }
        }
        self.byClass = byClass
        self.unclassified = unclassified
    }

    /// The class indices present, ascending.
    public var classIndices: [Int] { byClass.keys.sorted() }
}
