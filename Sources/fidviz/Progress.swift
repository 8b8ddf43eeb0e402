import Foundation

/// A one-line progress bar on stderr, drawn only when stderr is a terminal and not `--quiet`.
final class ProgressBar {
    private let label: String
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast

    init(label: String, quiet: Bool) {
        self.label = label
        self.enabled = !quiet && isatty(STDERR_FILENO) != 0
    }

    /// Redraws the bar; at most ten times a second, and always at completion.
    func update(done: Int, total: Int, unit: String = "img") {
        guard enabled, total > 0 else { return }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let fraction = Double(done) / Double(total)
        let width = 28
        let filled = Int(fraction * Double(width))
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = String(format: "\r%@ [%@] %d/%d %@ %.1f %@/s ETA %@", label, bar, done, total, unit, rate, unit,
                          Self.clock(eta))
        FileHandle.standardError.write(line.data(using: .utf8)!)
        if done == total { FileHandle.standardError.write("\n".data(using: .utf8)!) }
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                         : String(format: "%d:%02d", s / 60, s % 60)
    }
}

/// A note for the user on stderr (suppressed by `--quiet`).
func note(_ message: String, quiet: Bool) {
    guard !quiet else { return }
    FileHandle.standardError.write("fidviz: \(message)\n".data(using: .utf8)!)
}
