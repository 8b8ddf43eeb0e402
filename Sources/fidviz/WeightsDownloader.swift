import OutputFiles
import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import InceptionGraph
import TorchCheckpoint
import Report

/// Downloads the weights with a progress bar, checks length and SHA-256, and moves them into
/// place through `AtomicFile`: a failed, cut, slow or wrong download leaves no file behind, and a
/// good file already at the destination is replaced only by another good one.
///
/// Refused, each with one line: an HTTP status other than 200, a redirect to anything but http(s),
/// a transfer that ends early or sends more or fewer bytes than it announced, one that stalls
/// (fewer than `minimumBytes` arrive within `stallSeconds`), and a file whose SHA-256 does not
/// start with pytorch-fid's prefix.
// Delegate callbacks arrive on the session's serial queue; `download` reads the state only after
// `finished` is signalled, so the mutable state is never touched concurrently.
final class WeightsDownloader: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let quiet: Bool
    /// The file being fetched: its name, size and published hash (when there is one).
    let file: WeightsFile
    /// A transfer that delivers less than `minimumBytes` in `stallSeconds` is given up.
    let stallSeconds: Double
    static let minimumBytes = 64 << 10
    private var writer: AtomicFile.Writer?
    private var hasher = SHA256()
    private var received = 0
    private var expected = -1
    private var failure: String?
    private var status = 0
    private var lastProgress = Date()
    private var bytesSinceProgress = 0
    private let finished = DispatchSemaphore(value: 0)
    private var progress: ProgressBar?

    init(file: WeightsFile, quiet: Bool, stallSeconds: Double) {
        self.file = file
        self.quiet = quiet
        self.stallSeconds = stallSeconds
    }

    /// " (95,628,359 bytes, SHA-256 6726825d…)" for a file whose size and hash are published.
    static func identity(_ file: WeightsFile) -> String {
        guard let bytes = file.byteCount, let hash = file.sha256Prefix else { return "" }
        var digits = Array(String(bytes)), size = ""
        while digits.count > 3 { size = "," + String(digits.suffix(3)) + size; digits.removeLast(3) }
        size = String(digits) + size
        return " (\(size) bytes, SHA-256 \(hash)…)"
    }

    /// `searched` lists the places the weights were looked for, for the error message.
    func download(_ url: URL, to destination: URL, searched: [(url: URL, origin: String)]) throws {
        let fm = FileManager.default
        let folder = destination.deletingLastPathComponent()
        let createdFolders = Self.missingFolders(folder)
        do {
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw InputError("\(folder.path): cannot create the weights cache (\(error.localizedDescription)); pass --weights PATH")
        }
        // A failed first download leaves no empty cache folder behind, nor the folders above it
        // that were made for it ($XDG_CACHE_HOME itself, when it did not exist).
        defer { Self.removeEmpty(createdFolders) }
        let writer = try AtomicFile.Writer(destination: destination)
        self.writer = writer
        defer { writer.abandon() }
        // URLSession on Linux makes an (empty) disk-cache folder even when told not to cache.
        let foundationCache = Self.foundationCacheFolder().map(Self.missingFolders) ?? []
        defer { Self.removeEmpty(foundationCache) }

        note("downloading \(url.absoluteString)", quiet: quiet)
        progress = ProgressBar(label: "weights", quiet: quiet)
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = stallSeconds
        configuration.urlCache = nil  // nothing of the download is kept anywhere but in `writer`
        configuration.requestCachePolicy = .reloadIgnoringLocalAndRemoteCacheData
        let session = URLSession(configuration: configuration, delegate: self, delegateQueue: nil)
        let task = session.dataTask(with: url)
        lastProgress = Date()
        task.resume()
        // Wake up now and then to give up on a transfer that trickles.
        while finished.wait(timeout: .now() + min(1, stallSeconds / 4)) == .timedOut {
            session.delegateQueue.addOperation { [self] in
                if failure == nil, Date().timeIntervalSince(lastProgress) > stallSeconds {
                    failure = "the transfer stalled: fewer than \(Self.minimumBytes >> 10) KiB in \(Int(stallSeconds)) s"
                    task.cancel()
                }
            }
        }
        session.finishTasksAndInvalidate()

        func refused(_ reason: String) -> InputError {
            InputError("cannot download the \(file.shortName) weights (\(reason)). "
                + "Searched: \(searched.map(\.url.path).joined(separator: ", ")). "
                + "Fetch \(url.absoluteString) by hand\(Self.identity(file)) and place it at "
                + "\(destination.path), or pass --weights PATH")
        }
        if let failure { throw refused(failure) }
        guard status == 200 else {
            throw InputError("cannot download the \(file.shortName) weights: HTTP \(status) from \(url.absoluteString); "
                + "fetch it by hand and place it at \(destination.path), or pass --weights PATH")
        }
        guard expected < 0 || received == expected else { throw refused(shortTransfer) }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        if let published = file.sha256Prefix, !digest.hasPrefix(published) {
            throw InputError("downloaded file has SHA-256 \(digest.prefix(16))…, expected \(published)…; "
                + "it was discarded. Try again, or fetch \(url.absoluteString) by hand")
        }
        try writer.commit()
        note("saved \(destination.path) (SHA-256 \(digest.prefix(8)))", quiet: quiet)
    }

    /// The folder URLCache's default disk cache lives in.
    private static func foundationCacheFolder() -> URL? {
        guard let caches = FileManager.default.urls(for: .cachesDirectory, in: .userDomainMask).first else { return nil }
        let name = (Bundle.main.bundleIdentifier ?? ProcessInfo.processInfo.processName)
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: ":", with: "_")
        return caches.appendingPathComponent("org.swift.foundation.URLCache").appendingPathComponent(name)
    }

    /// `folder` and those of its ancestors that do not exist yet, innermost first.
    private static func missingFolders(_ folder: URL) -> [URL] {
        var missing: [URL] = []
        var current = folder.standardizedFileURL
        while current.path != "/", !FileManager.default.fileExists(atPath: current.path) {
            missing.append(current)
            current = current.deletingLastPathComponent()
        }
        return missing
    }

    /// Removes each of `folders` (innermost first) that is an empty folder.
    private static func removeEmpty(_ folders: [URL]) {
        for folder in folders where (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: folder)
        }
    }

    // MARK: - URLSessionDataDelegate

    /// Follows a redirect only to http(s). The Location header is checked as the server sent it:
    /// URLSession on Linux turns a target without a host (`file:///etc/passwd`) into a path on
    /// the same http server before `request` gets here.
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        let location = response.value(forHTTPHeaderField: "Location")
        let target = location.flatMap { URL(string: $0, relativeTo: response.url) } ?? request.url
        for url in [target, request.url] {
            let scheme = url?.scheme?.lowercased()
            guard scheme == "http" || scheme == "https" else {
                failure = "the server redirected to \(location ?? url?.absoluteString ?? "an unknown address"), "
                    + "which is not http(s)"
                completionHandler(nil)
                task.cancel()
                return
            }
        }
        completionHandler(request)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        status = (response as? HTTPURLResponse)?.statusCode ?? 0
        expected = Int(response.expectedContentLength)
        completionHandler(status == 200 && failure == nil ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard failure == nil, let writer else { return }
        do {
            try writer.write(data)
        } catch {
            failure = "\(error)"
            dataTask.cancel()
            return
        }
        hasher.update(data: data)
        received += data.count
        bytesSinceProgress += data.count
        if bytesSinceProgress >= Self.minimumBytes {
            bytesSinceProgress = 0
            lastProgress = Date()
        }
        if expected >= 0, received > expected {
            failure = "the server sent more than the \(expected) bytes it announced"
            dataTask.cancel()
        }
        let total = max(expected, file.byteCount ?? 0)
        progress?.update(done: received >> 20, total: total >> 20, unit: "MiB")
    }

    /// A connection that closes early is a short transfer, whatever URLSession calls it.
    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        if let error, failure == nil, status == 0 || status == 200 {
            failure = status == 200 && expected >= 0 && received < expected ? shortTransfer : error.localizedDescription
        }
        finished.signal()
    }

    private var shortTransfer: String { "the transfer ended after \(received) of the \(expected) bytes announced" }
}
