package credentials

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aliyun/credentials-go/credentials/providers"
)

// sessionMinValidity is how long session credentials handed out by
// credentials-go are still valid, at least: its ECS RAM role and OIDC
// providers fetch new ones once 180 seconds or less are left.
const sessionMinValidity = 3 * time.Minute

// Provider hands out the credentials of one source, chosen once by New. It is
// safe for concurrent use.
//
// Static keys are returned as they are. Session credentials (RRSA, ECS RAM
// role) come from a credentials-go provider, which caches them and fetches new
// ones shortly before they expire, so asking is cheap and never a network call
// on every request. Those providers are not safe for concurrent use, though,
// and cannot be cancelled, so Provider lets one goroutine at a time call
// into them: callers that arrive while a call (possibly a fetch) is running
// wait for its result instead of starting their own, and give up when their
// context ends.
type Provider struct {
	source  string // human-readable, no secrets; see Source
	sdkType string // the credentials-go type name: access_key, sts, oidc_role_arn, ecs_ram_role
	static  *Credentials
	session providers.CredentialsProvider // nil for static; only called from refresh
	now     func() time.Time

	mu       sync.Mutex
	inflight *sessionCall
}

// sessionCall is one call into the session provider that any number of
// callers can wait for.
type sessionCall struct {
	done  chan struct{}
	creds Credentials
	err   error
}

func newStaticProvider(source string, creds Credentials) *Provider {
	sdkType := "access_key"
	if creds.SecurityToken != "" {
		sdkType = "sts"
	}
	return &Provider{source: source, sdkType: sdkType, static: &creds, now: time.Now}
}

func newSessionProvider(source, sdkType string, session providers.CredentialsProvider) *Provider {
	return &Provider{source: source, sdkType: sdkType, session: session, now: time.Now}
}

// Source says where the credentials come from, for logs and errors, e.g.
// "credentials file /credentials/cloud (access key)" or "RRSA (role acs:ram::1:role/velero)".
func (p *Provider) Source() string { return p.source }

// Credentials returns credentials that are valid now; see Credentials.Expiration
// for how long a caller may keep them.
func (p *Provider) Credentials(ctx context.Context) (Credentials, error) {
	if p.static != nil {
		return *p.static, nil
	}
	if err := ctx.Err(); err != nil {
		return Credentials{}, fmt.Errorf("get credentials from %s: %w", p.source, err)
	}
	p.mu.Lock()
	call := p.inflight
	if call == nil {
		call = &sessionCall{done: make(chan struct{})}
		p.inflight = call
		go p.callSession(call)
	}
	p.mu.Unlock()

	select {
	case <-call.done:
		return call.creds, call.err
	case <-ctx.Done():
		return Credentials{}, fmt.Errorf("get credentials from %s: %w", p.source, context.Cause(ctx))
	}
}

// callSession runs in its own goroutine so that a caller whose context ends
// can leave while credentials-go, which takes no context, finishes on its own
// timeouts; the result still lands in credentials-go's cache for the next
// caller.
func (p *Provider) callSession(call *sessionCall) {
	defer func() {
		p.mu.Lock()
		p.inflight = nil
		p.mu.Unlock()
		close(call.done)
	}()
	defer func() {
		// credentials-go dereferences optional JSON fields of the metadata
		// and STS responses without checking them; a malformed response must
		// fail this call, not kill the plugin.
		if r := recover(); r != nil {
			call.err = fmt.Errorf("get credentials from %s: credentials-go panicked: %v", p.source, r)
		}
	}()
	asked := p.now()
	got, err := p.session.GetCredentials()
	if err != nil {
		call.err = fmt.Errorf("get credentials from %s: %w", p.source, err)
		return
	}
	if got.AccessKeyId == "" || got.AccessKeySecret == "" {
		call.err = fmt.Errorf("get credentials from %s: the response has no access key", p.source)
		return
	}
	call.creds = Credentials{
		AccessKeyID:     got.AccessKeyId,
		AccessKeySecret: got.AccessKeySecret,
		SecurityToken:   got.SecurityToken,
		Expiration:      asked.Add(sessionMinValidity),
	}
}

// String describes the provider without disclosing any credentials.
func (p *Provider) String() string { return "credentials.Provider(" + p.source + ")" }

// GoString makes %#v as safe as %v.
func (p *Provider) GoString() string {
	return fmt.Sprintf("&credentials.Provider{source: %q}", p.source)
}

// Format applies the redaction to every verb; fmt would otherwise print the
// unexported fields, cached credentials included.
func (p *Provider) Format(s fmt.State, verb rune) { formatRedacted(s, verb, p.String(), p.GoString()) }
