package oss_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/rampolicy"
)

// ramPolicyFile is the least-privilege policy users attach to the RAM user or role the plugin runs as.
const ramPolicyFile = "../../../examples/velero-install/ram-policy-oss.json"

// sdkRequests maps each SDK method this package calls (on c.sdk or c.signer) to the OSS requests it
// sends and the RAM action that authorises each. Read from the code, not from the documentation of
// every method the SDK has; the RAM names are those of the OSS API reference.
var sdkRequests = map[string][]struct{ request, action string }{
	// upload.go putSingle: bodies up to one part.
	"PutObject": {{"PutObject", "oss:PutObject"}},
	// upload_multipart.go: the multipart requests are all authorised by oss:PutObject. We never list
	// parts (no resuming), so no oss:ListParts.
	"InitiateMultipartUpload": {{"InitiateMultipartUpload", "oss:PutObject"}},
	"UploadPart":              {{"UploadPart", "oss:PutObject"}},
	"CompleteMultipartUpload": {{"CompleteMultipartUpload", "oss:PutObject"}},
	// upload.go abort: our own clean-up of a failed multipart upload.
	"AbortMultipartUpload": {{"AbortMultipartUpload", "oss:AbortMultipartUpload"}},
	// download.go GetObject.
	"GetObject": {{"GetObject", "oss:GetObject"}},
	// client.go ObjectExists: the SDK sends HEAD ?objectMeta (GetObjectMeta).
	"IsObjectExist": {{"GetObjectMeta", "oss:GetObject"}},
	// client.go SignedURL presigns a GetObjectRequest locally; OSS authorises the later GET as the
	// signer, so the signer needs oss:GetObject.
	"Presign": {{"GetObject (presigned URL)", "oss:GetObject"}},
	// list.go eachPage: ListObjectsV2 (GetBucketV2), bucket-level.
	"NewListObjectsV2Paginator": {{"ListObjectsV2", "oss:ListObjects"}},
	// client.go DeleteObject, and upload_multipart.go removeQuietly of an object that failed its CRC check.
	"DeleteObject": {{"DeleteObject", "oss:DeleteObject"}},
}

// TestRAMPolicyCoversExactlyTheSDKCalls fails when the package calls an SDK method not listed above,
// stops calling one, or when the example policy grants more or less than the listed actions.
func TestRAMPolicyCoversExactlyTheSDKCalls(t *testing.T) {
	t.Run("every SDK method called is listed", func(t *testing.T) {
		assert.Equal(t, slices.Sorted(maps.Keys(sdkRequests)), sdkMethodsCalled(t),
			"update sdkRequests (and the policy) for the SDK methods pkg/cloud/oss calls")
	})

	t.Run("the policy grants exactly their actions", func(t *testing.T) {
		statements, err := rampolicy.Read(ramPolicyFile)
		require.NoError(t, err)
		require.Len(t, statements, 1)
		st := statements[0]
		assert.Equal(t, "Allow", st.Effect)
		assert.Equal(t, []string{"acs:oss:*:*:cnfs-oss*", "acs:oss:*:*:cnfs-oss*/*"}, st.Resource,
			"the bucket (for listing) and its objects, for buckets named by the cnfs-oss-* convention")

		want := map[string]bool{}
		for _, reqs := range sdkRequests {
			for _, r := range reqs {
				want[r.action] = true
			}
		}
		got := map[string]bool{}
		for _, a := range st.Action {
			assert.False(t, got[a], "action %s is listed twice", a)
			got[a] = true
		}
		assert.Equal(t, want, got)
	})
}

// sdkMethodsCalled returns the sorted names of the methods the package's non-test code calls on the
// fields c.sdk and c.signer, where every OSS request starts.
// sdkFields are the client's fields that hold SDK clients.
var sdkFields = []string{"sdk", "signer"}

func sdkMethodsCalled(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	seen := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			method, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if field, ok := method.X.(*ast.SelectorExpr); ok && slices.Contains(sdkFields, field.Sel.Name) {
				seen[method.Sel.Name] = true
			}
			return true
		})
	}
	out := slices.Sorted(maps.Keys(seen))
	require.NotEmpty(t, out, "found no SDK calls: has the client's sdk field been renamed?")
	return out
}
