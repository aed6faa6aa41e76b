import Foundation

/// Whether a channel can deliver: what `check` proves and start-up insists on before anything is queued.
///
/// A configuration that cannot deliver (an SMTP channel without a usable From, a webhook without
/// its signing secret, a Maildir folder nobody may write) must stop the operator at `check`,
/// never fail the messages for good one by one.
public struct ChannelReadiness: Sendable {
    /// One reason a channel cannot deliver, or a warning, at a key of its table.
    public struct Problem: Sendable, Hashable {
        /// The key of `[channels.NAME]` it concerns (`password_file`), or `""` for the table.
        public var key: String
        public var message: String
        public var severity: Diagnostic.Severity
    }

    /// The channel, built when nothing stops it.
    public var channel: (any Channel)?
    public var problems: [Problem] = []
}

extension ChannelConfiguration {
    /// Checks everything this channel needs from outside the config file (secrets, folders,
    /// addresses) and builds it when it can deliver.
    public func readiness(_ environment: ChannelEnvironment) -> ChannelReadiness {
        var problems: [ChannelReadiness.Problem] = []
        // Set when a configured secret could not be read, even when that is only a warning (`check` outside the service).
        var secretUnread = false
        func refuse(_ key: String, _ message: String) { problems.append(.init(key: key, message: message, severity: .error)) }
        func secret(_ key: String, file: String?, variable: String) -> Secret? {
            do {
                let secret = try Secret.read(file: file, variable: environmentPrefix + variable, environment: environment.environment)
                if let warning = secret?.warning { problems.append(.init(key: key, message: warning, severity: .warning)) }
                return secret
            } catch {
                secretUnread = true
                problems.append(.init(key: key, message: error.description,
                                      severity: error.outsideService ? environment.credentialOutsideService : .error))
                return nil
            }
        }
        var from: Mailbox?
        if kind != .http {
            from = sender(environment)
            if from == nil {
                refuse(self.from == nil ? "" : "from", self.from.map { "from = \"\($0)\" is not an address such as \"Example Care <care@example.com>\"" }
                    ?? "an \(kind.rawValue) channel needs from = \"Name <address>\"")
            } else if let address = from?.address, !address.utf8.allSatisfy({ $0 < 0x80 }) {
                refuse("from", "the from address \(address) is not ASCII; outreachd does not send SMTPUTF8 envelopes")
            }
        }
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            refuse("ca_file", "\(caFile): cannot be read by user \(ProcessInfo.processInfo.userName)")
        }
        var channel: (any Channel)?
        switch kind {
        case .smtp:
            let password = secret("password_file", file: passwordFile, variable: "_PASSWORD")
            if username != nil, password == nil, !problems.contains(where: { $0.key == "password_file" }) {
                refuse("username", "username is set, so a password is needed: password_file = \"…\" or $\(environmentPrefix)_PASSWORD")
            }
            if username == nil, password != nil {
                problems.append(.init(key: passwordFile == nil ? "" : "password_file", message: "a password is given but no username, so it is never used; set username",
                                      severity: .warning))
            }
            if let from { channel = SMTPChannel(configuration: self, from: from, templates: environment.templates, password: password?.value) }
        case .http:
            if let signing = secret("secret_file", file: secretFile, variable: "_SECRET") {
                channel = HTTPChannel(configuration: self, secret: signing.value)
            } else if !problems.contains(where: { $0.key == "secret_file" }) {
                refuse("", "an http channel signs every request (Standard Webhooks): give secret_file = \"…\" or $\(environmentPrefix)_SECRET")
            }
        case .maildir:
            if let folder = path, let why = Self.unwritableFolder(folder) { refuse("path", why) }
            if let from { channel = MaildirChannel(configuration: self, from: from, templates: environment.templates) }
        }
        let stops = secretUnread || problems.contains(where: \.isError)
        return ChannelReadiness(channel: stops ? nil : channel, problems: problems)
    }

    /// Why `folder` (or, when it does not exist yet, the nearest folder above it, where it will be created) cannot be written.
    static func unwritableFolder(_ folder: String) -> String? {
        var candidate = folder
        var isDirectory: ObjCBool = false
        while !FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory) {
            let parent = Paths.folder(of: candidate)
            if parent == candidate { return "\(folder): no folder above it exists" }
            candidate = parent
        }
        guard isDirectory.boolValue else { return "\(candidate): not a folder, so the Maildir \(folder) cannot be made there" }
        guard access(candidate, W_OK | X_OK) == 0 else {
            return "\(candidate): user \(ProcessInfo.processInfo.userName) cannot write here, so messages cannot be delivered into \(folder)"
        }
        return nil
    }
}

extension ChannelReadiness.Problem {
    var isError: Bool { severity == .error }
}

extension Configuration {
    /// Every channel's readiness as `FILE:LINE: message` diagnostics (errors and warnings), and the
    /// channels that can deliver. `check` prints the diagnostics; start-up refuses to run with an error.
    ///
    /// - Parameter credentialOutsideService: the severity of a systemd credential missing because
    ///   this is not the service (`check` from a shell: a warning). A channel without it is not built.
    public func prepareChannels(environment: [String: String] = ProcessInfo.processInfo.environment,
                                credentialOutsideService: Diagnostic.Severity = .error)
        -> (channels: [String: any Channel], diagnostics: [Diagnostic]) {
        var context = ChannelEnvironment(self, environment: environment)
        context.credentialOutsideService = credentialOutsideService
        let locator = (try? String(contentsOfFile: file, encoding: .utf8)).map(TOMLKeyLocator.init(text:))
        var channels: [String: any Channel] = [:]
        var diagnostics: [Diagnostic] = []
        for (name, configuration) in self.channels.sorted(by: { $0.key < $1.key }) {
            let readiness = configuration.readiness(context)
            channels[name] = readiness.channel
            for problem in readiness.problems {
                let path = problem.key.isEmpty ? "channels.\(name)" : "channels.\(name).\(problem.key)"
                diagnostics.append(Diagnostic(file: file, line: locator?.line(path), "[channels.\(name)] \(problem.message)", severity: problem.severity))
            }
        }
        return (channels, diagnostics)
    }
}
