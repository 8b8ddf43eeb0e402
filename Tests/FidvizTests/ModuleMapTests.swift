import Foundation
import TestSupport
import XCTest

/// Data flows one way: a module imports only modules above it in the package map (the comment at
/// the top of Package.swift), never one below. This test reads the map, each target's
/// dependencies in Package.swift and every `import` line under Sources, and fails on any that
/// points down the map.
final class ModuleMapTests: XCTestCase {
    static let root = Fixtures.repository

    func testNoModuleImportsOneBelowItInTheMap() throws {
        let manifest = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        let order = ModuleMap.order(manifest: manifest)
        XCTAssertEqual(order.prefix(3), ["SeededRandom", "UntrustedInput", "OutputFiles"], "the map was not read: \(order)")
        XCTAssertTrue(order.contains("Frechet") && order.contains("fidviz"), "\(order)")

        var imports: [String: Set<String>] = [:]
        let sources = Self.root.appendingPathComponent("Sources")
        let walker = try XCTUnwrap(FileManager.default.enumerator(atPath: sources.path))
        for case let relative as String in walker where relative.hasSuffix(".swift") {
            let module = String(relative.split(separator: "/")[0])
            let text = try String(contentsOf: sources.appendingPathComponent(relative), encoding: .utf8)
            imports[module, default: []].formUnion(ModuleMap.imports(in: text))
        }
        XCTAssertGreaterThan(imports.count, 10, "the walk did not find the modules")
        let violations = ModuleMap.violations(order: order, edges: imports)
            + ModuleMap.violations(order: order, edges: ModuleMap.dependencies(manifest: manifest))
        XCTAssertEqual(violations, [], "modules that import one below them in the package map")
    }

    /// The checker itself finds a planted upward import, in the sources and in the manifest.
    func testTheCheckFindsAPlantedUpwardImport() {
        let manifest = """
            // The package map
            //   Pixels           pixels
            //   Autograd         tensors
            //   Frechet          statistics,
            //                    more words
            //   C shims          C
            let package = Package(targets: [
                .target(name: "Pixels", dependencies: ["CPNG", "Frechet"]),
                .target(name: "Frechet", dependencies: ["Autograd"]),
            ])
            """
        let order = ModuleMap.order(manifest: manifest)
        XCTAssertEqual(order, ["Pixels", "Autograd", "Frechet"])
        XCTAssertEqual(ModuleMap.dependencies(manifest: manifest), ["Pixels": ["CPNG", "Frechet"], "Frechet": ["Autograd"]])
        XCTAssertEqual(ModuleMap.violations(order: order, edges: ModuleMap.dependencies(manifest: manifest)),
                       ["Pixels imports Frechet, which is below it in the map"])
        let planted = "import Foundation\n@testable import Autograd\n// import Frechet\nlet x = 1\n"
        XCTAssertEqual(ModuleMap.imports(in: planted), ["Foundation", "Autograd"])
        XCTAssertEqual(ModuleMap.violations(order: order, edges: ["Pixels": ModuleMap.imports(in: planted)]),
                       ["Pixels imports Autograd, which is below it in the map"])
    }
}

/// Reading the package map, the manifest's dependencies and `import` lines.
enum ModuleMap {
    /// Module names in the order the map lists them: lines `//   Name   description`.
    static func order(manifest: String) -> [String] {
        var names: [String] = []
        for line in manifest.components(separatedBy: "\n") {
            guard line.hasPrefix("//   "), !line.hasPrefix("//    ") else { continue }
            let rest = line.dropFirst(5)
            guard let end = rest.firstIndex(of: " "), rest[end...].hasPrefix("  ") else { continue }
            names.append(String(rest[..<end]))
        }
        return names
    }

    /// Each target's quoted dependency names, by target name.
    static func dependencies(manifest: String) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        let declarations = manifest.components(separatedBy: "Target(").dropFirst()
            + manifest.components(separatedBy: ".target(").dropFirst()
        for chunk in declarations {
            // One declaration: up to the next line that starts another (or a comment) in the list.
            let declaration = chunk.components(separatedBy: "\n        .")[0].components(separatedBy: "\n        //")[0]
            guard let name = firstQuoted(after: "name:", in: declaration),
                  let start = declaration.range(of: "dependencies: [") else { continue }
            let list = declaration[start.upperBound...].prefix { $0 != "]" }
            result[name] = Set(list.components(separatedBy: "\"").enumerated().filter { $0.offset % 2 == 1 }.map(\.element))
        }
        return result
    }

    /// The modules a Swift file imports (`import X`, `@testable import X`), comments left out.
    static func imports(in text: String) -> Set<String> {
        var modules = Set<String>()
        for line in text.components(separatedBy: "\n") {
            let words = line.split(separator: " ")
            guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
                  words[..<i].allSatisfy({ $0.hasPrefix("@") }) else { continue }
            modules.insert(String(words[i + 1]))
        }
        return modules
    }

    /// "A imports B, which is below it in the map" for every edge A -> B where both are in the map
    /// and B comes after A.
    static func violations(order: [String], edges: [String: Set<String>]) -> [String] {
        let position = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($1, $0) })
        var found: [String] = []
        for (module, targets) in edges.sorted(by: { $0.key < $1.key }) {
            guard let from = position[module] else { continue }
            for target in targets.sorted() where (position[target] ?? -1) > from {
                found.append("\(module) imports \(target), which is below it in the map")
            }
        }
        return found
    }

    private static func firstQuoted(after key: String, in text: String) -> String? {
        guard let range = text.range(of: key) else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " || $0 == "\n" }
        guard rest.first == "\"" else { return nil }
        return String(rest.dropFirst().prefix { $0 != "\"" })
    }
}
