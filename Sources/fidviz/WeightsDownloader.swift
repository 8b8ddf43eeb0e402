import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import InceptionGraph
import Report

/// Downloads a file with a progress bar, checks its SHA-256 prefix, and moves it into place atomically.
// Delegate callbacks arrive on the session's serial queue; `download` reads the state only after
// `finished` is signalled, so the mutable state is never touched concurrently.
final class WeightsDownloader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let quiet: Bool
    private var handle: FileHandle?
    private var hasher = SHA256()
    private var received = 0
    private var expected = 0
    private var failure: Error?
    private var status = 0
    private let finished = DispatchSemaphore(value: 0)
    private var progress: ProgressBar?

    init(quiet: Bool) { self.quiet = quiet }

    func download(_ url: URL, to destination: URL, searched: [(url: URL, origin: String)]) throws {
        let fm = FileManager.default
        let folder = destination.deletingLastPathComponent()
        let folderExisted = fm.fileExists(atPath: folder.path)
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let partial = folder.appendingPathComponent(".\(destination.lastPathComponent).\(getpid()).part")
        guard fm.createFile(atPath: partial.path, contents: nil),
              let handle = FileHandle(forWritingAtPath: partial.path) else {
            throw InputError("\(folder.path): cannot write the download here")
        }
        self.handle = handle
        Interrupts.removeOnInterrupt(partial)
        defer {
            Interrupts.forget(partial)
            try? fm.removeItem(at: partial)
            // A failed first download leaves no empty cache folder behind.
            if !folderExisted, (try? fm.contentsOfDirectory(atPath: folder.path))?.isEmpty == true {
                try? fm.removeItem(at: folder)
            }
        }

        note("downloading \(url.absoluteString)", quiet: quiet)
        progress = ProgressBar(label: "weights", quiet: quiet)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 30
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        session.dataTask(with: url).resume()
        finished.wait()
        session.finishTasksAndInvalidate()
        try handle.close()

        if let failure {
            throw InputError("cannot download the FID weights (\(failure.localizedDescription)). "
                + "Searched: \(searched.map(\.url.path).joined(separator: ", ")). "
                + "Fetch \(url.absoluteString) by hand (95,628,359 bytes, SHA-256 6726825d…) and place it at "
                + "\(destination.path), or pass --weights PATH")
        }
        guard status == 200 else {
            throw InputError("cannot download the FID weights: HTTP \(status) from \(url.absoluteString); "
                + "fetch it by hand and place it at \(destination.path), or pass --weights PATH")
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard digest.hasPrefix(WeightsLocator.officialSHA256Prefix) else {
            throw InputError("downloaded file has SHA-256 \(digest.prefix(16))…, expected \(WeightsLocator.officialSHA256Prefix)…; "
                + "it was discarded. Try again, or fetch \(url.absoluteString) by hand")
        }
        guard Interrupts.critical({ rename(partial.path, destination.path) }) == 0 else {
            throw InputError("\(destination.path): cannot move the download into place")
        }
        note("saved \(destination.path) (SHA-256 \(digest.prefix(8)))", quiet: quiet)
    }

    // MARK: - URLSessionDataDelegate

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        expected = Int(max(response.expectedContentLength, 0))
        completionHandler(status == 200 ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        handle?.write(data)
        hasher.update(data: data)
        received += data.count
        progress?.update(done: received >> 20, total: max(expected, WeightsLocator.officialByteCount) >> 20, unit: "MiB")
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error, status == 0 || status == 200 { failure = error }
        finished.signal()
    }
}
