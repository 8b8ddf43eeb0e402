import Dispatch
import Foundation

/// Wall-clock time per phase of a run ("network", "statistics", "report"), for the closing note.
/// Safe to use from several threads. A phase measured `beside` the others ran on a thread of its
/// own at the same time as them: the summary gives its time but does not count it towards the
/// total's parts.
final class PhaseClock: @unchecked Sendable {
    private var seconds: [String: Double] = [:]
    private var order: [String] = []
    private var concurrent: Set<String> = []
    private let lock = NSLock()
    private let start = DispatchTime.now().uptimeNanoseconds

    /// Runs `body`, adding its duration to `phase`.
    func measure<T>(_ phase: String, beside: Bool = false, _ body: () throws -> T) rethrows -> T {
        let t0 = DispatchTime.now().uptimeNanoseconds
        defer {
            add(phase, Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
            if beside { lock.withLock { _ = concurrent.insert(phase) } }
        }
        return try body()
    }

    /// Adds `seconds` measured elsewhere to `phase`.
    func add(_ phase: String, _ seconds: Double) {
        lock.withLock {
            if self.seconds[phase] == nil { order.append(phase) }
            self.seconds[phase, default: 0] += seconds
        }
    }

    var total: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// "total 41.2 s: network 38.0 s (92%), statistics 1.9 s (5%), other 1.3 s (3%); outside the
    /// network: 7.8%", with "classes 12.0 s beside the others" for a phase measured `beside`.
    func summary() -> String {
        let total = self.total
        let (seconds, order, concurrent) = lock.withLock { (self.seconds, self.order, self.concurrent) }
        var parts: [String] = []
        var accounted = 0.0
        for phase in order {
            let s = seconds[phase]!
            if concurrent.contains(phase) {
                parts.append(String(format: "%@ %.1f s beside the others", phase, s))
                continue
            }
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
