import Foundation

#if !_endian(little)
    #error("NumpyFiles copies little-endian .npy data in bulk and needs a little-endian host")
#endif

// MARK: - NpyValues

/// The flat, C-ordered (row-major) elements of an array, by element type.
///
/// Reading widens '|u1' and '<i4' to `int64`; writing uses '<f4', '<f8', '<i8' and '<U<n>'
/// (n = the longest string's count of Unicode scalars, at least 1).
public enum NpyValues: Equatable, Sendable {
    case float32([Float])
    case float64([Double])
    case int64([Int64])
    case unicode([String])

    /// Number of elements.
    public var count: Int {
        switch self {
        case .float32(let v): return v.count
        case .float64(let v): return v.count
        case .int64(let v): return v.count
        case .unicode(let v): return v.count
        }
    }

    /// The numpy type string these values are written with, e.g. "<f8" or "<U5".
    public var dtype: String { elementType.descr }

    /// The element type these values are written with.
    var elementType: NpyElementType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        case .int64: return .int64
        case .unicode(let strings): return .unicode(width: Self.unicodeWidth(strings))
        }
    }

    /// Characters per element of a '<U<n>' array: the longest string's scalar count, at least 1
    /// (numpy gives `np.array([''])` the type '<U1').
    static func unicodeWidth(_ strings: [String]) -> Int {
        max(1, strings.map { $0.unicodeScalars.count }.max() ?? 1)
    }
}

// MARK: - NpyArray

/// An n-dimensional numpy array: a shape and C-ordered values whose count is the shape's product.
/// A 0-d array (numpy scalar) has shape [] and one value.
public struct NpyArray: Equatable, Sendable {
    public let shape: [Int]
    public let values: NpyValues

    public init(shape: [Int], values: NpyValues) {
        precondition(shape.allSatisfy { $0 >= 0 }, "NpyArray shape \(shape) has a negative side")
        let count = shape.reduce(1, *)
        precondition(
            count == values.count,
            "NpyArray shape \(shape) holds \(count) elements but \(values.count) values were given")
        self.shape = shape
        self.values = values
    }

    // MARK: Convenience initialisers

    /// A Float32 array; `shape` defaults to 1-D [values.count].
    public init(_ values: [Float], shape: [Int]? = nil) {
        self.init(shape: shape ?? [values.count], values: .float32(values))
    }

    /// A Float64 array; `shape` defaults to 1-D [values.count].
    public init(_ values: [Double], shape: [Int]? = nil) {
        self.init(shape: shape ?? [values.count], values: .float64(values))
    }

    /// An Int64 array; `shape` defaults to 1-D [values.count].
    public init(_ values: [Int64], shape: [Int]? = nil) {
        self.init(shape: shape ?? [values.count], values: .int64(values))
    }

    /// A unicode string array; `shape` defaults to 1-D [values.count].
    public init(_ values: [String], shape: [Int]? = nil) {
        self.init(shape: shape ?? [values.count], values: .unicode(values))
    }

    /// A 0-d Float64 array, like `np.array(2.5)`.
    public init(scalar: Double) { self.init(shape: [], values: .float64([scalar])) }

    /// A 0-d Int64 array, like `np.array(50000)`.
    public init(scalar: Int64) { self.init(shape: [], values: .int64([scalar])) }

    /// A 0-d string array, like `np.array('pool3')`.
    public init(scalar: String) { self.init(shape: [], values: .unicode([scalar])) }

    // MARK: Access

    /// Number of elements (the product of `shape`; 1 for a 0-d array).
    public var count: Int { values.count }

    /// The numpy type string, e.g. "<f4".
    public var dtype: String { values.dtype }

    /// Numeric values as Double: Float32 widens exactly, Int64 converts (rounding beyond 2^53).
    /// Nil for strings.
    public func doubles() -> [Double]? {
        switch values {
        case .float32(let v): return v.map(Double.init)
        case .float64(let v): return v
        case .int64(let v): return v.map(Double.init)
        case .unicode: return nil
        }
    }

    /// Numeric values as Float: Float64 and Int64 round to nearest Float32. Nil for strings.
    public func floats() -> [Float]? {
        switch values {
        case .float32(let v): return v
        case .float64(let v): return v.map(Float.init)
        case .int64(let v): return v.map(Float.init)
        case .unicode: return nil
        }
    }

    /// Int64 values, or nil unless the array holds integers.
    public func int64s() -> [Int64]? {
        if case .int64(let v) = values { return v }
        return nil
    }

    /// String values, or nil unless the array holds unicode strings.
    public func strings() -> [String]? {
        if case .unicode(let v) = values { return v }
        return nil
    }

    /// The single value of a one-element numeric array (0-d or not) as Double, else nil.
    func scalarDouble() -> Double? {
        guard count == 1 else { return nil }
        return doubles()?.first
    }
}
