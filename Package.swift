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
        // libpng and libjpeg report errors by longjmp, so each has a C shim (CPNG, CJPEG) that
        // keeps setjmp in C and reports through CShimStatus; LibPNG and LibJPEG only name the
        // libraries, their pkg-config files and Debian packages. libwebp returns its errors, so
        // Swift calls it through CWebP.
        .systemLibrary(
            name: "LibPNG", path: "Sources/LibPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        .target(name: "CShimStatus", path: "Sources/CShimStatus"),
        .target(name: "CPNG", dependencies: ["LibPNG", "CShimStatus"], path: "Sources/CPNG"),
        .systemLibrary(
            name: "LibJPEG", path: "Sources/LibJPEG", pkgConfig: "libjpeg",
            providers: [.apt(["libjpeg62-turbo-dev"])]),
        .target(name: "CJPEG", dependencies: ["LibJPEG", "CShimStatus"], path: "Sources/CJPEG"),
        .systemLibrary(
            name: "CWebP", path: "Sources/CWebP", pkgConfig: "libwebpdemux",
            providers: [.apt(["libwebp-dev"])]),

        // MARK: - The pipeline
        .target(name: "Pixels", dependencies: ["CShimStatus", "CPNG", "CJPEG", "CWebP"]),
        .target(name: "Autograd", dependencies: ["CBLAS"]),
        .target(
            name: "InceptionGraph",
            dependencies: [
                "Autograd", "Pixels",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]),
        .target(
            name: "NumpyFiles",
            dependencies: [.product(name: "ZIPFoundation", package: "ZIPFoundation")]),
        .target(name: "Frechet", dependencies: ["CBLAS", "NumpyFiles"]),
        .target(name: "Sensitivity", dependencies: ["Autograd", "InceptionGraph", "Frechet", "Pixels"]),
        .target(name: "Heatmap", dependencies: ["CCairo", "Pixels"]),
        .target(
            name: "Report",
            dependencies: ["Pixels", "InceptionGraph", "NumpyFiles", "Sensitivity", "Heatmap"]),
        .executableTarget(
            name: "fidviz",
            dependencies: [
                "Autograd", "Pixels", "InceptionGraph", "NumpyFiles", "Frechet", "Sensitivity", "Heatmap", "Report",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]),

        // MARK: - Seeded stand-in weights (tests and benchmark only, never the CLI)
        .target(name: "SeededWeights", dependencies: ["InceptionGraph"]),
        .executableTarget(
            name: "fidviz-bench", dependencies: ["Autograd", "Pixels", "InceptionGraph", "SeededWeights", "Frechet", "Heatmap"]),

        // MARK: - Tests
        .target(name: "TestSupport", dependencies: ["InceptionGraph", "SeededWeights"], path: "Tests/TestSupport"),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd"]),
        .testTarget(
            name: "InceptionGraphTests",
            dependencies: ["InceptionGraph", "SeededWeights", "NumpyFiles", "Autograd", "Pixels", "TestSupport"]),
        .testTarget(name: "NumpyFilesTests", dependencies: ["NumpyFiles"]),
        .testTarget(name: "FrechetTests", dependencies: ["Frechet", "NumpyFiles"]),
        .testTarget(name: "PixelsTests", dependencies: ["Pixels", "TestSupport"]),
        .testTarget(name: "HeatmapTests", dependencies: ["Heatmap", "Pixels"]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Heatmap", "Pixels", "InceptionGraph", "Sensitivity", "NumpyFiles"]),
        .testTarget(
            name: "FidvizTests",
            dependencies: [
                "fidviz", "NumpyFiles", "Pixels", "InceptionGraph", "SeededWeights", "Frechet", "Autograd", "Heatmap",
                "TestSupport",
            ]),
        .testTarget(
            name: "SensitivityTests",
            dependencies: ["Sensitivity", "NumpyFiles", "Pixels", "InceptionGraph", "SeededWeights", "Frechet", "Autograd", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
