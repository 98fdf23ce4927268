package credentials

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var fixedNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// newECSProvider builds the metadata-service provider against fake f, with a
// fixed clock for the Expiration stamp.
func newECSProvider(t *testing.T, f *fakeMetadata) *Provider {
	t.Helper()
	p, err := New(Options{Getenv: envOf(nil), metadataProxy: f.url})
	require.NoError(t, err)
	require.Equal(t, "ECS RAM role (metadata service)", p.Source())
	p.now = func() time.Time { return fixedNow }
	return p
}

func TestECSRoleCachesUntilNearExpiry(t *testing.T) {
	f := newFakeMetadata(t, "node-role")
	// The first answer is within credentials-go's 180 s refresh window, so
	// the next call must fetch again; the second is good for an hour.
	f.set(0,
		ecsSuccess(t, "STS.first", "secret-1", "token-1", time.Now().Add(100*time.Second)),
		ecsSuccess(t, "STS.second", "secret-2", "token-2", time.Now().Add(time.Hour)),
	)
	p := newECSProvider(t, f)
	ctx := context.Background()

	first, err := p.Credentials(ctx)
	require.NoError(t, err)
	assert.Equal(t, "STS.first", first.AccessKeyID)
	assert.Equal(t, int64(1), f.fetches.Load())

	second, err := p.Credentials(ctx)
	require.NoError(t, err)
	assert.Equal(t, Credentials{
		AccessKeyID: "STS.second", AccessKeySecret: "secret-2", SecurityToken: "token-2",
		Expiration: fixedNow.Add(sessionMinValidity),
	}, second)
	assert.Equal(t, int64(2), f.fetches.Load(), "credentials about to expire must be fetched again")

	for range 20 {
		again, err := p.Credentials(ctx)
		require.NoError(t, err)
		assert.Equal(t, "STS.second", again.AccessKeyID)
	}
	assert.Equal(t, int64(2), f.fetches.Load(), "valid credentials must come from the cache")
	assert.Equal(t, int64(0), f.requestsNoToken.Load(), "IMDSv1 must never be tried")
	assert.Positive(t, f.roleListings.Load(), "the role name is discovered")
}

func TestECSRoleConcurrentCallersShareOneFetch(t *testing.T) {
	f := newFakeMetadata(t, "node-role")
	f.set(300*time.Millisecond, ecsSuccess(t, "STS.shared", "secret", "token", time.Now().Add(time.Hour)))
	p := newECSProvider(t, f)

	const callers = 50
	results := make([]Credentials, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() { results[i], errs[i] = p.Credentials(context.Background()) })
	}
	wg.Wait()

	for i := range callers {
		require.NoError(t, errs[i])
		assert.Equal(t, "STS.shared", results[i].AccessKeyID)
	}
	assert.Equal(t, int64(1), f.fetches.Load())
}

func TestECSRoleFromFileUsesNamedRole(t *testing.T) {
	f := newFakeMetadata(t, "backup-role")
	f.set(0, ecsSuccess(t, "STS.named", "secret", "token", time.Now().Add(time.Hour)))
	path := writeFile(t, t.TempDir(), "cloud", "ALIBABA_CLOUD_RAM_ROLE=backup-role\n")
	p, err := New(Options{File: path, Getenv: envOf(nil), metadataProxy: f.url})
	require.NoError(t, err)
	assert.Equal(t, "credentials file "+path+" (ECS RAM role backup-role)", p.Source())

	got, err := p.Credentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "STS.named", got.AccessKeyID)
	assert.Equal(t, int64(0), f.roleListings.Load(), "a named role needs no discovery")
	assert.Equal(t, "/latest/meta-data/ram/security-credentials/backup-role", f.lastPath.Load())
}

func TestCredentialsWaitRespectsContext(t *testing.T) {
	f := newFakeMetadata(t, "node-role")
	f.set(0, ecsSuccess(t, "STS.slow", "secret", "token", time.Now().Add(time.Hour)))
	release := make(chan struct{})
	f.mu.Lock()
	f.release = release
	f.mu.Unlock()
	p := newECSProvider(t, f)

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.Credentials(ctx)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "ECS RAM role (metadata service)")

	// The abandoned fetch completes in the background and is not repeated.
	close(release)
	got, err := p.Credentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "STS.slow", got.AccessKeyID)
	assert.Equal(t, int64(1), f.fetches.Load())

	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	_, err = p.Credentials(cancelled)
	require.ErrorIs(t, err, context.Canceled)
}

func TestECSRoleBadResponsesAreErrors(t *testing.T) {
	expires := time.Now().Add(time.Hour)
	tests := []struct {
		name    string
		answer  func(t *testing.T) fakeResponse
		wantErr string
	}{
		{"server error", func(*testing.T) fakeResponse { return fakeResponse{500, "internal error"} }, "httpStatus: 500"},
		{"not JSON", func(*testing.T) fakeResponse { return fakeResponse{200, "<html>"} }, "json.Unmarshal"},
		{"no keys", func(t *testing.T) fakeResponse { return okJSON(t, map[string]any{"Code": "Success"}) }, "fail to get credentials"},
		{"code is not success", func(t *testing.T) fakeResponse {
			body := sessionJSON(sentinelKeyID, sentinelSecret, sentinelToken, expires)
			body["Code"] = "Failed"
			return okJSON(t, body)
		}, "Code is not Success"},
		{"no code (credentials-go dereferences nil)", func(t *testing.T) fakeResponse {
			return okJSON(t, sessionJSON(sentinelKeyID, sentinelSecret, sentinelToken, expires))
		}, "credentials-go panicked"},
		{"bad expiration", func(t *testing.T) fakeResponse {
			body := sessionJSON(sentinelKeyID, sentinelSecret, sentinelToken, expires)
			body["Code"], body["Expiration"] = "Success", "tomorrow"
			return okJSON(t, body)
		}, "cannot parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeMetadata(t, "node-role")
			f.set(0, tt.answer(t), ecsSuccess(t, "STS.recovered", "secret", "token", expires))
			p := newECSProvider(t, f)

			_, err := p.Credentials(context.Background())
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
			assert.Contains(t, err.Error(), "get credentials from ECS RAM role (metadata service)")
			assertNoSecrets(t, err.Error())

			got, err := p.Credentials(context.Background())
			require.NoError(t, err, "a failed fetch must not poison the provider")
			assert.Equal(t, "STS.recovered", got.AccessKeyID)
		})
	}
}

func TestRRSAExchangesTokenFileAndCaches(t *testing.T) {
	sts := newFakeSTS(t)
	if os.Getenv("ALIBABA_CLOUD_OIDC_TOKEN") != "" {
		t.Skip("credentials-go prefers ALIBABA_CLOUD_OIDC_TOKEN from the process environment over the token file")
	}
	tokenFile := writeFile(t, t.TempDir(), "token", "oidc-token-1")
	sts.set(0,
		stsSuccess(t, "STS.first", "secret-1", "token-1", time.Now().Add(100*time.Second)),
		stsSuccess(t, "STS.second", "secret-2", "token-2", time.Now().Add(time.Hour)),
	)
	p, err := New(Options{NotOnECS: true, stsEndpoint: sts.endpoint, Getenv: envOf(map[string]string{
		envRoleARN:         "acs:ram::123:role/velero",
		envOIDCProviderARN: "acs:ram::123:oidc-provider/ack-rrsa",
		envOIDCTokenFile:   tokenFile,
	})})
	require.NoError(t, err)
	assert.Equal(t, "RRSA (role acs:ram::123:role/velero)", p.Source())
	ctx := context.Background()

	first, err := p.Credentials(ctx)
	require.NoError(t, err)
	assert.Equal(t, "STS.first", first.AccessKeyID)
	assert.Equal(t, map[string]string{
		"RoleArn":         "acs:ram::123:role/velero",
		"OIDCProviderArn": "acs:ram::123:oidc-provider/ack-rrsa",
		"OIDCToken":       "oidc-token-1",
		"RoleSessionName": defaultRoleSessionName,
		"DurationSeconds": "3600",
	}, sts.form())

	// The kubelet rotates the projected token; the refresh must send the new one.
	writeFile(t, filepath.Dir(tokenFile), "token", "oidc-token-2")
	second, err := p.Credentials(ctx)
	require.NoError(t, err)
	assert.Equal(t, "STS.second", second.AccessKeyID)
	assert.Equal(t, "token-2", second.SecurityToken)
	assert.Equal(t, "oidc-token-2", sts.form()["OIDCToken"])

	for range 10 {
		_, err := p.Credentials(ctx)
		require.NoError(t, err)
	}
	assert.Equal(t, int64(2), sts.fetches.Load())
}

func TestRRSAErrorsNameTheSource(t *testing.T) {
	sts := newFakeSTS(t)
	sts.set(0, fakeResponse{400, `{"Code":"AuthenticationFail.OIDCToken.Invalid","RequestId":"req-2"}`})
	p, err := New(Options{stsEndpoint: sts.endpoint, Getenv: envOf(map[string]string{
		envRoleARN:         "acs:ram::123:role/velero",
		envOIDCProviderARN: "acs:ram::123:oidc-provider/ack-rrsa",
		envOIDCTokenFile:   writeFile(t, t.TempDir(), "token", sentinelToken),
	})})
	require.NoError(t, err)

	_, err = p.Credentials(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "get credentials from RRSA (role acs:ram::123:role/velero)")
	assert.Contains(t, err.Error(), "AuthenticationFail.OIDCToken.Invalid")
	assertNoSecrets(t, err.Error())
}

func TestSDKCredentialSharesTheProvider(t *testing.T) {
	f := newFakeMetadata(t, "node-role")
	f.set(0, ecsSuccess(t, "STS.sdk", "secret", "token", time.Now().Add(time.Hour)))
	cred := newECSProvider(t, f).Credential()

	model, err := cred.GetCredential()
	require.NoError(t, err)
	assert.Equal(t, "STS.sdk", *model.AccessKeyId)
	assert.Equal(t, "secret", *model.AccessKeySecret)
	assert.Equal(t, "token", *model.SecurityToken)
	assert.Equal(t, "ecs_ram_role", *model.Type)
	assert.Equal(t, "ecs_ram_role", *cred.GetType())
	assert.Empty(t, *cred.GetBearerToken())

	id, err := cred.GetAccessKeyId()
	require.NoError(t, err)
	secret, err := cred.GetAccessKeySecret()
	require.NoError(t, err)
	token, err := cred.GetSecurityToken()
	require.NoError(t, err)
	assert.Equal(t, []string{"STS.sdk", "secret", "token"}, []string{*id, *secret, *token})
	assert.Equal(t, int64(1), f.fetches.Load())

	failing, err := New(Options{Getenv: envOf(nil), metadataProxy: "http://127.0.0.1:1"})
	require.NoError(t, err)
	_, err = failing.Credential().GetCredential()
	require.Error(t, err)
	assert.False(t, errors.Is(err, ErrNoCredentials))
}
