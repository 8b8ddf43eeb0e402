import Foundation

// MARK: - Two numbers of many items, one dot each

/// A scatter chart of two numbers per item (e.g. every image's ΔFID / FID against its
/// ΔFD_DINOv2 / FD_DINOv2): one dot per item, axes with tidy ticks and light gridlines, a
/// darker line where each axis crosses 0, a title line (with, e.g., the rank correlation) and
/// a note line counting the points. Up to two `Highlight` groups are drawn on top, each in its
/// own colour, and named in a legend.
///
/// Each axis spans all finite values plus 5% on either side, so outliers stay in view; when all
/// values of an axis are equal, the axis is centred on that value. Points with a coordinate
/// that is not finite are left out and counted in the note. Dots shrink and turn translucent as
/// the number of points grows (radius 4 px and opaque-ish for a few dozen, 1.2 px at 12% opacity
/// for tens of thousands), so dense regions read darker instead of as one blot.
public enum ScatterChart {
    /// Items drawn on top in their own colour and named in the legend, e.g. "FID-only
    /// offenders" (indices into the chart's points).
    public struct Highlight: Sendable {
        public var label: String
        public var indices: [Int]

        public init(label: String, indices: [Int]) {
            self.label = label
            self.indices = indices
        }
    }

    static let pointColor = RGBColor(hex: 0x5D6D7E)
    /// Colours of the first and second highlight: orange and blue, told apart by colour-blind
    /// readers too.
    static let highlightColors = [RGBColor(hex: 0xE66100), RGBColor(hex: 0x2F6FD6)]
    static let axisColor = RGBColor(hex: 0x888888)
    static let gridColor = RGBColor(hex: 0xECECEC)
    static let zeroColor = RGBColor(hex: 0x444444)
    static let highlightRadius = 4.5

    /// `xs[i]`, `ys[i]` is point i; `highlights` holds at most two groups. `correlation` (e.g.
    /// "Spearman ρ = 0.42") follows the title on its line, or opens the note line when the
    /// title line has no room for it.
    public static func renderPNG(
        xs: [Double], ys: [Double], title: String, correlation: String? = nil, xLabel: String, yLabel: String,
        highlights: [Highlight] = [], width: Int = 900, height: Int = 620, style: FigureStyle = FigureStyle()
    ) throws -> [UInt8] {
        try render(xs: xs, ys: ys, title: title, correlation: correlation, xLabel: xLabel, yLabel: yLabel,
                   highlights: highlights, width: width, height: height, style: style).png
    }

    // MARK: - Geometry

    /// Where the data went: the plot rectangle in canvas pixels and the value range of each axis.
    struct Frame: Equatable {
        var left: Double
        var top: Double
        var width: Double
        var height: Double
        var x: Axis
        var y: Axis

        /// The canvas position of the value pair (`x`, `y`); y grows downwards on the canvas.
        func position(x vx: Double, y vy: Double) -> (x: Double, y: Double) {
            (left + width * (vx - x.lo) / (x.hi - x.lo), top + height * (1 - (vy - y.lo) / (y.hi - y.lo)))
        }
    }

    /// One axis: its range (lo < hi) and its ticks, each a multiple of `step` inside the range.
    struct Axis: Equatable {
        var lo: Double
        var hi: Double
        var step: Double
        var ticks: [Double]

        /// The axis of `values`: all finite ones plus 5% either side; around a single value v,
        /// v ± |v|/2 (± 1 for 0); -1...1 when there is none. Ticks are the smallest of 1, 2, 2.5
        /// and 5 x 10^k apart that gives at most `maxTicks` steps over the range, each an integer
        /// times the step so that 0 is exactly 0.
        init(_ values: [Double], maxTicks: Int = 6) {
            let finite = values.filter(\.isFinite)
            var (lo, hi) = (-1.0, 1.0)
            if let min = finite.min(), let max = finite.max() {
                let pad = max > min ? (max - min) * 0.05 : (min == 0 ? 1 : abs(min) / 2)
                (lo, hi) = (min - pad, max + pad)
            }
            let rough = (hi - lo) / Double(Swift.max(1, maxTicks))
            let decade = pow(10, log10(rough).rounded(.down))
            let step = [1.0, 2.0, 2.5, 5.0].map { $0 * decade }.first { $0 >= rough * (1 - 1e-9) } ?? 10 * decade
            let first = (lo / step).rounded(.up), last = (hi / step).rounded(.down)
            self.lo = lo
            self.hi = hi
            self.step = step
            self.ticks = first <= last ? (Int(first)...Int(last)).map { Double($0) * step } : []
        }

        /// A tick's label with the digits the step needs: fixed decimals for moderate numbers
        /// ("0.005", "0.0025", "-20"), significant digits in exponent form otherwise ("1.2e-05").
        func label(_ v: Double) -> String {
            if v == 0 { return "0" }
            let decimals = (0...15).first { d in
                let scaled = step * pow(10, Double(d))
                return abs(scaled - scaled.rounded()) <= 1e-6 * scaled
            } ?? 15
            let magnitude = max(abs(lo), abs(hi))
            if magnitude < 1e5 && decimals <= 4 { return String(format: "%.\(decimals)f", v) }
            let digits = Int(log10(magnitude).rounded(.down)) + decimals + 1
            return String(format: "%.\(min(max(digits, 1), 8))g", v)
        }
    }

    /// Dot radius in pixels and opacity for `count` points.
    static func dotLook(count: Int) -> (radius: Double, alpha: Double) {
        let n = Double(max(1, count))
        return (min(4, max(1.2, 9 / pow(n, 0.25))), min(0.85, max(0.12, 20 / n.squareRoot())))
    }

    // MARK: - Drawing

    static func render(
        xs: [Double], ys: [Double], title: String, correlation: String?, xLabel: String, yLabel: String,
        highlights: [Highlight], width: Int, height: Int, style: FigureStyle
    ) throws -> (png: [UInt8], frame: Frame) {
        precondition(xs.count == ys.count, "ScatterChart: \(xs.count) x values but \(ys.count) y values")
        precondition(highlights.count <= highlightColors.count,
                     "ScatterChart: at most \(highlightColors.count) highlight groups, got \(highlights.count)")
        for group in highlights {
            precondition(group.indices.allSatisfy { xs.indices.contains($0) },
                         "ScatterChart: highlight '\(group.label)' has an index outside 0..<\(xs.count)")
        }
        precondition(width >= 320 && height >= 240, "ScatterChart needs at least 320x240, got \(width)x\(height)")
        let shown = xs.indices.filter { xs[$0].isFinite && ys[$0].isFinite }
        let canvas = try CairoCanvas(width: width, height: height)
        let pen = TextRenderer(canvas: canvas, families: style.fontFamilies, forceBitmapFont: style.forceBitmapFont)
        let titleStyle = TextStyle(size: 17, bold: true)
        let body = TextStyle(size: 14)
        let small = TextStyle(size: 12, color: RGBColor(hex: 0x444444))
        let margin = 20.0
        let right = Double(width) - margin

        // Title line, note line, legend.
        let titleBaseline = margin + pen.ascent(titleStyle)
        let titleText = pen.ellipsised(title, maxWidth: right - margin, titleStyle)
        pen.draw(titleText, x: margin, baseline: titleBaseline, titleStyle)
        var note: [String] = []
        if let correlation {
            let x = margin + pen.width(titleText, titleStyle) + 18
            if x + pen.width(correlation, body) <= right {
                pen.draw(correlation, x: x, baseline: titleBaseline, body)
            } else {
                note.append(correlation)
            }
        }
        note.append(shown.count == xs.count ? "\(xs.count) points"
                    : "\(shown.count) of \(xs.count) points; \(xs.count - shown.count) not finite (left out)")
        var lineBaseline = titleBaseline + pen.lineHeight(titleStyle) - pen.ascent(titleStyle) + 4 + pen.ascent(small)
        pen.draw(pen.ellipsised(note.joined(separator: "   "), maxWidth: right - margin, small),
                 x: margin, baseline: lineBaseline, small)
        if !highlights.isEmpty {
            lineBaseline += pen.lineHeight(small) + 2
            var legendX = margin
            for (group, color) in zip(highlights, highlightColors) {
                let name = "\(group.label) (\(group.indices.count))"
                canvas.fillCircle(cx: legendX + highlightRadius, cy: lineBaseline - pen.ascent(small) * 0.35,
                                  radius: highlightRadius, color: color)
                pen.draw(name, x: legendX + 2 * highlightRadius + 6, baseline: lineBaseline, small)
                legendX += 2 * highlightRadius + 6 + pen.width(name, small) + 24
            }
        }

        // Plot rectangle: y tick labels on the left, the y label above, x ticks and label below.
        let xAxis = Axis(shown.map { xs[$0] }), yAxis = Axis(shown.map { ys[$0] })
        let yLabelBaseline = lineBaseline + pen.lineHeight(small) + 8
        let tickRoom = (yAxis.ticks.map { pen.width(yAxis.label($0), small) }.max() ?? 0) + 8
        let left = (margin + tickRoom).rounded()
        let top = (yLabelBaseline + pen.descent(small) + 8).rounded()
        let bottom = (Double(height) - margin - 2 * pen.lineHeight(small) - 6).rounded()
        let frame = Frame(left: left, top: top, width: right - left, height: max(20, bottom - top), x: xAxis, y: yAxis)
        pen.draw(pen.ellipsised(yLabel, maxWidth: right - left, small), x: left, baseline: yLabelBaseline, small)
        drawAxes(on: canvas, pen: pen, frame: frame, style: small)
        pen.drawCentered(xLabel, centerX: left + frame.width / 2,
                         baseline: frame.top + frame.height + 6 + pen.ascent(small) + pen.lineHeight(small), small)

        // The points, clipped to the plot: the cloud first, then each highlight group on top.
        let plot = PixelRect(x: Int(left), y: Int(top), width: Int(frame.width) + 1, height: Int(frame.height) + 1)
        canvas.clipped(to: plot) {
            let look = dotLook(count: shown.count)
            for i in shown {
                let p = frame.position(x: xs[i], y: ys[i])
                canvas.fillCircle(cx: p.x, cy: p.y, radius: look.radius, color: pointColor, alpha: look.alpha)
            }
            for (group, color) in zip(highlights, highlightColors) {
                for i in group.indices where xs[i].isFinite && ys[i].isFinite {
                    let p = frame.position(x: xs[i], y: ys[i])
                    canvas.fillCircle(cx: p.x, cy: p.y, radius: highlightRadius + 1.5, color: .white)
                    canvas.fillCircle(cx: p.x, cy: p.y, radius: highlightRadius, color: color)
                }
            }
        }
        if shown.isEmpty {
            pen.draw("no finite points", x: left + 10, baseline: top + pen.ascent(small) + 8, small)
        }
        return (try canvas.pngBytes(), frame)
    }

    /// Gridlines and tick labels at each tick, the lines at 0 (over the gridlines) when 0 is in
    /// range, and the two axes along the left and bottom edges.
    private static func drawAxes(on canvas: CairoCanvas, pen: TextRenderer, frame: Frame, style: TextStyle) {
        let bottom = frame.top + frame.height
        var zeroLines: [(x: Double, y: Double, width: Double, height: Double)] = []
        for v in frame.x.ticks {
            let x = frame.position(x: v, y: frame.y.lo).x.rounded()
            let line = (x: x, y: frame.top, width: 1.0, height: frame.height)
            if v == 0 { zeroLines.append(line) }
            canvas.fillRect(x: line.x, y: line.y, width: line.width, height: line.height, color: gridColor)
            canvas.fillRect(x: x, y: bottom, width: 1, height: 4, color: axisColor)
            pen.drawCentered(frame.x.label(v), centerX: x, baseline: bottom + 6 + pen.ascent(style), style)
        }
        for v in frame.y.ticks {
            let y = frame.position(x: frame.x.lo, y: v).y.rounded()
            let line = (x: frame.left, y: y, width: frame.width, height: 1.0)
            if v == 0 { zeroLines.append(line) }
            canvas.fillRect(x: line.x, y: line.y, width: line.width, height: line.height, color: gridColor)
            canvas.fillRect(x: frame.left - 4, y: y, width: 4, height: 1, color: axisColor)
            pen.drawRightAligned(frame.y.label(v), rightX: frame.left - 7, baseline: y + pen.ascent(style) / 2 - 1, style)
        }
        for line in zeroLines {
            canvas.fillRect(x: line.x, y: line.y, width: line.width, height: line.height, color: zeroColor)
        }
        canvas.fillRect(x: frame.left - 1, y: frame.top, width: 1, height: frame.height + 1, color: axisColor)
        canvas.fillRect(x: frame.left - 1, y: bottom, width: frame.width + 1, height: 1, color: axisColor)
    }
}
