
// MARK: - Errors from statistics, their files, and the linear algebra behind FID

import UntrustedInput

/// Everything in this module that depends on outside data (statistics handed in by a caller,
/// statistics files, feature files) fails with a `FrechetError` instead of trapping.
///
/// `source` names where the data came from: a file path, or a label such as
/// `"reference statistics"` for values built in memory. `key` is the array inside it
/// (`mu`, `sigma`, `pool3`, ...).
public enum FrechetError: Error, Equatable, CustomStringConvertible {
    /// LAPACK `dsyevd` returned `info != 0` (negative: bad argument; positive: no convergence).
    case eigendecompositionFailed(dimension: Int, info: Int)
    /// Two statistics (or a feature and the statistics) have different feature dimensions.
    case dimensionMismatch(what: String, expected: Int, found: Int)
    /// An array has the wrong shape, either against the expected feature dimension or
    /// against the other array of the same file.
    case shapeMismatch(source: String, key: String, shape: [Int], expected: [Int], reason: String)
    /// A NaN or an infinity at the given (row-major) index.
    case nonFinite(source: String, key: String, index: [Int], value: Double)
    /// `|sigma[i,j] - sigma[j,i]|` exceeds `tolerance` (absolute, already scaled).
    case notSymmetric(
        source: String, key: String, row: Int, column: Int, difference: Double, tolerance: Double)
    /// The smallest eigenvalue is below `-tolerance` (absolute, already scaled).
    case notPositiveSemidefinite(source: String, key: String, eigenvalue: Double, tolerance: Double)
    /// Statistics need at least two samples (the covariance divides by N - 1).
    case tooFewSamples(source: String, count: Int, needed: Int)
    /// Statistics whose number of samples is unknown (pytorch-fid files omit `n`) cannot be merged.
    case sampleCountUnknown(source: String)
    /// A key holds a value that contradicts the file's other keys (e.g. a shard record).
    case inconsistent(source: String, key: String, reason: String)
    /// A key the file must contain is absent.
    case missingKey(source: String, key: String, available: [String])
    /// An array has an element type that cannot be used (e.g. a string where numbers belong).
    case unsupportedType(source: String, key: String, found: String, expected: String)
    /// A count (such as a class histogram's) below zero, at the given flat index.
    case negativeCount(source: String, key: String, index: Int, value: Int64)
    /// The file could not be read or written at all.
    case unreadable(source: String, reason: String)
    /// Image weights that are not a probability vector over the rows (or class data that
    /// cannot give one).
    case invalidWeights(source: String, reason: String)

    public var description: String {
        switch self {
        case .eigendecompositionFailed(let dimension, let info):
            let why = info < 0
                ? "argument \(-info) was invalid (a bug in fidviz; please report it)"
                : "the algorithm failed to converge (\(info)); the matrix may hold extreme values"
            return "symmetric eigendecomposition of a \(dimension)x\(dimension) matrix failed: "
                + "LAPACK dsyevd returned info=\(info): \(why)"
        case .dimensionMismatch(let what, let expected, let found):
            return "\(what): feature dimension \(found) does not match \(expected); "
                + "both sides must come from the same feature extractor layer"
        case .shapeMismatch(let source, let key, let shape, let expected, let reason):
            return "\(source): key '\(key)' has shape \(shape) but \(expected) was expected "
                + "(\(reason)); the file may come from a different feature extractor or be corrupt"
        case .nonFinite(let source, let key, let index, let value):
            return "\(source): key '\(key)' holds \(value) at index \(index); "
                + "statistics must be finite: recompute them from clean features"
        case .notSymmetric(let source, let key, let row, let column, let difference, let tolerance):
            return "\(source): key '\(key)' is not symmetric: |sigma[\(row),\(column)] - "
                + "sigma[\(column),\(row)]| = \(difference) exceeds \(tolerance); "
                + "a covariance matrix must be symmetric (was it transposed or truncated?)"
        case .notPositiveSemidefinite(let source, let key, let eigenvalue, let tolerance):
            return "\(source): key '\(key)' is not positive semidefinite: smallest eigenvalue "
                + "\(eigenvalue) is below -\(tolerance); a covariance matrix cannot have "
                + "negative variance: recompute it"
        case .tooFewSamples(let source, let count, let needed):
            return "\(source): \(count) sample(s) given but at least \(needed) are needed "
                + "for a covariance with the N-1 denominator; add more images"
        case .sampleCountUnknown(let source):
            return "\(source): the number of samples (n) is not recorded, so these statistics cannot be merged "
                + "exactly; merge files written by `fidviz stats`, which record n"
        case .inconsistent(let source, let key, let reason):
            return "\(source): key '\(key)' \(reason); the file is corrupt or was edited"
        case .missingKey(let source, let key, let available):
            return "\(source): key '\(key)' is missing (keys present: "
                + "\(available.sorted().map { UntrustedText.printable($0) }.joined(separator: ", "))); expected pytorch-fid/clean-fid "
                + "statistics ('mu', 'sigma') or fidviz features ('pool3')"
        case .unsupportedType(let source, let key, let found, let expected):
            return "\(source): key '\(key)' has element type \(found) but \(expected) was expected"
        case .negativeCount(let source, let key, let index, let value):
            return "\(source): key '\(key)' holds \(value) at index \(index); counts cannot be "
                + "negative: the file is corrupt"
        case .unreadable(let source, let reason):
            return "\(source): cannot be read or written: \(reason)"
        case .invalidWeights(let source, let reason):
            return "\(source): \(reason); weights must be finite, >= 0, one per image, and sum to 1"
        }
    }
}

