import Foundation

/// Files under Tests/Fixtures, located from this source file so a fresh clone needs nothing else.
public enum Fixtures {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    /// The repository's top folder (for samples/ and the built binaries).
    public static let repository: URL = root.deletingLastPathComponent().deletingLastPathComponent()

    /// The full-size seeded weights in the team's shared reference bundle, if it sits beside the
    /// repository (as in CI); tests that need it skip with a reason when it does not.
    public static var sharedSeededCheckpoint: URL? {
        let url = repository.deletingLastPathComponent().appendingPathComponent("shared/reference/seeded-0-legacy.pth")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}

/// The golden comparison: max |a - b| / max |b| (L-infinity error relative to the reference's scale).
public func relativeError<A: BinaryFloatingPoint, B: BinaryFloatingPoint>(_ a: [A], _ b: [B]) -> Double {
    precondition(a.count == b.count, "comparing \(a.count) values with \(b.count)")
    var worst = 0.0, scale = 0.0
    for (x, y) in zip(a, b) {
        worst = max(worst, abs(Double(x) - Double(y)))
        scale = max(scale, abs(Double(y)))
    }
    return scale > 0 ? worst / scale : worst
}

/// FNV-1a 64 of `bytes` as 16 hex digits (the fixture generators record it for decoded pixels).
public func fnv1a64(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
