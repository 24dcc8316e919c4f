package policy

import (
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// hostsOf returns every host a plugin may read from a target: as a URL (scheme://[user@]host[:port]/...), as
// a URL once "udp://" is put in front (snmp does that to an agent without a scheme, so "169.254.1.1/" and
// "x@169.254.1.1" are hosts too), as host:port, and as a bare host. A target is refused when any of them is
// link-local: over-refusing an odd spelling is safe, missing one is not.
func hostsOf(v string) []string {
	v = strings.TrimSpace(v)
	out := []string{hostOf(v)}
	if u, err := url.Parse("udp://" + v); err == nil {
		out = append(out, u.Hostname())
	}
	if h, _, err := net.SplitHostPort(v); err == nil {
		out = append(out, h)
	}
	return append(out, strings.Trim(v, "[]"))
}

// hostOf extracts the host from a target written as a URL (scheme://[user@]host[:port]/...), host:port,
// [v6]:port or a bare host or address.
func hostOf(v string) string {
	v = strings.TrimSpace(v)
	if strings.Contains(v, "://") {
		if u, err := url.Parse(v); err == nil {
			return u.Hostname()
		}
		_, rest, _ := strings.Cut(v, "://")
		v = rest
		if i := strings.IndexAny(v, "/?#"); i >= 0 {
			v = v[:i]
		}
		if i := strings.LastIndex(v, "@"); i >= 0 {
			v = v[i+1:]
		}
	}
	if h, _, err := net.SplitHostPort(v); err == nil {
		return h
	}
	return strings.Trim(v, "[]")
}

var linkLocal4 = netip.MustParsePrefix("169.254.0.0/16")
var linkLocal6 = netip.MustParsePrefix("fe80::/10")

// linkLocal reports whether host is a literal link-local address, in any form a resolver may accept: dotted
// or IPv6 text (with a zone, a trailing dot or IPv4 mapped into IPv6), or the numeric forms of inet_aton
// ("2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "169.254.43518").
func linkLocal(host string) (netip.Addr, bool) {
	h := strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if i := strings.IndexByte(h, '%'); i >= 0 {
		h = h[:i]
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		var ok bool
		if a, ok = inetAton(h); !ok {
			return netip.Addr{}, false
		}
	}
	a = a.Unmap()
	return a, linkLocal4.Contains(a) || linkLocal6.Contains(a)
}

// inetAton parses the BSD forms of an IPv4 address: one to four parts, each decimal, octal (leading 0) or
// hex (0x), the last part filling the remaining bytes.
func inetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) == 0 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		v, err := strconv.ParseUint(p, 0, 32) // base 0: 0x hex, 0 octal, else decimal
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var ip uint64
	for i, v := range vals[:len(vals)-1] {
		if v > 255 {
			return netip.Addr{}, false
		}
		ip |= v << (24 - 8*i)
	}
	last := vals[len(vals)-1]
	if last >= 1<<(8*(5-len(vals))) && len(vals) > 1 {
		return netip.Addr{}, false
	}
	ip |= last
	if ip > 0xffffffff {
		return netip.Addr{}, false
	}
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}
