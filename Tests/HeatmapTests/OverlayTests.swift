import Pixels
import XCTest
@testable import Heatmap

final class OverlayTests: XCTestCase {
    func testHeatIsNormalisedClampedAndImageSized() {
        let heat = Overlay.heat(from: Support.blob(size: 8, cx: 3.5, cy: 3.5, sigma: 1), width: 96, height: 64)
        XCTAssertEqual(heat.width, 96)
        XCTAssertEqual(heat.height, 64)
        XCTAssertGreaterThanOrEqual(heat.values.min() ?? -1, 0)
        XCTAssertLessThanOrEqual(heat.values.max() ?? 2, 1)
        XCTAssertGreaterThan(heat[48, 32], 0.9, "the blob's centre should be hot")
        XCTAssertLessThan(heat[0, 0], 0.05, "the corner should be cold")
    }

    func testCompositeFollowsThePaperFormula() {
        // A 2x1 image and a heat map at the two ends of the colormap, by hand:
        // image01 = [0,0,0 | 1,1,1]; mixed = 2 * colour + image01; then min-max over all six.
        let image = RGBImage(width: 2, height: 1, rgb: [10, 10, 10, 250, 250, 250])
        let heat = SpatialMap(width: 2, height: 1, values: [0, 1])
        let out = Overlay.composite(image: image, heat: heat, colormap: .viridis)
        let lo = Colormap(.viridis).color(at: 0), hi = Colormap(.viridis).color(at: 1)
        let mixed: [Float] = [2 * lo.r, 2 * lo.g, 2 * lo.b, 2 * hi.r + 1, 2 * hi.g + 1, 2 * hi.b + 1]
        let mn = mixed.min()!, mx = mixed.max()!
        let expected = mixed.map { UInt8((($0 - mn) / (mx - mn) * 255).rounded()) }
        XCTAssertEqual(out.rgb, expected)
        XCTAssertEqual(out.rgb.min(), 0)
        XCTAssertEqual(out.rgb.max(), 255)
    }

    func testConstantImageAndMapDoNotProduceNaN() {
        let image = RGBImage(width: 4, height: 4, rgb: [UInt8](repeating: 90, count: 48))
        let map = SpatialMap(width: 2, height: 2, values: [1, 1, 1, 1])
        let out = Overlay.render(image: image, map: map, colormap: .parula)
        // Constant heat and image: every pixel gets the same colour (parula's low end, stretched).
        let first = out.pixel(x: 0, y: 0)
        for y in 0..<4 {
            for x in 0..<4 {
                let p = out.pixel(x: x, y: y)
                XCTAssertEqual([p.r, p.g, p.b], [first.r, first.g, first.b])
            }
        }
    }

    func testHotRegionGetsTheHighColour() throws {
        let image = try Support.goldenImage("chelsea_crop96.png")
        let map = Support.blob(size: 8, cx: 1, cy: 6, sigma: 0.8)  // hot at bottom-left
        let out = Overlay.render(image: image, map: map, colormap: .inferno)
        let hot = out.pixel(x: 18, y: 78), cold = out.pixel(x: 84, y: 8)
        // inferno's high end is bright yellow, its low end near black.
        XCTAssertGreaterThan(Int(hot.r) + Int(hot.g), Int(cold.r) + Int(cold.g) + 150)
    }
}
