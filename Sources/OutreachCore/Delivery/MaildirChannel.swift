import Foundation

/// Writes each message as an RFC 5322 file into a Maildir: `tmp/`, fsync, rename into `new/`, fsync the folder.
///
/// The file name is derived from the dedupe key, so delivering the same key again (the in-flight
/// message of a crash) replaces the file instead of adding a second one.
public struct MaildirChannel: Channel {
    public let configuration: ChannelConfiguration
    /// The From of every file: `from`, or the company's name at `outreachd@` this host.
    let from: Mailbox
    let templates: Configuration.Templates

    public init(configuration: ChannelConfiguration, from: Mailbox, templates: Configuration.Templates) {
        self.configuration = configuration
        self.from = from
        self.templates = templates
    }

    public func makeSender() throws -> any MessageSender { Sender(channel: self) }

    final class Sender: MessageSender {
        let channel: MaildirChannel
        init(channel: MaildirChannel) { self.channel = channel }

        func prepare(_ item: OutboxItem, now: Date) -> PreparedAttempt {
            let text: String
            do { text = try channel.configuration.email(item, from: channel.from, templates: channel.templates, now: now) } catch {
                return .settled(.permanentFailure(error.description, .invalidMessage))
            }
            let folder = channel.configuration.path ?? "Maildir"
            return PreparedAttempt {
                do {
                    let name = try MaildirChannel.deliver(Data(text.utf8), key: item.key, queuedAt: item.queuedAt, to: folder)
                    return .sent(reply: "new/\(name)")
                } catch {
                    return .temporaryFailure("\(error)", .temporary)
                }
            }
        }
    }

    /// Writes `data` into `folder/new` atomically; returns the file name.
    static func deliver(_ data: Data, key: String, queuedAt: Date, to folder: String) throws -> String {
        for sub in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
        }
        let digest = KeyDigest.hex(key, bytes: 12)
        let name = "\(Int(queuedAt.timeIntervalSince1970)).\(digest).outreachd"
        let temporary = folder + "/tmp/" + name
        let final = folder + "/new/" + name
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw MaildirError(path: temporary, errno: errno) }
        var failure: Int32 = 0
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                offset += n
            }
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        guard failure == 0 else { unlink(temporary); throw MaildirError(path: temporary, errno: failure) }
        guard rename(temporary, final) == 0 else { let e = errno; unlink(temporary); throw MaildirError(path: final, errno: e) }
        let dir = open(folder + "/new", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dir >= 0 { defer { close(dir) }; guard fsync(dir) == 0 else { throw MaildirError(path: folder + "/new", errno: errno) } }
        return name
    }

    struct MaildirError: Error, CustomStringConvertible {
        var path: String
        var errno: Int32
        var description: String { "\(path): \(String(cString: strerror(errno)))" }
    }
}
