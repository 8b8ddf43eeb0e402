// swift-tools-version:6.0
import PackageDescription

// The package map, one line per module. Data flows one way:
//     pixels -> network -> features -> statistics -> maps -> files
// and a module imports only modules above it in this list (and the C shims), never one below.
//
//   SeededRandom     the one seeded generator (SplitMix64), for resampling, KID, stand-in weights, tests
//   UntrustedInput   limits on files from outside (Limits) and their text quoted in one-line errors
//   OutputFiles      the one atomic writer (AtomicFile), cleanup on Ctrl-C, output-path checks
//   ZipArchive       the one zip reader (.pth and .npz), the streaming zip writer, CRC-32
//   TorchCheckpoint  the one .pth reader: torch.save files through a restricted unpickler, as
//                    named Float parameters for any network
//   Pixels           pixels: PNG/JPEG/WebP decoding as PIL decodes; the RGB image and 2-D map types
//   Autograd         NCHW tensors, the tape, each op with its backward; the float64 routing twin
//   InceptionGraph   network: the FID Inception-v3, its weights, preprocessing, labels, class scores
//   DINOv2           network: DINOv2 ViT-S/B/L 14 (FD_DINOv2), its weights, dgm-eval's preprocessing
//   NumpyFiles       .npy/.npz reading and writing (an .npz file written through AtomicFile)
//   Frechet          features -> statistics: statistics files, streamed statistics, FID, KID,
//                    per-image contributions, class matching
//   Agreement        per-image Δ of two spaces and people's scores -> ranks, Spearman with bootstrap
//                    intervals, disagreements, per-class sums; the human-scores CSV
//   Sensitivity      statistics -> maps: backward passes from dFID (Inception, DINOv2) and the Top-1
//                    logit, Grad-CAM and its variants; ROAD faithfulness of a map (noisy linear
//                    imputation, the target after each step)
//   Heatmap          maps -> pictures: colormaps, overlays, figures and charts (Cairo)
//   Report           pictures -> files: HTML, JSON, CSV, the report's staging folder
//   fidviz           the command line: turns arguments into sets and wires the modules together
//   C shims          the only places that import C: COpenBLAS + CBLAS (BLAS/LAPACK, set up before
//                    main), CCairo, LibPNG + CPNG, LibJPEG + CJPEG, CShimStatus, CWebP, CZlib;
//                    CVectorKernels, Autograd's loops built for the baseline and AVX2, picked at run time
// Not part of the CLI:
//   _SeededWeights   deterministic stand-in weights, for the tests and the benchmark only
//   FuzzEntryPoints  each parser as a function of bytes, for Fuzz/ and FuzzRegressionTests
//   TestSupport      the fixtures lookup and small helpers every test target may use; imports
//                    nothing of fidviz (Tests/TestSupport)
//   TestCheckpoints  .pth files for the tests and the benchmark: pickles and stored zips byte by
//                    byte, the seeded checkpoints and the record of seeded-0-legacy.pth
//   fidviz-bench     speed and memory benchmarks (also makes test images and seeded .pth files)
// A newcomer reads this map, then README.md, then a module's Sources/<module>/README.md, which
// names the file to start with.
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
        // OpenBLAS as the system has it (pkg-config paths, apt package); `CBLAS` is what Swift
        // imports: the LAPACK declarations and a constructor that sets up OpenBLAS and the
        // allocator before `main`, for every program that links any BLAS user.
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .target(name: "CBLAS", dependencies: ["COpenBLAS"], path: "Sources/CBLAS"),
        // Autograd's loops that gain from AVX2, which Swift cannot compile per CPU: each in C,
        // built for the baseline and for AVX2, chosen at run time, with the same bits.
        .target(name: "CVectorKernels", path: "Sources/CVectorKernels"),
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
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // MARK: - The seeded generator
        .target(name: "SeededRandom", exclude: ["README.md"]),

        // MARK: - Limits on files from outside, and quoting their text in messages
        .target(name: "UntrustedInput", exclude: ["README.md"]),

        // MARK: - Writing files: atomically, and cleaned up on Ctrl-C
        .target(name: "OutputFiles", exclude: ["README.md"]),

        // MARK: - Zip archives (.pth checkpoints and .npz files)
        .target(name: "ZipArchive", dependencies: ["CZlib", "UntrustedInput"], exclude: ["README.md"]),

        // MARK: - PyTorch checkpoints (.pth state dicts of every network)
        .target(name: "TorchCheckpoint", dependencies: ["ZipArchive", "UntrustedInput"], exclude: ["README.md"]),

        // MARK: - The pipeline
        .target(name: "Pixels", dependencies: ["CShimStatus", "CPNG", "CJPEG", "CWebP", "UntrustedInput"], exclude: ["README.md"]),
        .target(name: "Autograd", dependencies: ["CBLAS", "CVectorKernels"], exclude: ["README.md"]),
        .target(name: "InceptionGraph", dependencies: ["Autograd", "Pixels", "TorchCheckpoint", "UntrustedInput"], exclude: ["README.md"]),
        .target(name: "DINOv2", dependencies: ["Autograd", "Pixels", "TorchCheckpoint", "UntrustedInput"], exclude: ["README.md"]),
        .target(name: "NumpyFiles", dependencies: ["ZipArchive", "UntrustedInput", "OutputFiles"], exclude: ["README.md"]),
        .target(name: "Frechet", dependencies: ["CBLAS", "SeededRandom", "NumpyFiles", "UntrustedInput"], exclude: ["README.md"]),
        .target(name: "Agreement", dependencies: ["SeededRandom", "UntrustedInput"], exclude: ["README.md"]),
        .target(
            name: "Sensitivity", dependencies: ["CBLAS", "SeededRandom", "Autograd", "InceptionGraph", "DINOv2", "Frechet", "Pixels"],
            exclude: ["README.md"]),
        .target(name: "Heatmap", dependencies: ["CCairo", "Pixels"], exclude: ["README.md"]),
        .target(
            name: "Report",
            dependencies: ["OutputFiles", "Pixels", "InceptionGraph", "NumpyFiles", "Frechet", "Agreement", "Sensitivity", "Heatmap"],
            exclude: ["README.md"]),
        .executableTarget(
            name: "fidviz",
            dependencies: [
                "Autograd", "Pixels", "InceptionGraph", "NumpyFiles", "Frechet", "Agreement", "Sensitivity", "Heatmap", "Report",
                "UntrustedInput", "OutputFiles",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
            ], exclude: ["README.md"]),

        // MARK: - Seeded stand-in weights (tests and benchmark only, never the CLI)
        .target(name: "_SeededWeights", dependencies: ["InceptionGraph", "DINOv2", "TorchCheckpoint", "SeededRandom"], exclude: ["README.md"]),
        .executableTarget(
            name: "fidviz-bench",
            dependencies: [
                "CBLAS", "Autograd", "Pixels", "InceptionGraph", "DINOv2", "_SeededWeights", "SeededRandom", "Frechet",
                "NumpyFiles", "Heatmap", "Sensitivity", "TestCheckpoints",
            ]),

        // MARK: - The parsers as functions of bytes (fuzz harnesses under Fuzz/, and their regression test)
        .target(
            name: "FuzzEntryPoints", dependencies: ["InceptionGraph", "TorchCheckpoint", "NumpyFiles", "Frechet", "Pixels", "Agreement"],
            exclude: ["README.md"]),

        // MARK: - Tests
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .target(
            name: "TestCheckpoints", dependencies: ["TestSupport", "InceptionGraph", "TorchCheckpoint", "_SeededWeights", "ZipArchive"],
            path: "Tests/TestCheckpoints"),
        .testTarget(name: "UntrustedInputTests", dependencies: ["UntrustedInput"]),
        .testTarget(name: "ZipArchiveTests", dependencies: ["ZipArchive", "UntrustedInput", "SeededRandom", "TestSupport"]),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "SeededRandom"]),
        .testTarget(
            name: "InceptionGraphTests",
            dependencies: [
                "InceptionGraph", "TorchCheckpoint", "_SeededWeights", "NumpyFiles", "Autograd", "Pixels", "TestSupport",
                "TestCheckpoints", "ZipArchive", "UntrustedInput", "SeededRandom",
            ]),
        .testTarget(
            name: "DINOv2Tests",
            dependencies: [
                "DINOv2", "TorchCheckpoint", "_SeededWeights", "NumpyFiles", "Autograd", "Pixels", "TestSupport",
                "TestCheckpoints", "UntrustedInput",
            ]),
        .testTarget(
            name: "NumpyFilesTests",
            dependencies: ["NumpyFiles", "UntrustedInput", "ZipArchive", "SeededRandom", "OutputFiles", "TestSupport"]),
        .testTarget(name: "AgreementTests", dependencies: ["Agreement", "SeededRandom", "UntrustedInput", "TestSupport"]),
        .testTarget(name: "FrechetTests", dependencies: ["Frechet", "NumpyFiles", "CBLAS", "SeededRandom", "TestSupport"]),
        .testTarget(name: "PixelsTests", dependencies: ["Pixels", "ZipArchive", "NumpyFiles", "TestSupport", "UntrustedInput"]),
        .testTarget(name: "HeatmapTests", dependencies: ["Heatmap", "Pixels", "TestSupport"]),
        .testTarget(
            name: "ReportTests",
            dependencies: [
                "Report", "OutputFiles", "Frechet", "SeededRandom", "Heatmap", "Pixels", "InceptionGraph", "Sensitivity",
                "NumpyFiles", "TestSupport",
            ]),
        .testTarget(
            name: "FidvizTests",
            dependencies: [
                "fidviz", "NumpyFiles", "Pixels", "InceptionGraph", "TorchCheckpoint", "_SeededWeights", "SeededRandom",
                "Frechet", "Autograd", "Heatmap", "TestSupport", "TestCheckpoints",
            ]),
        .testTarget(
            name: "FuzzRegressionTests", dependencies: ["FuzzEntryPoints", "TestSupport"]),
        .testTarget(
            name: "SensitivityTests",
            dependencies: [
                "Sensitivity", "NumpyFiles", "Pixels", "InceptionGraph", "DINOv2", "_SeededWeights", "Frechet", "Autograd",
                "TestSupport", "SeededRandom",
            ]),
    ],
    swiftLanguageModes: [.v5]
)
