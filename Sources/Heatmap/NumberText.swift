import Foundation

// MARK: - Number formatting shared by figures and reports

public enum NumberText {
    /// `x` with `digits` decimals, or "n/a" when not finite.
    public static func fixed(_ x: Double, digits: Int) -> String {
        x.isFinite ? String(format: "%.\(digits)f", x) : "n/a"
    }

    /// `x` with an explicit sign and 4 significant digits ("+0.4623", "-1.25e-05").
    public static func signed(_ x: Double) -> String {
        x.isFinite ? String(format: "%+.4g", x) : "n/a"
    }

    /// `x` with 3 significant digits ("0.000321", "1.2e+04"), for colour bar ticks.
    public static func short(_ x: Double) -> String {
        guard x.isFinite else { return "n/a" }
        if x == 0 { return "0" }
        return String(format: "%.3g", x)
    }
}
