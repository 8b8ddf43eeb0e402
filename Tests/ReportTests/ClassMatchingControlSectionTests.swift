import Foundation
import Frechet
import Heatmap
import Pixels
@testable import Report
import SeededRandom
import XCTest

/// The class-matching section with a second space: the headline's wording follows the numbers,
/// and FD_DINOv2 is named as such in the text, the JSON and the HTML, while another extractor's
/// features keep their `aux` entry.
final class ClassMatchingControlSectionTests: XCTestCase {
    private func sentence(fid: (Double, Double), fd: (Double, Double)) -> String {
        ClassMatchingSection.controlSentence(matching: "Top-1 matching", cause: "ImageNet classes", fid: fid,
                                             other: ("FD_DINOv2", fd.0, fd.1))
    }

    func testTheControlSentenceFollowsTheNumbers() {
        XCTAssertEqual(sentence(fid: (10, 6.9), fd: (5, 4.9)),
                       "Top-1 matching lowers FID by 31.0% and FD_DINOv2 by 2.0%: the gain is ImageNet classes, not quality.")
        XCTAssertEqual(sentence(fid: (10, 7), fd: (5, 3.5)),
                       "Top-1 matching lowers FID by 30.0% and FD_DINOv2 by 30.0%: the gain is not only ImageNet classes, "
                           + "FD_DINOv2 sees it too.")
        XCTAssertEqual(sentence(fid: (10, 8), fd: (5, 3)),
                       "Top-1 matching lowers FID by 20.0% and FD_DINOv2 by 40.0%: the gain is not only ImageNet classes, "
                           + "FD_DINOv2 sees it too.")
        XCTAssertEqual(sentence(fid: (10, 8), fd: (5, 4.5)),
                       "Top-1 matching lowers FID by 20.0% and FD_DINOv2 by 10.0%: the gain is partly ImageNet classes, "
                           + "and FD_DINOv2 sees part of it.")
        XCTAssertEqual(sentence(fid: (10, 8), fd: (5, 5.5)),
                       "Top-1 matching lowers FID by 20.0% but raises FD_DINOv2 by 10.0%: the gain is ImageNet classes, "
                           + "not quality.")
        XCTAssertEqual(sentence(fid: (10, 8), fd: (5, 5.0001)),
                       "Top-1 matching lowers FID by 20.0% but leaves FD_DINOv2 unchanged: the gain is ImageNet classes, "
                           + "not quality.")
        XCTAssertEqual(sentence(fid: (10, 10.2), fd: (5, 4.9)),
                       "Top-1 matching does not lower FID (+2.0%); FD_DINOv2 changes by -2.0%.")
        // The boundaries: a quarter of FID's drop is still "not quality", three quarters "not only".
        XCTAssertTrue(sentence(fid: (10, 6), fd: (10, 9)).hasSuffix("the gain is ImageNet classes, not quality."))
        XCTAssertTrue(sentence(fid: (10, 6), fd: (10, 7)).hasSuffix("FD_DINOv2 sees it too."))
    }

    /// A section over random rows with FD_DINOv2 and a named extractor beside pool3, and classes.
    private func section() throws -> ClassMatchingSection {
        var random = SplitMix64(seed: 11)
        let (n, d, classes) = (30, 3, 3)
        func rows(_ dimension: Int) -> FeatureRows {
            FeatureRows((0 ..< n * dimension).map { _ in Float(random.normal()) }, dimension: dimension)
        }
        func statistics(_ dimension: Int) -> FrechetStatistics {
            var sigma = [Double](repeating: 0, count: dimension * dimension)
            for i in 0 ..< dimension { sigma[i * dimension + i] = 1 + random.uniform() }
            return FrechetStatistics(mu: (0 ..< dimension).map { _ in random.normal() }, sigma: sigma, n: 40)
        }
        let top1 = (0 ..< n).map { [$0 % classes, ($0 + 1) % classes] }
        var reference = ClassMatching.Analysis.Reference(pool3: statistics(d), top1Histogram: [5, 20, 15])
        reference.otherFeatures = [.known(.dinov2): statistics(2), .named("clip"): statistics(4)]
        reference.topNMultiHot = try ClassMatching.topNStatistics(
            topClasses: (0 ..< 40).map { [$0 % classes, ($0 + 2) % classes] }, classCount: classes, n: 2)
        var generated = ClassMatching.Analysis.Generated(pool3: rows(d), logits: nil, topClasses: top1)
        generated.otherFeatures = [.known(.dinov2): rows(2), .named("clip"): rows(4)]
        var options = ClassMatching.Analysis.Options()
        options.optimizer = NullSpaceOptimizer(maximumIterations: 10)
        options.topN = 2
        let analysis = try ClassMatching.Analysis(reference: reference, generated: generated, options: options)
        return ClassMatchingSection(analysis: analysis, generatedCount: n, referenceCount: 40, topN: 2,
                                    generatedTop1: top1.map { $0[0] }, referenceHistogram: [5, 20, 15], images: nil,
                                    notes: [])
    }

    func testFDDINOv2IsNamedInTextJSONAndHTML() throws {
        let section = try section()
        let a = section.analysis
        let dinov2 = try XCTUnwrap(a.otherFeatures.first { $0.space == .known(.dinov2) })
        let fidTop1 = try XCTUnwrap(a.fidTop1Matched), fdTop1 = try XCTUnwrap(dinov2.fdTop1Matched)
        let expected = ClassMatchingSection.controlSentence(matching: "Top-1 matching", cause: "ImageNet classes",
                                                            fid: (a.fid, fidTop1), other: ("FD_DINOv2", dinov2.fd, fdTop1))
        XCTAssertEqual(section.controlHeadline, expected)
        XCTAssertTrue(section.headline.hasPrefix(expected + " "), section.headline)
        XCTAssertTrue(section.headline.hasSuffix(section.classesHeadline))

        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: section.json.serialized(pretty: false))
            as? [String: Any])
        // Foundation's JSON reader may round the last bit.
        for (key, value) in [("fd_dinov2", dinov2.fd), ("fd_dinov2_top1_matched", fdTop1),
                             ("fd_dinov2_topn_matched", try XCTUnwrap(dinov2.fdTopNMatched)),
                             ("fd_dinov2_pool3_weighted", dinov2.fdPool3Weighted),
                             ("fd_dinov2_pool3_resampled", dinov2.fdPool3Resampled.median)] {
            XCTAssertEqual(try XCTUnwrap(json[key] as? Double, key), value, accuracy: 1e-15 * value, key)
        }
        XCTAssertEqual((json["fd_dinov2_pool3_resampled_draws"] as? [Double])?.count, 3)
        let aux = try XCTUnwrap(json["aux"] as? [[String: Any]])
        XCTAssertEqual(aux.map { $0["name"] as? String }, ["clip"], "DINOv2 is not an aux extractor")
        XCTAssertEqual(json["headline"] as? String, section.headline)

        let text = section.text
        XCTAssertTrue(text.contains("\nFD_DINOv2: "), text)
        XCTAssertTrue(text.contains("\nFD in clip: "), text)
        XCTAssertTrue(text.contains("Top-1 matched \(NumberText.fixed(fdTop1, digits: 4)) "
                                    + "(\(ClassMatchingSection.change(fdTop1, from: dinov2.fd)))"), text)

        let work = try Support.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let folder = try ReportFolder(path: work.appendingPathComponent("report").path, force: false)
        let html = try section.write(to: folder, style: FigureStyle(forceBitmapFont: true))
        XCTAssertTrue(html.contains("<th class=\"num\">FD_DINOv2</th><th class=\"num\">change</th>"
                                    + "<th class=\"num\">FD in clip</th>"), html)
        XCTAssertTrue(html.contains("<strong>" + HTMLEscaping.text(expected) + "</strong>"), html)
        XCTAssertTrue(html.contains(NumberText.fixed(fdTop1, digits: 3)))
        XCTAssertTrue(html.contains("class-matching/change.png"))
        try folder.commit()
        let chart = try PNGDecoder.decode(
            data: Data(contentsOf: work.appendingPathComponent("report/class-matching/change.png")), name: "change.png")
        XCTAssertEqual(chart.width, 960)
        // Top-1, Top-2 and resampled, each with FID and two other distances.
        XCTAssertEqual(ClassMatchingSection.relativeBars(section).map(\.label).count, 9)
    }
}
