/// Greedy packing of indivisible atoms into parts of at most `capacity` units.
struct PartPacker {
    /// Units per part.
    let capacity: Int
    /// Where the current part starts.
    private(set) var partStart: String.Index
    /// Units used in the current part.
    private(set) var used = 0
    /// Units of the last atom added.
    private var lastAtomCost = 0
    /// Parts emitted so far.
    private(set) var parts = 0

    init(capacity: Int, start: String.Index) {
        self.capacity = capacity
        self.partStart = start
    }

    /// Adds an atom starting at `start`; closes the current part first if the atom does not fit.
    mutating func add(at start: String.Index, cost: Int, _ emit: (Range<String.Index>) -> Void) {
        if used > 0 && used + cost > capacity {
            emit(partStart..<start)
            parts += 1
            partStart = start
            used = 0
        }
        used += cost
        lastAtomCost = cost
    }

    /// Grows the last atom by `cost` units (LF joining its CR); if that no longer fits,
    /// the part is closed before the atom, which moves whole to the next part.
    mutating func extendLastAtom(by cost: Int, atomStart: String.Index, _ emit: (Range<String.Index>) -> Void) {
        if used + cost > capacity && used > lastAtomCost {
            emit(partStart..<atomStart)
            parts += 1
            partStart = atomStart
            used = lastAtomCost
        }
        used += cost
        lastAtomCost += cost
    }

    /// Closes the last part.
    mutating func finish(at end: String.Index, _ emit: (Range<String.Index>) -> Void) {
        if used > 0 {
            emit(partStart..<end)
            parts += 1
        }
    }
}
