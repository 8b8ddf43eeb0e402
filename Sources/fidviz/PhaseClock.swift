import Dispatch

/// Wall-clock time per phase of a run ("network", "statistics", "report"), for the closing note.
final class PhaseClock {
    private(set) var seconds: [String: Double] = [:]
    private var order: [String] = []
    private let start = DispatchTime.now().uptimeNanoseconds

    /// Runs `body`, adding its duration to `phase`.
    func measure<T>(_ phase: String, _ body: () throws -> T) rethrows -> T {
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer {
            if seconds[phase] == nil { order.append(phase) }
            seconds[phase, default: 0] += Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        }
        return try body()
    }

    /// Adds `seconds` measured elsewhere to `phase`.
    func add(_ phase: String, _ seconds: Double) {
        if self.seconds[phase] == nil { order.append(phase) }
        self.seconds[phase, default: 0] += seconds
    }

    var total: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// "total 41.2 s: network 38.0 s (92%), statistics 1.9 s (5%), other 1.3 s (3%); outside the
    /// network: 7.8%".
    func summary() -> String {
        let total = self.total
        var parts: [String] = []
        var accounted = 0.0
        for phase in order {
            let s = seconds[phase]!
            accounted += s
            parts.append(String(format: "%@ %.1f s (%.0f%%)", phase, s, 100 * s / total))
        }
        let other = max(total - accounted, 0)
        parts.append(String(format: "other %.1f s (%.0f%%)", other, 100 * other / total))
        let outside = total - (seconds["network"] ?? 0)
        return String(format: "total %.1f s: ", total) + parts.joined(separator: ", ")
            + String(format: "; outside the network: %.1f%%", 100 * outside / total)
    }
}
