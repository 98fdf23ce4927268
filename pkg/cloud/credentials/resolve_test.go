package credentials

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// envOf is a hermetic Options.Getenv.
func envOf(vars map[string]string) func(string) string {
	return func(name string) string { return vars[name] }
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func keysFile(id, secret string) string {
	return fmt.Sprintf("ALIBABA_CLOUD_ACCESS_KEY_ID=%s\nALIBABA_CLOUD_ACCESS_KEY_SECRET=%s\n", id, secret)
}

func TestNewResolutionOrder(t *testing.T) {
	dir := t.TempDir()
	optsFile := writeFile(t, dir, "location", keysFile("AKID-location", "secret-location"))
	envFile := writeFile(t, dir, "cloud", keysFile("AKID-mounted", "secret-mounted"))
	tokenFile := writeFile(t, dir, "oidc-token", "jwt")
	stsFile := writeFile(t, dir, "sts", keysFile("STS.file", "secret-sts")+"ALIBABA_CLOUD_ACCESS_STS_TOKEN=token-file\n")
	roleFile := writeFile(t, dir, "role", "ALIBABA_CLOUD_RAM_ROLE=velero-role\n")
	emptyFile := writeFile(t, dir, "empty", "# nothing here\n")
	halfFile := writeFile(t, dir, "half", "ALIBABA_CLOUD_ACCESS_KEY_ID=AKID-half\n")
	iniFile := writeFile(t, dir, "ini", "[default]\ntype = access_key\n")

	everything := map[string]string{
		envCredentialsFile: envFile,
		keyAccessKeyID:     "AKID-env", keyAccessKeySecret: "secret-env",
		envRoleARN: "acs:ram::1:role/r", envOIDCProviderARN: "acs:ram::1:oidc-provider/p", envOIDCTokenFile: tokenFile,
	}
	without := func(names ...string) map[string]string {
		vars := map[string]string{}
		for k, v := range everything {
			if !slices.Contains(names, k) {
				vars[k] = v
			}
		}
		return vars
	}
	allEnvSources := []string{envCredentialsFile, keyAccessKeyID, keyAccessKeySecret, envRoleARN, envOIDCProviderARN, envOIDCTokenFile}

	tests := []struct {
		name       string
		opts       Options
		env        map[string]string
		wantSource string
		wantCreds  *Credentials // for static sources
		wantErr    string
	}{
		{name: "location file beats everything", opts: Options{File: optsFile}, env: everything,
			wantSource: "credentials file " + optsFile + " (access key)",
			wantCreds:  &Credentials{AccessKeyID: "AKID-location", AccessKeySecret: "secret-location"}},
		{name: "location file with STS token", opts: Options{File: stsFile}, env: everything,
			wantSource: "credentials file " + stsFile + " (access key, STS token)",
			wantCreds:  &Credentials{AccessKeyID: "STS.file", AccessKeySecret: "secret-sts", SecurityToken: "token-file"}},
		{name: "location file with RAM role", opts: Options{File: roleFile}, env: everything,
			wantSource: "credentials file " + roleFile + " (ECS RAM role velero-role)"},
		{name: "location file with RAM role but not on ECS", opts: Options{File: roleFile, NotOnECS: true},
			wantErr: "credentialsFile " + roleFile + ": sets ALIBABA_CLOUD_RAM_ROLE, but the ECS metadata service is disabled"},
		{name: "location file with neither", opts: Options{File: emptyFile}, env: everything,
			wantErr: "credentialsFile " + emptyFile + ": sets neither ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET nor ALIBABA_CLOUD_RAM_ROLE"},
		{name: "location file with half a key pair", opts: Options{File: halfFile}, env: everything,
			wantErr: "credentialsFile " + halfFile + ": credentials file sets ALIBABA_CLOUD_ACCESS_KEY_ID but not ALIBABA_CLOUD_ACCESS_KEY_SECRET"},
		{name: "location file in INI format", opts: Options{File: iniFile},
			wantErr: "credentialsFile " + iniFile + ": credentials file line 1: INI section headers are not supported"},
		{name: "location file missing", opts: Options{File: filepath.Join(dir, "missing")}, env: everything,
			wantErr: "read credentials file from credentialsFile: open " + filepath.Join(dir, "missing")},
		{name: "mounted secret beats environment keys", env: everything,
			wantSource: "credentials file " + envFile + " (access key)",
			wantCreds:  &Credentials{AccessKeyID: "AKID-mounted", AccessKeySecret: "secret-mounted"}},
		{name: "mounted secret missing", env: map[string]string{envCredentialsFile: filepath.Join(dir, "missing")},
			wantErr: "read credentials file from ALIBABA_CLOUD_CREDENTIALS_FILE"},
		{name: "environment keys beat RRSA", env: without(envCredentialsFile),
			wantSource: "environment (access key)",
			wantCreds:  &Credentials{AccessKeyID: "AKID-env", AccessKeySecret: "secret-env"}},
		{name: "environment keys with token",
			env:        map[string]string{keyAccessKeyID: "STS.env", keyAccessKeySecret: "s", keySecurityToken: "tok"},
			wantSource: "environment (access key)",
			wantCreds:  &Credentials{AccessKeyID: "STS.env", AccessKeySecret: "s", SecurityToken: "tok"}},
		{name: "environment with only a secret", env: map[string]string{keyAccessKeySecret: "s"},
			wantErr: "the environment sets ALIBABA_CLOUD_ACCESS_KEY_SECRET but not ALIBABA_CLOUD_ACCESS_KEY_ID"},
		{name: "environment with only a token", env: map[string]string{keySecurityToken: "t"},
			wantErr: "the environment sets ALIBABA_CLOUD_SECURITY_TOKEN but not ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"},
		{name: "RRSA beats the metadata service", env: without(envCredentialsFile, keyAccessKeyID, keyAccessKeySecret),
			wantSource: "RRSA (role acs:ram::1:role/r)"},
		{name: "RRSA partly configured", env: map[string]string{envRoleARN: "acs:ram::1:role/r"},
			wantErr: "RRSA is partly configured: ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE not set"},
		{name: "RRSA token file missing",
			env:     map[string]string{envRoleARN: "r", envOIDCProviderARN: "p", envOIDCTokenFile: filepath.Join(dir, "missing")},
			wantErr: "RRSA (role r): OIDC token file from ALIBABA_CLOUD_OIDC_TOKEN_FILE: stat "},
		{name: "RRSA with a bad STS region",
			env:     map[string]string{envRoleARN: "r", envOIDCProviderARN: "p", envOIDCTokenFile: tokenFile, envSTSRegion: "cn hangzhou"},
			wantErr: "ALIBABA_CLOUD_STS_REGION is not a region ID"},
		{name: "metadata service last", env: without(allEnvSources...),
			wantSource: "ECS RAM role (metadata service)"},
		{name: "metadata service with a named role", env: map[string]string{envECSRoleName: "node-role"},
			wantSource: "ECS RAM role node-role (metadata service)"},
		{name: "metadata service with a bad role name", env: map[string]string{envECSRoleName: "../x"},
			wantErr: "ALIBABA_CLOUD_ECS_METADATA is not a RAM role name"},
		{name: "nothing and not on ECS", opts: Options{NotOnECS: true},
			wantErr: "no Alibaba Cloud credentials: set credentialsFile in the location's config, or ALIBABA_CLOUD_CREDENTIALS_FILE"},
		{name: "nothing and metadata disabled by environment", env: map[string]string{metadata.EnvDisabled: "TRUE"},
			wantErr: "no Alibaba Cloud credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Getenv = envOf(tt.env)
			p, err := New(opts)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				assert.Nil(t, p)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.wantSource, p.Source())
			if tt.wantCreds != nil {
				got, err := p.Credentials(context.Background())
				require.NoError(t, err)
				assert.Equal(t, *tt.wantCreds, got)
			}
		})
	}
}

func TestNoCredentialsIsDetectable(t *testing.T) {
	_, err := New(Options{NotOnECS: true, Getenv: envOf(nil)})
	require.ErrorIs(t, err, ErrNoCredentials)
}

func TestSTSEndpoint(t *testing.T) {
	tests := []struct {
		region, vpc, want string
	}{
		{"", "", "sts.aliyuncs.com"},
		{"", "true", "sts.aliyuncs.com"},
		{"cn-hangzhou", "", "sts.cn-hangzhou.aliyuncs.com"},
		{"cn-hangzhou", "True", "sts-vpc.cn-hangzhou.aliyuncs.com"},
		{"ap-southeast-1", "false", "sts.ap-southeast-1.aliyuncs.com"},
	}
	for _, tt := range tests {
		got, err := stsEndpoint(envOf(map[string]string{envSTSRegion: tt.region, envVPCEndpoint: tt.vpc}))
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "region %q vpc %q", tt.region, tt.vpc)
	}
}

// Two locations with two files must never see each other's keys, however
// they are built and used, and nothing may leak into the process environment
// (the bug of the open-source plugin's godotenv.Overload).
func TestProvidersFromDifferentFilesAreIndependent(t *testing.T) {
	dir := t.TempDir()
	fileA := writeFile(t, dir, "a", keysFile("AKID-aaaa", "secret-a"))
	fileB := writeFile(t, dir, "b", keysFile("AKID-bbbb", "secret-b")+"ALIBABA_CLOUD_ACCESS_STS_TOKEN=token-b\n")
	roleOnly := writeFile(t, dir, "role", "ALIBABA_CLOUD_RAM_ROLE=role-c\n")
	environBefore := os.Environ()

	onlyA, err := New(Options{File: fileA})
	require.NoError(t, err)
	wantA := Credentials{AccessKeyID: "AKID-aaaa", AccessKeySecret: "secret-a"}
	wantB := Credentials{AccessKeyID: "AKID-bbbb", AccessKeySecret: "secret-b", SecurityToken: "token-b"}

	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := range 100 {
		wg.Go(func() {
			file, want := fileA, wantA
			if i%2 == 1 {
				file, want = fileB, wantB
			}
			p, err := New(Options{File: file})
			if err != nil {
				errs <- err
				return
			}
			if got, err := p.Credentials(context.Background()); err != nil || got != want {
				errs <- fmt.Errorf("provider for %s returned %v, %v", file, got, err)
			}
		})
	}
	// A file with only a role must not pick up keys another file set.
	wg.Go(func() {
		p, err := New(Options{File: roleOnly})
		if err == nil && p.Source() != "credentials file "+roleOnly+" (ECS RAM role role-c)" {
			err = fmt.Errorf("role-only file resolved to %s", p.Source())
		}
		if err != nil {
			errs <- err
		}
	})
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	got, err := onlyA.Credentials(context.Background())
	require.NoError(t, err)
	assert.Equal(t, wantA, got, "building other providers changed this one")
	assert.ElementsMatch(t, environBefore, os.Environ(), "the process environment changed")
}

// velero server rewrites a location's credentials file (truncate, then write) whenever a controller
// resolves the location: a plugin that reads it in between finds it empty, and must wait for the write.
func TestAFileBeingRewrittenIsReadOnceWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	pauses := 0
	// The write lands while the reader pauses after its third empty read.
	settle := func() {
		if pauses++; pauses == 3 {
			require.NoError(t, os.WriteFile(path, []byte("ALIBABA_CLOUD_ACCESS_KEY_ID=AKID-SENTINEL\nALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET-SENTINEL\n"), 0o600))
		}
	}
	p, err := New(Options{File: path, NotOnECS: true, Getenv: func(string) string { return "" }, settle: settle})
	require.NoError(t, err)
	assert.Contains(t, p.Source(), "(access key)")
	assert.Equal(t, 3, pauses)
}

func TestAFileThatStaysEmptyIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cloud")
	require.NoError(t, os.WriteFile(path, nil, 0o600))
	pauses := 0
	_, err := New(Options{File: path, NotOnECS: true, Getenv: func(string) string { return "" }, settle: func() { pauses++ }})
	assert.Equal(t, settleAttempts-1, pauses, "read again a bounded number of times")
	assert.ErrorContains(t, err, "sets neither ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET nor ALIBABA_CLOUD_RAM_ROLE")
}
