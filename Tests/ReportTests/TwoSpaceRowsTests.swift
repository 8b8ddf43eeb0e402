import Foundation
import Frechet
import InceptionGraph
import Pixels
@testable import Report
import XCTest

/// Two spaces' columns on constructed rows whose answers are worked out by hand: each image's
/// ranks and disagreement, the images selected each way, Spearman's rho of the spaces and of
/// each space with people, and the per-class sums in their order.
final class TwoSpaceRowsTests: XCTestCase {
    /// (file, ΔFID, ΔFD_DINOv2, Top-1 class, people's score), given out of order. By ΔFID the
    /// order is a..f (ranks 1..6); by ΔFD_DINOv2 it is f, b, c, d, e, a.
    static let images: [(String, Double, Double, Int, Double?)] = [
        ("d.png", 2, 4, 2, 0.5), ("a.png", 5, 1, 1, 0.1), ("f.png", 0, 7, 3, 0.8),
        ("c.png", 3, 5, 2, nil), ("b.png", 4, 6, 1, 0.9), ("e.png", 1, 3, 3, 0.3),
    ]

    static func rows() -> [ImageRow] {
        images.map { file, fid, fd, index, score in
            var row = ImageRow(file: ImagePath(file), width: 8, height: 8,
                               top5: [ClassScore(index: index, label: ImageNetLabels.label(index), probability: 0.5)],
                               distances: [ImageDistance(space: .inceptionPool3, SampleContribution(fidAfter: 10, deltaFID: fid, gradient: [])),
                                           ImageDistance(space: .dinov2, SampleContribution(fidAfter: 10, deltaFID: fd, gradient: []))])
            row.humanScore = score
            return row
        }
    }

    func testRanksDisagreementsAndSelections() {
        let ranked = RankedRows(Self.rows(), top: 0, best: 0, disagreements: 2, hasHumanScores: true)
        XCTAssertEqual(ranked.rows.map(\.file.description), ["a.png", "b.png", "c.png", "d.png", "e.png", "f.png"])
        XCTAssertEqual(ranked.rows.map { $0.distances[0].rank }, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(ranked.rows.map { $0.distances[1].rank }, [6, 2, 3, 4, 5, 1])
        XCTAssertEqual(ranked.rows.map { $0.disagreement }, [5.0 / 6, 0, 0, 0, 0, -5.0 / 6])
        XCTAssertEqual(ranked.spaceDisagreements, Disagreements(aOnly: [0], bOnly: [5]))
        // People scored a, b, d, e, f: by ΔFID a, b, d, e, f; by score b, f, d, e, a.
        XCTAssertEqual(ranked.peopleDisagreements, Disagreements(aOnly: [0], bOnly: [5, 1]))
        XCTAssertEqual(ranked.explained, [0, 5, 1], "each image once")

        let one = RankedRows(Self.rows(), top: 1, best: 1, disagreements: 1, hasHumanScores: true)
        XCTAssertEqual(one.worst, [0])
        XCTAssertEqual(one.best, [5])
        XCTAssertEqual(one.explained, [0, 5])
        let none = RankedRows(Self.rows(), top: 1, best: 0)
        XCTAssertEqual(none.explained, [0])
        XCTAssertTrue(none.spaceDisagreements.isEmpty)
    }

    /// Spearman as scipy gives it for these values: ΔFID against ΔFD_DINOv2, -3/7; against
    /// people's scores, -0.3 (ΔFID) and 0.9 (ΔFD_DINOv2), over the 5 scored images.
    func testAgreementNumbers() throws {
        let agreement = try XCTUnwrap(ReportAgreement(RankedRows(Self.rows(), top: 0, best: 0, hasHumanScores: true)))
        let spaces = try XCTUnwrap(agreement.spaces)
        XCTAssertEqual(spaces.a, .inceptionPool3)
        XCTAssertEqual(spaces.b, .dinov2)
        XCTAssertEqual(spaces.rho, -3.0 / 7, accuracy: 1e-15)
        let human = try XCTUnwrap(agreement.human)
        XCTAssertEqual(human.scored, 5)
        XCTAssertEqual(human.estimates.map(\.space), [.inceptionPool3, .dinov2])
        XCTAssertEqual(human.estimates[0].estimate.rho, -0.3, accuracy: 1e-15)
        XCTAssertEqual(human.estimates[1].estimate.rho, 0.9, accuracy: 1e-15)
        XCTAssertEqual(human.estimates[0].estimate.count, 5)
        guard case .object(let json) = agreement.json, case .object(let people)? = json["human"] else {
            return XCTFail("agreement is \(agreement.json)")
        }
        XCTAssertEqual(Set(json.keys), ["spearman_fid_fd_dinov2", "human"])
        XCTAssertEqual(Set(people.keys), ["n_scored", "spearman_fid", "spearman_fd_dinov2", "ci95_fid", "ci95_fd_dinov2"])
        XCTAssertNil(ReportAgreement(RankedRows(Self.rows().map { row in
            var one = row
            one.distances.removeLast()
            return one
        }, top: 0, best: 0)), "one space, no people: no agreement object")
    }

    /// Per class: a, b (class 1) sum 9 and 7; c, d (class 2) 5 and 9; e, f (class 3) 1 and 10.
    /// As shares of the set's distances (10 and 10): gaps 0.2, -0.4, -0.9, so class 1, which
    /// FID alone punishes, comes first.
    func testClassSumsInTwoSpaces() {
        let ranked = RankedRows(Self.rows(), top: 0, best: 0)
        let classes = TwoSpaceClass.classes(ranked, distances: [SetDistance(space: .inceptionPool3, value: 10),
                                                                SetDistance(space: .dinov2, value: 10)])
        XCTAssertEqual(classes.map(\.index), [1, 2, 3])
        XCTAssertEqual(classes.map(\.count), [2, 2, 2])
        XCTAssertEqual(classes.map(\.sumA), [9, 5, 1])
        XCTAssertEqual(classes.map(\.sumB), [7, 9, 10])
        XCTAssertEqual(classes.map(\.gap), [0.9 - 0.7, 0.5 - 0.9, 0.1 - 1.0])
    }

    /// report.json and images.csv carry each row's ranks, disagreement and people's score.
    func testJSONAndCSVColumns() throws {
        let ranked = RankedRows(Self.rows(), top: 0, best: 0, hasHumanScores: true)
        let header = ImagesCSV.header([.inceptionPool3, .dinov2], humanScores: true)
        XCTAssertEqual(header, "rank,file,top1_index,top1_label,top1_probability,fid_before,fid_after,delta_fid,"
            + "fd_dinov2_before,fd_dinov2_after,delta_fd_dinov2,rank_fid,rank_fd_dinov2,disagreement,human_score")
        let line = String(decoding: ImagesCSV.line(rank: 1, ranked.rows[0], humanScores: true), as: UTF8.self)
        XCTAssertTrue(line.hasSuffix(",5.0,10.0,5.0,9.0,10.0,1.0,1,6,0.8333333333333334,0.1\r\n"), line)
        let unscored = String(decoding: ImagesCSV.line(rank: 3, ranked.rows[2], humanScores: true), as: UTF8.self)
        XCTAssertTrue(unscored.hasSuffix(",3,3,0.0,\r\n"), unscored)
        guard case .object(let image) = ReportJSON.image(ranked.rows[5], layers: [], humanScores: true) else {
            return XCTFail("not an object")
        }
        XCTAssertEqual(image["rank_fid"], .int(6))
        XCTAssertEqual(image["rank_fd_dinov2"], .int(1))
        XCTAssertEqual(image["disagreement"], .number(-5.0 / 6))
        XCTAssertEqual(image["human_score"], .number(0.8))
        XCTAssertEqual(image["delta_fd_dinov2"], .number(7))
        // One space: no rank columns.
        XCTAssertEqual(ImagesCSV.header([.inceptionPool3]),
                       "rank,file,top1_index,top1_label,top1_probability,fid_before,fid_after,delta_fid")
    }
}
