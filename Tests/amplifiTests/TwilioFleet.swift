import AmplifiLocalServers
import AmplifiTestSupport
import Foundation

/// The processes of a fleet sending with `AMPLIFI_CARRIER=twilio`: a receiver (when it has a
/// port), a scheduler and one or more workers, launched in that order.
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
    /// Each process writes its output to `<name>.log` in a fresh temporary directory (an unread pipe
    /// would block a chatty process, and the logs are there to read when a test fails).
    static func launch(
        environment: [String: String], receiverPort: Int?, workerArguments: [String], workers: Int = 1
    ) async throws -> TwilioFleet {
        let logs = try LocalNetwork.temporaryDirectory(prefix: "twilio-fleet")
        func start(_ name: String, _ arguments: [String]) throws -> Process {
            try AmplifiExecutable.launch(
                arguments, environment: environment, logTo: logs.appendingPathComponent("\(name).log"))
        }
        var processes: [Process] = []
        var receiver: Process?
        if let receiverPort {
            let launched = try start("receiver", ["receiver", "--port", "\(receiverPort)"])
            processes.append(launched)
            receiver = launched
            try await LocalNetwork.waitUntil("the receiver", timeout: 30) {
                LocalNetwork.isListening(port: receiverPort)
            }
        }
        processes.append(try start("scheduler", SenderCrashTests.schedulerArguments))
        // A short settle grace, so an ambiguous outcome (the message never created) is resent within
        // the tests' waits rather than after the production default of two minutes.
        for index in 0..<workers {
            let name = workers == 1 ? "worker" : "worker-\(index)"
            processes.append(try start(name, ["worker", "--settle-after-seconds", "10"] + workerArguments))
        }
        return TwilioFleet(receiver: receiver, processes: processes)
    }

    /// Stops every process still running.
    func stop() {
        for process in processes where process.isRunning { process.terminate() }
    }
}
