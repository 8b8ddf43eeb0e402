import Foundation
import Report
import XCTest

final class HTMLReportTests: XCTestCase {
    private let hostile = "<img src=x onerror=alert(1)>.png"

    private func page(_ rows: [ImageRow], official: Bool = false) -> ReportPage {
        let pick = RankedRows(rows, top: 3, best: 1)
        let ranked = pick.rows
        var withPanels = ranked
        for i in pick.explained where ranked[i].maps != nil {
            withPanels[i].panel = "panels/\(i)-" + ranked[i].file.description
        }
        return ReportPage(summary: Support.summary(official: official), rows: withPanels,
                          worst: pick.worst.filter { ranked[$0].maps != nil }, best: pick.best.filter { ranked[$0].maps != nil },
                          classes: ClassContribution.aggregate(ranked), deltaHistogramPath: "delta-fid.png",
                          classHistogramPath: "classes.png")
    }

    func testHostileFileNameIsEscapedTextAndEncodedURL() {
        let html = HTMLReport.render(page([Support.row(hostile, delta: 0.1, explained: true)]))
        XCTAssertFalse(html.contains(hostile), "the raw hostile name reached the page")
        XCTAssertFalse(html.contains("<img src=x"))
        XCTAssertTrue(html.contains("<h3><bdi>&lt;img src=x onerror=alert(1)&gt;.png</bdi></h3>"))
        XCTAssertTrue(html.contains("alt=\"panels for &lt;img src=x onerror=alert(1)&gt;.png\""))
        XCTAssertTrue(html.contains("src=\"panels/0-%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.png\""))
        XCTAssertFalse(html.contains("<script"))
    }

    func testEveryProvidedStringIsEscaped() {
        let html = HTMLReport.render(page([Support.row("a.png", delta: 1, label: "<b>\"x\" & 'y'</b>", explained: true)]))
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

    func testCardsOnlyForExplainedImagesWorstThenBest() {
        var rows = (0 ..< 6).map { Support.row("i\($0).png", delta: Double(3 - $0), explained: true) }
        rows.append(Support.row("quiet.png", delta: 0.5))
        let html = HTMLReport.render(page(rows))
        let cards = html.components(separatedBy: "<article class=\"card\"").count - 1
        XCTAssertEqual(cards, 4, "three worst and one best")
        let order = ["i0.png", "i1.png", "i2.png", "i5.png"].map { html.range(of: "<h3><bdi>\($0)</bdi></h3>")!.lowerBound }
        XCTAssertEqual(order, order.sorted())
        XCTAssertFalse(html.contains("<h3><bdi>quiet.png</bdi></h3>"), "an image that was not explained gets no card")
        XCTAssertTrue(html.contains("id=\"image-7\">\n<header><span class=\"rank\">#7</span><h3><bdi>i5.png</bdi></h3>"),
                      "the card's rank is the image's position among all images")
        XCTAssertTrue(html.contains("The 3 images with the largest ΔFID"))
        XCTAssertTrue(html.contains("The 1 images with the smallest ΔFID"))
        XCTAssertTrue(html.contains("href=\"images.csv\""))
    }

    func testWarningShownOnlyForUnofficialWeights() {
        let unofficial = HTMLReport.render(page([], official: false))
        XCTAssertTrue(unofficial.contains("<div class=\"warning\" role=\"alert\">NOT the official FID weights: numbers are not comparable to published FIDs</div>"))
        let official = HTMLReport.render(page([], official: true))
        XCTAssertFalse(official.contains("class=\"warning\""))
        XCTAssertTrue(official.contains("(official pytorch-fid weights)"))
    }

    func testSelfContainedPageWithCSPThatForbidsScripts() {
        let html = HTMLReport.render(page([Support.row("a.png", delta: 0.5, explained: true)]))
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertFalse(html.contains("http://"))
        XCTAssertFalse(html.contains("https://"))
        XCTAssertFalse(html.contains("<link"))
        XCTAssertFalse(html.contains("<script"))
        let csp = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\">"
        XCTAssertTrue(html.contains(csp), "default-src 'none' with no script-src: scripts cannot run")
        XCTAssertTrue(html.contains("<code title=\"\(String(repeating: "ab", count: 32))\">abababababababab…</code>"))
        XCTAssertTrue(html.contains("ΔFID +0.5"))
        XCTAssertTrue(html.contains("#286 Egyptian cat"))
        XCTAssertTrue(html.contains("<dt>FID without the image</dt><dd>37006.7015</dd>"))
        XCTAssertTrue(html.contains("<dt>FID with the image</dt><dd>37007.2015</dd>"))
        XCTAssertTrue(html.contains("<img src=\"delta-fid.png\""))
        XCTAssertTrue(html.contains("Classes that drive this FID"))
    }
}
