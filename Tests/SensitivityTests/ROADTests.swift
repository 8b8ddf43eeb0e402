import Pixels
import SeededRandom
@testable import Sensitivity
import XCTest

final class ROADTests: XCTestCase {
    // MARK: - Imputation

    static func randomImage(channels: Int, height: Int, width: Int, seed: UInt64) -> [Float] {
        var random = SplitMix64(seed: seed)
        return (0 ..< channels * height * width).map { _ in Float(random.uniform()) }
    }

    /// Every removed pixel's equation, s_p x_p - sum_{removed q} w x_q = sum_{kept q} w v_q, is
    /// met to 1e-10 (the residual written here from ROAD's weights, independently of the band
    /// layout), and with noise on, kept pixels are exactly the input's.
    func testImputationSolvesItsSystemAndKeepsKeptPixels() {
        let (channels, height, width) = (3, 19, 23)
        let plane = height * width
        let pixels = Self.randomImage(channels: channels, height: height, width: width, seed: 11)
        for removedShare in [0.1, 0.5, 0.9] {
            var random = SplitMix64(seed: 99)
            var removed = (0 ..< plane).map { _ in random.uniform() < removedShare }
            removed[0] = true  // a corner, whose neighbours are cut by the border
            removed[plane - 1] = false
            let solution = NoisyLinearImputation.solve(pixels, channels: channels, height: height, width: width,
                                                       removed: removed)
            XCTAssertEqual(solution.removed, removed.indices.filter { removed[$0] })
            var value = pixels.map(Double.init)
            let n = solution.removed.count
            for c in 0 ..< channels {
                for (i, p) in solution.removed.enumerated() { value[c * plane + p] = solution.values[c * n + i] }
            }
            var worst = 0.0
            let weights: [(Int, Int, Double)] = [(-1, -1, 1 / 12), (-1, 0, 1 / 6), (-1, 1, 1 / 12), (0, -1, 1 / 6),
                                                  (0, 1, 1 / 6), (1, -1, 1 / 12), (1, 0, 1 / 6), (1, 1, 1 / 12)]
            for c in 0 ..< channels {
                for p in solution.removed {
                    let (y, x) = (p / width, p % width)
                    var residual = 0.0
                    for (dy, dx, w) in weights where (0 ..< height).contains(y + dy) && (0 ..< width).contains(x + dx) {
                        residual += w * (value[c * plane + p] - value[c * plane + (y + dy) * width + x + dx])
                    }
                    worst = max(worst, abs(residual))
                }
            }
            XCTAssertLessThanOrEqual(worst, 1e-10, "share \(removedShare)")

            var noise = SplitMix64(seed: 5)
            let imputed = NoisyLinearImputation.impute(pixels, channels: channels, height: height, width: width,
                                                       removed: removed, random: &noise)
            var moved = 0.0
            for c in 0 ..< channels {
                for p in 0 ..< plane {
                    if removed[p] {
                        moved = max(moved, abs(Double(imputed[c * plane + p]) - value[c * plane + p]))
                    } else {
                        XCTAssertEqual(imputed[c * plane + p], pixels[c * plane + p], "kept pixel \(p) changed")
                    }
                }
            }
            XCTAssertGreaterThan(moved, 0.005, "no noise was added")
            XCTAssertLessThan(moved, 0.06, "noise far above ROAD's 0.01")
        }
    }

    /// The float32 factor refined in float64 and the float64 solve (its fallback) agree.
    func testRefinedSolveAgreesWithTheFloat64Solve() {
        // A 1-D chain: s = 1 inside, coupled to both neighbours by 1/2, the ends held by kept pixels.
        let n = 400
        let coupled = (0 ..< n).map { (i: Int) -> [(j: Int, weight: Double)] in
            [i - 1, i + 1].filter { (0 ..< n).contains($0) }.map { (j: $0, weight: 0.5) }
        }
        let system = BandSystem(n: n, kd: 1, diagonal: Array(repeating: 1, count: n), coupled: coupled)
        var b = [Double](repeating: 0, count: 2 * n)
        (b[0], b[n - 1], b[n], b[2 * n - 1]) = (0.5, 0.25, 0.1, 0.4)  // two right-hand sides
        let refined = system.solve(b, columns: 2), exact = system.solve(b, columns: 2, refine: false)
        XCTAssertLessThanOrEqual(system.residual(b, refined, columns: 2).map(abs).max()!, BandSystem.tolerance)
        for k in 0 ..< 2 * n { XCTAssertEqual(refined[k], exact[k], accuracy: 1e-9, "unknown \(k)") }
        // The chain interpolates linearly between its ends: x_i = 1 + (i + 1) (0.5 - 1) / (n + 1) for ends 1 and 0.5.
        for i in 0 ..< n { XCTAssertEqual(refined[i], 1 + Double(i + 1) * (0.5 - 1) / Double(n + 1), accuracy: 1e-9) }
    }

    /// A linear ramp is its own weighted neighbour mean away from the border (the weights are
    /// symmetric), so a hole inside it is filled with the ramp exactly.
    func testAHoleInALinearRampIsFilledWithTheRamp() {
        let (height, width) = (12, 15)
        let ramp = (0 ..< height * width).map { (p: Int) -> Float in
            Float(0.02 * Double(p / width) - 0.03 * Double(p % width) + 0.5)
        }
        let removed = (0 ..< height * width).map { (p: Int) -> Bool in
            (2 ..< 10).contains(p / width) && (3 ..< 12).contains(p % width)
        }
        let solution = NoisyLinearImputation.solve(ramp, channels: 1, height: height, width: width, removed: removed)
        XCTAssertEqual(solution.removed.count, 72)
        for (i, p) in solution.removed.enumerated() {
            XCTAssertEqual(solution.values[i], Double(ramp[p]), accuracy: 1e-6, "pixel \(p)")
        }
    }

    // MARK: - A target whose answer is known

    /// A 24 x 24 image whose top-left 8 x 8 region is a 0/1 checkerboard, the rest uniform noise,
    /// and a target that depends on that region only: the mean of (x - 1/2)^2 over it (1/4 on the
    /// image; imputation pulls it towards 0).
    static let side = 24, region = 8
    static func inRegion(_ p: Int) -> Bool { p / side < region && p % side < region }

    static func knownAnswerImage() -> [Float] {
        var pixels = randomImage(channels: 3, height: side, width: side, seed: 3)
        for c in 0 ..< 3 {
            for p in 0 ..< side * side where inRegion(p) { pixels[c * side * side + p] = Float((p / side + p % side) % 2) }
        }
        return pixels
    }

    static func regionTarget(_ batch: [Float], _ count: Int) -> [[Double]] {
        let size = 3 * side * side
        return (0 ..< count).map { b in
            let cells = (0 ..< side * side).filter(inRegion)
            var sum = 0.0
            for p in cells {
                let x = Double(batch[b * size + p]) - 0.5
                sum += x * x
            }
            return [sum / Double(cells.count)]
        }
    }

    static func road(seed: UInt64) -> ROAD {
        ROAD(pixels: knownAnswerImage(), channels: 3, height: side, width: side, seed: seed, targets: [.deltaFID],
             evaluate: regionTarget)
    }

    func testTheRegionsMapBeatsRandomAndItsComplementLoses() throws {
        let road = Self.road(seed: 42)
        XCTAssertEqual(road.original, [0.25])
        let onRegion = SpatialMap(width: Self.side, height: Self.side,
                                  values: (0 ..< Self.side * Self.side).map { Self.inRegion($0) ? 1 : 0 })
        let complement = SpatialMap(width: Self.side, height: Self.side, values: onRegion.values.map { 1 - $0 })
        let good = road.curves(ranking: onRegion, target: .deltaFID)
        let bad = road.curves(ranking: complement, target: .deltaFID)
        XCTAssertEqual(good.fractions, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
        // The random order falls step by step, in between.
        for k in 1 ... 9 { XCTAssertLessThan(good.random[k], good.random[k - 1] + 0.02, "random step \(k)") }
        let goodScore = try XCTUnwrap(good.score), badScore = try XCTUnwrap(bad.score)
        print("region map: score \(goodScore), morf \(good.morf), lerf \(good.lerf), random \(good.random)")
        print("complement: score \(badScore), morf \(bad.morf), lerf \(bad.lerf)")
        XCTAssertGreaterThan(goodScore, 0.5)
        XCTAssertLessThan(badScore, -0.5)
        XCTAssertEqual(good.beatsRandom, true)
        XCTAssertEqual(bad.beatsRandom, false)
        // LeRF of the region's map keeps the region whole for 8 steps (512 other pixels).
        for k in 1 ... 8 { XCTAssertEqual(good.lerf[k], 0.25, "LeRF step \(k)") }
    }

    func testScoresAreReproducibleForAFixedSeed() {
        let map = SpatialMap(width: Self.side, height: Self.side,
                             values: (0 ..< Self.side * Self.side).map { Float(($0 * 37) % 101) })
        let a = Self.road(seed: 7).curves(ranking: map, target: .deltaFID)
        let b = Self.road(seed: 7).curves(ranking: map, target: .deltaFID)
        let c = Self.road(seed: 8).curves(ranking: map, target: .deltaFID)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.score, b.score)
        XCTAssertNotEqual(a.random, c.random)
        XCTAssertNotEqual(a.morf, c.morf, "the noise does not depend on the seed")
    }

    func testScoreFormulaAndItsEdgeCases() {
        let fractions = [0] + ROAD.fractions
        let curves = ROADCurves(target: .top1Logit, fractions: fractions, morf: [2] + Array(repeating: 0.5, count: 9),
                                lerf: [2] + Array(repeating: 1.5, count: 9), random: [2] + Array(repeating: 1, count: 9))
        XCTAssertEqual(curves.score!, 0.5, accuracy: 1e-15)  // (1.5 - 0.5) / 2
        XCTAssertEqual(curves.beatsRandom, true)
        let zero = ROADCurves(target: .deltaFID, fractions: fractions, morf: Array(repeating: 0, count: 10),
                              lerf: Array(repeating: 0, count: 10), random: Array(repeating: 0, count: 10))
        XCTAssertNil(zero.score)
        XCTAssertNil(zero.beatsRandom)
        // A negative original (an image that lowers FID): falling towards 0 is still a fall.
        let negative = ROADCurves(target: .deltaFID, fractions: fractions, morf: [-4] + Array(repeating: -1, count: 9),
                                  lerf: [-4] + Array(repeating: -3, count: 9), random: [-4] + Array(repeating: -2, count: 9))
        XCTAssertEqual(negative.score!, 0.5, accuracy: 1e-15)
        XCTAssertEqual(negative.beatsRandom, true)
    }
}
