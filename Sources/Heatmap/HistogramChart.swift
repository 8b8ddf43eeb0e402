import Foundation

// MARK: - The distribution of one number over many items

/// A vertical histogram of many values (e.g. every image's ΔFID): `binCount` equal bins over
/// the range that holds all but the most extreme 0.5% at each end, so that a few outliers do
/// not squeeze everything into one bar; values beyond that range are counted in the first or
/// last bin, whose labels then read "≤" or "≥". Bars right of 0 are drawn in the "worse"
/// colour, bars left of 0 in the "better" colour, and a line marks 0 when it is in range.
/// Values that are not finite are left out and counted in the subtitle.
public enum HistogramChart {
    static let worseColor = RGBColor(hex: 0xC0392B)
    static let betterColor = RGBColor(hex: 0x2E8B57)
    static let neutralColor = RGBColor(hex: 0x7F8C8D)

    /// The bins: their edges (binCount + 1 of them), their counts, and whether the first and
    /// last bin also hold values beyond the range.
    public struct Bins: Equatable, Sendable {
        public var edges: [Double]
        public var counts: [Int]
        public var clippedBelow: Bool
        public var clippedAbove: Bool
        public var nonFinite: Int
    }

    /// Bins `values` (see the type's description). With no finite value, there are no bins.
    public static func bins(_ values: [Double], binCount: Int = 40) -> Bins {
        precondition(binCount > 0, "HistogramChart: binCount must be positive, got \(binCount)")
        let finite = values.filter(\.isFinite).sorted()
        let nonFinite = values.count - finite.count
        guard let first = finite.first, let last = finite.last else {
            return Bins(edges: [], counts: [], clippedBelow: false, clippedAbove: false, nonFinite: nonFinite)
        }
        let cut = finite.count / 200
        var lo = finite[cut], hi = finite[finite.count - 1 - cut]
        if hi <= lo { (lo, hi) = (first, last) }
        if hi <= lo { (lo, hi) = (lo - max(abs(lo), 1) * 0.5, hi + max(abs(hi), 1) * 0.5) }
        let width = (hi - lo) / Double(binCount)
        var counts = [Int](repeating: 0, count: binCount)
        for v in finite {
            counts[min(binCount - 1, max(0, Int(((v - lo) / width).rounded(.down))))] += 1
        }
        return Bins(edges: (0...binCount).map { lo + Double($0) * width }, counts: counts,
                    clippedBelow: first < lo, clippedAbove: last > hi, nonFinite: nonFinite)
    }

    public static func renderPNG(_ values: [Double], title: String, axisLabel: String, binCount: Int = 40,
                                 width: Int = 960, height: Int = 300, style: FigureStyle = FigureStyle()) throws
        -> [UInt8] {
        precondition(width >= 320 && height >= 160, "HistogramChart needs at least 320x160, got \(width)x\(height)")
        let bins = self.bins(values, binCount: binCount)
        let measure = try CairoCanvas(width: 1, height: 1)
        let text = TextRenderer(canvas: measure, families: style.fontFamilies, forceBitmapFont: style.forceBitmapFont)
        let titleStyle = TextStyle(size: 17, bold: true)
        let small = TextStyle(size: 12, color: RGBColor(hex: 0x444444))
        let margin = 20.0

        let canvas = try CairoCanvas(width: width, height: height)
        let pen = TextRenderer(canvas: canvas, families: text.family.map { [$0] } ?? [], forceBitmapFont: text.usesBitmapFont)
        pen.draw(title, x: margin, baseline: margin + pen.ascent(titleStyle), titleStyle)
        var subtitle = "\(values.count - bins.nonFinite) values"
        if bins.nonFinite > 0 { subtitle += ", \(bins.nonFinite) not finite (left out)" }
        let subtitleBaseline = margin + pen.lineHeight(titleStyle) + 2 + pen.ascent(small)
        pen.draw(subtitle, x: margin, baseline: subtitleBaseline, small)

        let maxCount = bins.counts.max() ?? 0
        let countLabel = "\(maxCount)"
        let plotX = margin + pen.width(countLabel, small) + 8
        let plotTop = subtitleBaseline + pen.descent(small) + 12
        let plotBottom = Double(height) - margin - 2 * pen.lineHeight(small) - 4
        let plotWidth = Double(width) - plotX - margin
        let plotHeight = max(20, plotBottom - plotTop)
        canvas.fillRect(x: plotX, y: plotBottom, width: plotWidth, height: 1, color: RGBColor(hex: 0x888888))
        canvas.fillRect(x: plotX - 1, y: plotTop, width: 1, height: plotHeight, color: RGBColor(hex: 0x888888))
        pen.drawRightAligned(countLabel, rightX: plotX - 5, baseline: plotTop + pen.ascent(small), small)
        pen.drawRightAligned("0", rightX: plotX - 5, baseline: plotBottom, small)
        guard let lo = bins.edges.first, let hi = bins.edges.last, maxCount > 0 else {
            pen.draw("no finite values", x: plotX + 8, baseline: plotTop + pen.ascent(small) + 4, small)
            return try canvas.pngBytes()
        }

        let barWidth = plotWidth / Double(bins.counts.count)
        for (i, count) in bins.counts.enumerated() where count > 0 {
            let barHeight = max(1, (plotHeight * Double(count) / Double(maxCount)).rounded())
            let center = (bins.edges[i] + bins.edges[i + 1]) / 2
            let color = center > 0 ? worseColor : (center < 0 ? betterColor : neutralColor)
            canvas.fillRect(x: plotX + Double(i) * barWidth + 0.5, y: plotBottom - barHeight,
                            width: max(1, barWidth - 1), height: barHeight, color: color)
        }
        func xPosition(_ v: Double) -> Double { plotX + plotWidth * (v - lo) / (hi - lo) }
        if lo < 0 && hi > 0 {
            canvas.fillRect(x: xPosition(0).rounded(), y: plotTop, width: 1, height: plotHeight, color: .black)
        }
        let tickBaseline = plotBottom + 4 + pen.ascent(small)
        for q in 0...4 {
            let v = lo + (hi - lo) * Double(q) / 4
            var label = NumberText.short(v)
            if q == 0 && bins.clippedBelow { label = "≤ " + label }
            if q == 4 && bins.clippedAbove { label = "≥ " + label }
            let x = xPosition(v)
            canvas.fillRect(x: x.rounded(), y: plotBottom, width: 1, height: 4, color: RGBColor(hex: 0x888888))
            switch q {
            case 0: pen.draw(label, x: x, baseline: tickBaseline, small)
            case 4: pen.drawRightAligned(label, rightX: x, baseline: tickBaseline, small)
            default: pen.drawCentered(label, centerX: x, baseline: tickBaseline, small)
            }
        }
        pen.drawCentered(axisLabel, centerX: plotX + plotWidth / 2, baseline: tickBaseline + pen.lineHeight(small) + 2, small)
        return try canvas.pngBytes()
    }
}
