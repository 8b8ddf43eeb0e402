import Foundation
import SeededRandom
import XCTest
@testable import ZipArchive

/// An archive of `members` written by `ZipWriter` into memory.
func zipped(_ members: [(name: String, bytes: [UInt8])], method: ZipMethod = .stored, alignment: Int = 1,
            zip64Threshold: UInt64 = 0xffff_ffff) -> [UInt8] {
    var archive: [UInt8] = []
    var writer = ZipWriter(into: { archive.append(contentsOf: $0) }, zip64Threshold: zip64Threshold)
    for (name, bytes) in members {
        try! bytes.withUnsafeBytes { try writer.add(name, contents: $0, method: method, alignment: alignment) }
    }
    try! writer.finish()
    return archive
}

/// Every member's name and uncompressed bytes, in directory order.
func unzipped(_ archive: [UInt8], inflatedSizeLimit: Int = 1 << 33) throws
    -> [(name: String, bytes: [UInt8])] {
    try archive.withUnsafeBytes { bytes in
        let reader = try ZipReader(bytes)
        return try reader.members.map { member in
            (member.name, try reader.withContents(of: member, in: bytes, inflatedSizeLimit: inflatedSizeLimit) {
                Array($0)
            })
        }
    }
}

/// The members of `archive` as the reader sees them.
func members(_ archive: [UInt8]) throws -> [ZipMember] {
    try archive.withUnsafeBytes { try ZipReader($0).members }
}

/// The `ZipError` that `body` throws, or nil after recording a test failure.
func zipError(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> ZipError? {
    do {
        try body()
        XCTFail("expected a ZipError, but the call succeeded", file: file, line: line)
    } catch let error as ZipError {
        return error
    } catch {
        XCTFail("expected a ZipError, got \(type(of: error)): \(error)", file: file, line: line)
    }
    return nil
}

/// The error opening `archive` throws.
func openingError(_ archive: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> ZipError? {
    zipError({ _ = try members(archive) }, file: file, line: line)
}

/// The error reading member `name` of `archive` throws (opening must succeed).
func readingError(_ archive: [UInt8], _ name: String, inflatedSizeLimit: Int = 1 << 33,
                  file: StaticString = #filePath, line: UInt = #line) -> ZipError? {
    zipError({
        try archive.withUnsafeBytes { bytes in
            let reader = try ZipReader(bytes)
            guard let member = reader[name] else { return XCTFail("no member \(name)", file: file, line: line) }
            try reader.withContents(of: member, in: bytes, inflatedSizeLimit: inflatedSizeLimit) { _ in }
        }
    }, file: file, line: line)
}

// MARK: - Patching little-endian fields

extension Array where Element == UInt8 {
    func le(_ offset: Int, _ width: Int) -> UInt64 {
        (0 ..< width).reduce(0) { $0 | UInt64(self[offset + $1]) << (8 * $1) }
    }

    mutating func set(_ offset: Int, _ width: Int, _ value: UInt64) {
        for k in 0 ..< width { self[offset + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
    }
}

/// `count` bytes that deflate poorly (a fixed pseudo-random sequence).
func noise(_ count: Int, seed: UInt64 = 1) -> [UInt8] {
    var generator = SplitMix64(seed: seed)
    return (0 ..< count).map { _ in UInt8(truncatingIfNeeded: generator.next() >> 56) }
}

/// A raw deflate stored block (BFINAL `final`, BTYPE 00) holding `bytes` (at most 65535).
func storedBlock(_ bytes: [UInt8], final: Bool) -> [UInt8] {
    let length = UInt16(bytes.count)
    return [final ? 1 : 0, UInt8(length & 0xff), UInt8(length >> 8), UInt8(~length & 0xff), UInt8(~length >> 8)]
        + bytes
}
