import Autograd
import Dispatch
import Foundation

extension InceptionV3 {
    /// Forward pass of a batch (constants only, no tape), split across cores: each worker runs
    /// whole sub-batches with single-threaded BLAS. Results equal `callAsFunction` on the batch.
    public func forwardInParallel(_ pixels01: Tensor, workers: Int = ProcessInfo.processInfo.activeProcessorCount)
        -> (pool3: Tensor, logits: Tensor) {
        precondition(!pixels01.isTracked, "forwardInParallel is for inference; use callAsFunction with a tape")
        let n = pixels01.shape[0]
        let parts = max(1, min(workers, n))
        if parts == 1 {
            let out = self(pixels01)
            return (out.pool3, out.logits)
        }
        let items = (0 ..< n).map { pixels01.item($0) }
        let bounds = (0 ... parts).map { $0 * n / parts }
        var results = [(pool3: [Float], logits: [Float])](repeating: ([], []), count: parts)
        let lock = NSLock()
        ComputeRuntime.withThreads(1) {
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let out = self(Tensor.stack(Array(items[bounds[part] ..< bounds[part + 1]])))
                lock.lock()
                results[part] = (out.pool3.data, out.logits.data)
                lock.unlock()
            }
        }
        let features = InceptionArchitecture.featureCount, classes = InceptionArchitecture.classCount
        return (Tensor(shape: [n, features], data: results.flatMap(\.pool3)),
                Tensor(shape: [n, classes], data: results.flatMap(\.logits)))
    }
}
