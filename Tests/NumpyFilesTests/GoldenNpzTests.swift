import Foundation
import TestSupport
import XCTest
@testable import NumpyFiles

/// The reference bundle's .npz files (written by numpy from PyTorch outputs) read with the
/// expected keys, shapes, dtypes and a few exact values.
final class GoldenNpzTests: XCTestCase {

    private func golden(_ name: String) throws -> [String: NpyArray] {
        try Npz.read(contentsOf: Fixtures.url("golden/\(name)"))
    }

    private func layout(_ arrays: [String: NpyArray]) -> [String: String] {
        arrays.mapValues { "\($0.dtype) \($0.shape)" }
    }

    func testStatsFixture() throws {
        let stats = try golden("stats_fixture.npz")
        XCTAssertEqual(
            layout(stats),
            [
                "mu_r": "<f8 [2048]", "b_r": "<f8 [2048, 32]", "mu_g": "<f8 [2048]",
                "b_g": "<f8 [2048, 32]", "ridge": "<f8 []", "n": "<i8 []", "fid": "<f8 []",
                "f": "<f8 [2048]", "grad_f": "<f8 [2048]", "fid_after_f": "<f8 []",
            ])
        XCTAssertEqual(stats["n"]?.int64s(), [50000])
        XCTAssertEqual(stats["fid"]?.scalarDouble(), 37006.701459841104)
        XCTAssertEqual(stats["ridge"]?.scalarDouble(), 0.01)
        XCTAssertEqual(stats["mu_r"]?.doubles()?.first, 1.8182040554362175)
        XCTAssertEqual(stats["b_r"]?.doubles()?.last, 0.2142841177436311)
    }

    func testKIDFixture() throws {
        let kid = try golden("kid_fixture.npz")
        XCTAssertEqual(
            layout(kid), ["a": "<f4 [300, 2048]", "b": "<f4 [300, 2048]", "kid": "<f8 []"])
        XCTAssertEqual(kid["kid"]?.scalarDouble(), 9.140625)
        XCTAssertEqual(kid["a"]?.floats()?.first, 2.198549270629883)
        XCTAssertEqual(kid["b"]?.floats()?.last, 0.9454811215400696)
    }

    func testAstronautActivations() throws {
        let astronaut = try golden("astronaut.npz")
        XCTAssertEqual(
            layout(astronaut),
            [
                "pool3": "<f4 [2048]", "logits": "<f4 [1008]", "mixed_7c": "<f4 [2048, 8, 8]",
                "mixed_6e": "<f4 [768, 17, 17]",
            ])
        XCTAssertEqual(astronaut["pool3"]?.floats()?.first, 2.2323482036590576)
        XCTAssertEqual(astronaut["logits"]?.floats()?.last, -2.617648124694824)
        XCTAssertEqual(astronaut["mixed_6e"]?.floats()?.last, 3.0909132957458496)
    }

    func testExplainFixtures() throws {
        let horse = try golden("horse.explain.npz")
        XCTAssertEqual(
            layout(horse),
            [
                "sensitivity_mixed_7c": "<f4 [8, 8]", "sensitivity_mixed_6e": "<f4 [17, 17]",
                "fid_before": "<f8 []", "fid_after": "<f8 []", "top1": "<i8 []",
                "input_gradient": "<f4 [3, 328, 400]", "gradcam_top1_mixed_7c": "<f4 [8, 8]",
            ])
        XCTAssertEqual(horse["top1"]?.int64s(), [876])
        XCTAssertEqual(horse["input_gradient"]?.floats()?.last, 2.0650555043744134e-08)
        XCTAssertEqual(horse["input_gradient"]?.floats()?[1], -1.772072799610669e-08)
        for stem in ["camera", "chelsea_crop96", "chessboard_RGB", "horse"] {
            XCTAssertEqual(
                layout(try golden("\(stem).npz")), ["pool3": "<f4 [2048]", "logits": "<f4 [1008]"],
                stem)
        }
        XCTAssertEqual(
            try golden("chelsea_crop96.explain.npz")["input_gradient"]?.shape, [3, 96, 96])
    }
}
