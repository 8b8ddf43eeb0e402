import CBLAS
import Foundation

// MARK: - A set's feature vectors

/// The feature vectors of N images as a row-major [N, d] matrix, Float32 (as fidviz stores
/// pool3 and logits) or Float64, held as given (no copy). The weighted statistics, the weight
/// gradient and the null-space optimiser read it block by block, converting one block of rows
/// at a time, so no second full-size copy is ever made.
public struct FeatureRows: Sendable {
    /// N.
    public let count: Int
    /// d.
    public let dimension: Int
    let storage: Storage

    enum Storage: Sendable {
        case float32([Float])
        case float64([Double])
    }

    /// Rows from a row-major [N, d] Float32 array (N = values.count / dimension).
    public init(_ values: [Float], dimension: Int) {
        self.init(.float32(values), valueCount: values.count, dimension: dimension)
    }

    /// Rows from a row-major [N, d] Float64 array (N = values.count / dimension).
    public init(_ values: [Double], dimension: Int) {
        self.init(.float64(values), valueCount: values.count, dimension: dimension)
    }

    private init(_ storage: Storage, valueCount: Int, dimension: Int) {
        precondition(dimension > 0 && valueCount % dimension == 0,
                     "FeatureRows: \(valueCount) values are not whole rows of dimension \(dimension)")
        self.dimension = dimension
        count = valueCount / dimension
        self.storage = storage
    }

    /// Row i in Float64, [d].
    public func row(_ i: Int) -> [Double] {
        precondition(i >= 0 && i < count, "FeatureRows.row: \(i) of \(count)")
        let range = (i * dimension)..<((i + 1) * dimension)
        switch storage {
        case .float32(let values): return values[range].map(Double.init)
        case .float64(let values): return Array(values[range])
        }
    }

    /// Every value as Float32, row-major [N, d] (the stored array itself for Float32 rows).
    public var float32Values: [Float] {
        switch storage {
        case .float32(let values): return values
        case .float64(let values): return values.map(Float.init)
        }
    }

    /// Throws `FrechetError.nonFinite` (key "rows", index [row, column]) for the first NaN/Inf.
    func checkFinite(source: String) throws {
        let index: Int?
        switch storage {
        case .float32(let values): index = values.firstIndex { !$0.isFinite }
        case .float64(let values): index = values.firstIndex { !$0.isFinite }
        }
        if let i = index {
            let value: Double
            switch storage {
            case .float32(let values): value = Double(values[i])
            case .float64(let values): value = values[i]
            }
            throw FrechetError.nonFinite(source: source, key: "rows",
                                         index: [i / dimension, i % dimension], value: value)
        }
    }
}

// MARK: - Block kernels

extension FeatureRows {
    /// Rows converted per block.
    static let blockRows = 1024

    /// Writes (f_i - centre) * factor_k for i = indices[k] into `out`, row-major
    /// [indices.count, d], as `T`.
    func fillCentred<T: BLASScalar>(
        _ indices: ArraySlice<Int>, centre: [Double], factors: ArraySlice<Double>?,
        into out: UnsafeMutablePointer<T>
    ) {
        let d = dimension
        centre.withUnsafeBufferPointer { c in
            func fill<S: BinaryFloatingPoint>(_ source: UnsafeBufferPointer<S>) {
                for (k, i) in indices.enumerated() {
                    let factor = factors.map { f in f[f.startIndex + k] } ?? 1
                    let row = source.baseAddress! + i * d
                    let target = out + k * d
                    for j in 0..<d { target[j] = T((Double(row[j]) - c[j]) * factor) }
                }
            }
            switch storage {
            case .float32(let values): values.withUnsafeBufferPointer { fill($0) }
            case .float64(let values): values.withUnsafeBufferPointer { fill($0) }
            }
        }
    }

    /// sum_i w_i (f_i - c) over the rows with w_i != 0, [d].
    func weightedSum(_ weights: [Double], centre: [Double]) -> [Double] {
        precondition(weights.count == count,
                     "FeatureRows.weightedSum: \(weights.count) weights for \(count) rows")
        let d = dimension
        let indices = weights.indices.filter { weights[$0] != 0 }
        var sum = [Double](repeating: 0, count: d)
        var block = [Double](repeating: 0, count: Self.blockRows * d)
        var start = 0
        while start < indices.count {
            let end = min(start + Self.blockRows, indices.count)
            let blockWeights = indices[start..<end].map { weights[$0] }
            block.withUnsafeMutableBufferPointer { b in
                fillCentred(indices[start..<end], centre: centre, factors: nil, into: b.baseAddress!)
                cblas_dgemv(CblasRowMajor, CblasTrans, Int32(end - start), Int32(d), 1.0,
                            b.baseAddress, Int32(d), blockWeights, 1, 1.0, &sum, 1)
            }
            start = end
        }
        return sum
    }

    /// sum_i w_i (f_i - c)(f_i - c)^T, row-major [d, d] and symmetric, plus sum_i w_i (f_i - c)
    /// [d], over the rows with w_i != 0 (any sign: positive and negative weights go through
    /// separate `dsyrk` updates).
    func weightedMoments(_ weights: [Double], centre: [Double]) -> (gram: [Double], sum: [Double]) {
        weightedMoments(weights, centre: centre, as: Double.self)
    }

    /// `weightedMoments` with the rows, the products and their sums in `T` (Float32 halves the
    /// cost and keeps about 7 significant digits of the result), returned in Float64.
    func weightedMoments<T: BLASScalar>(_ weights: [Double], centre: [Double], as _: T.Type)
        -> (gram: [Double], sum: [Double])
    {
        precondition(weights.count == count,
                     "FeatureRows.weightedMoments: \(weights.count) weights for \(count) rows")
        let d = dimension
        let signed = [1.0, -1.0].map { sign in
            let indices = weights.indices.filter { sign * weights[$0] > 0 }
            return (sign, indices, indices.map { (sign * weights[$0]).squareRoot() })
        }
        // The rows with weight in `halves` parts, each summed on its own, then added in order.
        let rowsWithWeight = signed.reduce(0) { $0 + $1.1.count }
        let halves = Self.splitsAcrossCores(rowsWithWeight) ? 2 : 1
        var parts = [(gram: [T], sum: [T])](repeating: ([], []), count: halves)
        func accumulate(part: Int) -> (gram: [T], sum: [T]) {
            var gram = [T](repeating: 0, count: d * d)
            var sum = [T](repeating: 0, count: d)
            var block = [T](repeating: 0, count: Self.blockRows * d)
            for (sign, allIndices, allRoots) in signed {
                let share = (allIndices.count + halves - 1) / halves
                let range = min(part * share, allIndices.count)..<min((part + 1) * share, allIndices.count)
                let (indices, roots) = (allIndices[range], allRoots[range])
                var start = range.lowerBound
                while start < range.upperBound {
                    let end = min(start + Self.blockRows, range.upperBound)
                    block.withUnsafeMutableBufferPointer { b in
                        fillCentred(indices[start..<end], centre: centre, factors: roots[start..<end],
                                    into: b.baseAddress!)
                        // sum += sign * X^T sqrt(|w|), since each row already carries sqrt(|w|).
                        let blockRoots = roots[start..<end].map { T($0) }
                        T.gemvTransposed(rows: end - start, columns: d, alpha: T(sign), b.baseAddress!, blockRoots,
                                         &sum)
                        T.syrkTransposed(rows: end - start, columns: d, alpha: T(sign), b.baseAddress!, &gram)
                    }
                    start = end
                }
            }
            return (gram, sum)
        }
        if halves == 1 {
            parts[0] = accumulate(part: 0)
        } else {
            parts.withUnsafeMutableBufferPointer { out in
                let out = out  // each iteration writes its own element
                DispatchQueue.concurrentPerform(iterations: halves) { out[$0] = accumulate(part: $0) }
            }
        }
        var result = parts[0].gram.map(Double.init), sum = parts[0].sum.map(Double.init)
        for part in parts.dropFirst() {
            for k in 0..<result.count { result[k] += Double(part.gram[k]) }
            for j in 0..<d { sum[j] += Double(part.sum[j]) }
        }
        mirrorUpperToLower(&result, dimension: d)
        return (result, sum)
    }

    /// x_i^T G x_i + x_i . v for every row (x_i = f_i - c), [N], for a symmetric row-major G
    /// [d, d] and v [d]: one Float32 GEMM per block of rows, the sums over a row in Float64;
    /// split across the cores as `weightedMoments` is.
    func quadraticForms(_ g: [Float], linear v: [Double], centre: [Double]) -> [Double] {
        let d = dimension
        precondition(g.count == d * d && v.count == d && centre.count == d,
                     "FeatureRows.quadraticForms: G [\(g.count)], v [\(v.count)], centre [\(centre.count)], d = \(d)")
        var result = [Double](repeating: 0, count: count)
        result.withUnsafeMutableBufferPointer { out in
            let out = out  // each part writes its own rows
            Self.inParts(count) { part in
                var x = [Float](repeating: 0, count: Self.blockRows * d), xg = x
                var start = part.lowerBound
                while start < part.upperBound {
                    let end = min(start + Self.blockRows, part.upperBound)
                    x.withUnsafeMutableBufferPointer { fillCentred(Array(start..<end)[...], centre: centre, factors: nil,
                                                                   into: $0.baseAddress!) }
                    Float.gemm(rows: end - start, columns: d, inner: d, x, g, &xg, beta: 0)
                    for r in 0..<(end - start) {
                        var sum = 0.0
                        for j in 0..<d { sum += Double(x[r * d + j]) * (Double(xg[r * d + j]) + v[j]) }
                        out[start + r] = sum
                    }
                    start = end
                }
            }
        }
        return result
    }

    /// Whether a pass over `rows` rows (a co-moment, quadratic forms) is split in two, each half on its own core: when
    /// OpenBLAS runs one thread per call (explain's class section, `ComputeRuntime.withThreads(1)`)
    /// and there are at least 8 blocks of rows. The split is by position, so the numbers do not
    /// depend on which half finishes first.
    static func splitsAcrossCores(_ rows: Int) -> Bool {
        rows >= 8 * blockRows && openblas_get_num_threads() == 1 && ProcessInfo.processInfo.activeProcessorCount > 1
    }

    /// Calls `body` with the rows 0..<rows: as one range, or, when `splitsAcrossCores`, as two
    /// ranges of whole blocks on two cores at once (`body` then writes only state of its own rows).
    static func inParts(_ rows: Int, _ body: (Range<Int>) -> Void) {
        let parts = splitsAcrossCores(rows) ? 2 : 1
        let blocks = (rows + blockRows - 1) / blockRows
        let share = (blocks + parts - 1) / parts * blockRows
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            body(min(part * share, rows)..<min((part + 1) * share, rows))
        }
    }
}

extension FeatureRows {
    /// (F - 1 c^T) P for a row-major [d, columns] P: every row in another basis, Float32 [N, columns].
    func projected(onto p: [Float], columns: Int, centre: [Double]) -> [Float] {
        var result = [Float](repeating: 0, count: count * columns)
        guard columns > 0 else { return result }
        result.withUnsafeMutableBufferPointer { out in
            var start = 0
            while start < count {
                let end = min(start + Self.blockRows, count)
                project(start..<end, onto: p, columns: columns, centre: centre, into: out.baseAddress! + start * columns)
                start = end
            }
        }
        return result
    }

    /// The rows `range` of (F - 1 c^T) P into `out`, [range.count, columns] in `T` (one GEMM; at
    /// most `blockRows` rows).
    func project<T: BLASScalar>(_ range: Range<Int>, onto p: [T], columns: Int, centre: [Double],
                                into out: UnsafeMutablePointer<T>) {
        let d = dimension
        precondition(p.count == d * columns && centre.count == d && range.count <= Self.blockRows,
                     "FeatureRows.project: P [\(p.count)] for d = \(d), \(columns) columns, \(range.count) rows")
        var block = [T](repeating: 0, count: range.count * d)
        block.withUnsafeMutableBufferPointer { x in
            fillCentred(Array(range)[...], centre: centre, factors: nil, into: x.baseAddress!)
            T.gemm(rows: range.count, columns: columns, inner: d, x.baseAddress!, p, out, beta: 0)
        }
    }

    /// |f_i - c|^2 for every row, [N] (Float64).
    func squaredNorms(centre: [Double]) -> [Double] {
        dots(nil, centre: centre)
    }

    /// (f_i - c) . v for every row, [N] (Float64).
    func dots(_ v: [Double], centre: [Double]) -> [Double] {
        dots(Optional(v), centre: centre)
    }

    /// (f_i - c) . v, or |f_i - c|^2 without v.
    private func dots(_ v: [Double]?, centre: [Double]) -> [Double] {
        let d = dimension
        precondition(centre.count == d && (v?.count ?? d) == d,
                     "FeatureRows.dots: centre [\(centre.count)], v [\(v?.count ?? d)], d = \(d)")
        var result = [Double](repeating: 0, count: count)
        var block = [Double](repeating: 0, count: Self.blockRows * d)
        var start = 0
        while start < count {
            let end = min(start + Self.blockRows, count)
            block.withUnsafeMutableBufferPointer { x in
                fillCentred(Array(start..<end)[...], centre: centre, factors: nil, into: x.baseAddress!)
                for r in 0..<(end - start) {
                    var sum = 0.0
                    if let v {
                        for j in 0..<d { sum += x[r * d + j] * v[j] }
                    } else {
                        for j in 0..<d { sum += x[r * d + j] * x[r * d + j] }
                    }
                    result[start + r] = sum
                }
            }
            start = end
        }
        return result
    }
}

// MARK: - Float32 and Float64 through one BLAS interface

/// The scalar types the block kernels run BLAS in.
protocol BLASScalar: BinaryFloatingPoint {
    /// Row-major C = A B + beta C with A [rows, inner], B [inner, columns].
    static func gemm(rows: Int, columns: Int, inner: Int, _ a: UnsafePointer<Self>,
                     _ b: UnsafePointer<Self>, _ c: UnsafeMutablePointer<Self>, beta: Self)
    /// Upper triangle of the row-major C [columns, columns] += alpha A^T A, A [rows, columns].
    static func syrkTransposed(rows: Int, columns: Int, alpha: Self, _ a: UnsafePointer<Self>,
                               _ c: UnsafeMutablePointer<Self>)
    /// y [columns] += alpha A^T x for a row-major A [rows, columns] and x [rows].
    static func gemvTransposed(rows: Int, columns: Int, alpha: Self, _ a: UnsafePointer<Self>,
                               _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>)
}

extension Float: BLASScalar {
    static func gemm(rows: Int, columns: Int, inner: Int, _ a: UnsafePointer<Float>,
                     _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>, beta: Float) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns),
                    Int32(inner), 1, a, Int32(inner), b, Int32(columns), beta, c, Int32(columns))
    }

    static func syrkTransposed(rows: Int, columns: Int, alpha: Float, _ a: UnsafePointer<Float>,
                               _ c: UnsafeMutablePointer<Float>) {
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(rows), alpha, a,
                    Int32(columns), 1, c, Int32(columns))
    }

    static func gemvTransposed(rows: Int, columns: Int, alpha: Float, _ a: UnsafePointer<Float>,
                               _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>) {
        cblas_sgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(columns), alpha, a, Int32(columns), x, 1,
                    1, y, 1)
    }
}

extension Double: BLASScalar {
    static func gemm(rows: Int, columns: Int, inner: Int, _ a: UnsafePointer<Double>,
                     _ b: UnsafePointer<Double>, _ c: UnsafeMutablePointer<Double>, beta: Double) {
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(columns),
                    Int32(inner), 1, a, Int32(inner), b, Int32(columns), beta, c, Int32(columns))
    }

    static func syrkTransposed(rows: Int, columns: Int, alpha: Double, _ a: UnsafePointer<Double>,
                               _ c: UnsafeMutablePointer<Double>) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(rows), alpha, a,
                    Int32(columns), 1, c, Int32(columns))
    }

    static func gemvTransposed(rows: Int, columns: Int, alpha: Double, _ a: UnsafePointer<Double>,
                               _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>) {
        cblas_dgemv(CblasRowMajor, CblasTrans, Int32(rows), Int32(columns), alpha, a, Int32(columns), x, 1,
                    1, y, 1)
    }
}
