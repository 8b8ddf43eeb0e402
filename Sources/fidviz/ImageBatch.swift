import Foundation
import NumpyFiles
import Pixels

/// The images of an ADM (guided-diffusion) batch `.npz`: `arr_0`, uint8 [N, H, W, 3] in C order,
/// as the reference batches (`VIRTUAL_imagenet256_labeled.npz`: 10,000 x 256 x 256 x 3, 2 GB)
/// and ADM's sample files hold them.
///
/// Memory: a stored `arr_0` (`np.savez`, as ADM writes its batches) is read in place from the
/// memory-mapped file, one image per `image(at:)`, so memory stays one batch of images whatever
/// N is (its CRC-32 is checked first, in one sequential read). A deflated one
/// (`np.savez_compressed`) cannot be read in slices: it is inflated whole into memory first,
/// N x H x W x 3 bytes, and a note says so.
struct ImageBatch: ImageSet {
    static let key = "arr_0"

    let file: URL
    let count: Int
    let width: Int, height: Int
    private let bytes: UnsafeRawBufferPointer

    var label: String { "\(file.path) (\(Self.key), \(count) images of \(width)x\(height))" }
    func name(_ i: Int) -> String { "\(file.lastPathComponent)[\(Self.key)][\(i)]" }
    func path(_ i: Int) -> ImagePath { ImagePath(file) }
    func size(_ i: Int) -> (width: Int, height: Int)? { (width, height) }

    func image(at index: Int) throws -> RGBImage {
        let stride = width * height * 3
        return RGBImage(width: width, height: height,
                        rgb: Array(UnsafeRawBufferPointer(rebasing: bytes[index * stride ..< (index + 1) * stride])))
    }

    /// True when the archive has the images of a batch (an `arr_0` member).
    static func isBatch(_ archive: NpzArchive) -> Bool { archive.contains(key) }

    /// Calls `body` with the batch in `archive`, after checking `arr_0`'s type and shape. The
    /// batch is valid only inside `body`.
    static func with<R>(_ archive: NpzArchive, file: URL, quiet: Bool, _ body: (ImageBatch) throws -> R) throws -> R {
        if archive.isCompressed(key) == true {
            note("\(file.path): \(key) is compressed (np.savez_compressed), so it is decompressed whole into memory; "
                + "save it with np.savez to stream it from disk", quiet: quiet)
        }
        let result = try archive.withRawArray(key) { array -> R in
            let member = "\(file.path): key '\(key)'"
            guard array.descr == "|u1" || array.descr == "<u1" else {
                throw InputError("\(member) has element type \(array.descr), but an ADM batch holds uint8 images ('|u1')")
            }
            guard array.shape.count == 4, array.shape[3] == 3, array.shape[1] > 0, array.shape[2] > 0 else {
                throw InputError("\(member) has shape \(array.shape), but an ADM batch holds images [N, H, W, 3]")
            }
            guard !array.fortranOrder else {
                throw InputError("\(member) is in Fortran order; save it with np.ascontiguousarray")
            }
            guard array.shape[0] >= 2 else {
                throw InputError("\(member) holds \(array.shape[0]) image(s), but statistics need at least 2 (the covariance divides by N-1)")
            }
            return try body(ImageBatch(file: file, count: array.shape[0], width: array.shape[2], height: array.shape[1],
                                       bytes: array.bytes))
        }
        return result!
    }
}
