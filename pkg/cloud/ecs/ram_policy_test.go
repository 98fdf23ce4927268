package ecs_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/csdr-io/velero-plugin-for-alibabacloud/pkg/cloud/internal/rampolicy"
)

// ramPolicyFile is the least-privilege ECS policy for the VolumeSnapshotter's RAM user or role.
const ramPolicyFile = "../../../examples/velero-install/ram-policy-ecs.json"

// Every ECS request starts as sdk.<Action>WithOptions(...) in this package, and each RPC action is
// authorised by the RAM action of the same name. The policy must grant exactly those.
func TestRAMPolicyGrantsExactlyTheActionsCalled(t *testing.T) {
	statements, err := rampolicy.Read(ramPolicyFile)
	require.NoError(t, err)
	require.Len(t, statements, 1)
	assert.Equal(t, "Allow", statements[0].Effect)
	granted := append([]string(nil), statements[0].Action...)
	sort.Strings(granted)
	assert.Equal(t, actionsCalled(t), granted)
}

func actionsCalled(t *testing.T) []string {
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
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "sdk" && strings.HasSuffix(sel.Sel.Name, "WithOptions") {
						seen["ecs:"+strings.TrimSuffix(sel.Sel.Name, "WithOptions")] = true
					}
				}
			}
			return true
		})
	}
	out := make([]string, 0, len(seen))
	for a := range seen {
		out = append(out, a)
	}
	sort.Strings(out)
	require.NotEmpty(t, out, "found no SDK calls: do requests still start as sdk.<Action>WithOptions?")
	return out
}
