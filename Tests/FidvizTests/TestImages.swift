import Foundation
import TestSupport
import XCTest

// Folders of the test pictures, and files whose names are any bytes.

extension FidvizTestCase {
    /// The pictures the folder tests copy: the five golden images, then samples/reference/chelsea.png.
    static let pictures = [Fixtures.url("golden/images/astronaut.png"), Fixtures.url("golden/images/camera.png"),
                           Fixtures.url("golden/images/horse.png"), Fixtures.url("golden/images/chelsea_crop96.png"),
                           Fixtures.url("golden/images/chessboard_RGB.png"),
                           Fixtures.repository.appendingPathComponent("samples/reference/chelsea.png")]

    /// A new folder holding the first `count` of `pictures` as 0.png, 1.png, ...
    func imageFolder(_ count: Int = 6, name: String = "images") throws -> URL {
        precondition(count <= Self.pictures.count, "only \(Self.pictures.count) pictures")
        let folder = try makeFolder(name)
        for (index, source) in Self.pictures.prefix(count).enumerated() {
            try FileManager.default.copyItem(at: source, to: folder.appendingPathComponent("\(index).png"))
        }
        return folder
    }

    /// Writes `contents` to the file named by the exact bytes `name` in `folder` (a name need not
    /// be UTF-8, and `FileManager` cannot create one that is not).
    func writeFile(named name: [UInt8], in folder: URL, contents: Data) throws {
        let path = Array(folder.path.utf8) + [UInt8(ascii: "/")] + name
        let fd = open(path.map { CChar(bitPattern: $0) } + [0], O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw FidvizTestError("cannot create \(name) in \(folder.path): errno \(errno)") }
        defer { close(fd) }
        let written = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == contents.count else { throw FidvizTestError("short write of \(name): errno \(errno)") }
    }
}
