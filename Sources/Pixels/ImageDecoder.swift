import Foundation
import UntrustedInput

// MARK: - ImageDecoder

/// Reads the images fidviz accepts (PNG, JPEG, WebP) as `PIL.Image.open(p).convert('RGB')` would,
/// telling formats apart by their first bytes, never by the file name: a `.jpg` that holds a PNG
/// is read as a PNG, as PIL does.
///
/// Every format runs the same steps: the header, from only the bytes it needs; the pixel limit
/// (`defaultMaxPixels`, PIL's `MAX_IMAGE_PIXELS`); then the pixels. So a decompression bomb is
/// refused before any pixel memory is allocated, and every failure is one `ImageDecodingError`.
public enum ImageDecoder {
    /// `Limits.current.maxImagePixels`: PIL's `Image.MAX_IMAGE_PIXELS` (1024*1024*1024 / 4 / 3),
    /// above which PIL warns of a decompression bomb, unless `FIDVIZ_MAX_IMAGE_PIXELS` says
    /// otherwise. Larger pictures are refused before any pixel memory is allocated.
    public static var defaultMaxPixels: Int { Limits.current.maxImagePixels }

    /// Decodes the image at `url`; errors name `url.path`.
    public static func decode(contentsOf url: URL, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        try decode(data: ImageBytes.contents(of: url), name: url.path, maxPixels: maxPixels)
    }

    /// Decodes image bytes held in memory; `name` only labels errors.
    public static func decode(data: Data, name: String, maxPixels: Int = defaultMaxPixels) throws -> RGBImage {
        let format = try ImageFormat(of: ImageBytes(data, name: name))
        return try decode(data, name: name, maxPixels: maxPixels, as: format.decoder)
    }

    /// Checks the start of the image at `url` without decoding it, and returns the size it
    /// declares. Reads only the first bytes the format needs (PNG: signature and IHDR; JPEG: the
    /// markers up to the frame header; WebP: the RIFF header and the first chunk's header), and
    /// throws what `decode` would throw for them, including the pixel limit; damage further into
    /// the file is found only by `decode`.
    @discardableResult
    public static func checkHeader(contentsOf url: URL, maxPixels: Int = defaultMaxPixels) throws
        -> (width: Int, height: Int)
    {
        try ImageBytes.withFile(url) { source in
            try checkHeader(source, maxPixels: maxPixels, as: ImageFormat(of: source).decoder)
        }
    }

    /// `checkHeader(contentsOf:)` for bytes held in memory; `name` only labels errors.
    @discardableResult
    public static func checkHeader(data: Data, name: String, maxPixels: Int = defaultMaxPixels) throws
        -> (width: Int, height: Int)
    {
        let source = ImageBytes(data, name: name)
        return try checkHeader(source, maxPixels: maxPixels, as: ImageFormat(of: source).decoder)
    }

    /// File name extensions (lower case) that folder walks pick up.
    public static let fileExtensions: Set<String> = ["png", "jpg", "jpeg", "webp"]

    /// The formats read, for messages.
    public static let formatNames = "PNG, JPEG and WebP"

    // MARK: - The steps every format runs

    static func decode(_ data: Data, name: String, maxPixels: Int, as decoder: FormatDecoder.Type) throws
        -> RGBImage
    {
        try checkHeader(ImageBytes(data, name: name), maxPixels: maxPixels, as: decoder)
        return try data.withUnsafeBytes { try decoder.pixels(of: $0, name: name, maxPixels: maxPixels) }
    }

    @discardableResult
    static func checkHeader(_ source: ImageBytes, maxPixels: Int, as decoder: FormatDecoder.Type) throws
        -> (width: Int, height: Int)
    {
        let size = try decoder.headerSize(of: source)
        try ImageDecodingError.checkPixelCount(
            width: size.width, height: size.height, maxPixels: maxPixels, file: source.name)
        return size
    }
}

// MARK: - One format

/// What each format's decoder provides to `ImageDecoder`'s steps.
protocol FormatDecoder {
    /// The size declared by the header at the start of `source`, read from only the bytes the
    /// header needs. Throws `ImageDecodingError` (naming `source.name`) for a header that is not
    /// sound.
    static func headerSize(of source: ImageBytes) throws -> (width: Int, height: Int)

    /// Every pixel of the whole file in `bytes`, whose header is sound and within `maxPixels`.
    static func pixels(of bytes: UnsafeRawBufferPointer, name: String, maxPixels: Int) throws -> RGBImage
}

extension FormatDecoder {
    /// The last step of every decoder: the size its library read is checked against the limit
    /// (the same check as the header's), then width*height*3 bytes are allocated and `fill` writes
    /// them, returning nil or what went wrong.
    static func rgbImage(width: Int, height: Int, name: String, maxPixels: Int,
                         fill: (UnsafeMutablePointer<UInt8>) -> ImageDecodingError?) throws -> RGBImage
    {
        try ImageDecodingError.checkPixelCount(width: width, height: height, maxPixels: maxPixels, file: name)
        let count = width * height * 3
        let rgb = try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let failure = fill(buffer.baseAddress!) { throw failure }
            initialized = count
        }
        return RGBImage(width: width, height: height, rgb: rgb)
    }
}

// MARK: - Telling formats apart

/// The formats fidviz reads, recognised by their first bytes as PIL recognises them.
enum ImageFormat {
    case png, jpeg, webp

    init(of source: ImageBytes) throws {
        let head = try source.prefix(12)  // "RIFF", a size, "WEBP"
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else if head.starts(with: [0xFF, 0xD8, 0xFF]) {
            self = .jpeg
        } else if head.count == 12, head.starts(with: Array("RIFF".utf8)), head[8...] == Array("WEBP".utf8)[...] {
            self = .webp
        } else {
            let why = head.isEmpty ? "the file is empty" : "unrecognised signature"
            throw ImageDecodingError(file: source.name, reason: "not a PNG, JPEG or WebP file (\(why))")
        }
    }

    var decoder: FormatDecoder.Type {
        switch self {
        case .png: return PNGDecoder.self
        case .jpeg: return JPEGDecoder.self
        case .webp: return WebPDecoder.self
        }
    }
}
