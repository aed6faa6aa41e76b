import Foundation

/// `outreachd check`: every problem with the configuration, the templates and the store schema.
public enum Checker {
    /// All problems found, in file order, errors and warnings; no error when everything is usable.
    public static func check(configFile: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> [Diagnostic] {
        let (configuration, configProblems) = ConfigurationLoader.read(file: configFile)
        var problems = configProblems
        guard let configuration else { return problems }
        let (templates, templateProblems) = TemplateSet.load(folder: configuration.templates.path)
        problems += templateProblems
        for rule in configuration.rules {
            problems += templates.validate(rule: rule, channel: configuration.channels[rule.channel], configuration: configuration)
        }
        problems += configuration.storeDiagnostics(environment: environment)
        problems += configuration.prepareChannels(environment: environment, credentialOutsideService: .warning).diagnostics
        // `run` refuses a missing or empty ledger; `check` (the unit's ExecStartPre) says so first.
        do { _ = try configuration.openLedger(.read) } catch let error as any FileError {
            problems.append(error.diagnostic)
        } catch {
            problems.append(Diagnostic(file: configuration.state.location, line: nil, "\(error)"))
        }
        var seen: Set<Diagnostic> = []
        return problems.filter { seen.insert($0).inserted }
    }
}
