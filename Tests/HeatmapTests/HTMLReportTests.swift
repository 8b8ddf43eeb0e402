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
        XCTAssertTrue(html.contains("alt=\"panels for &lt;img src=x onerror=alert(1)&gt;.png\""))
        XCTAssertTrue(html.contains("src=\"panels/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.png\""))
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
        let noHistogram = HTMLReport.render(summary: summary(histogram: nil), cards: [])
        XCTAssertFalse(noHistogram.contains("histogram.png"))
    }

    func testWritesAReportFolderForInspection() throws {
        let folder = try TestSupport.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let image = try TestSupport.goldenImage("chelsea_crop96.png")
        let figure = try PanelFigure.render(
            image: image, panels: [.original, .sensitivity(layer: "mixed_7c", map: TestSupport.astronautSensitivity7c)],
            caption: FigureCaption(top1Label: "tabby", top1Probability: 0.6))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("panels"), withIntermediateDirectories: true)
        try AtomicFile.write(figure.png, to: folder.appendingPathComponent("panels").appendingPathComponent(hostile))
        let html = HTMLReport.render(summary: summary(histogram: nil), cards: [card(hostile, delta: 0.2)])
        try AtomicFile.write(html, to: folder.appendingPathComponent("index.html"))
        TestSupport.keepSample(Array(html.utf8), named: "index.html")
        TestSupport.keepSample(figure.png, named: "panels/" + hostile)
        // The percent-encoded src resolves to the file that was written.
        let src = HTMLEscaping.relativeURL("panels/" + hostile)
        let resolved = URL(string: src, relativeTo: folder.appendingPathComponent("index.html"))!
        XCTAssertTrue(FileManager.default.fileExists(atPath: resolved.path), resolved.path)
    }
}
