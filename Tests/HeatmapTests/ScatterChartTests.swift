import Pixels
import XCTest
@testable import Heatmap

final class ScatterChartTests: XCTestCase {
    /// `n` points whose y follows x with noise, both roughly normal: Box-Muller over the R2
    /// low-discrepancy sequence, offset by `seed`.
    private func cloud(_ n: Int, seed: Double = 0.5) -> (xs: [Double], ys: [Double]) {
        func fraction(_ v: Double) -> Double { v - v.rounded(.down) }
        var xs: [Double] = [], ys: [Double] = []
        for i in 0..<n {
            let u = max(1e-9, fraction(seed + Double(i) * 0.7548776662))
            let v = fraction(seed + Double(i) * 0.5698402910)
            let radius = (-2 * log(u)).squareRoot()
            let x = 0.004 * radius * cos(2 * Double.pi * v) + 0.001
            xs.append(x)
            ys.append(0.6 * x + 0.003 * radius * sin(2 * Double.pi * v))
        }
        return (xs, ys)
    }

    private func render(_ xs: [Double], _ ys: [Double], highlights: [ScatterChart.Highlight] = [],
                        width: Int = 900, height: Int = 620) throws -> (png: [UInt8], frame: ScatterChart.Frame) {
        try ScatterChart.render(xs: xs, ys: ys, title: "ΔFID against ΔFD_DINOv2, per image",
                                correlation: "Spearman ρ = 0.42", xLabel: "ΔFID / FID", yLabel: "ΔFD_DINOv2 / FD_DINOv2",
                                highlights: highlights, width: width, height: height, style: FigureStyle())
    }

    func testRendersAtTheRequestedSizeAndDrawsTheCloud() throws {
        let (xs, ys) = cloud(300)
        let highlights = [ScatterChart.Highlight(label: "FID-only offenders", indices: [0, 1, 2]),
                          ScatterChart.Highlight(label: "DINOv2-only", indices: [3, 4])]
        let png = try ScatterChart.renderPNG(xs: xs, ys: ys, title: "ΔFID against ΔFD_DINOv2, per image",
                                             correlation: "Spearman ρ = 0.42", xLabel: "ΔFID / FID",
                                             yLabel: "ΔFD_DINOv2 / FD_DINOv2", highlights: highlights,
                                             width: 700, height: 500)
        Support.keepSample(png, named: "scatter-300.png")
        let image = try Support.decodePNG(png)
        XCTAssertEqual(image.width, 700)
        XCTAssertEqual(image.height, 500)
        // Opaque highlight discs: each group's colour covers at least its discs' inner pixels.
        XCTAssertGreaterThan(Support.count(ScatterChart.highlightColors[0], in: image), 3 * 40)
        XCTAssertGreaterThan(Support.count(ScatterChart.highlightColors[1], in: image), 2 * 40)
        // The translucent cloud darkens many pixels inside the plot.
        XCTAssertGreaterThan(darkPixels(in: image), 1500)
    }

    func testSameInputGivesTheSameBytes() throws {
        let (xs, ys) = cloud(500)
        let highlights = [ScatterChart.Highlight(label: "a", indices: [5])]
        XCTAssertEqual(try render(xs, ys, highlights: highlights).png, try render(xs, ys, highlights: highlights).png)
    }

    func testAHighlightedPointLandsWhereItsValuesSay() throws {
        let (xs, ys) = cloud(2000)
        // Point 10 is put at the largest x and smallest y, alone in the bottom-right corner.
        var (x, y) = (xs, ys)
        x[10] = (xs.max() ?? 0) * 1.5
        y[10] = (ys.min() ?? 0) * 1.5
        x[11] = 0
        y[11] = 0
        let highlights = [ScatterChart.Highlight(label: "FID-only offenders", indices: [10]),
                          ScatterChart.Highlight(label: "DINOv2-only", indices: [11])]
        let (png, frame) = try render(x, y, highlights: highlights)
        Support.keepSample(png, named: "scatter-2000.png")
        let image = try Support.decodePNG(png)
        for (index, color) in [(10, ScatterChart.highlightColors[0]), (11, ScatterChart.highlightColors[1])] {
            let p = frame.position(x: x[index], y: y[index])
            let pixel = image.pixel(x: Int(p.x), y: Int(p.y))
            let c = color.bytes
            XCTAssertEqual([pixel.r, pixel.g, pixel.b], [c.r, c.g, c.b], "point \(index) at \(p)")
        }
        // The corner point sits inside the plot, 5% in from its right and bottom edges.
        let corner = frame.position(x: x[10], y: y[10])
        XCTAssertEqual(corner.x, frame.left + frame.width * (1 - 0.05 / 1.1), accuracy: 1e-6)
        XCTAssertEqual(corner.y, frame.top + frame.height * (1 - 0.05 / 1.1), accuracy: 1e-6)
    }

    func testNonFinitePointsAreLeftOutOfTheAxesAndCounted() throws {
        let xs = [0.01, -0.02, .nan, 0.03, .infinity, 0.0]
        let ys = [0.02, 0.01, 0.5, -.infinity, 0.2, -0.01]
        let (png, frame) = try render(xs, ys)
        // Only points 0, 1 and 5 are finite in both coordinates: x in [-0.02, 0.01], y in [-0.01, 0.02].
        XCTAssertEqual(frame.x.lo, -0.02 - 0.0015, accuracy: 1e-12)
        XCTAssertEqual(frame.x.hi, 0.01 + 0.0015, accuracy: 1e-12)
        XCTAssertEqual(frame.y.lo, -0.01 - 0.0015, accuracy: 1e-12)
        XCTAssertEqual(frame.y.hi, 0.02 + 0.0015, accuracy: 1e-12)
        XCTAssertEqual(try Support.decodePNG(png).width, 900)
        Support.keepSample(png, named: "scatter-nonfinite.png")

        let bitmap = FigureStyle(forceBitmapFont: true)
        let withNote = try ScatterChart.renderPNG(xs: xs, ys: ys, title: "t", xLabel: "x", yLabel: "y", style: bitmap)
        let allFinite = try ScatterChart.renderPNG(xs: [0.01, -0.02, 0], ys: [0.02, 0.01, -0.01], title: "t",
                                                   xLabel: "x", yLabel: "y", style: bitmap)
        // Same three points drawn; only the note line ("3 of 6 points; 3 not finite (left out)") differs.
        XCTAssertNotEqual(withNote, allFinite)
    }

    func testEqualValuesAndSinglePointsAndNoPointsRender() throws {
        let single = try render([0.25], [0.25])
        XCTAssertEqual(single.frame.x.lo, 0.125, accuracy: 1e-12)
        XCTAssertEqual(single.frame.x.hi, 0.375, accuracy: 1e-12)
        let zeros = try render([0, 0, 0], [0, 0, 0])
        XCTAssertEqual(zeros.frame.y.lo, -1)
        XCTAssertEqual(zeros.frame.y.hi, 1)
        XCTAssertTrue(zeros.frame.x.ticks.contains(0))
        let none = try render([.nan], [1])
        XCTAssertEqual(none.frame.x.lo, -1)
        XCTAssertEqual(try Support.decodePNG(none.png).height, 620)
        XCTAssertEqual(try Support.decodePNG(try render([], []).png).width, 900)
    }

    func testFiftyThousandPointsRenderAsASoftCloud() throws {
        let (xs, ys) = cloud(50_000)
        let (png, _) = try render(xs, ys, highlights: [ScatterChart.Highlight(label: "worst", indices: [0])])
        Support.keepSample(png, named: "scatter-50000.png")
        XCTAssertEqual(try Support.decodePNG(png).width, 900)
        let look = ScatterChart.dotLook(count: 50_000)
        XCTAssertEqual(look.radius, 1.2)
        XCTAssertEqual(look.alpha, 0.12)
        XCTAssertEqual(ScatterChart.dotLook(count: 20).radius, 4)
    }

    func testTicksAreTidyMultiplesAndZeroIsExact() {
        let axis = ScatterChart.Axis([-0.0031, 0.0122])
        XCTAssertEqual(axis.step, 0.005)
        XCTAssertEqual(axis.ticks, [0, 0.005, 0.01])
        XCTAssertEqual(axis.ticks.map(axis.label), ["0", "0.005", "0.010"])
        let tiny = ScatterChart.Axis([1e-5, 4e-5])
        XCTAssertEqual(tiny.ticks.map(tiny.label), ["1e-05", "2e-05", "3e-05", "4e-05"])
        let large = ScatterChart.Axis([-120, 380])
        XCTAssertEqual(large.ticks.map(large.label), ["-100", "0", "100", "200", "300", "400"])
        let quarter = ScatterChart.Axis([0, 0.012])
        XCTAssertEqual(quarter.step, 0.0025)
        XCTAssertEqual(quarter.ticks.map(quarter.label), ["0", "0.0025", "0.0050", "0.0075", "0.0100", "0.0125"])
    }


    /// Pixels visibly darker than white but not text-black: what the translucent dots leave.
    private func darkPixels(in image: RGBImage) -> Int {
        var n = 0
        for i in stride(from: 0, to: image.rgb.count, by: 3) {
            let b = Int(image.rgb[i]) + Int(image.rgb[i + 1]) + Int(image.rgb[i + 2])
            if b < 3 * 200 && b > 3 * 60 { n += 1 }
        }
        return n
    }
}
