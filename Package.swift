// swift-tools-version:6.0
import PackageDescription

// Data flows one way: pixels -> InceptionGraph -> features/activations
// -> Frechet (statistics, FID and its gradient) -> Sensitivity (gradients back through the
// network, maps) -> Heatmap (pictures, reports) -> files (fidviz).
let package = Package(
    name: "fidviz",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "fidviz", targets: ["fidviz"]),
        .executable(name: "fidviz-bench", targets: ["fidviz-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.19"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // MARK: - C shims (the only places that import C)
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CCairo", path: "Sources/CCairo", pkgConfig: "cairo",
            providers: [.apt(["libcairo2-dev"])]),
        .target(
            name: "CPNG", path: "Sources/CPNG",
            linkerSettings: [.linkedLibrary("png16")]),

        // MARK: - The pipeline
        .target(name: "Autograd", dependencies: ["CBLAS"]),
        .target(
            name: "InceptionGraph",
            dependencies: [
                "Autograd", "CPNG",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        .target(
            name: "NumpyFiles",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "Frechet", dependencies: ["CBLAS", "NumpyFiles"]),
        .target(name: "Sensitivity", dependencies: ["Autograd", "InceptionGraph", "Frechet"]),
        .target(name: "Heatmap", dependencies: ["CCairo"]),
        .executableTarget(
            name: "fidviz",
            dependencies: [
                "Autograd", "InceptionGraph", "NumpyFiles", "Frechet", "Sensitivity", "Heatmap",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // MARK: - Seeded stand-in weights (tests and benchmark only, never the CLI)
        .target(name: "SeededWeights", dependencies: ["InceptionGraph"]),
        .executableTarget(
            name: "fidviz-bench",
            dependencies: ["Autograd", "InceptionGraph", "SeededWeights", "Frechet", "NumpyFiles", "Heatmap"]),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["InceptionGraph", "SeededWeights"], path: "Tests/TestSupport"),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd"]),
        .testTarget(
            name: "InceptionGraphTests",
            dependencies: ["InceptionGraph", "SeededWeights", "NumpyFiles", "Autograd", "TestSupport"]),
        .testTarget(name: "NumpyFilesTests", dependencies: ["NumpyFiles"]),
        .testTarget(name: "FrechetTests", dependencies: ["Frechet", "NumpyFiles"]),
        .testTarget(name: "HeatmapTests", dependencies: ["Heatmap"]),
        .testTarget(
            name: "FidvizTests",
            dependencies: ["fidviz", "NumpyFiles", "InceptionGraph", "SeededWeights", "Frechet", "Autograd", "TestSupport"]),
        .testTarget(
            name: "SensitivityTests",
            dependencies: ["Sensitivity", "NumpyFiles", "InceptionGraph", "SeededWeights", "Frechet", "Autograd", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
