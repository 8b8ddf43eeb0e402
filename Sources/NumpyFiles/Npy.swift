import Foundation
import UntrustedInput

/// Reads and writes single arrays in numpy's .npy format (versions 1.0, 2.0 and 3.0).
///
/// Layout: "\x93NUMPY", major and minor version bytes, the header length (UInt16 LE for 1.0,
/// UInt32 LE for 2.0/3.0), the header dict (latin-1; UTF-8 for 3.0), then the raw little-endian
/// elements. Fortran-ordered data is reordered to C order on reading. Object arrays are refused
/// (they would need pickle).
public enum Npy {

    // MARK: - Writing

    /// The .npy bytes of `array`: a version 1.0 header (2.0 if it would not fit) padded to
    /// 64 bytes, then the data, copied in bulk (no per-element appends).
    public static func encode(_ array: NpyArray) -> Data {
        let header = NpyHeader(descr: array.dtype, fortranOrder: false, shape: array.shape)
            .encoded()
        let itemSize = array.values.elementType.itemSize
        var data = Data(count: header.count + array.count * itemSize)
        data.withUnsafeMutableBytes { (out: UnsafeMutableRawBufferPointer) in
            out.copyBytes(from: header)
            let body = UnsafeMutableRawBufferPointer(rebasing: out[header.count...])
            switch array.values {
            case .float32(let v): v.withUnsafeBytes { body.copyMemory(from: $0) }
            case .float64(let v): v.withUnsafeBytes { body.copyMemory(from: $0) }
            case .int64(let v): v.withUnsafeBytes { body.copyMemory(from: $0) }
            case .unicode(let strings):
                for (k, string) in strings.enumerated() {
                    var offset = k * itemSize
                    for scalar in string.unicodeScalars {  // the rest stays zero: NUL padding
                        body.storeBytes(
                            of: scalar.value.littleEndian, toByteOffset: offset, as: UInt32.self)
                        offset += 4
                    }
                }
            }
        }
        return data
    }

    // MARK: - Reading

    /// Decodes .npy bytes; `name` labels errors.
    public static func decode(_ data: Data, name: String) throws -> NpyArray {
        try data.withUnsafeBytes { try decode($0, at: NumpyLocation(file: name, member: nil)) }
    }

    /// Decodes .npy bytes, validating every size against the bytes present before allocating.
    static func decode(_ bytes: UnsafeRawBufferPointer, at location: NumpyLocation) throws
        -> NpyArray
    {
        let layout = try Self.layout(bytes, at: location)
        var values = try readValues(
            layout.body, type: layout.elementType, count: layout.count, location: location,
            dataStart: layout.dataStart)
        if layout.header.fortranOrder { values = fortranToCOrder(values, shape: layout.header.shape) }
        return NpyArray(shape: layout.header.shape, values: values)
    }

    /// Parses the header of .npy bytes and locates the elements, checking that they are all
    /// present; decodes nothing.
    static func layout(_ bytes: UnsafeRawBufferPointer, at location: NumpyLocation) throws -> NpyLayout {
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw location.error(
                bytes.count < 10 && Array(bytes.prefix(6)) == Array(magic.prefix(bytes.count))
                    ? "truncated .npy data (\(bytes.count) bytes, shorter than the header)"
                    : "not a .npy file (bad magic bytes)")
        }
        let (major, minor) = (bytes[6], bytes[7])
        let headerStart: Int
        let headerLength: Int
        switch (major, minor) {
        case (1, 0):
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case (2, 0), (3, 0):
            guard bytes.count >= 12 else {
                throw location.error("truncated .npy data (\(bytes.count) bytes)", at: 8)
            }
            headerStart = 12
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
        default:
            throw location.error(
                "unsupported .npy format version \(major).\(minor) (fidviz reads 1.0, 2.0, 3.0)",
                at: 6)
        }
        let dataStart = headerStart + headerLength
        guard dataStart <= bytes.count else {
            throw location.error(
                "truncated .npy header: it claims \(headerLength) bytes but only "
                    + "\(bytes.count - headerStart) follow", at: 8)
        }
        let headerBytes = Array(bytes[headerStart..<dataStart])
        let header: NpyHeader
        do {
            if major == 3 {
                guard String(validatingUTF8: headerBytes.map { CChar(bitPattern: $0) } + [0]) != nil
                else {
                    throw HeaderSyntaxError(position: 0, reason: "the header is not valid UTF-8")
                }
            }
            header = try NpyHeader.parse(headerBytes)
        } catch let error as HeaderSyntaxError {
            throw location.error(
                "bad .npy header: \(error.reason)", at: headerStart + error.position)
        }
        let elementType: NpyElementType
        switch NpyElementType.parse(header.descr) {
        case .success(let type): elementType = type
        case .failure(let refusal): throw location.error(refusal.reason, at: headerStart)
        }
        let shapeText = NpyHeader.shapeLiteral(header.shape)
        var count = 1
        for side in header.shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: side)
            guard !overflow else {
                throw location.error(
                    "header shape \(shapeText) has too many elements", at: headerStart)
            }
            count = product
        }
        let (byteCount, overflow) = count.multipliedReportingOverflow(by: elementType.itemSize)
        let available = bytes.count - dataStart
        guard !overflow, byteCount <= available else {
            let needed = overflow ? "more than \(Int.max)" : "\(byteCount)"
            throw location.error(
                "header shape \(shapeText) needs \(needed) bytes of '\(UntrustedText.printable(header.descr))' data but only "
                    + "\(available) bytes follow the header (truncated file or lying header)",
                at: dataStart)
        }
        let body = UnsafeRawBufferPointer(rebasing: bytes[dataStart..<dataStart + byteCount])
        return NpyLayout(header: header, elementType: elementType, count: count, dataStart: dataStart, body: body)
    }

    // MARK: - Element decoding

    private static func readValues(
        _ body: UnsafeRawBufferPointer, type: NpyElementType, count: Int,
        location: NumpyLocation, dataStart: Int
    ) throws -> NpyValues {
        switch type {
        case .float32: return .float32(bulkCopy(body, count: count))
        case .float64: return .float64(bulkCopy(body, count: count))
        case .int64: return .int64(bulkCopy(body, count: count))
        case .int32:
            let narrow: [Int32] = bulkCopy(body, count: count)
            return .int64(narrow.map(Int64.init))
        case .uint8: return .int64(body.map(Int64.init))
        case .unicode(let width):
            var strings: [String] = []
            strings.reserveCapacity(count)
            for k in 0..<count {
                var scalars = String.UnicodeScalarView()
                var units = (0..<width).map {
                    body.loadUnaligned(fromByteOffset: (k * width + $0) * 4, as: UInt32.self)
                }
                while units.last == 0 { units.removeLast() }  // numpy strips trailing NULs only
                for (j, unit) in units.enumerated() {
                    guard let scalar = Unicode.Scalar(UInt32(littleEndian: unit)) else {
                        throw location.error(
                            "invalid UTF-32 code unit 0x\(String(unit, radix: 16)) in string "
                                + "element \(k)", at: dataStart + (k * width + j) * 4)
                    }
                    scalars.append(scalar)
                }
                strings.append(String(scalars))
            }
            return .unicode(strings)
        }
    }

    /// Copies `count` little-endian elements from possibly unaligned bytes in one memcpy.
    private static func bulkCopy<T>(_ body: UnsafeRawBufferPointer, count: Int) -> [T] {
        [T](unsafeUninitializedCapacity: count) { out, initialized in
            if count > 0 {
                UnsafeMutableRawBufferPointer(out).copyMemory(
                    from: UnsafeRawBufferPointer(rebasing: body[0..<count * MemoryLayout<T>.stride])
                )
            }
            initialized = count
        }
    }

    // MARK: - Fortran order

    private static func fortranToCOrder(_ values: NpyValues, shape: [Int]) -> NpyValues {
        switch values {
        case .float32(let v): return .float32(fortranToCOrder(v, shape: shape))
        case .float64(let v): return .float64(fortranToCOrder(v, shape: shape))
        case .int64(let v): return .int64(fortranToCOrder(v, shape: shape))
        case .unicode(let v): return .unicode(fortranToCOrder(v, shape: shape))
        }
    }

    /// Reorders column-major elements to row-major: element (i0, ..., ik) sits at
    /// i0 + s0 * (i1 + s1 * (...)) in Fortran order and at ((i0 * s1 + i1) * s2 + ...) in C order.
    static func fortranToCOrder<T>(_ fortran: [T], shape: [Int]) -> [T] {
        guard shape.count > 1, fortran.count > 1 else { return fortran }
        var fortranStride = [Int](repeating: 1, count: shape.count)
        for axis in 1..<shape.count {
            fortranStride[axis] = fortranStride[axis - 1] * shape[axis - 1]
        }
        var out: [T] = []
        out.reserveCapacity(fortran.count)
        var index = [Int](repeating: 0, count: shape.count)
        var offset = 0
        for _ in 0..<fortran.count {
            out.append(fortran[offset])
            var axis = shape.count - 1  // the last axis varies fastest in C order
            while axis >= 0 {
                index[axis] += 1
                offset += fortranStride[axis]
                if index[axis] < shape[axis] { break }
                offset -= fortranStride[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }
}

// MARK: - Layout

/// Where an array's elements are in .npy bytes, after its header was parsed and checked.
struct NpyLayout {
    let header: NpyHeader
    let elementType: NpyElementType
    /// Number of elements (the shape's product).
    let count: Int
    /// Offset of the first element in the .npy bytes.
    let dataStart: Int
    /// The elements' bytes, exactly `count * itemSize` of them.
    let body: UnsafeRawBufferPointer
}
