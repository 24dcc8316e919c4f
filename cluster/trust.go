package cluster

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/influxdata/telegraf"

	"github.com/gatherd/gatherd/policy"
	"github.com/gatherd/gatherd/sharding"
	"github.com/gatherd/gatherd/store"
	"github.com/gatherd/gatherd/worker"
)

// The trust boundary (DESIGN.md, decision 17): an input comes from the network, so each node enforces its own
// operator's policy.Policy when it builds an input, whatever the API or the leader accepted; the API refuses an
// input no live node allows; the leader places an input only on nodes whose advertised policy allows it.

// guardBuild wraps the worker's Build so that every input is checked against this node's own policy, paths
// resolved on this machine, before its plugin is built: a plugin's Init may already read the files it names.
// An input refused here fails in the worker with the reason, visible in /v1/local.
func (n *Node) guardBuild(build worker.Build) worker.Build {
	if build == nil {
		return nil
	}
	return func(t worker.Task) (telegraf.Input, error) {
		needs, err := n.cfg.Audit.Inspect(t.Plugin, t.Config)
		if err == nil {
			err = n.cfg.Policy.AdmitLocal(needs)
		}
		if err != nil {
			n.log.Warn().Str("input", t.ID).Str("plugin", t.Plugin).Err(err).Msg("input refused by this node's policy")
			return nil, fmt.Errorf("refused by this node's policy: %w", err)
		}
		return build(t)
	}
}

// Admit reports whether an input of plugin with config may run in this cluster: err is a *policy.Violation
// when no live node allows what it needs (or nothing may allow it), and here says whether this node itself
// would run it, so that validating it by building its plugin here reads nothing this node's operator did not
// allow.
func (n *Node) Admit(plugin string, config json.RawMessage) (here bool, err error) {
	needs, err := n.cfg.Audit.Inspect(plugin, config)
	if err != nil {
		return false, err
	}
	if needs.Empty() {
		return true, nil
	}
	policies := []policy.Policy{n.cfg.Policy}
	for _, m := range n.members.list() {
		if m.Status == StatusAlive && m.ID != n.cfg.NodeID && m.Meta.Allow != nil {
			policies = append(policies, *m.Meta.Allow)
		}
	}
	if err := policy.AdmitAny(policies, needs); err != nil {
		return false, err
	}
	return n.cfg.Policy.AdmitLocal(needs) == nil, nil
}

// needsCache remembers what each stored input needs, by version, so a placement pass inspects only inputs that
// changed.
type needsCache struct {
	mu sync.Mutex
	m  map[string]needsEntry
}

type needsEntry struct {
	version uint64
	needs   policy.Needs
	err     error
}

func (c *needsCache) get(audit policy.Table, in *store.Input) (policy.Needs, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[in.ID]; ok && e.version == in.Version {
		return e.needs, e.err
	}
	if c.m == nil {
		c.m = map[string]needsEntry{}
	}
	needs, err := audit.Inspect(in.Plugin, in.Config)
	c.m[in.ID] = needsEntry{version: in.Version, needs: needs, err: err}
	return needs, err
}

// prune forgets inputs no longer stored, of which there are stored. It looks only when the cache holds more
// entries than that: every placement calls it, and a walk over 100,000 entries each time was a tenth of the
// pass. A deleted input's entry may then outlive it until the count next exceeds; it is only memory.
func (c *needsCache) prune(stored int, keep func(id string) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) <= stored {
		return
	}
	for id := range c.m {
		if !keep(id) {
			delete(c.m, id)
		}
	}
}

// placementGroup is a set of inputs that the same nodes may run. Inputs that need nothing form one group
// with every eligible node; sharding balances each group on its own nodes.
type placementGroup struct {
	nodes  []sharding.Node
	inputs []sharding.Input
	reason string // why no node may run the group's inputs, when nodes is empty
}

// groupByPolicy splits inputs by the eligible nodes whose policy allows them. policies maps an eligible node
// to the policy it advertises.
func (n *Node) groupByPolicy(inputs []*store.Input, nodes []sharding.Node, policies map[string]policy.Policy) []placementGroup {
	all := placementGroup{nodes: nodes, inputs: make([]sharding.Input, 0, len(inputs))} // most inputs need nothing
	groups := map[string]*placementGroup{}
	var keys []string
	for _, in := range inputs {
		needs, err := n.needs.get(n.cfg.Audit, in)
		if err == nil && needs.Empty() {
			all.inputs = append(all.inputs, sharding.Input{ID: in.ID})
			continue
		}
		var allowed []sharding.Node
		var names []string
		reason := ""
		if err != nil {
			reason = "no node may run it: " + err.Error()
		} else {
			for _, nd := range nodes {
				if policies[nd.ID].Admit(needs) == nil {
					allowed = append(allowed, nd)
					names = append(names, nd.ID)
				}
			}
			if len(allowed) == 0 {
				reason = "no live node allows it: " + policy.Policy{}.Admit(needs).Error()
			}
		}
		key := strings.Join(names, "\x00") + "\x01" + reason
		g, ok := groups[key]
		if !ok {
			g = &placementGroup{nodes: allowed, reason: reason}
			groups[key] = g
			keys = append(keys, key)
		}
		g.inputs = append(g.inputs, sharding.Input{ID: in.ID})
	}
	slices.Sort(keys)
	out := []placementGroup{all}
	for _, k := range keys {
		out = append(out, *groups[k])
	}
	return out
}
