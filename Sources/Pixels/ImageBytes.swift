import Foundation

// MARK: - ImageBytes

/// An image file's bytes as the header checks and decoders see them: read on demand from an open
/// file (a header check reads only the bytes it needs, never the whole file) or held in memory.
/// `name` labels errors.
struct ImageBytes {
    let name: String
    /// The file's size in bytes.
    let count: Int
    private let read: (_ offset: Int, _ count: Int) throws -> [UInt8]

    /// Bytes already in memory.
    init(_ data: Data, name: String) {
        self.name = name
        count = data.count
        read = { offset, count in
            let start = data.startIndex + min(offset, data.count)
            return [UInt8](data[start ..< start + min(count, data.endIndex - start)])
        }
    }

    /// Up to `count` bytes from `offset`; fewer only where the file ends.
    func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        precondition(offset >= 0 && count >= 0, "reading \(count) bytes at offset \(offset)")
        return try read(offset, count)
    }

    /// The first `count` bytes, or the whole of a shorter file.
    func prefix(_ count: Int) throws -> [UInt8] { try bytes(at: 0, count: count) }

    // MARK: - Files

    /// Runs `body` with the file at `url` open, its bytes read only as `body` asks for them.
    static func withFile<T>(_ url: URL, _ body: (ImageBytes) throws -> T) throws -> T {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw readFailure(url, error)
        }
        defer { try? handle.close() }
        let size: UInt64
        do {
            size = try handle.seekToEnd()
        } catch {
            throw readFailure(url, error)
        }
        let source = ImageBytes(name: url.path, count: Int(size)) { offset, count in
            do {
                try handle.seek(toOffset: UInt64(offset))
                return [UInt8](try handle.read(upToCount: count) ?? Data())
            } catch {
                throw readFailure(url, error)
            }
        }
        return try body(source)
    }

    /// The whole file at `url` (memory-mapped when that is safe).
    static func contents(of url: URL) throws -> Data {
        do {
            return try Data(contentsOf: url, options: .mappedIfSafe)
        } catch {
            throw readFailure(url, error)
        }
    }

    private init(name: String, count: Int, read: @escaping (Int, Int) throws -> [UInt8]) {
        self.name = name
        self.count = count
        self.read = read
    }

    private static func readFailure(_ url: URL, _ error: Error) -> ImageDecodingError {
        let reason: String
        switch (error as? CocoaError)?.code {
        case .fileReadNoSuchFile?, .fileNoSuchFile?: reason = "no such file"
        case .fileReadNoPermission?: reason = "permission denied"
        default: reason = (error as NSError).localizedDescription
        }
        return ImageDecodingError(file: url.path, reason: "cannot read the file (\(reason)); check the path")
    }
}
