extension Duration {
    /// The duration in seconds, as a Double (for SQL intervals, rates and reports).
    public var asSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
