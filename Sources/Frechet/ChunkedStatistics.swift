// MARK: - Statistics of rows that arrive one at a time

/// Streaming mean and covariance of rows handed over one at a time, in fixed chunks of
/// `chunkRows` rows, so that results do not depend on how rows arrive.
public final class ChunkedStatistics {
    /// Rows handed to the accumulator at a time (fixed, so results do not depend on batch sizes).
    public static let chunkRows = 256

    private let accumulator: StatisticsAccumulator
    private var chunk: [Float] = []

    public init(dimension: Int) {
        accumulator = StatisticsAccumulator(dimension: dimension)
        chunk.reserveCapacity(Self.chunkRows * dimension)
    }

    public func add(_ row: [Float]) {
        chunk += row
        if chunk.count == Self.chunkRows * accumulator.dimension {
            accumulator.add(rows: chunk)
            chunk.removeAll(keepingCapacity: true)
        }
    }

    public func statistics(source: String) throws -> FrechetStatistics {
        if !chunk.isEmpty {
            accumulator.add(rows: chunk)
            chunk.removeAll()
        }
        return try accumulator.statistics(source: source)
    }
}
