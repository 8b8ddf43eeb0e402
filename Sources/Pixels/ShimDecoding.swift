import CShimStatus

// MARK: - Decoding through a C shim

extension FormatDecoder {
    /// Decodes through a C shim that follows CPNG's and CJPEG's protocol: `open` reads the
    /// headers into a `shim_status` (a nil decoder or `failed` is a failure), the size it read is
    /// checked against the limit, `read` fills width*height*3 bytes, and `close` frees the decoder
    /// whatever happened.
    static func decodeThroughShim(
        name: String, maxPixels: Int,
        open: (UnsafeMutablePointer<shim_status>) -> OpaquePointer?,
        read: (OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<shim_status>?) -> Int32,
        close: (OpaquePointer?) -> Void
    ) throws -> RGBImage {
        var status = shim_status()
        let decoder = open(&status)
        defer { close(decoder) }
        if decoder == nil || status.failed != 0 { throw ImageDecodingError(file: name, cMessage: status.message) }
        return try rgbImage(width: Int(status.width), height: Int(status.height), name: name, maxPixels: maxPixels) {
            read(decoder, $0, &status) == 0 ? nil : ImageDecodingError(file: name, cMessage: status.message)
        }
    }
}
