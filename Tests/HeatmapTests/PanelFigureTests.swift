import Pixels
import XCTest
@testable import Heatmap

final class PanelFigureTests: XCTestCase {
    private let warning = "NOT the official FID weights: numbers are not comparable to published FIDs"

    private func caption(warning: String?, extra: [String] = ["astronaut.png  512×512"]) -> FigureCaption {
        FigureCaption(headline: ["Top-1: rugby ball (#768)", "(p = 0.873)"],
                      details: ["ΔFID = -0.4623", "(FID 37006.701 → 37006.239)"], extraLines: extra, warning: warning)
    }

    /// original | sensitivity | Grad-CAM, plus a deeper layer's pair when `count` is 5.
    private func panels(count: Int) -> [PanelSpec] {
        var panels: [PanelSpec] = [.original, .sensitivity(layer: "mixed_7c", map: Support.astronautSensitivity7c),
                                   .gradCAM(layer: "mixed_7c", map: Support.astronautGradCAM7c)]
        if count == 5 {
            panels += [.sensitivity(layer: "mixed_6e", map: Support.blob(size: 17, cx: 12, cy: 4, sigma: 3)),
                       .gradCAM(layer: "mixed_6e", map: Support.blob(size: 17, cx: 3, cy: 11, sigma: 4))]
        }
        return panels
    }

    /// The three sizes the figure must handle: 96x96, 451x300 (a crop of astronaut.png) and 512x512.
    private func testImages() throws -> [(name: String, image: RGBImage)] {
        let astronaut = try Support.goldenImage("astronaut.png")
        return [("chelsea96", try Support.goldenImage("chelsea_crop96.png")),
                ("astronaut451x300", Support.crop(astronaut, PixelRect(x: 30, y: 40, width: 451, height: 300))),
                ("astronaut512", astronaut)]
    }

    // MARK: - Size and pixels

    func testPNGIsExactlyPanelsTimesImageWideAndImageHigh() throws {
        for (name, image) in try testImages() {
            for count in [3, 5] {
                let figure = try PanelFigure.render(image: image, panels: panels(count: count), caption: caption(warning: warning))
                Support.keepSample(figure.png, named: "\(name)-\(count)panels.png")
                let decoded = try Support.decodePNG(figure.png)
                XCTAssertEqual(decoded.width, count * image.width, "\(name) \(count) panels")
                XCTAssertEqual(decoded.height, image.height, "\(name) \(count) panels")
                XCTAssertEqual(figure.layout.width, decoded.width)
                XCTAssertEqual(figure.layout.height, decoded.height)
                XCTAssertEqual(figure.layout.panels, (0..<count).map {
                    PixelRect(x: $0 * image.width, y: 0, width: image.width, height: image.height)
                })
                XCTAssertEqual(figure.layout.separators.count, count - 1)
                assertBandsInsidePanels(figure.layout, "\(name) \(count) panels")
            }
        }
    }

    func testOriginalPanelIsTheImageOutsideItsBandsAndHeatPanelsAreTheOverlay() throws {
        for (name, image) in try testImages() {
            let figure = try PanelFigure.render(image: image, panels: panels(count: 5), caption: caption(warning: warning))
            let decoded = try Support.decodePNG(figure.png)
            let layout = figure.layout
            XCTAssertEqual(layout.captionPanel, 0)
            let captionBand = try XCTUnwrap(layout.captionBand, name)
            let originalBands = [layout.titleBands[0], captionBand]
            let covered = originalBands.map { $0.width * $0.height }.reduce(0, +)
            XCTAssertLessThan(covered, image.width * image.height * 3 / 4, "\(name): bands hide most of the image")
            // Outside the bands, the original panel is the image byte for byte.
            let mismatches = differingPixels(decoded, offsetX: 0, image, excluding: originalBands)
            XCTAssertEqual(mismatches, 0, "\(name): original panel differs from the image outside its bands")
            // Inside the bands, it is not (text on a dark band).
            XCTAssertGreaterThan(differingPixels(decoded, offsetX: 0, image, excluding: [], only: captionBand), captionBand.width * captionBand.height / 2)

            for i in 1..<5 {
                let map = try XCTUnwrap(panels(count: 5)[i].map)
                let overlay = Overlay.render(image: image, map: map)
                let bands = [layout.titleBands[i], try XCTUnwrap(layout.colorBarBands[i]), layout.separators[i - 1]]
                XCTAssertEqual(differingPixels(decoded, offsetX: i * image.width, overlay, excluding: bands), 0,
                               "\(name): heat panel \(i) is not the overlay outside its bands")
                let whole = PixelRect(x: 0, y: 0, width: image.width, height: image.height)
                XCTAssertGreaterThan(Support.meanAbsoluteDifference(decoded, layout.panels[i], image, whole), 20,
                                     "\(name): heat panel \(i) looks like the original")
            }
        }
    }

    func testTitlesAndCaptionAreLightTextOnDarkBands() throws {
        let image = RGBImage(width: 200, height: 160, rgb: [UInt8](repeating: 250, count: 200 * 160 * 3))
        let figure = try PanelFigure.render(image: image, panels: panels(count: 3), caption: caption(warning: warning))
        let decoded = try Support.decodePNG(figure.png)
        for (i, band) in figure.layout.titleBands.enumerated() {
            XCTAssertGreaterThan(count(decoded, in: band) { $0.r < 120 && $0.g < 120 && $0.b < 120 }, band.width * band.height / 3,
                                 "title band \(i) is not dark on a white image")
            XCTAssertGreaterThan(count(decoded, in: band) { $0.r > 200 && $0.g > 200 && $0.b > 200 }, 10,
                                 "title band \(i) has no light text")
        }
        let captionBand = try XCTUnwrap(figure.layout.captionBand)
        XCTAssertGreaterThan(count(decoded, in: captionBand) { $0.r > 200 && $0.g > 120 && $0.g < 200 && $0.b < 60 }, 20,
                             "the warning is not drawn in amber")
        XCTAssertEqual(figure.layout.captionRows.first, "NOT the official FID weights: numbers")
    }

    func testCaptionCarriesTop1DeltaFIDAndFileName() throws {
        let image = try Support.goldenImage("astronaut.png")
        let figure = try PanelFigure.render(image: image, panels: panels(count: 3), caption: caption(warning: warning))
        // The warning wraps (where depends on the font); the other parts fit on a row each.
        let rows = figure.layout.captionRows
        XCTAssertEqual(Array(rows.suffix(3)), [
            "Top-1: rugby ball (#768) (p = 0.873)",
            "ΔFID = -0.4623   (FID 37006.701 → 37006.239)",
            "astronaut.png  512×512",
        ])
        XCTAssertEqual(rows.dropLast(3).joined(separator: " "), warning)
        XCTAssertEqual(figure.layout.fontSize, 20)
    }

    func testSmallImageCaptionShrinksButKeepsWarningTop1AndDeltaFID() throws {
        let image = try Support.goldenImage("chelsea_crop96.png")
        let figure = try PanelFigure.render(image: image, panels: panels(count: 3), caption: caption(warning: warning))
        let rows = figure.layout.captionRows
        XCTAssertEqual(figure.layout.fontSize, 8)
        XCTAssertTrue(rows.first?.hasPrefix("NOT the official") ?? false, "\(rows)")
        XCTAssertTrue(rows.contains { $0.hasPrefix("Top-1: rugby") }, "\(rows)")
        XCTAssertTrue(rows.contains { $0.hasPrefix("ΔFID = -0.4623") }, "\(rows)")
        let band = try XCTUnwrap(figure.layout.captionBand)
        XCTAssertGreaterThanOrEqual(band.y, figure.layout.titleBands[0].y + figure.layout.titleBands[0].height,
                                    "caption overlaps the title")
    }

    func testTooLongTextIsEllipsised() throws {
        let image = try Support.goldenImage("chelsea_crop96.png")
        let name = String(repeating: "a_very_long_file_name_", count: 8) + ".png"
        let figure = try PanelFigure.render(image: image, panels: [.original], caption: caption(warning: nil, extra: [name]))
        let last = try XCTUnwrap(figure.layout.captionRows.last)
        XCTAssertTrue(last.hasPrefix("a_very_long"), last)
        XCTAssertTrue(last.hasSuffix("…"), last)
    }

    func testColorBarRunsFromColormapLowToHigh() throws {
        let image = try Support.goldenImage("astronaut.png")
        let figure = try PanelFigure.render(
            image: image, panels: [.original, .sensitivity(layer: "mixed_7c", map: Support.astronautSensitivity7c)],
            caption: caption(warning: nil), style: FigureStyle(colormap: .viridis))
        let decoded = try Support.decodePNG(figure.png)
        XCTAssertEqual(figure.layout.colorBars[0], nil)
        let bar = try XCTUnwrap(figure.layout.colorBars[1])
        let band = try XCTUnwrap(figure.layout.colorBarBands[1])
        XCTAssertEqual(bar.clamped(to: band), bar, "the bar leaves its band")
        XCTAssertGreaterThan(bar.width, image.width / 3)
        let midY = bar.y + bar.height / 2
        let low = ColormapName.viridis.colormap.entries[0].bytes
        let high = ColormapName.viridis.colormap.entries[255].bytes
        XCTAssertLessThanOrEqual(distance(decoded.pixel(x: bar.x + 1, y: midY), low), 12)
        XCTAssertLessThanOrEqual(distance(decoded.pixel(x: bar.x + bar.width - 2, y: midY), high), 12)
    }

    // MARK: - Tiny images and text fallback

    func testTinyImagesNeverCrashNorDrawOutsideTheirPanels() throws {
        for side in [1, 8, 32, 64] {
            let image = RGBImage(width: side, height: side, rgb: (0..<(side * side * 3)).map { UInt8($0 % 251) })
            let figure = try PanelFigure.render(image: image, panels: panels(count: 5), caption: caption(warning: warning))
            Support.keepSample(figure.png, named: "tiny\(side)-5panels.png")
            let decoded = try Support.decodePNG(figure.png)
            XCTAssertEqual([decoded.width, decoded.height], [5 * side, side])
            assertBandsInsidePanels(figure.layout, "\(side)x\(side)")
            if side == 1 {
                XCTAssertNil(figure.layout.captionBand, "no caption row fits in 1 pixel")
            }
        }
    }

    func testBitmapFontFallbackStillWritesTitles() throws {
        let image = try Support.goldenImage("chelsea_crop96.png")
        let figure = try PanelFigure.render(image: image, panels: panels(count: 3), caption: caption(warning: warning),
                                            style: FigureStyle(forceBitmapFont: true))
        Support.keepSample(figure.png, named: "chelsea96-bitmapfont.png")
        XCTAssertTrue(figure.layout.usesBitmapFont)
        let decoded = try Support.decodePNG(figure.png)
        XCTAssertEqual([decoded.width, decoded.height], [3 * 96, 96])
        let band = figure.layout.titleBands[1]
        XCTAssertGreaterThan(count(decoded, in: band) { $0.r > 230 && $0.g > 230 && $0.b > 230 }, 20)
        XCTAssertFalse(figure.layout.captionRows.isEmpty)
        assertBandsInsidePanels(figure.layout, "bitmap font")
    }

    func testUnknownFontFamiliesNeverCrash() throws {
        let image = RGBImage(width: 16, height: 16, rgb: [UInt8](repeating: 128, count: 16 * 16 * 3))
        let figure = try PanelFigure.render(
            image: image, panels: [.original], caption: FigureCaption(headline: ["Top-1: x", "(p = 0.500)"]),
            style: FigureStyle(fontFamilies: []))
        XCTAssertTrue(figure.layout.usesBitmapFont, "an empty family list must fall back to the bitmap font")
        XCTAssertEqual(try Support.decodePNG(figure.png).width, 16)
    }

    // MARK: - Text fitting

    func testRowsJoinChunksWrapAndEllipsise() throws {
        let canvas = try CairoCanvas(width: 1, height: 1)
        let text = TextRenderer(canvas: canvas, families: [], forceBitmapFont: true)
        let style = TextStyle(size: 8)  // bitmap scale 1: 8 pixels per character
        XCTAssertEqual(text.rows(["ab", "cd"], separator: " ", maxWidth: 40, maxRows: 3, style), ["ab cd"])
        XCTAssertEqual(text.rows(["abc", "def"], separator: " ", maxWidth: 40, maxRows: 3, style), ["abc", "def"])
        // "…" draws as "..." in the bitmap font: 3 cells, 24 pixels.
        XCTAssertEqual(text.rows(["one two three"], maxWidth: 40, maxRows: 2, style), ["one", "tw…"])
        XCTAssertEqual(text.rows(["x"], maxWidth: 40, maxRows: 0, style), [])
        XCTAssertEqual(text.ellipsised("abcdefgh", maxWidth: 48, style), "abc…")
        XCTAssertEqual(text.ellipsised("abc", maxWidth: 8, style), "")
        // Numbers are never shown cut short when cutting between words.
        XCTAssertEqual(text.ellipsised("ab 1.25e-05", maxWidth: 56, style), "ab 1…")
        XCTAssertEqual(text.ellipsised("ab 1.25e-05", maxWidth: 56, style, wholeWords: true), "ab…")
        // The probability survives a cut; the label gives way.
        XCTAssertEqual(text.rows(["Top-1: rugby ball", "(p)"], separator: " ", maxWidth: 80, maxRows: 1, style,
                                 keepingLastChunk: true), ["Top… (p)"])
        XCTAssertEqual(text.rows(["Top-1: rugby ball", "(p)"], separator: " ", maxWidth: 80, maxRows: 1, style),
                       ["Top-1:…"])
    }

    // MARK: - Helpers

    /// Every band lies inside its own panel.
    private func assertBandsInsidePanels(_ layout: FigureLayout, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        for (i, panel) in layout.panels.enumerated() {
            var bands = [layout.titleBands[i]]
            if let band = layout.colorBarBands[i] { bands.append(band) }
            if let bar = layout.colorBars[i] { bands.append(bar) }
            if i == layout.captionPanel, let band = layout.captionBand { bands.append(band) }
            for band in bands {
                XCTAssertEqual(band.clamped(to: panel), band, "\(message): band \(band) leaves panel \(i)", file: file, line: line)
            }
        }
    }

    /// Pixels of `figure` at (`offsetX` + x, y) that differ from `expected` at (x, y), skipping
    /// those inside `excluding` (rects in figure coordinates) and, when given, outside `only`.
    private func differingPixels(
        _ figure: RGBImage, offsetX: Int, _ expected: RGBImage, excluding: [PixelRect], only: PixelRect? = nil
    ) -> Int {
        var count = 0
        for y in 0..<expected.height {
            for x in 0..<expected.width {
                let fx = offsetX + x
                if excluding.contains(where: { $0.contains(x: fx, y: y) }) { continue }
                if let only, !only.contains(x: fx, y: y) { continue }
                let p = figure.pixel(x: fx, y: y), q = expected.pixel(x: x, y: y)
                if p != q { count += 1 }
            }
        }
        return count
    }

    private func count(_ image: RGBImage, in rect: PixelRect, where test: ((r: UInt8, g: UInt8, b: UInt8)) -> Bool) -> Int {
        var n = 0
        for y in rect.y..<(rect.y + rect.height) {
            for x in rect.x..<(rect.x + rect.width) where test(image.pixel(x: x, y: y)) {
                n += 1
            }
        }
        return n
    }

    private func distance(_ p: (r: UInt8, g: UInt8, b: UInt8), _ q: (r: UInt8, g: UInt8, b: UInt8)) -> Int {
        abs(Int(p.r) - Int(q.r)) + abs(Int(p.g) - Int(q.g)) + abs(Int(p.b) - Int(q.b))
    }
}
