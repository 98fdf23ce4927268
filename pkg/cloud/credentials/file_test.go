package credentials

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseFileAccepts(t *testing.T) {
	keys := File{AccessKeyID: "LTAI5tExample", AccessKeySecret: "s3cr3t/+="}
	tests := []struct {
		name string
		data string
		want File
	}{
		{"plain", "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tExample\nALIBABA_CLOUD_ACCESS_KEY_SECRET=s3cr3t/+=\n", keys},
		{"no final newline", "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tExample\nALIBABA_CLOUD_ACCESS_KEY_SECRET=s3cr3t/+=", keys},
		{"CRLF and BOM", "\uFEFFALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tExample\r\nALIBABA_CLOUD_ACCESS_KEY_SECRET=s3cr3t/+=\r\n", keys},
		{"export and spaces around =", "export ALIBABA_CLOUD_ACCESS_KEY_ID = LTAI5tExample\n\texport\tALIBABA_CLOUD_ACCESS_KEY_SECRET=\ts3cr3t/+=  \n", keys},
		{"quotes", "ALIBABA_CLOUD_ACCESS_KEY_ID='LTAI5tExample'\nALIBABA_CLOUD_ACCESS_KEY_SECRET=\"s3cr3t/+=\"\n", keys},
		{"comments and blank lines",
			"# Velero secret\n\n   # indented comment\nALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tExample   # the key\n" +
				"ALIBABA_CLOUD_ACCESS_KEY_SECRET=\"s3cr3t/+=\"# right after the quote\n\n", keys},
		{"escapes in double quotes", `ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tExample` + "\n" + `ALIBABA_CLOUD_ACCESS_KEY_SECRET="a\"b\\c d"`,
			File{AccessKeyID: "LTAI5tExample", AccessKeySecret: `a"b\c d`}},
		{"single quotes are literal", `ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tExample` + "\n" + `ALIBABA_CLOUD_ACCESS_KEY_SECRET='a\"b # c'`,
			File{AccessKeyID: "LTAI5tExample", AccessKeySecret: `a\"b # c`}},
		{"hash inside a bare value", "ALIBABA_CLOUD_ACCESS_KEY_ID=LTAI5tExample\nALIBABA_CLOUD_ACCESS_KEY_SECRET=#abc#def\n",
			File{AccessKeyID: "LTAI5tExample", AccessKeySecret: "#abc#def"}},
		{"legacy STS token name", "ALIBABA_CLOUD_ACCESS_KEY_ID=STS.x\nALIBABA_CLOUD_ACCESS_KEY_SECRET=y\nALIBABA_CLOUD_ACCESS_STS_TOKEN=z\n",
			File{AccessKeyID: "STS.x", AccessKeySecret: "y", SecurityToken: "z"}},
		{"credentials-go token name", "ALIBABA_CLOUD_ACCESS_KEY_ID=STS.x\nALIBABA_CLOUD_ACCESS_KEY_SECRET=y\nALIBABA_CLOUD_SECURITY_TOKEN=z\n",
			File{AccessKeyID: "STS.x", AccessKeySecret: "y", SecurityToken: "z"}},
		{"RAM role only", "ALIBABA_CLOUD_RAM_ROLE=KubernetesWorkerRole-123\n", File{RAMRole: "KubernetesWorkerRole-123"}},
		{"empty values are unset", "ALIBABA_CLOUD_ACCESS_KEY_ID=\nALIBABA_CLOUD_ACCESS_KEY_SECRET=  # none\nALIBABA_CLOUD_ACCESS_STS_TOKEN=''\nALIBABA_CLOUD_RAM_ROLE=r\n",
			File{RAMRole: "r"}},
		{"unknown keys are reported once, in order", "ALIBABA_CLOUD_ENCRYPTION_KEY_ID=kms-1\nfoo=1\nALIBABA_CLOUD_ENCRYPTION_KEY_ID=kms-2\nexport=x\nALIBABA_CLOUD_RAM_ROLE=r\n",
			File{RAMRole: "r", Unknown: []string{"ALIBABA_CLOUD_ENCRYPTION_KEY_ID", "foo", "export"}}},
		{"keys are case-sensitive", "alibaba_cloud_access_key_id=x\n", File{Unknown: []string{"alibaba_cloud_access_key_id"}}},
		{"empty file", "", File{}},
		{"only a BOM", "\uFEFF", File{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFile([]byte(tt.data))
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseFileRejects(t *testing.T) {
	const id, secret = "ALIBABA_CLOUD_ACCESS_KEY_ID=" + sentinelKeyID + "\n", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sentinelSecret + "\n"
	tests := []struct {
		name    string
		data    string
		wantErr string
	}{
		{"line without =", id + secret + sentinelToken + "\n", "credentials file line 3: expected KEY=VALUE"},
		{"INI profile", "[default]\naccess_key_id = " + sentinelKeyID + "\n", "line 1: INI section headers are not supported"},
		{"key with a space", id + "ALIBABA CLOUD=" + sentinelSecret + "\n", "line 2: key must be letters"},
		{"key starting with a digit", "1KEY=" + sentinelSecret, "line 1: key must be letters"},
		{"empty key", "=" + sentinelSecret, "line 1: key must be letters"},
		{"export without assignment", "export " + sentinelSecret, "line 1: export must be followed by KEY=VALUE"},
		{"unterminated double quote", id + `ALIBABA_CLOUD_ACCESS_KEY_SECRET="` + sentinelSecret, "line 2: quoted value has no closing quote"},
		{"unterminated single quote", `ALIBABA_CLOUD_ACCESS_KEY_SECRET='` + sentinelSecret, "line 1: quoted value has no closing quote"},
		{"text after the quote", `ALIBABA_CLOUD_ACCESS_KEY_SECRET="` + sentinelSecret + `"x`, "line 1: only a # comment may follow"},
		{"space in a bare value", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=SECRET- SENTINEL", "line 1: value contains whitespace, quote it"},
		{"control character", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=\"" + sentinelSecret + "\x00\"", "line 1: value contains a control character"},
		{"bare control character", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=" + sentinelSecret + "\x1b", "line 1: value contains a control character"},
		{"unsupported escape", `ALIBABA_CLOUD_ACCESS_KEY_SECRET="` + sentinelSecret + `\n"`, `line 1: double-quoted value has an escape other than`},
		{"duplicate key", id + secret + "ALIBABA_CLOUD_ACCESS_KEY_ID=AKID-OTHER\n", "credentials file line 3: ALIBABA_CLOUD_ACCESS_KEY_ID is already set on line 1"},
		{"duplicate key with the same value", secret + id + secret, "line 3: ALIBABA_CLOUD_ACCESS_KEY_SECRET is already set on line 1"},
		{"both token names", id + secret + "ALIBABA_CLOUD_ACCESS_STS_TOKEN=" + sentinelToken + "\nALIBABA_CLOUD_SECURITY_TOKEN=" + sentinelToken,
			"credentials file sets both ALIBABA_CLOUD_ACCESS_STS_TOKEN and ALIBABA_CLOUD_SECURITY_TOKEN, keep one"},
		{"key ID without secret", id, "credentials file sets ALIBABA_CLOUD_ACCESS_KEY_ID but not ALIBABA_CLOUD_ACCESS_KEY_SECRET"},
		{"secret without key ID", secret, "credentials file sets ALIBABA_CLOUD_ACCESS_KEY_SECRET but not ALIBABA_CLOUD_ACCESS_KEY_ID"},
		{"empty secret", id + "ALIBABA_CLOUD_ACCESS_KEY_SECRET=\n", "sets ALIBABA_CLOUD_ACCESS_KEY_ID but not ALIBABA_CLOUD_ACCESS_KEY_SECRET"},
		{"token without keys", "ALIBABA_CLOUD_ACCESS_STS_TOKEN=" + sentinelToken,
			"credentials file sets ALIBABA_CLOUD_ACCESS_STS_TOKEN but not ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET"},
		{"RAM role that is not a name", "ALIBABA_CLOUD_RAM_ROLE='" + sentinelSecret + "/../x'",
			"credentials file sets ALIBABA_CLOUD_RAM_ROLE to something that is not a RAM role name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseFile([]byte(tt.data))
			require.Error(t, err)
			assert.Equal(t, File{}, got, "a rejected file yields nothing")
			assert.Contains(t, err.Error(), tt.wantErr)
			assertNoSentinels(t, err.Error())
		})
	}
}

// The fixtures in testdata are what users have: the open-source plugin's
// example and a hand-edited Windows file.
func TestParseFileFixtures(t *testing.T) {
	tests := map[string]File{
		"velero-plugin-example.env": {AccessKeyID: "LTAI5tExampleKeyId00000", AccessKeySecret: "ExampleSecret000000000000000000"},
		"sts-windows.env": {
			AccessKeyID: "STS.NExampleId", AccessKeySecret: "ExampleSecret", SecurityToken: "CAIS+example/token==",
			Unknown: []string{"ALIBABA_CLOUD_ENCRYPTION_KEY_ID"},
		},
		"ram-role.env": {RAMRole: "KubernetesWorkerRole-example"},
	}
	for name, want := range tests {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			require.NoError(t, err)
			got, err := ParseFile(data)
			require.NoError(t, err)
			assert.Equal(t, want, got)
		})
	}
}

func assertNoSentinels(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{sentinelKeyID, sentinelSecret, sentinelToken, "SENTINEL"} {
		assert.False(t, strings.Contains(text, s), "%q leaks %q", text, s)
	}
}
