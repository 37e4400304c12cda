import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `exec`: runs a program (never through a shell: the configured argv is used as is) with the event JSON on
/// standard input and the key fields in the environment — `BGPSENTRY_ID`, `BGPSENTRY_STATUS`,
/// `BGPSENTRY_TYPE`, `BGPSENTRY_SEVERITY`, `BGPSENTRY_PREFIX`, `BGPSENTRY_GROUP`, `BGPSENTRY_OFFENDER_ASN`,
/// `BGPSENTRY_SEQUENCE`. Exit status 0 = delivered; non-zero or a timeout (the process is killed) = retried.
/// The mitigation hook: e.g. a script that announces more-specifics of a hijacked prefix.
struct ExecSink: AlertSink {
    let command: [String]
    let timeoutSeconds: Double

    init(_ config: SinkConfig) throws(DaemonError) {
        command = config.command
        timeoutSeconds = config.timeoutSeconds
        guard let program = command.first, access(program, X_OK) == 0 else {
            throw DaemonError.sink(config.name, "\(command.first ?? "") is not an executable file")
        }
    }

    static func environment(_ event: DeliveryEvent) -> [String: String] {
        var env = ProcessInfo.processInfo.environment.filter { ["PATH", "LANG", "HOME", "TZ"].contains($0.key) }
        env["BGPSENTRY_ID"] = event.id
        env["BGPSENTRY_STATUS"] = event.status
        env["BGPSENTRY_TYPE"] = event.type.rawValue
        env["BGPSENTRY_SEVERITY"] = event.severity.rawValue
        env["BGPSENTRY_PREFIX"] = event.prefix ?? ""
        env["BGPSENTRY_GROUP"] = event.group ?? ""
        env["BGPSENTRY_OFFENDER_ASN"] = event.offender.map(String.init) ?? ""
        env["BGPSENTRY_SEQUENCE"] = String(event.sequence)
        return env
    }

    func deliver(_ event: DeliveryEvent) async throws(SinkError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = Self.environment(event)
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        let status: Int32
        do {
            status = try await withCheckedThrowingContinuation { (done: CheckedContinuation<Int32, Error>) in
                process.terminationHandler = { done.resume(returning: $0.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    done.resume(throwing: error)
                    return
                }
                let json = event.json + [0x0A]
                let pid = process.processIdentifier
                DispatchQueue.global().async {
                    try? stdin.fileHandleForWriting.write(contentsOf: Data(json))
                    try? stdin.fileHandleForWriting.close()
                }
                DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds) {
                    if process.isRunning {
                        DaemonLog.logger.warning("exec sink: \(command[0]) still running after \(timeoutSeconds) s, killing it")
                        kill(pid, SIGKILL)
                    }
                }
            }
        } catch {
            throw SinkError("exec \(command[0]): \(error)")
        }
        guard status == 0 else { throw SinkError("exec \(command[0]) exited with status \(status)") }
    }
}
