//go:build e2e

package suite

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const selectionObjects = `apiVersion: v1
kind: Namespace
metadata: {name: sysns-app}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: sysns-probe, namespace: sysns-app, labels: {csdr-e2e: sysns}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: sysns-probe, namespace: kube-system, labels: {csdr-e2e: sysns}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: sysns-probe, namespace: kube-public, labels: {csdr-e2e: sysns}}
`

// System namespaces stay out of a backup of everything and come in when the backup names them.
func TestSystemNamespacesOnlyWhenNamed(t *testing.T) {
	t.Parallel()
	_, err := env.a.Kubectl(ctx(t), strings.NewReader(selectionObjects), "apply", "-f", "-")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, _ = env.a.Kubectl(ctx(t), nil, "delete", "namespace", "sysns-app", "--wait=false")
		_, _ = env.a.Kubectl(ctx(t), nil, "-n", "kube-system", "delete", "configmap", "sysns-probe")
		_, _ = env.a.Kubectl(ctx(t), nil, "-n", "kube-public", "delete", "configmap", "sysns-probe")
	})

	backup(t, env.a, "sysns-all", "--selector", "csdr-e2e=sysns")
	assert.Equal(t, []string{"sysns-app/sysns-probe"}, configMapsIn(t, "sysns-all"))

	backup(t, env.a, "sysns-named", "--selector", "csdr-e2e=sysns", "--include-namespaces", "sysns-app,kube-system")
	assert.Equal(t, []string{"kube-system/sysns-probe", "sysns-app/sysns-probe"}, configMapsIn(t, "sysns-named"))
}

// configMapsIn lists the ConfigMaps `velero backup describe --details` says a backup holds.
func configMapsIn(t *testing.T, backupName string) []string {
	t.Helper()
	out, err := env.a.Velero(ctx(t), "backup", "describe", backupName, "--details")
	require.NoError(t, err)
	var cms []string
	in := false
	for _, line := range strings.Split(out, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "v1/ConfigMap:":
			in = true
		case in && strings.HasPrefix(trimmed, "- "):
			cms = append(cms, strings.TrimPrefix(trimmed, "- "))
		case in:
			in = false
		}
	}
	return cms
}
