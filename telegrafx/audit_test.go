package telegrafx

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"

	tinputs "github.com/influxdata/telegraf/plugins/inputs"
	"github.com/influxdata/telegraf/plugins/parsers"

	"github.com/gatherd/gatherd/policy"
)

// TestAuditCoversEveryOption fails when a linked plugin or parser takes an option the security audit
// (policy.Telegraf, README's Security section) does not classify, or when the audit lists one that no longer
// exists: a Telegraf upgrade cannot slip a new option past it.
func TestAuditCoversEveryOption(t *testing.T) {
	linked := slices.Sorted(maps.Keys(tinputs.Inputs))
	if audited := policy.Telegraf.Names(); !slices.Equal(linked, audited) {
		t.Fatalf("linked input plugins %v, audited %v", linked, audited)
	}
	for _, name := range linked {
		got := options(reflect.TypeOf(tinputs.Inputs[name]()))
		compareAudit(t, "inputs."+name, got, policy.Telegraf[name])
	}
	parserNames := slices.Sorted(maps.Keys(parsers.Parsers))
	if audited := slices.Sorted(maps.Keys(policy.Parsers)); !slices.Equal(parserNames, audited) {
		t.Fatalf("linked parsers %v, audited %v", parserNames, audited)
	}
	for _, name := range parserNames {
		got := options(reflect.TypeOf(parsers.Parsers[name]("x")))
		compareAudit(t, "parsers."+name, got, policy.Plugin{Options: policy.Parsers[name]})
	}
}

// option is one key a plugin's struct takes, with the keys of its sub-tables.
type option struct{ sub map[string]option }

func compareAudit(t *testing.T, where string, got map[string]option, audit policy.Plugin) {
	t.Helper()
	for key, o := range got {
		if sub, ok := audit.Tables[key]; ok {
			compareAudit(t, where+"."+key, o.sub, sub)
			continue
		}
		if _, ok := audit.Options[key]; !ok {
			t.Errorf("%s takes option %q, which the audit does not classify", where, key)
		}
	}
	for key := range audit.Options {
		if _, ok := got[key]; !ok {
			t.Errorf("the audit classifies %s.%s, which the plugin does not take", where, key)
		}
	}
	for key := range audit.Tables {
		if _, ok := got[key]; !ok {
			t.Errorf("the audit lists sub-table %s.%s, which the plugin does not take", where, key)
		}
	}
}

// options lists the TOML keys Telegraf's loader can set on a plugin struct: tagged fields by their tag,
// untagged exported fields by their snake_case name (the loader matches them case- and underscore-blind), and
// the fields of embedded structs. Struct-valued options that are tables of their own (snmp's field and table)
// carry their keys as sub.
func options(t reflect.Type) map[string]option {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]option{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if tag == "-" || (!f.IsExported() && !f.Anonymous) || f.Type.Kind() == reflect.Func || f.Type.Kind() == reflect.Chan {
			continue
		}
		if f.Anonymous && tag == "" {
			maps.Copy(out, options(f.Type))
			continue
		}
		if tag == "" {
			tag = snake(f.Name)
		}
		var o option
		if et := elem(f.Type); et.Kind() == reflect.Struct && et.PkgPath() != "" && !leaf[et.String()] {
			o.sub = options(et)
		}
		out[tag] = o
	}
	return out
}

// leaf types are values, not tables, even though they are structs.
var leaf = map[string]bool{"config.Secret": true, "config.Duration": true, "config.Size": true, "time.Duration": true}

func elem(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	return t
}

func snake(s string) string {
	var b strings.Builder
	r := []rune(s)
	for i, c := range r {
		if unicode.IsUpper(c) && i > 0 && (unicode.IsLower(r[i-1]) || (i+1 < len(r) && unicode.IsLower(r[i+1]))) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
