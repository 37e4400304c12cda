import BGPWire

/// A path-compressed binary trie (PATRICIA, Morrison 1968) over IP prefixes, stored in one flat array.
///
/// Keys are left-aligned 128-bit values (IPv4 in the top 32 bits) with a length; each node holds an index into
/// the caller's value table or -1. 32 bytes per node and at most 2n−1 nodes, so ≤ 64 bytes per entry.
/// Lookups allocate nothing: longest match walks down at most 33/129 levels and stops at the first mismatch.
public struct PrefixTrie: Sendable {
    public struct Key: Sendable, Hashable {
        public var high: UInt64
        public var low: UInt64
        public var length: UInt8

        public init(high: UInt64, low: UInt64, length: UInt8) {
            self.high = high
            self.low = low
            self.length = length
        }

        public init(_ prefix: IPPrefix) {
            switch prefix {
            case .v4(let p): self.init(high: UInt64(p.address.value) << 32, low: 0, length: p.length)
            case .v6(let p): self.init(high: p.address.high, low: p.address.low, length: p.length)
            }
        }

        @inline(__always)
        func bit(_ i: UInt8) -> Bool {
            i < 64 ? (high >> (63 - UInt64(i))) & 1 == 1 : (low >> (127 - UInt64(i))) & 1 == 1
        }

        /// Number of leading bits `self` and `other` share, capped at both lengths.
        @inline(__always)
        func commonLength(_ other: Key) -> UInt8 {
            let limit = min(length, other.length)
            let xh = high ^ other.high
            let common: Int
            if xh != 0 {
                common = xh.leadingZeroBitCount
            } else {
                common = 64 + (low ^ other.low).leadingZeroBitCount
            }
            return UInt8(min(common, Int(limit)))
        }

        /// True when `self` is a prefix of (covers or equals) `other`.
        @inline(__always)
        func covers(_ other: Key) -> Bool { length <= other.length && commonLength(other) == length }

        func truncated(_ newLength: UInt8) -> Key {
            let l = UInt64(newLength)
            let mh: UInt64 = l == 0 ? 0 : (l >= 64 ? ~0 : ~UInt64(0) << (64 - l))
            let ml: UInt64 = l <= 64 ? 0 : (l >= 128 ? ~0 : ~UInt64(0) << (128 - l))
            return Key(high: high & mh, low: low & ml, length: newLength)
        }
    }

    struct Node: Sendable {
        var key: Key
        var children: (Int32, Int32) = (-1, -1)
        var value: Int32 = -1

        init(key: Key, value: Int32) {
            self.key = key
            self.value = value
        }
    }

    private var nodes: ContiguousArray<Node> = []
    private var root: Int32 = -1
    public private(set) var count = 0

    public init() {}

    /// Bytes used by the node array (for the load benchmark).
    public var memoryBytes: Int { nodes.capacity * MemoryLayout<Node>.stride }

    public mutating func reserveCapacity(_ n: Int) { nodes.reserveCapacity(2 * n) }

    /// Inserts `key` → `value`; returns the previous value when the key was already present.
    @discardableResult
    public mutating func insert(_ key: Key, value: Int32) -> Int32? {
        guard root >= 0 else {
            root = append(Node(key: key, value: value))
            count += 1
            return nil
        }
        var index = root
        var parent: Int32 = -1
        var parentBit = false
        while true {
            let node = nodes[Int(index)]
            let common = node.key.commonLength(key)
            if common < node.key.length {
                // Split: the new key and this node diverge (or the new key is shorter) at `common`.
                let split: Int32
                if common == key.length {
                    split = append(Node(key: key, value: value))
                    setChild(of: split, bit: node.key.bit(common), to: index)
                } else {
                    split = append(Node(key: key.truncated(common), value: -1))
                    let leaf = append(Node(key: key, value: value))
                    setChild(of: split, bit: node.key.bit(common), to: index)
                    setChild(of: split, bit: key.bit(common), to: leaf)
                }
                link(parent: parent, bit: parentBit, to: split)
                count += 1
                return nil
            }
            if key.length == node.key.length {
                let old = node.value
                nodes[Int(index)].value = value
                if old < 0 { count += 1 }
                return old >= 0 ? old : nil
            }
            let bit = key.bit(node.key.length)
            let child = bit ? node.children.1 : node.children.0
            if child < 0 {
                let leaf = append(Node(key: key, value: value))
                setChild(of: index, bit: bit, to: leaf)
                count += 1
                return nil
            }
            parent = index
            parentBit = bit
            index = child
        }
    }

    /// Where walks for the keys inside one block of address space (`EntryPoint`) can start.
    public struct EntryPoint: Sendable {
        /// The first node on the block's path with a key at least as long as the block, or -1.
        var node: Int32
        /// The value of the longest stored key shorter than the block that covers it, or -1.
        var covering: Int32
    }

    /// The entry point of `block`: walks for keys inside it follow the same path down to `node` (every node above
    /// is shorter than the block, so the block's bits alone steer them), and the keys covering it on the way are
    /// summed up in `covering`. `PrefixIndex` keeps one per IPv4 /16 and IPv6 /20 its filter marks: a walk from
    /// there skips the top levels, each a likely cache miss.
    public func entryPoint(of block: Key) -> EntryPoint {
        var index = root
        var covering: Int32 = -1
        while index >= 0 {
            let node = nodes[Int(index)]
            if node.key.length >= block.length { return EntryPoint(node: index, covering: covering) }
            guard node.key.covers(block) else { break }
            if node.value >= 0 { covering = node.value }
            index = block.bit(node.key.length) ? node.children.1 : node.children.0
        }
        return EntryPoint(node: -1, covering: covering)
    }

    /// The entry point of the whole trie (any key).
    public var rootEntry: EntryPoint { EntryPoint(node: root, covering: -1) }

    /// The value of the longest stored key covering (or equal to) `key`.
    @inline(__always)
    public func longestMatch(_ key: Key) -> Int32? { longestMatch(key, from: rootEntry) }

    /// `longestMatch` for a key inside the block `entry` is the entry point of.
    @inline(__always)
    public func longestMatch(_ key: Key, from entry: EntryPoint) -> Int32? {
        var best: Int32? = entry.covering >= 0 ? entry.covering : nil
        forEachCovering(key, from: entry.node) { best = $0 }  // shortest first: the last one is the longest
        return best
    }

    /// Calls `body` with the value of every stored key covering (or equal to) `key`, shortest first.
    @inline(__always)
    public func forEachCovering(_ key: Key, _ body: (Int32) -> Void) { forEachCovering(key, from: root, body) }

    @inline(__always)
    private func forEachCovering(_ key: Key, from start: Int32, _ body: (Int32) -> Void) {
        var index = start
        while index >= 0 {
            let node = nodes[Int(index)]
            guard node.key.covers(key) else { return }
            if node.value >= 0 { body(node.value) }
            if node.key.length == key.length { return }
            index = key.bit(node.key.length) ? node.children.1 : node.children.0
        }
    }

    /// True when some stored key covers `key`, equals it or lies inside it.
    @inline(__always)
    public func intersects(_ key: Key) -> Bool { intersects(key, from: rootEntry) }

    /// `intersects` for a key inside the block `entry` is the entry point of.
    @inline(__always)
    public func intersects(_ key: Key, from entry: EntryPoint) -> Bool {
        if entry.covering >= 0 { return true }
        var index = entry.node
        while index >= 0 {
            let node = nodes[Int(index)]
            if key.covers(node.key) { return true }  // this subtree lies inside `key` (and is non-empty)
            guard node.key.covers(key) else { return false }
            if node.value >= 0 { return true }
            index = key.bit(node.key.length) ? node.children.1 : node.children.0
        }
        return false
    }

    /// Values of every stored key inside `key` (longer or equal), in key order.
    public func covered(by key: Key) -> [Int32] {
        var index = root
        while index >= 0 {
            let node = nodes[Int(index)]
            if key.covers(node.key) { break }
            guard node.key.covers(key) else { return [] }
            index = key.bit(node.key.length) ? node.children.1 : node.children.0
        }
        var out: [Int32] = []
        var stack: [Int32] = index >= 0 ? [index] : []
        while let i = stack.popLast() {
            let node = nodes[Int(i)]
            if node.value >= 0 { out.append(node.value) }
            if node.children.1 >= 0 { stack.append(node.children.1) }
            if node.children.0 >= 0 { stack.append(node.children.0) }
        }
        return out
    }

    private mutating func append(_ node: Node) -> Int32 {
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    private mutating func setChild(of parent: Int32, bit: Bool, to child: Int32) {
        if bit { nodes[Int(parent)].children.1 = child } else { nodes[Int(parent)].children.0 = child }
    }

    private mutating func link(parent: Int32, bit: Bool, to child: Int32) {
        if parent < 0 { root = child } else { setChild(of: parent, bit: bit, to: child) }
    }
}
