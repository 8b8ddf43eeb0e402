import CCairo

// MARK: - Input

/// How often one ImageNet class was the Top-1 prediction in each set.
public struct ClassCount: Equatable, Sendable {
    /// Class index in the network's output (0..<1008 for pytorch-fid's Inception).
    public var index: Int
    public var label: String
    public var generated: Int
    /// nil when the reference set's classifications are not known.
    public var reference: Int?
    /// The class's share of the generated set under image weights (e.g. after Top-1 matching),
    /// nil when there are none.
    public var weightedShare: Double?

    public init(index: Int, label: String, generated: Int, reference: Int? = nil, weightedShare: Double? = nil) {
        self.index = index
        self.label = label
        self.generated = generated
        self.reference = reference
        self.weightedShare = weightedShare
    }
}

/// Top-1 class counts of a generated and (optionally) a reference set. Bars show each
/// class's share of its own set, `count / total`, so sets of different sizes compare.
public struct ClassHistogram: Sendable {
    public var counts: [ClassCount]
    /// Number of images in the generated set (the denominator of its shares).
    public var generatedTotal: Int
    /// Number of images in the reference set, nil when no reference counts are given.
    public var referenceTotal: Int?
    public var title: String
    /// The legend of the weighted bars (`ClassCount.weightedShare`).
    public var weightedLabel: String

    public init(counts: [ClassCount], generatedTotal: Int, referenceTotal: Int? = nil,
                title: String = "Top-1 classes", weightedLabel: String = "generated, weighted") {
        self.counts = counts
        self.generatedTotal = generatedTotal
        self.referenceTotal = referenceTotal
        self.title = title
        self.weightedLabel = weightedLabel
    }

    /// The `limit` most frequent classes: ordered by the larger of the two shares (descending),
    /// ties by class index.
    public func mostFrequent(_ limit: Int) -> [ClassCount] {
        let sorted = counts.sorted { a, b in
            let sa = share(a), sb = share(b)
            return sa != sb ? sa > sb : a.index < b.index
        }
        return Array(sorted.prefix(max(0, limit)))
    }

    func generatedShare(_ c: ClassCount) -> Double {
        generatedTotal > 0 ? Double(c.generated) / Double(generatedTotal) : 0
    }

    func referenceShare(_ c: ClassCount) -> Double? {
        guard let r = c.reference, let total = referenceTotal else { return nil }
        return total > 0 ? Double(r) / Double(total) : 0
    }

    private func share(_ c: ClassCount) -> Double {
        max(generatedShare(c), referenceShare(c) ?? 0)
    }
}

// MARK: - Chart

/// A horizontal grouped bar chart of Top-1 class shares: one row per class (label on the
/// left, "#index label"), a generated bar and a reference bar, each annotated with
/// "count (share%)", a legend with the set sizes, and a light share axis.
public enum ClassHistogramChart {
    /// Colours of the two sets (matplotlib's tab:blue and tab:orange).
    static let generatedColor = RGBColor(hex: 0x1F77B4)
    static let referenceColor = RGBColor(hex: 0xFF7F0E)
    static let weightedColor = RGBColor(hex: 0x2CA02C)

    public static func renderPNG(
        _ histogram: ClassHistogram, maxClasses: Int = 20, width: Int = 960, style: FigureStyle = FigureStyle()
    ) throws -> [UInt8] {
        precondition(width >= 320, "ClassHistogramChart needs width >= 320, got \(width)")
        let rows = histogram.mostFrequent(maxClasses)
        let hasReference = histogram.referenceTotal != nil && rows.contains { $0.reference != nil }
        let hasWeighted = rows.contains { $0.weightedShare != nil }
        let barsPerRow = 1 + (hasReference ? 1 : 0) + (hasWeighted ? 1 : 0)

        let measure = try CairoCanvas(width: 1, height: 1)
        let text = TextRenderer(canvas: measure, families: style.fontFamilies, forceBitmapFont: style.forceBitmapFont)
        let fs = 14.0
        let body = TextStyle(size: fs)
        let small = TextStyle(size: 12, color: RGBColor(hex: 0x444444))
        let titleStyle = TextStyle(size: 17, bold: true)
        let margin = 20.0

        // Labels get at most 40% of the width; longer ones are shortened with an ellipsis.
        let labelLimit = Double(width) * 0.4
        let labels = rows.map { text.ellipsised("#\($0.index) \($0.label)", maxWidth: labelLimit, body) }
        let labelWidth = (labels.map { text.width($0, body) }.max() ?? 0).rounded(.up)
        let valueRoom = text.width("00000 (100.0%)", small) + 8
        let plotX = margin + labelWidth + 10
        let plotWidth = max(60, Double(width) - plotX - valueRoom - margin)

        let barHeight = 12.0
        let rowHeight = Double(barsPerRow) * (barHeight + 2) - 2 + 10
        let titleTop = margin
        let legendTop = titleTop + text.lineHeight(titleStyle) + 6
        let plotTop = legendTop + text.lineHeight(small) + 14
        let plotHeight = max(rowHeight, Double(rows.count) * rowHeight)
        let axisLabels = plotTop + plotHeight + 6
        let height = Int((axisLabels + text.lineHeight(small) + margin).rounded(.up))

        let canvas = try CairoCanvas(width: width, height: height)
        let pen = TextRenderer(canvas: canvas, families: text.family.map { [$0] } ?? [], forceBitmapFont: text.usesBitmapFont)

        pen.draw(histogram.title, x: margin, baseline: titleTop + pen.ascent(titleStyle), titleStyle)
        // Legend.
        var legendX = margin
        let legendBaseline = legendTop + pen.ascent(small)
        var entries = [("generated (N = \(histogram.generatedTotal))", generatedColor)]
        if hasReference, let total = histogram.referenceTotal {
            entries.append(("reference (N = \(total))", referenceColor))
        }
        if hasWeighted { entries.append((histogram.weightedLabel, weightedColor)) }
        for (name, color) in entries {
            canvas.fillRect(x: legendX, y: legendBaseline - 10, width: 12, height: 10, color: color)
            pen.draw(name, x: legendX + 17, baseline: legendBaseline, small)
            legendX += 17 + pen.width(name, small) + 24
        }

        // Axis: the largest share rounded up to a tidy value, gridlines at quarters.
        let maxShare = rows.map {
            max(histogram.generatedShare($0), histogram.referenceShare($0) ?? 0, $0.weightedShare ?? 0)
        }.max() ?? 0
        let axisMax = tidyCeiling(max(maxShare, 0.01))
        for q in 0...4 {
            let x = (plotX + plotWidth * Double(q) / 4).rounded() + 0.5
            canvas.fillRect(x: x - 0.5, y: plotTop - 4, width: 1, height: plotHeight + 4,
                            color: RGBColor(hex: q == 0 ? 0x888888 : 0xE3E3E3))
            let label = percent(axisMax * Double(q) / 4)
            pen.drawCentered(label, centerX: x, baseline: axisLabels + pen.ascent(small), small)
        }
        if rows.isEmpty {
            pen.draw("no classifications", x: plotX + 8, baseline: plotTop + pen.ascent(small) + 4, small)
        }

        for (i, row) in rows.enumerated() {
            let top = plotTop + Double(i) * rowHeight + 5
            let labelBaseline = top + (rowHeight - 10) / 2 + pen.ascent(body) / 2 - 1
            pen.drawRightAligned(labels[i], rightX: plotX - 10, baseline: labelBaseline, body)
            var bars: [(value: String, share: Double, color: RGBColor)] = [
                ("\(row.generated) (\(percent(histogram.generatedShare(row))))", histogram.generatedShare(row),
                 generatedColor)]
            if hasReference {
                let share = histogram.referenceShare(row) ?? 0
                bars.append((row.reference.map { "\($0) (\(percent(share)))" } ?? "n/a", share, referenceColor))
            }
            if hasWeighted {
                bars.append((row.weightedShare.map(percent) ?? "n/a", row.weightedShare ?? 0, weightedColor))
            }
            for (k, bar) in bars.enumerated() {
                let y = top + Double(k) * (barHeight + 2)
                let length = (plotWidth * bar.share / axisMax).rounded()
                if length > 0 {
                    canvas.fillRect(x: plotX + 1, y: y, width: length, height: barHeight, color: bar.color)
                }
                pen.draw(bar.value, x: plotX + 1 + length + 5,
                         baseline: y + barHeight / 2 + pen.ascent(small) / 2 - 1, small)
            }
        }
        return try canvas.pngBytes()
    }

    /// `share` as a percentage with one decimal ("12.5%").
    static func percent(_ share: Double) -> String {
        NumberText.fixed(share * 100, digits: 1) + "%"
    }

    /// The smallest of {1, 2, 2.5, 3, 4, 5, 6, 8} x 10^k that is >= x (x > 0), at most 1.
    static func tidyCeiling(_ x: Double) -> Double {
        var base = 1e-6
        while true {
            for m in [1.0, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0] where m * base >= x * (1 - 1e-12) {
                return min(1, m * base)
            }
            base *= 10
        }
    }
}
