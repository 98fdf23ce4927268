package credentials

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/metadata"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertNoSecrets fails if text holds the secret or token sentinel, or the
// full key ID (only its first four characters may show).
func assertNoSecrets(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{sentinelSecret, sentinelToken, sentinelKeyID} {
		assert.NotContains(t, text, s)
	}
}

var sentinelKeysFile = "ALIBABA_CLOUD_ACCESS_KEY_ID=" + sentinelKeyID + "\n" +
	"ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sentinelSecret + "\n" +
	"ALIBABA_CLOUD_ACCESS_STS_TOKEN=" + sentinelToken + "\n"

func TestFormattingNeverShowsSecrets(t *testing.T) {
	creds := Credentials{AccessKeyID: sentinelKeyID, AccessKeySecret: sentinelSecret, SecurityToken: sentinelToken,
		Expiration: fixedNow}
	file, err := ParseFile([]byte(sentinelKeysFile + "ALIBABA_CLOUD_RAM_ROLE=r\nOTHER=" + sentinelSecret + "\n"))
	require.NoError(t, err)
	static, err := New(Options{File: writeFile(t, t.TempDir(), "cloud", sentinelKeysFile)})
	require.NoError(t, err)

	f := newFakeMetadata(t, "node-role")
	f.set(0, ecsSuccess(t, sentinelKeyID, sentinelSecret, sentinelToken, time.Now().Add(time.Hour)))
	session := newECSProvider(t, f)
	fetched, err := session.Credentials(context.Background())
	require.NoError(t, err)
	require.Equal(t, sentinelSecret, fetched.AccessKeySecret)

	type named struct {
		Creds Credentials
		File  *File
		P     *Provider
	}
	type embedded struct{ Credentials }
	values := map[string]any{
		"Credentials":         creds,
		"*Credentials":        &creds,
		"fetched Credentials": fetched,
		"File":                file,
		"*File":               &file,
		"static Provider":     static,
		"session Provider":    session,
		"Credential()":        static.Credential(),
		"struct fields":       named{Creds: creds, File: &file, P: static},
		"embedded":            embedded{creds},
		"slice":               []Credentials{creds, fetched},
		"map":                 map[string]File{"a": file},
		"interfaces":          []any{creds, file, static},
	}
	for name, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%10.4v"} {
			out := fmt.Sprintf(verb, v)
			assertNoSecrets(t, out)
			assert.NotContains(t, out, "SENTINEL", "%s with %s: %s", name, verb, out)
		}
	}

	assert.Equal(t, "Credentials{AccessKeyID: AKID****, AccessKeySecret: <redacted>, SecurityToken: <redacted>, Expiration: 2026-11-23T12:00:00Z}",
		creds.String())
	assert.Equal(t, `File{AccessKeyID: AKID****, AccessKeySecret: <redacted>, SecurityToken: "", RAMRole: "r", Unknown: []}`,
		File{AccessKeyID: sentinelKeyID, AccessKeySecret: sentinelSecret, RAMRole: "r"}.String())
	assert.Equal(t, "credentials.Provider(credentials file "+strings.TrimPrefix(static.Source(), "credentials file ")+")",
		fmt.Sprint(static))
	assert.Contains(t, fmt.Sprintf("%+v", Credentials{AccessKeyID: "short"}), "AccessKeyID: ****,")
}

// Every error this package can produce, fed with sentinel values wherever the
// input allows, must mention none of them.
func TestErrorsNeverShowSecrets(t *testing.T) {
	dir := t.TempDir()
	var errs []error
	collect := func(err error) {
		t.Helper()
		require.Error(t, err)
		errs = append(errs, err)
	}

	malformed := []string{
		sentinelKeysFile + sentinelSecret,
		sentinelKeysFile + "[" + sentinelSecret + "]",
		"KEY " + sentinelSecret + "=" + sentinelSecret,
		"export " + sentinelSecret,
		`ALIBABA_CLOUD_ACCESS_KEY_SECRET="` + sentinelSecret,
		`ALIBABA_CLOUD_ACCESS_KEY_SECRET='` + sentinelSecret + `'` + sentinelToken,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sentinelSecret + " " + sentinelToken,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sentinelSecret + "\x07",
		`ALIBABA_CLOUD_ACCESS_KEY_SECRET="` + sentinelSecret + `\t"`,
		sentinelKeysFile + sentinelKeysFile,
		sentinelKeysFile + "ALIBABA_CLOUD_SECURITY_TOKEN=" + sentinelToken,
		"ALIBABA_CLOUD_ACCESS_KEY_ID=" + sentinelKeyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sentinelSecret,
		"ALIBABA_CLOUD_ACCESS_STS_TOKEN=" + sentinelToken,
		"ALIBABA_CLOUD_RAM_ROLE=" + sentinelSecret + "/x",
		"OTHER=" + sentinelSecret,
	}
	for i, data := range malformed {
		_, err := ParseFile([]byte(data))
		if i == len(malformed)-1 {
			require.NoError(t, err) // parses, but New finds neither keys nor role
		} else {
			collect(err)
		}
		_, err = New(Options{File: writeFile(t, dir, fmt.Sprint("bad", i), data), Getenv: envOf(nil)})
		collect(err)
	}
	_, err := New(Options{File: writeFile(t, dir, "role", "ALIBABA_CLOUD_RAM_ROLE=role\n"), NotOnECS: true})
	collect(err)
	_, err = New(Options{File: filepath.Join(dir, "missing")})
	collect(err)

	tokenFile := writeFile(t, dir, "token", sentinelToken)
	for _, env := range []map[string]string{
		{keyAccessKeyID: sentinelKeyID},
		{keyAccessKeySecret: sentinelSecret},
		{keySecurityToken: sentinelToken},
		{keyAccessKeyID: sentinelKeyID, keySecurityToken: sentinelToken},
		{envRoleARN: "r"},
		{envRoleARN: "r", envOIDCProviderARN: "p", envOIDCTokenFile: tokenFile, envSTSRegion: sentinelSecret},
		{envECSRoleName: sentinelSecret + "/x"},
		{metadata.EnvDisabled: "true"},
	} {
		_, err := New(Options{Getenv: envOf(env)})
		collect(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f := newFakeMetadata(t, "node-role")
	p := newECSProvider(t, f)
	_, err = p.Credentials(ctx)
	collect(err)
	for _, answer := range []fakeResponse{
		{500, "internal error"},
		{200, "{" + sentinelSecret},
		okJSON(t, map[string]any{"Code": "Failed", "AccessKeyId": sentinelKeyID, "AccessKeySecret": sentinelSecret, "SecurityToken": sentinelToken, "Expiration": "x"}),
		okJSON(t, sessionJSON(sentinelKeyID, sentinelSecret, sentinelToken, time.Now())), // no Code: credentials-go panics
		okJSON(t, map[string]any{"Code": "Success", "AccessKeyId": sentinelKeyID, "AccessKeySecret": sentinelSecret, "SecurityToken": sentinelToken, "Expiration": "x"}),
		okJSON(t, map[string]any{"Code": "Success", "AccessKeyId": "", "AccessKeySecret": "", "SecurityToken": sentinelToken, "Expiration": "2099-01-01T00:00:00Z"}),
	} {
		f.set(0, answer)
		_, err := p.Credentials(context.Background())
		collect(err)
		_, err = p.Credential().GetCredential()
		collect(err)
	}

	for _, err := range errs {
		assertNoSecrets(t, err.Error())
		assert.NotContains(t, err.Error(), "SENTINEL", "%v", err)
	}
	assert.Len(t, errs, 2*(len(malformed)-1)+1+1+1+8+1+2*6)
}
