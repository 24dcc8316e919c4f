package policy

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Policy is what a node's operator allows the inputs it runs to do, beyond gathering from network targets.
// The zero Policy allows nothing. It is set by the node's own flags, never through the API, and it travels in
// gossip so the leader places an input only on nodes that allow it.
type Policy struct {
	// Exec lets ping use its exec method, which runs the node's own system ping (--allow-exec).
	Exec bool `json:"exec,omitempty"`
	// LocalFiles are directories whose files, sockets and subdirectories path options may name
	// (--allow-local-files); paths are compared with symlinks and ".." resolved.
	LocalFiles []string `json:"files,omitempty"`
	// Interfaces are interface names or source addresses an input may bind (--allow-interfaces).
	Interfaces []string `json:"ifaces,omitempty"`
	// Targets are link-local prefixes an input may reach (--allow-targets); other link-local addresses are
	// refused, since cloud metadata services hand out credentials there.
	Targets []netip.Prefix `json:"targets,omitempty"`
}

// IsZero reports whether the policy allows nothing.
func (p Policy) IsZero() bool {
	return !p.Exec && len(p.LocalFiles) == 0 && len(p.Interfaces) == 0 && len(p.Targets) == 0
}

// New returns a policy from an operator's settings: directories must be absolute and are cleaned (and
// resolved, when they exist on this machine); targets are addresses or CIDR prefixes.
func New(exec bool, localFiles, interfaces, targets []string) (Policy, error) {
	p := Policy{Exec: exec, Interfaces: slices.Clone(interfaces)}
	for _, d := range localFiles {
		if !filepath.IsAbs(d) {
			return p, fmt.Errorf("--allow-local-files: %q is not an absolute path", d)
		}
		d = filepath.Clean(d)
		if r, err := filepath.EvalSymlinks(d); err == nil {
			d = r
		}
		p.LocalFiles = append(p.LocalFiles, d)
	}
	for _, t := range targets {
		pre, err := netip.ParsePrefix(t)
		if err != nil {
			a, aerr := netip.ParseAddr(t)
			if aerr != nil {
				return p, fmt.Errorf("--allow-targets: %q is neither an address nor a CIDR prefix", t)
			}
			pre = netip.PrefixFrom(a, a.BitLen())
		}
		p.Targets = append(p.Targets, pre.Masked())
	}
	return p, nil
}

// Admit checks needs against the policy, comparing paths lexically: what the leader and the API can know of
// another node. A node about to run an input uses AdmitLocal.
func (p Policy) Admit(n Needs) error { return p.admit(n, lexical) }

// AdmitLocal checks needs against the policy on the node that runs the input: paths are resolved (symlinks,
// "..") on this machine before they are compared, so a link inside an allowed directory cannot lead out.
func (p Policy) AdmitLocal(n Needs) error { return p.admit(n, resolved) }

func lexical(path string) (string, error) { return filepath.Clean(path), nil }

func resolved(path string) (string, error) {
	r, err := filepath.EvalSymlinks(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return "", fmt.Errorf("cannot resolve %q on this node: %w", path, err)
	}
	return r, nil
}

func (p Policy) admit(n Needs, resolve func(string) (string, error)) error {
	for _, u := range n.Program {
		if !p.Exec {
			return &Violation{Key: u.Key, Reason: fmt.Sprintf("method %s runs a program (the system ping) on the node: refused unless the node is started with --allow-exec (or set method = \"native\")", u.Value)}
		}
	}
	for _, u := range n.Paths {
		if err := p.admitPath(u, resolve); err != nil {
			return err
		}
	}
	for _, u := range n.Interfaces {
		if !slices.Contains(p.Interfaces, u.Value) {
			return &Violation{Key: u.Key, Reason: fmt.Sprintf("%q binds a local interface or address of the node: refused unless the node is started with --allow-interfaces %s", u.Value, u.Value)}
		}
	}
	for _, u := range n.Targets {
		a, _ := netip.ParseAddr(u.Value)
		if !slices.ContainsFunc(p.Targets, func(pre netip.Prefix) bool { return pre.Contains(a) }) {
			return &Violation{Key: u.Key, Reason: fmt.Sprintf("%s is a link-local address (cloud metadata services hand out credentials there): refused unless the node is started with --allow-targets %s", u.Value, u.Value)}
		}
	}
	return nil
}

func (p Policy) admitPath(u Use, resolve func(string) (string, error)) error {
	refuse := func(why string) error {
		return &Violation{Key: u.Key, Reason: fmt.Sprintf("%q %s: an input may read a node's files only inside directories the node allows with --allow-local-files", u.Value, why)}
	}
	if len(p.LocalFiles) == 0 {
		return refuse("is a local path")
	}
	if !filepath.IsAbs(u.Value) {
		return refuse("is not an absolute path")
	}
	path, err := resolve(u.Value)
	if err != nil {
		return refuse(err.Error())
	}
	for _, dir := range p.LocalFiles {
		if within(path, dir) {
			return nil
		}
	}
	return refuse(fmt.Sprintf("lies outside %s", strings.Join(p.LocalFiles, ", ")))
}

func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../") && !filepath.IsAbs(rel)
}

// AdmitHost checks one host, a redirect's, against the policy: a literal link-local address the policy does
// not allow is refused.
func (p Policy) AdmitHost(host string) error {
	a, ok := linkLocal(host)
	if !ok || slices.ContainsFunc(p.Targets, func(pre netip.Prefix) bool { return pre.Contains(a) }) {
		return nil
	}
	return &Violation{Reason: fmt.Sprintf("%s is a link-local address: refused unless the node is started with --allow-targets %s", a, a)}
}

// AdmitAny checks needs against the policies of a cluster's nodes: nil when at least one admits them, else
// the first node's refusal (the reasons name the setting that would allow it).
func AdmitAny(policies []Policy, n Needs) error {
	if n.Empty() {
		return nil
	}
	var first error
	for _, p := range policies {
		err := p.Admit(n)
		if err == nil {
			return nil
		}
		if first == nil {
			first = err
		}
	}
	if first == nil {
		first = Policy{}.Admit(n)
	}
	return first
}

// Flags describes the policy as the agent's flags would set it, for logs and status.
func (p Policy) Flags() []string {
	var out []string
	if p.Exec {
		out = append(out, "--allow-exec")
	}
	if len(p.LocalFiles) > 0 {
		out = append(out, "--allow-local-files="+strings.Join(p.LocalFiles, ","))
	}
	if len(p.Interfaces) > 0 {
		out = append(out, "--allow-interfaces="+strings.Join(p.Interfaces, ","))
	}
	if len(p.Targets) > 0 {
		var ts []string
		for _, t := range p.Targets {
			ts = append(ts, t.String())
		}
		out = append(out, "--allow-targets="+strings.Join(ts, ","))
	}
	return out
}
