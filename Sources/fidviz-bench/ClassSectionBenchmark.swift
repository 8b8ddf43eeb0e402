import Foundation
import Frechet
import InceptionGraph

// MARK: - The class-matching section of a report, timed

/// `fidviz-bench --class-section GEN.npz --ref REF.npz [--max-iterations N]`: every number of
/// `ClassMatching.Analysis` (what `fidviz classes` and the explain report's class section compute)
/// for two `fidviz features` files, timed as a whole in wall and CPU seconds, with the
/// optimisers' work. By default the optimisers run as in the explain report
/// (`NullSpaceOptimizer.report(rows:dimension:)`); `--max-iterations N` runs them as `fidviz
/// classes` does, without a product budget, for at most N steps (200 to convergence). No network
/// and no report: the cost of the section alone, e.g. on the 50,000 tiled rows of
/// `scripts/bench-memory`.
enum ClassSectionBenchmark {
    static func run(_ arguments: [String]) throws {
        func value(_ flag: String) -> String? {
            guard let i = arguments.firstIndex(of: flag), i + 1 < arguments.count else { return nil }
            return arguments[i + 1]
        }
        guard let genPath = value("--class-section"), let refPath = value("--ref") else {
            print("usage: fidviz-bench --class-section GEN.npz --ref REF.npz [--max-iterations N]")
            exit(2)
        }
        var clock = FrechetBenchmark.Stopwatch()
        let classes = InceptionArchitecture.classCount
        let topN = ClassMatching.Analysis.Options().topN
        let gen = try StatisticsFile.read(contentsOf: URL(fileURLWithPath: genPath), logits: true, keepRows: true)
        let ref = try StatisticsFile.read(contentsOf: URL(fileURLWithPath: refPath), logits: true, keepRows: true)
        guard let pool3 = gen.features, let genLogits = gen.logits, let refLogits = ref.logits else {
            print("both files need pool3 and logits rows (`fidviz features` files)")
            exit(1)
        }
        let optimizer = arguments.contains("--max-iterations")
            ? NullSpaceOptimizer(maximumIterations: argument("--max-iterations", default: 200))
            : NullSpaceOptimizer.report(rows: pool3.count / gen.statistics.dimension,
                                        dimension: gen.statistics.dimension)
        let genTop = ClassScore.topIndices(rows: genLogits, classes: classes, n: topN)
        let refTop = ClassScore.topIndices(rows: refLogits, classes: classes, n: topN)
        var histogram = [Int64](repeating: 0, count: classes)
        for top in refTop { histogram[top[0]] += 1 }
        var reference = ClassMatching.Analysis.Reference(pool3: ref.statistics, top1Histogram: histogram)
        reference.logits = ref.logitStatistics
        reference.topNMultiHot = try ClassMatching.topNStatistics(topClasses: refTop, classCount: classes, n: topN)
        var generated = ClassMatching.Analysis.Generated(
            pool3: FeatureRows(pool3, dimension: gen.statistics.dimension),
            logits: FeatureRows(genLogits, dimension: classes), topClasses: genTop)
        generated.pool3Statistics = gen.statistics
        print("class section: \(genTop.count) generated rows, d = \(gen.statistics.dimension), optimisers capped at "
              + "\(optimizer.maximumIterations) steps of \(optimizer.hessianProductsPerStep.map { "\($0)" } ?? "any") "
              + "Hessian products; files read in \(clock.lap())")
        var options = ClassMatching.Analysis.Options()
        options.optimizer = optimizer
        let analysis = try ClassMatching.Analysis(reference: reference, generated: generated, options: options)
        let time = clock.lap()
        func describe(_ result: NullSpaceOptimizer.Result) -> String {
            "\(result.iterations) iterations (\(result.reason.rawValue)), \(result.fidEvaluations) FID evaluations, "
                + "\(result.gradientEvaluations) gradients, \(result.hessianProducts) Hessian products, "
                + "Frank-Wolfe gap \(result.frankWolfeGap); " + NullSpaceBenchmark.profile(result.seconds)
        }
        print("FID \(analysis.fid), Top-1 matched \(analysis.fidTop1Matched.map { "\($0)" } ?? "-"), "
              + "Top-\(topN) matched \(analysis.fidTopNMatched.map { "\($0)" } ?? "-"), pool3 weighted "
              + "\(analysis.fidPool3Weighted), resampled \(analysis.fidPool3Resampled.median)")
        if let topNResult = analysis.topN {
            print("  Top-\(topN) optimiser (\(topNResult.classes.count) columns): \(describe(topNResult.optimization))")
        }
        print("  pool3 optimiser: \(describe(analysis.pool3Weighted))")
        print("section: \(time)")
        print(String(format: "peak memory: %.2f GiB", Double(peakResidentBytes()) / Double(1 << 30)))
    }
}
