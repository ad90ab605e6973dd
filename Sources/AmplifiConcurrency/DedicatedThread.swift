import Foundation

/// Runs one blocking call (a connect, a ping, a cancel request, a pipe read) on a
/// short-lived thread of its own and awaits its result, keeping it off Swift's
/// cooperative pool and off the narrow dispatch root pool.
public func runOnDedicatedThread<Result: Sendable>(
    _ label: String = "amplifi.blocking", _ body: @escaping @Sendable () -> Result
) async -> Result {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = label
        thread.start()
    }
}

/// Starts a blocking call on a thread of its own and does not wait for it.
public func detachOnDedicatedThread(_ label: String = "amplifi.blocking", _ body: @escaping @Sendable () -> Void) {
    let thread = Thread(block: body)
    thread.name = label
    thread.start()
}
