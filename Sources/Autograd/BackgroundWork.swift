import Foundation

/// One piece of work started on a thread of its own, whose result the caller collects with `wait`
/// (the explain report's class section, beside phase 2; the next batch's images, decoded while a
/// batch runs through the network). A plain thread, not a Dispatch queue, so that it never takes
/// a worker that `DispatchQueue.concurrentPerform` would use.
public final class BackgroundWork<Value>: @unchecked Sendable {
    private var value: Value?
    private let done = DispatchSemaphore(value: 0)

    /// Starts `body` at once.
    public init(_ body: @escaping () -> Value) {
        let thread = Thread { [self] in
            value = body()
            done.signal()
        }
        thread.stackSize = 16 << 20
        thread.start()
    }

    /// Blocks until the work is done; returns its result. Call once.
    public func wait() -> Value {
        done.wait()
        return value!
    }
}
