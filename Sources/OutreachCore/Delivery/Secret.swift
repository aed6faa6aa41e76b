import Foundation

/// A channel secret (SMTP password, webhook signing key) from a `*_file` key or an environment
/// variable, read the same way by `check` and at start-up, so that what `check` accepts is what
/// the daemon can use.
struct Secret: Sendable {
    /// The secret, trailing newlines dropped (as `echo` and systemd credentials leave them).
    var value: String
    /// Set when the file can be read by every user of the machine.
    var warning: String?

    /// Why a secret cannot be used; the message names the file or variable and what to do.
    struct Problem: Error, Sendable, CustomStringConvertible {
        var description: String
        /// A systemd credential (`/run/credentials/…`) looked for outside the service, where it
        /// cannot exist: `check` from a shell can only say it was not checked.
        var outsideService = false
    }

    /// Reads `file` when given, else `variable` from `environment`; `nil` when neither is set.
    static func read(file: String?, variable: String, environment: [String: String]) throws(Problem) -> Secret? {
        guard let file else {
            guard let value = environment[variable] else { return nil }
            guard !value.isEmpty else { throw Problem(description: "$\(variable) is set but empty") }
            return Secret(value: value)
        }
        var info = stat()
        guard stat(file, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            if file.hasPrefix("/run/credentials/"), environment["CREDENTIALS_DIRECTORY"] == nil {
                throw Problem(description: "\(file): \(reason) here; systemd's LoadCredential= provides it only inside the service "
                              + "(its ExecStartPre= check reads it there)", outsideService: true)
            }
            throw Problem(description: "\(file): \(reason)")
        }
        guard info.st_mode & S_IFMT == S_IFREG else { throw Problem(description: "\(file): not a regular file") }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw Problem(description: "\(file): user \(ProcessInfo.processInfo.userName) cannot read it; fix its owner or mode (chmod 600)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Problem(description: "\(file): the secret is not UTF-8 text") }
        let value = text.trimmingCharacters(in: .newlines)
        // An empty file is a secret not yet filled in: sending unsigned or unauthenticated would be worse than stopping.
        guard !value.isEmpty else { throw Problem(description: "\(file): the secret file is empty; write the secret into it") }
        var secret = Secret(value: value)
        if info.st_mode & S_IROTH != 0 {
            secret.warning = "\(file): every user of this machine can read this secret (mode \(String(info.st_mode & 0o777, radix: 8))); chmod o-r it"
        }
        return secret
    }
}
