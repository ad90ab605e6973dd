import AmplifiConcurrency
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Slow and stalled HTTP clients for a load test: `count` connections to 127.0.0.1:`port`, each
/// sending the start of a request and then, for half of them, one header byte per tick (a trickle),
/// for the other half nothing (a stall). A connection the server closes is counted and opened again,
/// so the pressure holds for the whole run. All sockets are non-blocking, on one dedicated thread.
final class SlowClientSwarm: Sendable {
    /// What the swarm saw.
    struct Tally: Sendable {
        /// Connections opened (first ones and reopened ones).
        var opened = 0
        /// Connections the server closed (deadline or limit).
        var cutOff = 0
    }

    private let port: Int
    private let count: Int
    private let tick: Duration
    private let stopping = Atomic<Bool>(false)
    private let tally = Mutex(Tally())

    /// A swarm of `count` slow clients of `port`, acting every `tick`.
    init(port: Int, count: Int, tick: Duration = .milliseconds(500)) {
        self.port = port
        self.count = count
        self.tick = tick
    }

    /// Runs until ``stop()``; returns what it saw.
    func run() async -> Tally {
        let port = self.port
        let count = self.count
        let tick = self.tick
        await runOnDedicatedThread("amplifi.bench.slow-clients") {
            var sockets = [Int32](repeating: -1, count: count)
            let start = Array("POST /twilio/status/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8)
            while !self.stopping.load(ordering: .relaxed) {
                for index in 0..<count {
                    if sockets[index] < 0 {
                        sockets[index] = Self.connectNonBlocking(port: port)
                        if sockets[index] >= 0 {
                            _ = Self.send(sockets[index], start)
                            self.tally.withLock { $0.opened += 1 }
                        }
                        continue
                    }
                    let closed = Self.isClosed(sockets[index]) || (index % 2 == 0 && !Self.send(sockets[index], [0x61]))
                    if closed {
                        Glibc.close(sockets[index])
                        sockets[index] = -1
                        self.tally.withLock { $0.cutOff += 1 }
                    }
                }
                usleep(UInt32(tick.components.seconds * 1_000_000 + tick.components.attoseconds / 1_000_000_000_000))
            }
            for socket in sockets where socket >= 0 { Glibc.close(socket) }
        }
        return tally.withLock { $0 }
    }

    /// Ends ``run()`` at its next tick.
    func stop() { stopping.store(true, ordering: .relaxed) }

    private static func connectNonBlocking(port: Int) -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return -1 }
        _ = fcntl(socket, F_SETFL, fcntl(socket, F_GETFL) | O_NONBLOCK)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if result != 0 && errno != EINPROGRESS {
            Glibc.close(socket)
            return -1
        }
        return socket
    }

    /// Sends `bytes` without blocking; false when the connection is gone.
    private static func send(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        let sent = bytes.withUnsafeBytes {
            Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        return sent >= 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS || errno == ENOTCONN
    }

    /// Whether the server closed the connection (EOF, reset or an answer then EOF).
    private static func isClosed(_ socket: Int32) -> Bool {
        var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, 0) > 0 else { return false }
        if poller.revents & Int16(POLLHUP | POLLERR) != 0 { return true }
        var buffer = [UInt8](repeating: 0, count: 4_096)
        let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }
}
