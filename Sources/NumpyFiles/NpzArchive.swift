import Foundation
import UntrustedInput
import ZipArchive

/// An opened .npz archive whose members are decoded one at a time, on request.
///
/// Opening reads only the zip's directory and checks every member (see `ZipReader`): its
/// central record (sizes, offsets), that its local header is where the directory says and that
/// its data lie inside the file, and that no name appears twice. No member's data is read,
/// CRC-checked or decoded until `array(_:)` asks for it, so an archive whose other members are
/// huge (an ADM reference batch's `arr_0`, gigabytes of uint8 images) or corrupt costs nothing
/// for them.
///
/// A file is memory-mapped (`Data.ReadingOptions.alwaysMapped`), so skipped members are never
/// read from disk; if the file cannot be mapped (a pipe), it is read whole instead. Like any
/// mapped file, it must not be truncated by another process while it is being read.
///
/// A compressed member is refused before it is inflated when its directory entry declares more
/// than `Limits.maxNpzMemberBytes` (a zip bomb stops at its directory).
public struct NpzArchive {
    /// The file as the caller named it, for errors.
    public let name: String
    /// Member keys (member names without ".npy"), in archive order. Members whose names do not
    /// end in ".npy" are not arrays and are not listed (numpy never writes them).
    public let keys: [String]

    private let data: Data
    private let zip: ZipReader
    let members: [String: ZipMember]
    private let inflatedSizeLimit: Int

    // MARK: - Opening

    /// Maps the file at `url` and checks its directory (see the type's description).
    public init(contentsOf url: URL, limits: Limits = .current) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch let mapError {
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder),
                !isFolder.boolValue, let whole = try? Data(contentsOf: url)
            {
                data = whole
            } else {
                throw NumpyFileError(
                    file: url.path, reason: "cannot read the file (\(fileSystemReason(mapError)))")
            }
        }
        try self.init(data: data, name: url.path, limits: limits)
    }

    /// The archive held in `data`; `name` labels errors.
    public init(data: Data, name: String, limits: Limits = .current) throws {
        let zip = try data.withUnsafeBytes { bytes in
            do {
                return try ZipReader(bytes)
            } catch let error as ZipError {
                throw NumpyFileError(error, file: name)
            }
        }
        var keys: [String] = []
        var members: [String: ZipMember] = [:]
        for member in zip.members where member.name.hasSuffix(".npy") {
            let key = String(member.name.dropLast(4))
            members[key] = member
            keys.append(key)
        }
        self.name = name
        self.keys = keys
        self.data = data
        self.zip = zip
        self.members = members
        self.inflatedSizeLimit = limits.maxNpzMemberBytes
    }

    // MARK: - Members

    /// True when the archive has a member `<key>.npy`.
    public func contains(_ key: String) -> Bool { members[key] != nil }

    /// Decodes the member `<key>.npy` (CRC-checked, every header size validated before any
    /// allocation), or nil when there is no such member.
    public func array(_ key: String) throws -> NpyArray? {
        try withContents(of: key) { contents, member in
            try Npy.decode(contents, at: NumpyLocation(file: name, member: member.name))
        }
    }

    /// Calls `body` with the member `<key>.npy`'s uncompressed, CRC-checked bytes (a stored
    /// member's in place, a deflated one's inflated within the size limit), or returns nil when
    /// there is no such member. Zip errors become `NumpyFileError`s naming the file.
    func withContents<R>(of key: String, _ body: (UnsafeRawBufferPointer, ZipMember) throws -> R) throws -> R? {
        guard let member = members[key] else { return nil }
        return try data.withUnsafeBytes { bytes in
            do {
                return try zip.withContents(of: member, in: bytes, inflatedSizeLimit: inflatedSizeLimit) {
                    try body($0, member)
                }
            } catch let error as ZipError {
                throw NumpyFileError(error, file: name)
            }
        }
    }

    /// Decodes the members named in `keys` that the archive has (absent keys are left out).
    public func arrays(_ keys: some Sequence<String>) throws -> [String: NpyArray] {
        var arrays: [String: NpyArray] = [:]
        for key in keys where arrays[key] == nil {
            if let array = try array(key) { arrays[key] = array }
        }
        return arrays
    }
}
