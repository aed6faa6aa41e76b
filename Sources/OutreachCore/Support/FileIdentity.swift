import Foundation

/// A file as the kernel knows it (device and inode), to notice a database removed or replaced
/// under a running daemon: an open connection keeps reading (or writing) the old inode.
struct FileIdentity: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64

    /// `nil` when `path` does not exist (or cannot be looked up).
    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
