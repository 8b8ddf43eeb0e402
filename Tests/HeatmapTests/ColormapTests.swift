import XCTest
@testable import Heatmap

final class ColormapTests: XCTestCase {
    private func assertColor(_ c: RGBColor, _ r: Float, _ g: Float, _ b: Float, _ name: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(c.r, r, accuracy: 1e-6, "\(name) red", file: file, line: line)
        XCTAssertEqual(c.g, g, accuracy: 1e-6, "\(name) green", file: file, line: line)
        XCTAssertEqual(c.b, b, accuracy: 1e-6, "\(name) blue", file: file, line: line)
    }

    func testEndpointsMatchPublishedValues() {
        // matplotlib _viridis_data / _inferno_data first and last rows.
        assertColor(Colormap(.viridis).color(at: 0), 0.267004, 0.004874, 0.329415, "viridis(0)")
        assertColor(Colormap(.viridis).color(at: 1), 0.993248, 0.906157, 0.143936, "viridis(1)")
        assertColor(Colormap(.inferno).color(at: 0), 0.001462, 0.000466, 0.013866, "inferno(0)")
        assertColor(Colormap(.inferno).color(at: 1), 0.988362, 0.998364, 0.644924, "inferno(1)")
        // MATLAB R2014b parula(64) first and last rows.
        assertColor(Colormap(.parula).color(at: 0), 0.2081, 0.1663, 0.5292, "parula(0)")
        assertColor(Colormap(.parula).color(at: 1), 0.9763, 0.9831, 0.0538, "parula(1)")
    }

    func testInteriorEntriesMatchPublishedValues() {
        // viridis row 128 of matplotlib's table.
        assertColor(Colormap(.viridis).entries[128], 0.127568, 0.566949, 0.550556, "viridis[128]")
        // Entry 85 of parula(256) falls exactly on row 22 (index 21) of the 64-entry base table.
        assertColor(Colormap(.parula).entries[85], 0.0265, 0.6137, 0.8135, "parula[85]")
    }

    func testEveryTableHas256EntriesInUnitRange() {
        for name in ColormapName.allCases {
            let map = Colormap(name)
            XCTAssertEqual(map.entries.count, 256, "\(name)")
            for c in map.entries {
                XCTAssertTrue((0...1).contains(c.r) && (0...1).contains(c.g) && (0...1).contains(c.b), "\(name) \(c)")
            }
        }
        XCTAssertEqual(ColormapName.allCases.map(\.rawValue), ["parula", "viridis", "inferno"])
        XCTAssertEqual(ColormapName(rawValue: "parula"), .parula)
    }

    func testLookupRoundsClampsAndTreatsNaNAsLow() {
        XCTAssertEqual(Colormap.index(for: 0), 0)
        XCTAssertEqual(Colormap.index(for: 1), 255)
        XCTAssertEqual(Colormap.index(for: 0.5), 128)  // 127.5 rounds away from zero
        XCTAssertEqual(Colormap.index(for: 1.0 / 255 * 0.49), 0)
        XCTAssertEqual(Colormap.index(for: 1.0 / 255 * 0.51), 1)
        XCTAssertEqual(Colormap.index(for: -3), 0)
        XCTAssertEqual(Colormap.index(for: 7), 255)
        XCTAssertEqual(Colormap.index(for: .infinity), 255)
        XCTAssertEqual(Colormap.index(for: -.infinity), 0)
        XCTAssertEqual(Colormap.index(for: .nan), 0)
    }

    func testBytesRoundToNearest() {
        let c = RGBColor(r: 0.267004, g: 0.004874, b: 1.5).bytes
        XCTAssertEqual([c.r, c.g, c.b], [68, 1, 255])
    }
}
