import UntrustedInput

// MARK: - People's scores matched to a run's images

/// People's scores of a run's images (`HumanScores.match`), with everything that did not pair
/// up: CSV rows that name no image, images no row names, and dgm-eval rows without guesses.
public struct HumanMatch: Equatable, Sendable {
    /// The images' paths, as the run lists them.
    public let imageFiles: [String]
    /// Each image's score, nil when no CSV row names it.
    public let scores: [Double?]
    /// CSV names that match no image, in file order.
    public let unmatchedRows: [String]
    /// dgm-eval rows with `number_guesses` 0, skipped before matching.
    public let skippedNoGuesses: Int

    public init(imageFiles: [String], scores: [Double?], unmatchedRows: [String], skippedNoGuesses: Int) {
        precondition(imageFiles.count == scores.count, "HumanMatch: \(imageFiles.count) images, \(scores.count) scores")
        self.imageFiles = imageFiles
        self.scores = scores
        self.unmatchedRows = unmatchedRows
        self.skippedNoGuesses = skippedNoGuesses
    }

    /// Images no CSV row scores, in the run's order.
    public var unscoredImages: [String] {
        zip(imageFiles, scores).filter { $0.1 == nil }.map(\.0)
    }

    /// How many images have a score.
    public var scoredCount: Int { scores.lazy.filter { $0 != nil }.count }

    /// Spearman's rho of each scored image's `values` (one per image, such as its ΔFID) with its
    /// score, and its bootstrap interval, over the scored images in the run's order. Positive:
    /// the images the metric punishes more are the ones more people judged fake.
    public func spearman(with values: [Double], resamples: Int = 1000, level: Double = 0.95,
                         seed: UInt64 = 0) -> SpearmanEstimate {
        let (x, y) = scoredPairs(values)
        return SpearmanEstimate(x, y, resamples: resamples, level: level, seed: seed)
    }

    /// Each scored image's entry of `values` (one per image) and its score, in the run's order.
    public func scoredPairs(_ values: [Double]) -> (values: [Double], scores: [Double]) {
        precondition(values.count == scores.count, "HumanMatch: \(values.count) values for \(scores.count) images")
        var x: [Double] = [], y: [Double] = []
        for (value, score) in zip(values, scores) {
            guard let score else { continue }
            x.append(value)
            y.append(score)
        }
        return (x, y)
    }

    /// One line for the command line, naming up to `shown` of the names on each side:
    /// "human scores: 180 of 200 images scored; 3 CSV rows match no image (first: a.png, b.png,
    /// c.png); 20 images have no score (first: ...); 4 rows with number_guesses 0 skipped".
    /// Parts with nothing to report are left out.
    public func summary(shown: Int = 3) -> String {
        var parts = ["human scores: \(scoredCount) of \(imageFiles.count) images scored"]
        let unscored = unscoredImages
        if !unmatchedRows.isEmpty {
            parts.append("\(Self.count(unmatchedRows.count, "CSV row", "CSV rows")) "
                + "\(unmatchedRows.count == 1 ? "matches" : "match") no image (\(Self.names(unmatchedRows, shown)))")
        }
        if !unscored.isEmpty {
            parts.append("\(Self.count(unscored.count, "image", "images")) "
                + "\(unscored.count == 1 ? "has" : "have") no score (\(Self.names(unscored, shown)))")
        }
        if skippedNoGuesses > 0 {
            parts.append("\(Self.count(skippedNoGuesses, "row", "rows")) with number_guesses 0 skipped")
        }
        return parts.joined(separator: "; ")
    }

    private static func count(_ n: Int, _ one: String, _ many: String) -> String {
        "\(n) \(n == 1 ? one : many)"
    }

    /// "first: a, b, c, ..." (or all of them when there are at most `shown`).
    private static func names(_ names: [String], _ shown: Int) -> String {
        let quoted = names.prefix(shown).map { UntrustedText.printable($0) }.joined(separator: ", ")
        return names.count > shown ? "first: \(quoted), ..." : quoted
    }
}
