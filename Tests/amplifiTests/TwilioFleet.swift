import AmplifiLocalServers
import AmplifiTestSupport
import Foundation

/// The processes of a fleet sending with `AMPLIFI_CARRIER=twilio`: a receiver (when it has a
/// port), a scheduler and a worker, launched in that order.
struct TwilioFleet {
    /// The receiver, when launched.
    let receiver: Process?
    /// Every process, to stop at the end.
    let processes: [Process]

    /// The environment of every process: database, Redis, Twilio credentials, the carrier's base
    /// URL and, with a receiver, the public URL its callbacks go to.
    static func environment(
        databaseURL: String, redisURL: String, accountSID: String, authToken: String, baseURL: String?,
        receiverPort: Int?
    ) -> [String: String] {
        var environment = [
            "AMPLIFI_DATABASE_URL": databaseURL, "AMPLIFI_REDIS_URL": redisURL, "AMPLIFI_CARRIER": "twilio",
            "TWILIO_ACCOUNT_SID": accountSID, "TWILIO_AUTH_TOKEN": authToken,
        ]
        if let baseURL { environment["TWILIO_BASE_URL"] = baseURL }
        if let receiverPort { environment["AMPLIFI_PUBLIC_URL"] = "http://127.0.0.1:\(receiverPort)" }
        return environment
    }

    /// Launches the fleet and waits until the receiver (if any) listens.
    static func launch(environment: [String: String], receiverPort: Int?, workerArguments: [String]) async throws -> TwilioFleet {
        var processes: [Process] = []
        var receiver: Process?
        if let receiverPort {
            let launched = try AmplifiExecutable.launch(["receiver", "--port", "\(receiverPort)"], environment: environment).0
            processes.append(launched)
            receiver = launched
            try await LocalNetwork.waitUntil("the receiver", timeout: 30) { LocalNetwork.isListening(port: receiverPort) }
        }
        processes.append(try AmplifiExecutable.launch(SenderCrashTests.schedulerArguments, environment: environment).0)
        processes.append(try AmplifiExecutable.launch(["worker"] + workerArguments, environment: environment).0)
        return TwilioFleet(receiver: receiver, processes: processes)
    }

    /// Stops every process still running.
    func stop() {
        for process in processes where process.isRunning { process.terminate() }
    }
}
