// A one-response HTTP server on 127.0.0.1, so `fidviz weights download` can be tested without
// the network: it answers every request the same scripted way (a status, extra headers, a body,
// a Content-Length that may lie, bytes that may trickle), and stops on `stop()` or after its
// lifetime, whichever comes first.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class LoopbackHTTPServer: @unchecked Sendable {
    /// The port the kernel chose.
    let port: UInt16
    private let listener: Int32
    private let status: Int
    private let body: [UInt8]
    private let announcedLength: Int
    private let extraHeaders: [String]
    private let trickle: (bytes: Int, interval: Double)?
    private let deadline: Date
    private let stopped = NSLock()
    private var isStopped = false
    private let finished = DispatchSemaphore(value: 0)

    /// Listens on 127.0.0.1 (an ephemeral port) and serves in the background for at most `lifetime` seconds.
    /// Each response announces `announcedLength` bytes (default: the body's length) and sends
    /// `body`, then closes the connection: announcing more than the body is a transfer cut short,
    /// announcing less is a server sending more than it said. `extraHeaders` are whole header
    /// lines ("Location: ftp://x"). With `trickle`, the body goes out `bytes` at a time, one
    /// piece every `interval` seconds.
    init(status: Int = 200, body: [UInt8], announcedLength: Int? = nil, extraHeaders: [String] = [],
         trickle: (bytes: Int, interval: Double)? = nil, lifetime: Double = 60) throws {
        self.status = status
        self.body = body
        self.announcedLength = announcedLength ?? body.count
        self.extraHeaders = extraHeaders
        self.trickle = trickle
        self.deadline = Date(timeIntervalSinceNow: lifetime)
        #if canImport(Glibc)
        let socketType = Int32(SOCK_STREAM.rawValue)
        #else
        let socketType = SOCK_STREAM
        #endif
        let listener = socket(AF_INET, socketType, 0)
        guard listener >= 0 else { throw FidvizTestError("socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 8) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw FidvizTestError("cannot listen on 127.0.0.1: errno \(errno)")
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
        Thread.detachNewThread { [self] in serve() }
    }

    /// `http://127.0.0.1:<port><path>`
    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// Stops serving and waits for the background thread to close the socket.
    func stop() {
        stopped.lock()
        isStopped = true
        stopped.unlock()
        finished.wait()
    }

    private var shouldStop: Bool {
        stopped.lock()
        defer { stopped.unlock() }
        return isStopped || Date() > deadline
    }

    // MARK: - Serving

    private func serve() {
        defer {
            close(listener)
            finished.signal()
        }
        while !shouldStop {
            var poller = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { continue }
            respond(on: connection)
            close(connection)
        }
    }

    /// Reads the request head (up to its blank line, within 5 s) and writes the response.
    private func respond(on connection: Int32) {
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        let readDeadline = Date(timeIntervalSinceNow: 5)
        while !request.containsBlankLine && Date() < readDeadline {
            var poller = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { continue }
            let count = read(connection, &chunk, chunk.count)
            guard count > 0 else { break }
            request += chunk[0 ..< count]
        }
        let reasons = [200: "OK", 302: "Found", 404: "Not Found", 500: "Internal Server Error"]
        let head = "HTTP/1.1 \(status) \(reasons[status] ?? "Status")\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Length: \(announcedLength)\r\n" + extraHeaders.map { $0 + "\r\n" }.joined()
            + "Connection: close\r\n\r\n"
        guard sendAll(Array(head.utf8)[...], to: connection) else { return }
        guard let trickle else {
            _ = sendAll(body[...], to: connection)
            return
        }
        var offset = 0
        while offset < body.count && !shouldStop {
            let end = min(offset + trickle.bytes, body.count)
            guard sendAll(body[offset ..< end], to: connection) else { return }
            offset = end
            usleep(UInt32(trickle.interval * 1e6))
        }
    }

    /// Sends all of `bytes`; false once the client has hung up.
    private func sendAll(_ bytes: ArraySlice<UInt8>, to connection: Int32) -> Bool {
        #if os(Linux)
        let flags = Int32(MSG_NOSIGNAL)  // a client hanging up must not kill the test process
        #else
        let flags: Int32 = 0
        #endif
        var sent = bytes.startIndex
        while sent < bytes.endIndex {
            let count = bytes[sent...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, flags) }
            guard count > 0 else { return false }
            sent += count
        }
        return true
    }
}

private extension Array where Element == UInt8 {
    var containsBlankLine: Bool {
        count >= 4 && (0 ... count - 4).contains {
            self[$0] == 13 && self[$0 + 1] == 10 && self[$0 + 2] == 13 && self[$0 + 3] == 10
        }
    }
}
