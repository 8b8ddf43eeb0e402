import Autograd
import Dispatch
import Foundation

extension DINOv2 {
    /// Features of a batch [N, 3, 224, 224] (constants only, no tape), [N, D], split across
    /// cores: each worker runs whole images, one at a time, with single-threaded BLAS. With
    /// more than one worker, each image's features are bit for bit what it gets alone with
    /// single-threaded BLAS, whatever the batch and the split; one worker runs the images one
    /// at a time with BLAS's own threads.
    public func forwardInParallel(_ pixels01: Tensor, workers: Int = ProcessInfo.processInfo.activeProcessorCount)
        -> Tensor {
        precondition(!pixels01.isTracked, "forwardInParallel is for inference; use callAsFunction with a tape")
        let n = pixels01.shape[0], d = architecture.width
        let parts = max(1, min(workers, n))
        let items = (0 ..< n).map { pixels01.item($0) }
        if parts == 1 {
            return Tensor(shape: [n, d], data: items.flatMap { self($0).features.data })
        }
        let bounds = (0 ... parts).map { $0 * n / parts }
        var results = [[Float]](repeating: [], count: parts)
        let lock = NSLock()
        ComputeRuntime.withThreads(1) {
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let features = items[bounds[part] ..< bounds[part + 1]].flatMap { self($0).features.data }
                lock.lock()
                results[part] = features
                lock.unlock()
            }
        }
        return Tensor(shape: [n, d], data: results.flatMap { $0 })
    }
}
