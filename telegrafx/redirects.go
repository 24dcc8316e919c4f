package telegrafx

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"unsafe"

	"github.com/gatherd/gatherd/policy"
)

// guardRedirects makes every HTTP client a plugin holds refuse a redirect that leaves plain http(s) (Telegraf
// registers http+unix on its transports, so a target could redirect a gather into a local socket) or goes to
// a literal link-local address (cloud metadata), unless allow says so. The http plugin follows redirects with
// no option to stop it, and its clients are private fields, so they are found by reflection after Init. A
// client that did not follow redirects still does not.
func guardRedirects(plugin any, allow func(host string) bool) {
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value, depth int)
	walk = func(v reflect.Value, depth int) {
		if depth > 6 || !v.IsValid() {
			return
		}
		switch v.Kind() {
		case reflect.Interface:
			if !v.IsNil() {
				walk(v.Elem(), depth+1)
			}
		case reflect.Pointer:
			if v.IsNil() || seen[v.Pointer()] {
				return
			}
			seen[v.Pointer()] = true
			if c, ok := v.Interface().(*http.Client); ok {
				guardClient(c, allow)
				return
			}
			walk(v.Elem(), depth+1)
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Field(i)
				if !f.CanInterface() && f.CanAddr() {
					f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
				}
				if f.CanInterface() {
					walk(f, depth+1)
				}
			}
		case reflect.Slice, reflect.Array:
			for i := range min(v.Len(), 1<<12) {
				walk(v.Index(i), depth+1)
			}
		}
	}
	walk(reflect.ValueOf(plugin), 0)
}

var errRedirectRefused = errors.New("redirect refused")

func guardClient(c *http.Client, allow func(host string) bool) {
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if s := strings.ToLower(req.URL.Scheme); s != "http" && s != "https" {
			return fmt.Errorf("%w: %s leaves http(s) for %q", errRedirectRefused, via[len(via)-1].URL.Redacted(), s)
		}
		if !allow(req.URL.Hostname()) {
			return fmt.Errorf("%w: %s leads to %s, a link-local address this node does not allow (--allow-targets)",
				errRedirectRefused, via[len(via)-1].URL.Redacted(), req.URL.Hostname())
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// allowHost reports whether a redirect may go to host under p: any host but a literal link-local address
// p does not allow.
func allowHost(p policy.Policy) func(string) bool {
	return func(host string) bool { return p.AdmitHost(host) == nil }
}
