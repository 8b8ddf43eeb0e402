import Foundation

// MARK: - A few labelled numbers side by side

/// A horizontal bar chart of a few labelled values (e.g. FID before and after each class
/// matching): one row per bar, its label on the left, the bar from 0 and its value printed
/// after it (with `valueSuffix`, e.g. "%"). Values that are not finite get no bar and read "n/a".
public enum BarChart {
    /// One row of the chart.
    public typealias Bar = (label: String, value: Double, color: RGBColor)

    public static func renderPNG(_ bars: [Bar], title: String, digits: Int = 2, valueSuffix: String = "",
                                 width: Int = 960, style: FigureStyle = FigureStyle()) throws -> [UInt8] {
        precondition(width >= 320, "BarChart needs width >= 320, got \(width)")
        let measure = try CairoCanvas(width: 1, height: 1)
        let text = TextRenderer(canvas: measure, families: style.fontFamilies, forceBitmapFont: style.forceBitmapFont)
        let titleStyle = TextStyle(size: 17, bold: true)
        let body = TextStyle(size: 14)
        let small = TextStyle(size: 12, color: RGBColor(hex: 0x444444))
        let margin = 20.0

        let labels = bars.map { text.ellipsised($0.label, maxWidth: Double(width) * 0.4, body) }
        let labelWidth = (labels.map { text.width($0, body) }.max() ?? 0).rounded(.up)
        let values = bars.map { $0.value.isFinite ? NumberText.fixed($0.value, digits: digits) + valueSuffix : "n/a" }
        let valueRoom = (values.map { text.width($0, small) }.max() ?? 0) + 10
        let plotX = margin + labelWidth + 10
        let plotWidth = max(60, Double(width) - plotX - valueRoom - margin)
        let rowHeight = 26.0
        let plotTop = margin + text.lineHeight(titleStyle) + 10
        let height = Int((plotTop + Double(max(bars.count, 1)) * rowHeight + margin).rounded(.up))

        let canvas = try CairoCanvas(width: width, height: height)
        let pen = TextRenderer(canvas: canvas, families: text.family.map { [$0] } ?? [], forceBitmapFont: text.usesBitmapFont)
        pen.draw(title, x: margin, baseline: margin + pen.ascent(titleStyle), titleStyle)
        let largest = bars.map(\.value).filter(\.isFinite).map { max($0, 0) }.max() ?? 0
        let scale = largest > 0 ? plotWidth / largest : 0
        canvas.fillRect(x: plotX, y: plotTop - 2, width: 1, height: Double(bars.count) * rowHeight,
                        color: RGBColor(hex: 0x888888))
        for (i, bar) in bars.enumerated() {
            let top = plotTop + Double(i) * rowHeight
            let baseline = top + rowHeight / 2 + pen.ascent(body) / 2 - 2
            pen.drawRightAligned(labels[i], rightX: plotX - 10, baseline: baseline, body)
            let length = bar.value.isFinite ? (max(bar.value, 0) * scale).rounded() : 0
            if length > 0 {
                canvas.fillRect(x: plotX + 1, y: top + 4, width: length, height: rowHeight - 8, color: bar.color)
            }
            pen.draw(values[i], x: plotX + 1 + length + 6, baseline: baseline, small)
        }
        return try canvas.pngBytes()
    }
}
