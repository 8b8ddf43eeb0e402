// MARK: - One map's ROAD curves

/// A small line chart of a map's ROAD curves (`IntervalLineChart`, 360 x 240): the target after
/// each removal step, most relevant pixels first (MoRF, red), least relevant first (LeRF, blue)
/// and in a random order (grey), over the percentage of pixels removed, 0, 10, ..., 90 (labels
/// without "%", which would not fit under ten points in 360 pixels).
public enum ROADChart {
    public static let morfColor = RGBColor(hex: 0xC8102E)
    public static let lerfColor = RGBColor(hex: 0x1F5FBF)
    public static let randomColor = RGBColor(hex: 0x8A8F96)

    public static func renderPNG(fractions: [Double], morf: [Double], lerf: [Double], random: [Double], title: String,
                                 axisLabel: String, style: FigureStyle = FigureStyle()) throws -> [UInt8] {
        func series(_ name: String, _ color: RGBColor, _ values: [Double]) -> IntervalLineChart.Series {
            IntervalLineChart.Series(name: name, color: color, values: values,
                                     intervals: [ClosedRange<Double>?](repeating: nil, count: values.count))
        }
        return try IntervalLineChart.renderPNG(
            categories: fractions.map { "\(Int(($0 * 100).rounded()))" },
            series: [series("MoRF", morfColor, morf), series("LeRF", lerfColor, lerf), series("random", randomColor, random)],
            title: title, axisLabel: axisLabel, width: 360, height: 240, style: style).png
    }
}
