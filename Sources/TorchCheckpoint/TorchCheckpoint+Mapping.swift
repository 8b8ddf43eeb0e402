// A checkpoint file mapped rather than read, so that each storage's pages can be given back once
// its tensors are built: the file's bytes and the parsed floats then never sit in memory together
// (DINOv2 ViT-L/14: 1.2 GB each).

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A regular file mapped read-only and private. `release` drops pages from this process's
/// memory; they stay in the file, so reading them again maps them back in. Like any mapped file,
/// it must not be truncated by another process while it is read.
final class MappedFile {
    let bytes: UnsafeRawBufferPointer
    private let pageSize: Int

    /// The mapping of the file at `path`, or nil if it cannot be mapped (missing, unreadable,
    /// empty, not a regular file): the caller then reads it the ordinary way, and reports why
    /// that fails.
    init?(path: String) {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG, status.st_size > 0,
              let base = mmap(nil, Int(status.st_size), PROT_READ, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED
        else { return nil }
        bytes = UnsafeRawBufferPointer(start: base, count: Int(status.st_size))
        pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
    }

    /// Gives back the whole pages inside `part` (a view into `bytes`).
    func release(_ part: UnsafeRawBufferPointer) {
        guard let start = part.baseAddress, let base = bytes.baseAddress else { return }
        let offset = start - base
        precondition(offset >= 0 && offset + part.count <= bytes.count, "release: the range is not in the mapping")
        let first = (offset + pageSize - 1) / pageSize * pageSize, end = (offset + part.count) / pageSize * pageSize
        guard first < end else { return }
        madvise(UnsafeMutableRawPointer(mutating: base + first), end - first, MADV_DONTNEED)
    }
}
