import XCTest
@testable import Heatmap

final class PanelFigureTests: XCTestCase {
    private let warning = "NOT the official FID weights: numbers are not comparable to published FIDs"

    private func standardPanels(_ sensitivity: ScalarMap, _ gradCAM: ScalarMap) -> [PanelSpec] {
        [.original, .sensitivity(layer: "mixed_7c", map: sensitivity), .gradCAM(layer: "mixed_7c", map: gradCAM)]
    }

    private func caption(warning: String?) -> FigureCaption {
        FigureCaption(top1Label: "rugby ball", top1Probability: 0.8731, fidBefore: 37006.701459841104,
                      fidAfter: 37006.239120205464, deltaFID: -0.46233963, extraLines: ["astronaut.png  512×512"],
                      warning: warning)
    }

    // MARK: - Dimensions and pixels

    func testFigureDecodesToLayoutSizeWithPanelsAtImageResolution() throws {
        let image = try TestSupport.goldenImage("astronaut.png")
        let figure = try PanelFigure.render(
            image: image, panels: standardPanels(TestSupport.astronautSensitivity7c, TestSupport.astronautGradCAM7c),
            caption: caption(warning: warning))
        TestSupport.keepSample(figure.png, named: "astronaut-figure.png")

        let decoded = try PNGCodec.decode(figure.png)
        XCTAssertEqual(decoded.width, figure.layout.width)
        XCTAssertEqual(decoded.height, figure.layout.height)
        XCTAssertGreaterThanOrEqual(decoded.width, 3 * image.width)
        XCTAssertGreaterThan(decoded.height, image.height)
        XCTAssertEqual(figure.layout.panels.count, 3)
        for rect in figure.layout.panels {
            XCTAssertEqual(rect.width, image.width)
            XCTAssertEqual(rect.height, image.height)
        }
        // Panels do not overlap and sit left to right.
        XCTAssertLessThanOrEqual(figure.layout.panels[0].x + image.width, figure.layout.panels[1].x)
        XCTAssertLessThanOrEqual(figure.layout.panels[1].x + image.width, figure.layout.panels[2].x)

        // The original panel is the image, byte for byte.
        let whole = PixelRect(x: 0, y: 0, width: image.width, height: image.height)
        XCTAssertEqual(TestSupport.meanAbsoluteDifference(decoded, figure.layout.panels[0], image, whole), 0)
        // The heat panels differ clearly from it.
        let heatDiff = TestSupport.meanAbsoluteDifference(decoded, figure.layout.panels[1], decoded, figure.layout.panels[0])
        XCTAssertGreaterThan(heatDiff, 20)
        // And they are exactly the overlay.
        let overlay = Overlay.render(image: image, map: TestSupport.astronautSensitivity7c)
        TestSupport.keepSample(try PNGCodec.encode(overlay), named: "astronaut-overlay-sensitivity.png")
        XCTAssertEqual(TestSupport.meanAbsoluteDifference(decoded, figure.layout.panels[1], overlay, whole), 0)
    }

    func testBackgroundIsWhiteAndTitleAreaHasInk() throws {
        let image = try TestSupport.goldenImage("chelsea_crop96.png")
        let figure = try PanelFigure.render(
            image: image, panels: standardPanels(TestSupport.astronautSensitivity7c, TestSupport.astronautGradCAM7c),
            caption: caption(warning: nil))
        TestSupport.keepSample(figure.png, named: "chelsea96-figure.png")
        let decoded = try PNGCodec.decode(figure.png)
        let corner = decoded.pixel(x: 0, y: 0)
        XCTAssertEqual([corner.r, corner.g, corner.b], [255, 255, 255])
        let panel = figure.layout.panels[1]
        XCTAssertGreaterThan(darkPixels(decoded, x: panel.x - 10, y: 0, width: panel.width + 20, height: panel.y), 20,
                             "title above the sensitivity panel drew no text")
        XCTAssertEqual(figure.layout.colorBars[0], nil)
        XCTAssertNotNil(figure.layout.colorBars[1])
    }

    func testColorBarRunsFromColormapLowToHigh() throws {
        let image = try TestSupport.goldenImage("chelsea_crop96.png")
        let figure = try PanelFigure.render(
            image: image, panels: [.original, .sensitivity(layer: "mixed_7c", map: TestSupport.astronautSensitivity7c)],
            caption: caption(warning: nil), style: FigureStyle(colormap: .viridis))
        let decoded = try PNGCodec.decode(figure.png)
        let bar = try XCTUnwrap(figure.layout.colorBars[1])
        let midY = bar.y + bar.height / 2
        let left = decoded.pixel(x: bar.x + 2, y: midY)
        let right = decoded.pixel(x: bar.x + bar.width - 3, y: midY)
        let low = ColormapName.viridis.colormap.entries[0].bytes
        let high = ColormapName.viridis.colormap.entries[255].bytes
        XCTAssertLessThanOrEqual(abs(Int(left.r) - Int(low.r)) + abs(Int(left.g) - Int(low.g)) + abs(Int(left.b) - Int(low.b)), 30)
        XCTAssertLessThanOrEqual(abs(Int(right.r) - Int(high.r)) + abs(Int(right.g) - Int(high.g)) + abs(Int(right.b) - Int(high.b)), 30)
    }

    func testTinyAndWideImagesGetLegibleLayouts() throws {
        // 32x32: the text area is wider than the panels, font stays at the 12 px floor.
        let tiny = RGBPixels(width: 32, height: 32, rgb: (0..<(32 * 32 * 3)).map { UInt8($0 % 251) })
        let small = try PanelFigure.render(
            image: tiny, panels: standardPanels(TestSupport.blob(size: 8, cx: 2, cy: 2, sigma: 1), TestSupport.astronautGradCAM7c),
            caption: caption(warning: warning))
        TestSupport.keepSample(small.png, named: "tiny32-figure.png")
        XCTAssertEqual(small.layout.fontSize, 12)
        XCTAssertGreaterThanOrEqual(small.layout.width, 22 * 12)
        XCTAssertEqual(small.layout.panels.map(\.width), [32, 32, 32])

        // 640x200 with four panels (a deeper layer too): panels keep the image's own size.
        let wide = RGBPixels(width: 640, height: 200, rgb: (0..<(640 * 200 * 3)).map { UInt8(($0 / 3) % 256) })
        var panels = standardPanels(TestSupport.astronautSensitivity7c, TestSupport.astronautGradCAM7c)
        panels.append(.sensitivity(layer: "mixed_6e", map: TestSupport.blob(size: 17, cx: 12, cy: 4, sigma: 2)))
        let figure = try PanelFigure.render(image: wide, panels: panels, caption: caption(warning: nil))
        TestSupport.keepSample(figure.png, named: "wide-4panels.png")
        let decoded = try PNGCodec.decode(figure.png)
        XCTAssertEqual(decoded.width, figure.layout.width)
        XCTAssertGreaterThanOrEqual(decoded.width, 4 * 640)
        XCTAssertEqual(figure.layout.panels.map(\.height), [200, 200, 200, 200])
        XCTAssertEqual(figure.layout.colorBars.map { $0 == nil }, [true, false, false, false])
    }

    // MARK: - Text fallback

    func testBitmapFontFallbackStillWritesTitles() throws {
        let image = try TestSupport.goldenImage("chelsea_crop96.png")
        let figure = try PanelFigure.render(
            image: image, panels: standardPanels(TestSupport.astronautSensitivity7c, TestSupport.astronautGradCAM7c),
            caption: caption(warning: warning), style: FigureStyle(forceBitmapFont: true))
        TestSupport.keepSample(figure.png, named: "chelsea96-bitmapfont.png")
        XCTAssertTrue(figure.layout.usesBitmapFont)
        let decoded = try PNGCodec.decode(figure.png)
        let panel = figure.layout.panels[1]
        XCTAssertGreaterThan(darkPixels(decoded, x: panel.x - 10, y: panel.y - 40, width: panel.width + 20, height: 40), 20)
    }

    func testUnknownFontFamiliesNeverCrash() throws {
        let image = RGBPixels(width: 16, height: 16, rgb: [UInt8](repeating: 128, count: 16 * 16 * 3))
        let figure = try PanelFigure.render(
            image: image, panels: [.original], caption: FigureCaption(top1Label: "x", top1Probability: 0.5),
            style: FigureStyle(fontFamilies: []))
        XCTAssertTrue(figure.layout.usesBitmapFont, "an empty family list must fall back to the bitmap font")
        XCTAssertEqual(try PNGCodec.decode(figure.png).width, figure.layout.width)
    }

    // MARK: - Helpers

    /// Count of pixels darker than mid-grey in a rectangle (clipped to the image).
    private func darkPixels(_ image: RGBPixels, x: Int, y: Int, width: Int, height: Int) -> Int {
        var count = 0
        for yy in max(0, y)..<min(image.height, y + height) {
            for xx in max(0, x)..<min(image.width, x + width) {
                let p = image.pixel(x: xx, y: yy)
                if Int(p.r) + Int(p.g) + Int(p.b) < 3 * 128 { count += 1 }
            }
        }
        return count
    }
}
