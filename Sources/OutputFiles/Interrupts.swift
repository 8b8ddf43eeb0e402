import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Ctrl-C (SIGINT), SIGTERM and SIGHUP end fidviz without leaving half-made output behind.
///
/// Registered paths (a report's staging folder, a download's partial file) are removed, a
/// line goes to stderr and the process exits with status 128 + the signal number (130 for
/// Ctrl-C). Output that must change all at once (an .npz being written and renamed into place,
/// a report folder being swapped in) is changed inside `critical`: an interrupt that arrives
/// meanwhile waits until the change is complete, and once the cleanup has started no further
/// change begins. So an interrupted run leaves either its finished output or none, and never
/// a temporary file.
///
/// How: the signal handler only stores the signal number and posts a semaphore, both
/// async-signal-safe; a dedicated thread waiting on the semaphore does the cleanup with
/// ordinary calls (FileManager is not safe in a signal handler) and calls `_exit`. A handler
/// (rather than blocking the signals and calling `sigwait`) is needed because threads started
/// before `main`, such as OpenBLAS's workers, keep the default signal mask and may be the ones
/// the signal is delivered to.
public enum Interrupts {
    private static let lock = NSRecursiveLock()
    /// Removed on interrupt; guarded by `lock`.
    private static var pending: [URL] = []
    private static let semaphore: UnsafeMutablePointer<sem_t> = .allocate(capacity: 1)
    private static let received: UnsafeMutablePointer<Int32> = .allocate(capacity: 1)
    private static var installed = false

    /// Installs the handlers and starts the cleanup thread. Call once, first thing in `main`.
    public static func install() {
        precondition(!installed, "Interrupts.install() was called twice")
        installed = true
        received.initialize(to: 0)
        guard sem_init(semaphore, 0, 0) == 0 else { return }  // no handlers: signals act as by default
        let cleanup = Thread { waitThenCleanUp() }
        cleanup.name = "fidviz-interrupts"
        cleanup.start()
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            var action = sigaction()
            #if canImport(Glibc)
            action.__sigaction_handler.sa_handler = handler
            #else
            action.__sigaction_u.__sa_handler = handler
            #endif
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(signalNumber, &action, nil)
        }
    }

    /// Removes `url` (a file or a folder) if the run is interrupted before `forget(url)`.
    public static func removeOnInterrupt(_ url: URL) {
        critical { pending.append(url) }
    }

    /// Stops removing `url` on interrupt (it was committed or already removed).
    public static func forget(_ url: URL) {
        critical { pending.removeAll { $0 == url } }
    }

    /// Runs `body` with interrupts deferred: the cleanup waits for it to finish, and if the
    /// cleanup has already started, `body` never runs (the process is about to exit).
    public static func critical<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    // MARK: - The handler and the cleanup thread

    private static let handler: @convention(c) (Int32) -> Void = { signalNumber in
        Interrupts.received.pointee = signalNumber
        sem_post(Interrupts.semaphore)
    }

    private static func waitThenCleanUp() {
        while sem_wait(semaphore) != 0 {}  // retried after EINTR
        lock.lock()  // held until _exit: no output changes after this point
        let signalNumber = received.pointee
        var removed = false
        for url in pending where FileManager.default.fileExists(atPath: url.path) {
            try? FileManager.default.removeItem(at: url)
            removed = true
        }
        let name = signalNumber == SIGINT ? "interrupted" : "stopped by signal \(signalNumber)"
        let detail = removed ? "; unfinished output was removed and earlier output (if any) is untouched" : ""
        FileHandle.standardError.write(Data("\nfidviz: \(name)\(detail)\n".utf8))
        _exit(128 + signalNumber)
    }
}
