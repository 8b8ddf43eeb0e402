import SeededRandom
import Dispatch
import Frechet

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// MARK: - Timing the FID contribution machinery

/// Times the one-time O(d^3) precompute of `FIDContribution` and its O(d^2) per-feature
/// evaluation on synthetic full-rank statistics (the worst case for the rank-one solver:
/// no clusters, so nothing deflates), and the plain FID for comparison.
///
/// `swift run -c release fidviz-bench --skip-network`. Each line
/// gives wall-clock time and, in brackets, the CPU time of all threads of the process, which
/// stays meaningful when other processes compete for the cores (wall time is about CPU time
/// divided by the number of free cores the work spreads over).
enum FrechetBenchmark {
    /// Runs the benchmark and returns a human-readable report, one measurement a line.
    static func run(dimension d: Int = 2048, features: Int = 5) throws -> String {
        precondition(d > 0 && features > 0, "FrechetBenchmark: dimension \(d), features \(features)")
        var generator = SplitMix64(seed: 7)
        let reference = try syntheticStatistics(dimension: d, generator: &generator, shift: 0)
        let generated = try syntheticStatistics(dimension: d, generator: &generator, shift: 0.1)
        var lines: [String] = ["FrechetBenchmark d=\(d)"]

        var clock = Stopwatch()
        let fid = try FrechetDistance.distance(reference: reference, generated: generated)
        lines.append("FID (plain, O(d^3)): \(clock.lap()), FID = \(fid)")

        let contribution = try FIDContribution(reference: reference, generated: generated,
                                               n: 50_000)
        lines.append("contribution precompute (O(d^3), once): \(clock.lap())")

        var walls: [Double] = []
        var cpus: [Double] = []
        for _ in 0..<features {
            let feature = (0..<d).map { _ in generator.normal() + 0.3 }
            clock.restart()
            _ = contribution.evaluate(feature: feature)
            let (wall, cpu) = clock.elapsed()
            walls.append(wall)
            cpus.append(cpu)
        }
        walls.sort()
        cpus.sort()
        lines.append("per-feature evaluate (O(d^2)): median \(format(walls[features / 2] * 1000)) ms "
                     + "[CPU \(format(cpus[features / 2] * 1000)) ms], min "
                     + "\(format(walls[0] * 1000)) ms, max \(format(walls.last! * 1000)) ms over "
                     + "\(features) features")

        let rows = 1000
        let features1 = (0..<(rows * d)).map { _ in Float(generator.normal()) }
        let features2 = (0..<(rows * d)).map { _ in Float(generator.normal() + 0.1) }
        clock.restart()
        _ = try KernelInceptionDistance.compute(features1: features1, features2: features2,
                                                dimension: d, subsets: 1, subsetSize: rows)
        lines.append("KID, one subset of \(rows) rows: \(clock.lap()) "
                     + "(torch-fidelity's default is 100 subsets)")
        return lines.joined(separator: "\n")
    }

    /// The covariance of d + 64 standard normal vectors plus 1e-3 I: full rank, a spread
    /// (Marchenko-Pastur) spectrum without repeated eigenvalues.
    static func syntheticStatistics(dimension d: Int, generator: inout SplitMix64, shift: Double) throws
        -> FrechetStatistics
    {
        let accumulator = StatisticsAccumulator(dimension: d)
        accumulator.add(rows: (0..<(d * (d + 64))).map { _ in generator.normal() })
        var sigma = try accumulator.statistics().sigma
        for i in 0..<d { sigma[i * d + i] += 1e-3 }
        let mu = (0..<d).map { _ in generator.normal() + shift }
        return FrechetStatistics(mu: mu, sigma: sigma)
    }

    /// Wall-clock and process CPU time since the last restart.
    struct Stopwatch {
        private var wallStart = DispatchTime.now().uptimeNanoseconds
        private var cpuStart = Stopwatch.cpuSeconds()

        mutating func restart() {
            wallStart = DispatchTime.now().uptimeNanoseconds
            cpuStart = Self.cpuSeconds()
        }

        func elapsed() -> (wall: Double, cpu: Double) {
            (Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9,
             Self.cpuSeconds() - cpuStart)
        }

        /// "1.234 s [CPU 2.1 s]", then restarts.
        mutating func lap() -> String {
            let (wall, cpu) = elapsed()
            restart()
            return "\(format(wall)) s [CPU \(format(cpu)) s]"
        }

        static func cpuSeconds() -> Double {
            var time = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
            return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        }
    }

    static func format(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return "\(rounded)"
    }
}
