import Foundation

// MARK: - Numbers over a sequence of runs, with their intervals

/// A line chart over categories in a given order (e.g. checkpoints in training order): one line
/// per series with a point at each category, and where a series has an interval there, a
/// translucent band between neighbouring intervals and a whisker at the point. The y axis spans
/// every finite value and interval end, padded by 8%, with five labelled ticks; the legend names
/// each series in its colour. A value that is nil or not finite leaves a gap in its line.
public enum IntervalLineChart {
    public struct Series: Sendable {
        public var name: String
        public var color: RGBColor
        /// One value per category.
        public var values: [Double?]
        /// One interval per category (nil: none there).
        public var intervals: [ClosedRange<Double>?]

        public init(name: String, color: RGBColor, values: [Double?], intervals: [ClosedRange<Double>?]) {
            precondition(values.count == intervals.count,
                         "IntervalLineChart.Series \(name): \(values.count) values, \(intervals.count) intervals")
            (self.name, self.color, self.values, self.intervals) = (name, color, values, intervals)
        }
    }

    /// Where the chart drew things, for tests.
    public struct Layout: Equatable, Sendable {
        /// The x pixel of each category.
        public var categoryX: [Double]
        /// The y pixel of a value.
        public var yRange: ClosedRange<Double>
        /// The values at the plot's bottom and top edges.
        public var valueRange: ClosedRange<Double>

        public func y(_ value: Double) -> Double {
            yRange.upperBound - (value - valueRange.lowerBound) / (valueRange.upperBound - valueRange.lowerBound)
                * (yRange.upperBound - yRange.lowerBound)
        }
    }

    public static func renderPNG(categories: [String], series: [Series], title: String, axisLabel: String,
                                 width: Int = 960, height: Int = 420, style: FigureStyle = FigureStyle()) throws
        -> (png: [UInt8], layout: Layout) {
        precondition(width >= 320 && height >= 200, "IntervalLineChart needs at least 320x200, got \(width)x\(height)")
        precondition(!categories.isEmpty && series.allSatisfy { $0.values.count == categories.count },
                     "IntervalLineChart: \(categories.count) categories")
        let canvas = try CairoCanvas(width: width, height: height)
        let measure = try CairoCanvas(width: 1, height: 1)
        let families = TextRenderer(canvas: measure, families: style.fontFamilies, forceBitmapFont: style.forceBitmapFont)
        let pen = TextRenderer(canvas: canvas, families: families.family.map { [$0] } ?? [],
                               forceBitmapFont: families.usesBitmapFont)
        let titleStyle = TextStyle(size: 17, bold: true)
        let body = TextStyle(size: 13)
        let small = TextStyle(size: 12, color: RGBColor(hex: 0x444444))
        let margin = 20.0
        pen.draw(title, x: margin, baseline: margin + pen.ascent(titleStyle), titleStyle)

        // The legend, one row under the title.
        var legendX = margin
        let legendBaseline = margin + pen.lineHeight(titleStyle) + 4 + pen.ascent(body)
        for s in series {
            canvas.fillRect(x: legendX, y: legendBaseline - pen.ascent(body) / 2 - 2, width: 18, height: 4, color: s.color)
            pen.draw(s.name, x: legendX + 24, baseline: legendBaseline, body)
            legendX += 24 + pen.width(s.name, body) + 22
        }

        let ends = series.flatMap { s in
            s.values.compactMap { $0 }.filter(\.isFinite)
                + s.intervals.compactMap { $0 }.flatMap { [$0.lowerBound, $0.upperBound] }.filter(\.isFinite)
        }
        var low = ends.min() ?? 0, high = ends.max() ?? 1
        if high <= low { (low, high) = (low - max(abs(low), 1) * 0.5, high + max(abs(high), 1) * 0.5) }
        let pad = 0.08 * (high - low)
        let valueRange = (low - pad)...(high + pad)
        let ticks = (0...4).map { valueRange.lowerBound + (valueRange.upperBound - valueRange.lowerBound) * Double($0) / 4 }
        let tickWidth = ticks.map { pen.width(NumberText.short($0), small) }.max() ?? 0
        let plotX = margin + pen.lineHeight(small) + 6 + tickWidth + 8
        let plotTop = legendBaseline + pen.descent(body) + pen.lineHeight(small) + 12
        let plotBottom = Double(height) - margin - pen.lineHeight(body) - 6
        let plotRight = Double(width) - margin
        let spacing = (plotRight - plotX) / Double(categories.count)
        let layout = Layout(categoryX: categories.indices.map { plotX + spacing * (Double($0) + 0.5) },
                            yRange: plotTop...plotBottom, valueRange: valueRange)

        // Axes, grid and labels.
        let grey = RGBColor(hex: 0x888888)
        for tick in ticks {
            let y = layout.y(tick).rounded()
            canvas.fillRect(x: plotX, y: y, width: plotRight - plotX, height: 1, color: RGBColor(hex: 0xE4E7EA))
            pen.drawRightAligned(NumberText.short(tick), rightX: plotX - 6, baseline: y + pen.ascent(small) / 2, small)
        }
        canvas.fillRect(x: plotX, y: plotBottom, width: plotRight - plotX, height: 1, color: grey)
        canvas.fillRect(x: plotX - 1, y: plotTop, width: 1, height: plotBottom - plotTop, color: grey)
        for (k, name) in categories.enumerated() {
            let label = pen.ellipsised(name, maxWidth: spacing - 6, body)
            pen.drawCentered(label, centerX: layout.categoryX[k], baseline: plotBottom + 6 + pen.ascent(body), body)
        }
        pen.draw(axisLabel, x: margin, baseline: plotTop - 4, small)

        // Bands first (under every line), then whiskers, lines and points.
        for s in series {
            for k in 0..<max(categories.count - 1, 0) {
                guard let left = s.intervals[k], let right = s.intervals[k + 1] else { continue }
                let (x0, x1) = (layout.categoryX[k], layout.categoryX[k + 1])
                canvas.fillPolygon([(x0, layout.y(left.upperBound)), (x1, layout.y(right.upperBound)),
                                    (x1, layout.y(right.lowerBound)), (x0, layout.y(left.lowerBound))],
                                   color: s.color, alpha: 0.16)
            }
        }
        for s in series {
            for (k, interval) in s.intervals.enumerated() {
                guard let interval else { continue }
                let x = layout.categoryX[k]
                let (top, bottom) = (layout.y(interval.upperBound), layout.y(interval.lowerBound))
                canvas.strokePolyline([(x, top), (x, bottom)], color: s.color, width: 1.5)
                canvas.strokePolyline([(x - 5, top), (x + 5, top)], color: s.color, width: 1.5)
                canvas.strokePolyline([(x - 5, bottom), (x + 5, bottom)], color: s.color, width: 1.5)
            }
            var run: [(x: Double, y: Double)] = []
            for (k, value) in s.values.enumerated() {
                if let value, value.isFinite {
                    run.append((layout.categoryX[k], layout.y(value)))
                } else {
                    canvas.strokePolyline(run, color: s.color, width: 2.5)
                    run = []
                }
            }
            canvas.strokePolyline(run, color: s.color, width: 2.5)
            for (k, value) in s.values.enumerated() {
                guard let value, value.isFinite else { continue }
                canvas.fillCircle(x: layout.categoryX[k], y: layout.y(value), radius: 4, color: s.color)
            }
        }
        return (try canvas.pngBytes(), layout)
    }
}
