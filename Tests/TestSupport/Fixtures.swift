import Foundation

/// Files under Tests/Fixtures, located from this source file so a fresh clone needs nothing else.
/// The one fixtures lookup: every test target reaches its fixtures through it.
public enum Fixtures {
    public static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures")

    /// Tests/Fixtures/`relativePath`.
    public static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }

    /// The contents of Tests/Fixtures/`relativePath`.
    public static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: url(relativePath))
    }

    /// The contents of Tests/Fixtures/`relativePath` as bytes.
    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        [UInt8](try data(relativePath))
    }

    /// The repository's top folder (for Sources/, samples/ and the built binaries).
    public static let repository: URL = root.deletingLastPathComponent().deletingLastPathComponent()
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

/// FNV-1a 64 of `bytes` as 16 hex digits (the fixture generators record it for decoded pixels
/// and for the seeded checkpoint's parts); inlinable, so each caller gets it specialised to its
/// byte sequence (it runs over the 95 MB checkpoint).
@inlinable
public func fnv1a64<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
