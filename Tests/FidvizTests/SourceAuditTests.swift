import Foundation
import TestSupport
import XCTest

/// Bad input must end in a typed error and one line, never a trap: no `try!`, `fatalError(` or
/// `as!` in `Sources`, except the lines below, each with the reason it cannot be reached from a
/// file, a flag or the network. A new one fails this test until it is turned into a thrown
/// error or, if it guards a programmer error only, added here with its reason. Lines are
/// matched by their text (trimmed), not their number, so edits elsewhere do not disturb it.
final class SourceAuditTests: XCTestCase {
    static let allowed: [String: String] = [
        "try! InceptionWeights(parameters: parameters(seed: seed), source: \"seeded-\\(seed)\")":
            "SeededWeights builds every parameter from the architecture's own table of shapes, so the "
            + "check cannot fail; it is used by tests and the benchmark, never by the CLI",
        "try! DINOv2Weights(parameters: parameters(architecture, seed: seed), source: \"seeded-\\(seed)\")":
            "SeededDINOv2Weights builds every parameter from the architecture's own table of shapes, so the "
            + "check cannot fail; it is used by tests and the benchmark, never by the CLI",
        "fatalError(\"\\(error)\")":
            "FuzzTarget.fuzzOneInput, run only by the libFuzzer harnesses: a trap is how a harness "
            + "reports a parser's broken contract to libFuzzer, which saves the input as a finding",
        "fatalError(\"\\(rawValue): one input of \\(count) bytes took \\(seconds) s of CPU time, more than \"":
            "FuzzTarget.fuzzOneInput, run only by the libFuzzer harnesses: an input over the CPU-time "
            + "bound is reported to libFuzzer as a finding by trapping",
    ]

    static let patterns = ["try!", "fatalError(", " as! "]

    func testNoTrapsOnInputOutsideTheAllowList() throws {
        let sources = Fixtures.repository.appendingPathComponent("Sources")
        let walker = try XCTUnwrap(FileManager.default.enumerator(atPath: sources.path))
        var found: [String] = []
        var used = Set<String>()
        var files = 0
        for case let relative as String in walker where relative.hasSuffix(".swift") {
            files += 1
            let text = try String(contentsOf: sources.appendingPathComponent(relative), encoding: .utf8)
            for (number, line) in text.components(separatedBy: "\n").enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                guard !code.hasPrefix("//"), Self.patterns.contains(where: code.contains) else { continue }
                if Self.allowed[code] != nil {
                    used.insert(code)
                } else {
                    found.append("Sources/\(relative):\(number + 1): \(code)")
                }
            }
        }
        XCTAssertGreaterThan(files, 50, "the walk did not find the sources")
        XCTAssertEqual(found, [], "turn these into thrown errors, or allow them with a reason")
        XCTAssertEqual(Set(Self.allowed.keys).subtracting(used), [], "allowed lines that no longer exist")
    }

    /// The seeded stand-in weights are for the tests and the benchmark only: no module in
    /// `Sources` but fidviz-bench imports `_SeededWeights`, and the `fidviz` target does not
    /// depend on it.
    func testTheCommandLineNeverGetsTheSeededWeights() throws {
        let root = Fixtures.repository
        let sources = root.appendingPathComponent("Sources")
        let walker = try XCTUnwrap(FileManager.default.enumerator(atPath: sources.path))
        var importers: [String] = []
        for case let relative as String in walker where relative.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(relative), encoding: .utf8)
            for line in text.components(separatedBy: "\n") {
                let words = line.split(separator: " ")
                if words.contains("import"), words.last == "_SeededWeights" { importers.append(relative) }
            }
        }
        XCTAssertFalse(importers.isEmpty, "the benchmark's import was not found: the walk is broken")
        XCTAssertEqual(importers.filter { !$0.hasPrefix("fidviz-bench/") }, [],
                       "only the benchmark may use the stand-in weights")
        let manifest = try String(contentsOf: root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let targets = manifest.components(separatedBy: ".executableTarget(").dropFirst()
        let cli = try XCTUnwrap(targets.first { $0.contains("name: \"fidviz\",") }, "no fidviz target in Package.swift")
        let declaration = cli.components(separatedBy: ".target(").first ?? cli
        XCTAssertTrue(declaration.contains("\"Report\""), declaration)
        XCTAssertFalse(declaration.contains("_SeededWeights"), declaration)
    }
}
