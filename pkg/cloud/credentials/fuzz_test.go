package credentials

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// FuzzParseFile checks that ParseFile never panics, that whatever it accepts
// survives a write-and-read round trip, and that its errors are built only
// from fixed text, key names and line numbers, so no value from the input
// can ever show up in one.
//
// CI: go test -run='^$' -fuzz='^FuzzParseFile$' -fuzztime=10s ./pkg/cloud/credentials
func FuzzParseFile(f *testing.F) {
	for _, seed := range []string{
		"",
		"\uFEFF",
		sentinelKeysFile,
		"ALIBABA_CLOUD_ACCESS_KEY_ID=a\r\nALIBABA_CLOUD_ACCESS_KEY_SECRET=b\r\n",
		"export ALIBABA_CLOUD_ACCESS_KEY_ID = 'a b'\nALIBABA_CLOUD_ACCESS_KEY_SECRET=\"c\\\"d\\\\\" # x\n",
		"ALIBABA_CLOUD_RAM_ROLE=role # comment\n# full line\n\nOTHER=1\n",
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=#notacomment\nALIBABA_CLOUD_ACCESS_KEY_ID= # a comment\n",
		"[default]\ntype = access_key\n",
		"KEY\n",
		"ALIBABA_CLOUD_ACCESS_KEY_ID=a\nALIBABA_CLOUD_ACCESS_KEY_ID=a\n",
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET=\"unterminated\n",
		"export=1\nexport  \n",
	} {
		f.Add([]byte(seed))
	}
	for _, name := range []string{"velero-plugin-example.env", "sts-windows.env", "ram-role.env"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	known := knownErrorTexts()

	f.Fuzz(func(t *testing.T, data []byte) {
		parsed, err := ParseFile(data)
		if err != nil {
			checkErrorText(t, err.Error(), data, known)
			return
		}
		for i, key := range parsed.Unknown {
			if !validKey(key) || (&File{}).fieldFor(key) != nil || slices.Index(parsed.Unknown, key) != i {
				t.Fatalf("Unknown holds a bad, known or repeated key %q: %q", key, parsed.Unknown)
			}
		}
		again, err := ParseFile(serialize(parsed))
		if err != nil {
			t.Fatalf("re-serialised file does not parse: %v\n%q", err, serialize(parsed))
		}
		if !reflect.DeepEqual(again, parsed) {
			t.Fatalf("round trip changed the file:\n%q\nbecame\n%q", serialize(parsed), serialize(again))
		}
	})
}

// serialize writes f back as a dotenv file, every value double-quoted.
func serialize(f File) []byte {
	var b strings.Builder
	quote := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	for _, kv := range [][2]string{
		{keyAccessKeyID, f.AccessKeyID}, {keyAccessKeySecret, f.AccessKeySecret},
		{keySecurityToken, f.SecurityToken}, {keyRAMRole, f.RAMRole},
	} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "%s=\"%s\"\n", kv[0], quote.Replace(kv[1]))
		}
	}
	for _, key := range f.Unknown {
		fmt.Fprintf(&b, "%s=\n", key)
	}
	return []byte(b.String())
}

var digits = regexp.MustCompile(`[0-9]+`)

// knownErrorTexts lists every error ParseFile can return, with line numbers
// written as 0.
func knownErrorTexts() []string {
	var texts []string
	for _, reason := range []error{errNotKeyValue, errINISection, errInvalidKey, errUnterminated, errAfterQuote,
		errUnquotedSpace, errControlChar, errUnsupportedEsc, errExportWithoutKV} {
		texts = append(texts, "credentials file line 0: "+reason.Error())
	}
	for _, key := range []string{keyAccessKeyID, keyAccessKeySecret, keySecurityToken, keyLegacySTSToken, keyRAMRole} {
		texts = append(texts, "credentials file line 0: "+key+" is already set on line 0")
	}
	texts = append(texts,
		fmt.Sprintf("credentials file sets both %s and %s, keep one", keyLegacySTSToken, keySecurityToken),
		fmt.Sprintf("credentials file sets %s to something that is not a RAM role name", keyRAMRole))
	for _, tokenKey := range []string{keySecurityToken, keyLegacySTSToken} {
		for _, pair := range [][3]string{{"id", "", ""}, {"", "secret", ""}, {"", "", "token"}} {
			texts = append(texts, checkKeyPair("credentials file", pair[0], pair[1], pair[2], tokenKey).Error())
		}
	}
	return texts
}

// checkErrorText requires the error to be one of the known texts, and, as a
// direct check, that no value after '=' in the input appears in it, unless
// that value happens to be part of the fixed text (a file may well contain
// "X=ALIBABA_CLOUD_RAM_ROLE").
func checkErrorText(t *testing.T, text string, data []byte, known []string) {
	t.Helper()
	skeleton := digits.ReplaceAllString(text, "0")
	if !slices.Contains(known, skeleton) {
		t.Fatalf("unexpected error text %q", text)
	}
	for _, line := range strings.Split(string(data), "\n") {
		_, after, found := strings.Cut(line, "=")
		if !found {
			continue
		}
		for _, value := range []string{strings.TrimSpace(after), strings.Trim(strings.TrimSpace(after), `'"`)} {
			if len(value) < 4 || !strings.Contains(text, value) {
				continue
			}
			if !strings.Contains(skeleton, digits.ReplaceAllString(value, "0")) {
				t.Fatalf("error %q contains the input value %q", text, value)
			}
		}
	}
}
