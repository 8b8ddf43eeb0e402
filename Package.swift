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
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // MARK: - Limits on files from outside, and quoting their text in messages
        .target(name: "UntrustedInput", exclude: ["README.md"]),

        // MARK: - Zip archives (.pth checkpoints and .npz files)
        .target(name: "ZipArchive", dependencies: ["CZlib", "UntrustedInput"], exclude: ["README.md"]),

        // MARK: - The pipeline
        .target(name: "Pixels", dependencies: ["CPNG", "UntrustedInput"], exclude: ["README.md"]),
        .target(name: "Autograd", dependencies: ["CBLAS"]),
        .target(name: "InceptionGraph", dependencies: ["Autograd", "Pixels", "ZipArchive", "UntrustedInput"]),
        .target(name: "NumpyFiles", dependencies: ["ZipArchive", "UntrustedInput"], exclude: ["README.md"]),
        .target(name: "Frechet", dependencies: ["CBLAS", "NumpyFiles", "UntrustedInput"]),
        .target(name: "Sensitivity", dependencies: ["Autograd", "InceptionGraph", "Frechet", "Pixels"], exclude: ["README.md"]),
        .target(name: "Heatmap", dependencies: ["CCairo", "Pixels"], exclude: ["README.md"]),
        .target(
            name: "Report",
            dependencies: ["Pixels", "InceptionGraph", "NumpyFiles", "Sensitivity", "Heatmap"], exclude: ["README.md"]),
        .executableTarget(
            name: "fidviz",
            dependencies: [
                "Autograd", "Pixels", "InceptionGraph", "NumpyFiles", "Frechet", "Sensitivity", "Heatmap", "Report",
                "UntrustedInput",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ], exclude: ["README.md"]),

        // MARK: - Seeded stand-in weights (tests and benchmark only, never the CLI)
        .target(name: "SeededWeights", dependencies: ["InceptionGraph"]),
        .executableTarget(
            name: "fidviz-bench", dependencies: ["Autograd", "Pixels", "InceptionGraph", "SeededWeights", "Frechet", "Heatmap"]),

        // MARK: - The parsers as functions of bytes (fuzz harnesses under Fuzz/, and their regression test)
        .target(
            name: "FuzzEntryPoints", dependencies: ["InceptionGraph", "NumpyFiles", "Frechet", "Pixels"],
            exclude: ["README.md"]),

        // MARK: - Tests
        .target(
            name: "TestSupport", dependencies: ["InceptionGraph", "SeededWeights", "ZipArchive"],
            path: "Tests/TestSupport"),
        .testTarget(name: "UntrustedInputTests", dependencies: ["UntrustedInput"]),
        .testTarget(name: "ZipArchiveTests", dependencies: ["ZipArchive", "UntrustedInput"]),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd"]),
        .testTarget(
            name: "InceptionGraphTests",
            dependencies: [
                "InceptionGraph", "SeededWeights", "NumpyFiles", "Autograd", "Pixels", "TestSupport", "ZipArchive",
                "UntrustedInput",
            ]),
        .testTarget(name: "NumpyFilesTests", dependencies: ["NumpyFiles", "UntrustedInput", "ZipArchive"]),
        .testTarget(name: "FrechetTests", dependencies: ["Frechet", "NumpyFiles"]),
        .testTarget(name: "PixelsTests", dependencies: ["Pixels", "ZipArchive", "UntrustedInput"]),
        .testTarget(name: "HeatmapTests", dependencies: ["Heatmap", "Pixels"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Heatmap", "Pixels", "InceptionGraph", "Sensitivity", "NumpyFiles"]),
        .testTarget(
            name: "FidvizTests",
            dependencies: ["fidviz", "NumpyFiles", "Pixels", "InceptionGraph", "SeededWeights", "Frechet", "Autograd", "TestSupport"]),
        .testTarget(
            name: "FuzzRegressionTests", dependencies: ["FuzzEntryPoints", "TestSupport"]),
        .testTarget(
            name: "SensitivityTests",
            dependencies: ["Sensitivity", "NumpyFiles", "Pixels", "InceptionGraph", "SeededWeights", "Frechet", "Autograd", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
