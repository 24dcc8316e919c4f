package sharding

import "math"

// FNV-1a is used for identifiers because it is allocation-free on strings and
// fast on the short IDs gatherd uses; its weak avalanche is repaired by mix64.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// hashID returns a well-mixed 64-bit hash of an input or node ID.
func hashID(s string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return mix64(h)
}

// mix64 is the splitmix64 finalizer. Rendezvous hashing needs the pair hash
// of (input, node) to behave like an independent uniform variable per node;
// FNV alone leaves the high bits of similar IDs correlated.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// pairHash combines the pre-mixed input and node hashes. The node hash is
// re-mixed with a constant offset so that an input and a node with the same
// ID do not cancel to zero under XOR.
func pairHash(inputHash, nodeHash uint64) uint64 {
	return mix64(inputHash ^ (nodeHash + 0x9e3779b97f4a7c15))
}

// unitScale maps the top 53 bits of a hash onto (0,1) exactly.
const unitScale = 1.0 / (1 << 53)

// score ranks node nodeHash for inputHash: higher is preferred. With equal
// weights the raw hash is already a perfect rendezvous ranking and the
// logarithm is skipped; otherwise this is weighted rendezvous hashing,
// -w/ln(u), which gives node i the top rank with probability w_i/sum(w).
func score(inputHash, nodeHash uint64, weight float64, equal bool) float64 {
	h := pairHash(inputHash, nodeHash) >> 11
	if equal {
		return float64(h)
	}
	u := (float64(h) + 0.5) * unitScale
	return weight / -math.Log(u)
}
