import XCTest
@testable import Heatmap

final class HTMLReportTests: XCTestCase {
    private let hostile = "<img src=x onerror=alert(1)>.png"

    private func card(_ file: String, delta: Double, label: String = "tabby, tabby cat") -> ImageCard {
        let top1 = ClassScore(index: 282, label: label, probability: 0.61)
        return ImageCard(
            file: file, width: 96, height: 96, top1: top1,
            top5: [top1, ClassScore(index: 286, label: "Egyptian cat", probability: 0.2)],
            fidBefore: 37006.7014598, fidAfter: 37006.7014598 + delta, deltaFID: delta,
            panelPath: "panels/" + file)
    }

    private func summary(official: Bool = false, histogram: String? = "histogram.png") -> ReportSummary {
        ReportSummary(
            fid: 37006.7014598, n: 50, referencePath: "stats/<ref>.npz",
            referenceProvenance: "made by \"fidviz stats\" & friends", weightsSHA256: String(repeating: "ab", count: 32),
            weightsAreOfficial: official, generatedSetDescription: "folder samples/ (50 PNGs)", histogramPath: histogram)
    }

    func testHostileFileNameIsEscapedTextAndEncodedURL() {
        let html = HTMLReport.render(summary: summary(), cards: [card(hostile, delta: 0.1)])
        XCTAssertFalse(html.contains(hostile), "the raw hostile name reached the page")
        XCTAssertFalse(html.contains("<img src=x"))
        XCTAssertTrue(html.contains("<h3>&lt;img src=x onerror=alert(1)&gt;.png</h3>"))
        XCTAssertTrue(html.contains("<a href=\"#image-1\">&lt;img src=x onerror=alert(1)&gt;.png</a>"))
        XCTAssertTrue(html.contains("alt=\"panels for &lt;img src=x onerror=alert(1)&gt;.png\""))
        XCTAssertTrue(html.contains("src=\"panels/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.png\""))
        XCTAssertTrue(html.contains("href=\"panels/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.png\""))
        XCTAssertFalse(html.contains("<script"))
    }

    func testEveryProvidedStringIsEscaped() {
        let html = HTMLReport.render(summary: summary(), cards: [card("a.png", delta: 1, label: "<b>\"x\" & 'y'</b>")])
        XCTAssertTrue(html.contains("&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"))
        XCTAssertFalse(html.contains("<b>\"x\""))
        XCTAssertTrue(html.contains("<code>stats/&lt;ref&gt;.npz</code>"))
        XCTAssertTrue(html.contains("made by &quot;fidviz stats&quot; &amp; friends"))
    }

    func testRelativeURLEncoding() {
        XCTAssertEqual(HTMLEscaping.relativeURL("panels/a b.png"), "panels/a%20b.png")
        XCTAssertEqual(HTMLEscaping.relativeURL("javascript:alert(1)"), "javascript%3Aalert%281%29")
        XCTAssertEqual(HTMLEscaping.relativeURL("../x/\"q\"#?.png"), "../x/%22q%22%23%3F.png")
        XCTAssertEqual(HTMLEscaping.relativeURL("Ünï/ok-_.~"), "%C3%9Cn%C3%AF/ok-_.~")
    }

    func testCardsSortedWorstDeltaFirstWithNaNLast() {
        let cards = [card("small.png", delta: 0.01), card("nan.png", delta: .nan), card("big.png", delta: 2.5),
                     card("negative.png", delta: -1), card("also-small.png", delta: 0.01)]
        XCTAssertEqual(HTMLReport.worstFirst(cards).map(\.file),
                       ["big.png", "also-small.png", "small.png", "negative.png", "nan.png"])
        let html = HTMLReport.render(summary: summary(), cards: cards)
        let positions = ["big.png", "also-small.png", "small.png", "negative.png", "nan.png"].map {
            html.range(of: "<h3>\($0)</h3>")!.lowerBound
        }
        XCTAssertEqual(positions, positions.sorted())
        let overview = ["big.png", "also-small.png", "small.png", "negative.png", "nan.png"].enumerated().map { i, file in
            html.range(of: "<a href=\"#image-\(i + 1)\">\(file)</a>")?.lowerBound
        }
        XCTAssertFalse(overview.contains(nil), "overview rows missing or misnumbered")
        XCTAssertTrue(html.contains("<article class=\"card\" id=\"image-5\">\n<header><span class=\"rank\">#5</span><h3>nan.png</h3>"))
    }

    func testWarningShownOnlyForUnofficialWeights() {
        let unofficial = HTMLReport.render(summary: summary(official: false), cards: [])
        XCTAssertTrue(unofficial.contains("<div class=\"warning\" role=\"alert\">NOT the official FID weights: numbers are not comparable to published FIDs</div>"))
        let official = HTMLReport.render(summary: summary(official: true), cards: [])
        XCTAssertFalse(official.contains("class=\"warning\""))
        XCTAssertTrue(official.contains("(official pytorch-fid weights)"))
    }

    func testSelfContainedPage() {
        let html = HTMLReport.render(summary: summary(), cards: [card("a.png", delta: 0.5)])
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertTrue(html.contains("<style>"))
        XCTAssertFalse(html.contains("http://"))
        XCTAssertFalse(html.contains("https://"))
        XCTAssertFalse(html.contains("<link"))
        XCTAssertTrue(html.contains("<img src=\"histogram.png\""))
        XCTAssertTrue(html.contains("<code title=\"\(String(repeating: "ab", count: 32))\">abababababababab…</code>"))
        XCTAssertTrue(html.contains("37006.7015"))
        XCTAssertTrue(html.contains("ΔFID +0.5"))
        XCTAssertTrue(html.contains("Top-5 classes"))
        XCTAssertTrue(html.contains("#286 Egyptian cat"))
        XCTAssertTrue(html.contains("<dt>FID without the image</dt><dd>37006.7015</dd>"))
        XCTAssertTrue(html.contains("<dt>FID with the image</dt><dd>37007.2015</dd>"))
        XCTAssertTrue(html.contains("content=\"default-src 'none'; img-src 'self' file: data:;"), "CSP must allow local images")
        XCTAssertFalse(html.contains("img-src *"), "CSP must not allow remote images")
        XCTAssertFalse(html.contains("<script"))
        let noHistogram = HTMLReport.render(summary: summary(histogram: nil), cards: [])
        XCTAssertFalse(noHistogram.contains("histogram.png"))
    }

    func testWritesAReportFolderWhoseImagesResolve() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let panels = folder.appendingPathComponent("panels")
        try FileManager.default.createDirectory(at: panels, withIntermediateDirectories: true)
        let warning = HTMLReport.defaultWeightsWarning
        var cards: [ImageCard] = []
        for (i, (name, file, delta)) in [("chelsea_crop96.png", hostile, 0.2), ("astronaut.png", "astronaut.png", 1.75),
                                          ("horse.png", "horse.png", -0.031)].enumerated() {
            let image = try TestSupport.goldenImage(name)
            let top1 = ClassScore(index: 282 + i, label: ["tabby, tabby cat", "rugby ball", "sorrel"][i], probability: 0.61)
            let figure = try PanelFigure.render(
                image: image, panels: [.original, .sensitivity(layer: "mixed_7c", map: TestSupport.astronautSensitivity7c),
                                       .gradCAM(layer: "mixed_7c", map: TestSupport.astronautGradCAM7c)],
                caption: FigureCaption(top1Label: "\(top1.label) (#\(top1.index))", top1Probability: top1.probability,
                                       fidBefore: 37006.7014598, fidAfter: 37006.7014598 + delta, deltaFID: delta,
                                       extraLines: [file], warning: warning))
            let panelName = String(format: "%04d-", i + 1) + file
            try AtomicFile.write(figure.png, to: panels.appendingPathComponent(panelName))
            cards.append(ImageCard(file: file, width: image.width, height: image.height, top1: top1,
                                   top5: [top1, ClassScore(index: 286, label: "Egyptian cat", probability: 0.2),
                                          ClassScore(index: 287, label: "lynx, catamount", probability: 0.05)],
                                   fidBefore: 37006.7014598, fidAfter: 37006.7014598 + delta, deltaFID: delta,
                                   panelPath: "panels/" + panelName))
        }
        cards.append(ImageCard(file: "not-drawn.png", width: 32, height: 32,
                               top1: ClassScore(index: 1, label: "goldfish", probability: 0.3), top5: [],
                               fidBefore: 37006.7014598, fidAfter: 37006.70, deltaFID: -0.0014598, panelPath: ""))
        let histogram = ClassHistogram(counts: [ClassCount(index: 282, label: "tabby, tabby cat", generated: 2, reference: 10),
                                                ClassCount(index: 768, label: "rugby ball", generated: 1, reference: 1)],
                                       generatedTotal: 4, referenceTotal: 50)
        try AtomicFile.write(try ClassHistogramChart.renderPNG(histogram), to: folder.appendingPathComponent("classes.png"))
        let html = HTMLReport.render(summary: summary(histogram: "classes.png"), cards: cards)
        try AtomicFile.write(html, to: folder.appendingPathComponent("index.html"))
        TestSupport.keepFolder(folder, named: "report")

        // Every src on the page resolves to a file that was written.
        let sources = html.components(separatedBy: "src=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        XCTAssertEqual(sources.count, 4, "three panel figures and the histogram")
        for src in sources {
            let resolved = try XCTUnwrap(URL(string: src, relativeTo: folder.appendingPathComponent("index.html")), src)
            XCTAssertTrue(FileManager.default.fileExists(atPath: resolved.path), resolved.path)
        }
        XCTAssertTrue(html.contains("No panel figure for this image"))
        XCTAssertFalse(html.contains("src=\"\""), "an image without a figure got an empty src")
        XCTAssertEqual(html.components(separatedBy: "<caption>Top-5 classes</caption>").count - 1, 3,
                       "the card without Top-5 classes still got a table")
    }
}
